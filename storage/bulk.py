"""Inserting many exported contacts at once: in batches, whatever the number of rows.

Rows go in by COPY (PostgreSQL) or the driver's executemany (SQLite) in batches, never one flush a row; every list of ids or
names sent to the database is cut into pieces of at most CHUNK, far below PostgreSQL's
65,535 parameters a statement.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from functools import lru_cache
from typing import Any, TypeVar

from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session

from storage.folding import fold
from storage.models import Contact, Organisation
from storage.rows import batches, insert_rows
from storage.search import SEARCH_INSERT_TRIGGER

BATCH = 1000  # rows a statement
CHUNK = 1000  # values in one IN (…)
T = TypeVar("T")


def pieces(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """`items` in consecutive pieces of at most `size`."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def ids_taken(session: Session, ids: Sequence[int]) -> list[int]:
    """Which of `ids` are already in the database, in order (two parameters, any size)."""
    if not ids:
        return []
    wanted = set(ids)
    stored = select(Contact.id).where(Contact.id.between(min(wanted), max(wanted)))
    return sorted(i for i in session.scalars(stored.execution_options(yield_per=10_000)) if i in wanted)


def organisation_ids(session: Session, records: Sequence[dict[str, Any]]) -> dict[str, int]:
    """The id of every record's organisation by its key, creating the missing ones (named as
    first written, created when their first contact was)."""
    first: dict[str, tuple[str, datetime]] = {}
    for record in records:
        name = str(record["organisation"])
        first.setdefault(organisation_key(name), (name, record["created_at"]))
    keys = list(first)
    found: dict[str, int] = {}
    for piece in pieces(keys, CHUNK):
        rows = session.execute(
            select(Organisation.name_key, Organisation.id).where(Organisation.name_key.in_(piece))
        )
        found.update({key: id_ for key, id_ in rows})
    missing = [
        {"name": first[key][0], "name_key": key, "created_at": first[key][1]}
        for key in keys
        if key not in found
    ]
    for batch in pieces(missing, BATCH):
        session.execute(insert(Organisation), list(batch))
    if missing:
        for piece in pieces([row["name_key"] for row in missing], CHUNK):
            rows = session.execute(
                select(Organisation.name_key, Organisation.id).where(Organisation.name_key.in_(piece))
            )
            found.update({key: id_ for key, id_ in rows})
    return found


def insert_contacts(session: Session, records: Sequence[dict[str, Any]]) -> int:
    """Insert exported contacts with every field as it was (ids too): COPY on PostgreSQL,
    the driver's executemany on SQLite, in batches (storage/rows.py)."""
    organisations = organisation_ids(session, records)
    if not records:
        return 0
    rows = (_row(record, organisations) for record in records)
    table = Contact.__table__
    columns = list(_row(records[0], organisations))
    if session.get_bind().dialect.name == "postgresql":
        insert_rows(session, table, columns, rows)
        # Explicit ids do not move PostgreSQL's sequence; move it past them.
        session.execute(
            text(
                "SELECT setval(pg_get_serial_sequence('contacts', 'id'),"
                " (SELECT COALESCE(MAX(id), 1) FROM contacts))"
            )
        )
    elif session.get_bind().dialect.name == "sqlite":
        if min(int(str(record["id"])) for record in records) > largest_id(session):
            with triggers_afterwards(session):
                insert_rows(session, table, columns, rows)
        elif _has_search_table(session):
            # Ids among the stored ones: the text index is filled batch by batch instead.
            session.execute(text("DROP TRIGGER contacts_search_insert"))
            indexed = "INSERT INTO contacts_search(rowid, search_text) VALUES (?, ?)"
            for batch in batches(rows, BATCH):
                insert_rows(session, table, columns, batch)
                session.connection().exec_driver_sql(
                    indexed, [(row["id"], row["search_text"]) for row in batch]
                )
            session.execute(text(SEARCH_INSERT_TRIGGER))
        else:
            insert_rows(session, table, columns, rows)
    else:
        insert_rows(session, table, columns, rows)
    return len(records)


# SQLite's per-row triggers on a new contact (migrations 0008 and 0009), and the statement
# that does their work for all the contacts with an id above :last at once.
_AFTERWARDS = {
    "contacts_search_insert": (
        "INSERT INTO contacts_search(rowid, search_text) SELECT id, search_text FROM contacts WHERE id > :last"
    ),
    "contact_months_insert": (
        "INSERT INTO contact_months (month, active) "
        "SELECT strftime('%Y-%m-01', contact_date), count(*) FROM contacts "
        "WHERE id > :last AND withdrawn_at IS NULL GROUP BY 1 "
        "ON CONFLICT (month) DO UPDATE SET active = active + excluded.active"
    ),
}


def largest_id(session: Session) -> int:
    """The largest contact id stored, 0 when there are none."""
    return session.scalar(text("SELECT COALESCE(MAX(id), 0) FROM contacts")) or 0


@contextmanager
def triggers_afterwards(session: Session) -> Iterator[None]:
    """SQLite: the contacts inserted inside, all with ids above every stored one, get into
    the text index and the month counts in one statement each at the end, instead of through
    the per-row triggers (several times slower for many rows); the triggers are then made
    again as they were, in the same transaction. Elsewhere: nothing changes."""
    if session.get_bind().dialect.name != "sqlite":
        yield
        return
    last = largest_id(session)
    names = ", ".join(f"'{name}'" for name in _AFTERWARDS)
    triggers = session.execute(
        text(f"SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name IN ({names})")
    ).all()
    for name, _sql in triggers:
        session.execute(text(f"DROP TRIGGER {name}"))
    yield
    for name, sql in triggers:
        session.execute(text(_AFTERWARDS[name]), {"last": last})
        session.connection().exec_driver_sql(sql)


@lru_cache(maxsize=10_000)
def organisation_key(name: str) -> str:
    """An organisation's key (imports repeat the same few names many times)."""
    return fold(name)[:200]


def _has_search_table(session: Session) -> bool:
    found = "SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = 'contacts_search_insert'"
    return session.scalar(text(found)) is not None


def _row(record: dict[str, Any], organisations: dict[str, int]) -> dict[str, Any]:
    row = dict(record)
    name = str(row.pop("organisation"))
    row["organisation_id"] = organisations[organisation_key(name)]
    parts = (name, row.get("person"), row.get("city"), row.get("summary"))
    row["search_text"] = fold(" ".join(str(p) for p in parts if p))
    return row
