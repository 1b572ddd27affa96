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
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, column, func, select, table, text, true
from sqlalchemy.orm import Session

from storage.folding import fold
from storage.models import Contact

log = logging.getLogger(__name__)


@dataclass
class Page:
    """Some contacts, and how many there are in all (when `capped`: more than `total`)."""

    contacts: list[Contact]
    total: int
    capped: bool = False


TRIGRAM = 3  # the shortest word an index of trigrams can find
# Matches in the index up to which a search sorts them all; past it, it walks the list order.
DENSE = 2000
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
        self.dense = DENSE
        if not self.available:
            log.warning(
                "searches scan every contact: the database has no text index%s",
                " (the pg_trgm extension could not be created)" if self.backend == "postgresql" else "",
            )

    def page(self, session: Session, words: list[str], limit: int, offset: int, count_up_to: int) -> Page:
        """A page of the contacts matching every word, newest meeting first, and how many
        match, counted up to `count_up_to`."""
        active = Contact.withdrawn_at.is_(None)
        folded = [fold(word) for word in words]
        long = [word for word in folded if len(word) >= TRIGRAM]
        if not self.available or self.backend != "sqlite" or not long:
            condition = scan(folded)
            total = _count(session, select(Contact.id).where(active, condition), count_up_to)
            rows = _newest(select(Contact).where(active, condition), limit, offset)
            return _page(session, rows, total, count_up_to)
        # SQLite: walk the index's matches in rowid order, stopping after DENSE of them.
        indexed = fts_table.join(Contact, Contact.id == fts_table.c.rowid)
        condition = and_(
            text("contacts_search MATCH :query").bindparams(query=fts_query(long)),
            active,
            scan(word for word in folded if len(word) < TRIGRAM),
        )
        found = _count(
            session, select(Contact.id).select_from(indexed).where(condition), max(self.dense, count_up_to)
        )
        if found <= self.dense:
            # Few: sort them all (at most DENSE) by date.
            rows = _newest(select(Contact).select_from(indexed).where(condition), limit, offset)
        else:
            # Many (at least one contact in every few hundred): walk the list order and keep the
            # matching ones, which come soon.
            listing = select(Contact).with_hint(Contact, "INDEXED BY ix_contacts_listing", "sqlite")
            rows = _newest(listing.where(active, scan(folded)), limit, offset)
        return _page(session, rows, found, count_up_to)


# SQLite's FTS5 table (migration 0008): its rowid is the contact's id.
fts_table = table("contacts_search", column("rowid"))


def _count(session: Session, statement: Select[Any], up_to: int) -> int:
    """How many rows `statement` gives, stopping after up_to + 1."""
    found = statement.limit(up_to + 1).subquery()
    return session.scalar(select(func.count()).select_from(found)) or 0


def _newest(statement: Select[Any], limit: int, offset: int) -> Select[Any]:
    order = (Contact.contact_date.desc(), Contact.id.desc())
    return statement.order_by(*order).limit(limit).offset(offset)


def _page(session: Session, statement: Select[Any], found: int, count_up_to: int) -> Page:
    contacts = list(session.scalars(statement).unique().all())
    return Page(contacts, min(found, count_up_to), capped=found > count_up_to)
