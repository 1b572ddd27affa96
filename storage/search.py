"""Finding contacts by words through the database's own text index.

Every contact's folded organisation, person, city and summary are in `search_text`; a word
matches when its folded form is part of it. SQLite looks words up in `contacts_search`
(FTS5, trigram tokenizer), PostgreSQL in a `pg_trgm` GIN index that `LIKE` uses. A word
shorter than three letters has no trigram: it is matched by a scan, narrowed first by the
longer words when there are any. Without an index the plain scan answers.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from sqlalchemy import ColumnElement, and_, literal_column, select, text, true
from sqlalchemy.orm import Session

from storage.folding import fold
from storage.models import Contact

log = logging.getLogger(__name__)

TRIGRAM = 3  # the shortest word an index of trigrams can find
# SQLite: the trigger that indexes each new contact (made by migration 0008; a bulk import
# drops it for its transaction, indexes its rows in batches, and makes it again).
SEARCH_INSERT_TRIGGER = (
    "CREATE TRIGGER contacts_search_insert AFTER INSERT ON contacts BEGIN "
    "INSERT INTO contacts_search(rowid, search_text) VALUES (new.id, new.search_text); END"
)


def scan(words: Iterable[str]) -> ColumnElement[bool]:
    """Contacts containing every word: `LIKE '%word%'` over every contact (no index)."""
    condition: ColumnElement[bool] = true()
    for word in words:
        condition = and_(condition, Contact.search_text.contains(fold(word), autoescape=True))
    return condition


def fts_query(words: Iterable[str]) -> str:
    """An FTS5 query with every word as a quoted phrase (trigram: a part of the text)."""
    return " AND ".join('"' + word.replace('"', '""') + '"' for word in words)


class SearchIndex:
    """Which text index this database has, found once when the store opens."""

    def __init__(self, session: Session) -> None:
        self.backend = session.get_bind().dialect.name
        if self.backend == "sqlite":
            found = session.scalar(
                text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'contacts_search'")
            )
        else:
            found = session.scalar(
                text("SELECT 1 FROM pg_indexes WHERE indexname = 'ix_contacts_search_trgm'")
            )
        self.available = found is not None
        if not self.available:
            log.warning(
                "searches scan every contact: the database has no text index%s",
                " (the pg_trgm extension could not be created)" if self.backend == "postgresql" else "",
            )

    def matching(self, words: Iterable[str]) -> ColumnElement[bool]:
        """Contacts containing every (unfolded) word, through the index where it helps."""
        folded = [fold(word) for word in words]
        if not self.available or self.backend != "sqlite":
            # PostgreSQL's planner uses the pg_trgm index for these LIKEs by itself.
            return scan(folded)
        long = [word for word in folded if len(word) >= TRIGRAM]
        short = [word for word in folded if len(word) < TRIGRAM]
        condition = scan(short)
        if long:
            found = (
                select(literal_column("rowid"))
                .select_from(text("contacts_search"))
                .where(text("contacts_search MATCH :query").bindparams(query=fts_query(long)))
            )
            condition = and_(Contact.id.in_(found), condition)
        return condition
