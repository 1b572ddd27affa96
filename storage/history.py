"""The append-only history: one row per action on the records, written in the same
transaction as the change it describes.

Nothing here updates or deletes a row; the database refuses it too (migration 0006).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Insert, bindparam, insert, select
from sqlalchemy.orm import Session

from storage.database import Database
from storage.models import HistoryEvent
from storage.rows import insert_rows

ACTIONS = (
    "create",
    "edit",
    "withdraw",
    "restore",
    "import",
    "export",
    "digest",
    "disposal",
    "personal-data-export",
    "personal-data-correction",
    "personal-data-erasure",
)


@dataclass(frozen=True)
class Actor:
    """Who acts (`slack:U012…`, `cli:anna`, `scheduler`) and through what (slack, teams, shell,
    cli, scheduler)."""

    user: str
    via: str


# The counterpart's name and e-mail never enter the history, which can't be changed: it says
# that they were set or changed, not to what, so that erasure and disposal really erase them.
PERSONAL_FIELDS = ("person", "email")
HIDDEN = "***"

_INSERT = insert(HistoryEvent.__table__)

UNKNOWN = Actor("unknown", "unknown")
SCHEDULER = Actor("scheduler", "scheduler")


_IMPORT_COLUMNS = ("contact_id", "action", "actor", "via", "at", "before", "after", "note")


def record_imports(
    session: Session,
    contacts: list[tuple[int, datetime, dict[str, Any]]],
    actor: Actor,
) -> None:
    """One `import` row per imported contact (id, when, its fields), inserted in batches."""
    rows = (
        {
            "contact_id": contact_id,
            "action": "import",
            "actor": actor.user[:150],
            "via": actor.via[:20],
            "at": at,
            "before": None,
            "after": _kept(after),
            "note": None,
        }
        for contact_id, at, after in contacts
    )
    insert_rows(session, HistoryEvent.__table__, _IMPORT_COLUMNS, rows)  # type: ignore[arg-type]


def record(
    session: Session,
    *,
    contact_id: int | None,
    action: str,
    actor: Actor,
    at: datetime,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    note: str | None = None,
) -> None:
    """Add one history row to `session`'s transaction."""
    session.add(HistoryEvent(**_row(contact_id, action, actor, at, before, after, note)))


def insert_row(
    connection: Connection,
    *,
    contact_id: int | None,
    action: str,
    actor: Actor,
    at: datetime,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    note: str | None = None,
) -> None:
    """Insert one history row in `connection`'s transaction (the Core twin of `record`)."""
    connection.execute(_INSERT, _row(contact_id, action, actor, at, before, after, note))


def one_row() -> Insert:
    """An INSERT of one history row naming every column `row` gives (for `Prepared`)."""
    table = HistoryEvent.__table__
    return insert(table).values({name: bindparam(name, type_=table.c[name].type) for name in _IMPORT_COLUMNS})


def row(contact_id: int | None, action: str, actor: Actor, at: datetime, **changes: Any) -> dict[str, Any]:
    """The values of one history row (`before`, `after`, `note` as `record` takes them)."""
    return _row(
        contact_id, action, actor, at, changes.get("before"), changes.get("after"), changes.get("note")
    )


def with_contact(contacts: Insert) -> Insert:
    """One statement (for PostgreSQL) that runs `contacts`, an INSERT of one contact returning
    its id, and inserts that contact's history row: its values are `history_<column>` (from
    `row_for`). It returns the contact's id; one round trip instead of two."""
    new_contact = contacts.cte("new_contact")
    table = HistoryEvent.__table__
    columns = [name for name in _IMPORT_COLUMNS if name != "contact_id"]
    values = [bindparam(f"history_{name}", type_=table.c[name].type) for name in columns]
    chosen = select(new_contact.c.id, *values)
    return insert(table).from_select(["contact_id", *columns], chosen).returning(table.c.contact_id)


def row_for(
    contact_id: int | None, action: str, actor: Actor, at: datetime, **changes: Any
) -> dict[str, Any]:
    """The values of one history row as `with_contact` takes them (`history_<column>`)."""
    return {f"history_{name}": value for name, value in row(contact_id, action, actor, at, **changes).items()}


def _row(
    contact_id: int | None,
    action: str,
    actor: Actor,
    at: datetime,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    note: str | None,
) -> dict[str, Any]:
    if action not in ACTIONS:
        raise ValueError(f"not a history action: {action}")
    return {
        "contact_id": contact_id,
        "action": action,
        "actor": actor.user[:150],
        "via": actor.via[:20],
        "at": at,
        "before": _kept(before),
        "after": _kept(after),
        "note": note,
    }


def record_once(db: Database, **event: Any) -> None:
    """One history row in a transaction of its own (actions that change no contact)."""
    with db.session() as session:
        record(session, **event)


def changed(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the fields whose value differs, before and after."""
    names = [name for name in after if before.get(name) != after.get(name)]
    return {n: before.get(n) for n in names}, {n: after.get(n) for n in names}


def contact_history(db: Database, contact_id: int) -> list[HistoryEvent]:
    """A contact's history, oldest first."""
    with db.session() as session:
        statement = (
            select(HistoryEvent)
            .where(HistoryEvent.contact_id == contact_id)
            .order_by(HistoryEvent.at, HistoryEvent.id)
        )
        return list(session.scalars(statement))


def audit_trail(
    db: Database,
    start: datetime | None = None,
    end: datetime | None = None,
    user: str | None = None,
) -> Iterator[HistoryEvent]:
    """Every event in [start, end), optionally by one user, oldest first."""
    statement = select(HistoryEvent).order_by(HistoryEvent.at, HistoryEvent.id)
    if start is not None:
        statement = statement.where(HistoryEvent.at >= start)
    if end is not None:
        statement = statement.where(HistoryEvent.at < end)
    if user is not None:
        statement = statement.where(HistoryEvent.actor == user)
    with db.read() as session:
        yield from session.scalars(statement.execution_options(yield_per=500))


def event_dict(event: HistoryEvent) -> dict[str, Any]:
    """An event as the audit trail's JSON shows it."""
    return {
        "id": event.id,
        "contact": event.contact_id,
        "action": event.action,
        "user": event.actor,
        "via": event.via,
        "time": event.at.isoformat(),
        "before": event.before,
        "after": event.after,
        "note": event.note,
    }


def _kept(values: dict[str, Any] | None) -> dict[str, Any] | None:
    """`values` as the history keeps them: personal fields hidden, dates and moments as text."""
    if values is None:
        return None
    return {
        k: HIDDEN if k in PERSONAL_FIELDS and v else v.isoformat() if isinstance(v, date) else v
        for k, v in values.items()
    }
