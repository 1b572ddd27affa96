"""Storing contacts imported from a person's spreadsheet: all of them in one transaction, or none."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage import history
from storage.bulk import organisation_key, triggers_afterwards
from storage.contacts import ContactStore, _search_text
from storage.database import Database
from storage.folding import fold
from storage.history import UNKNOWN, Actor
from storage.models import Contact, Organisation
from storage.rows import insert_rows

Key = tuple[str, date, str]
# The table itself, filled by COPY or the driver's executemany (storage/rows.py).
CONTACTS = Contact.__table__
BATCH = 1000


@dataclass
class ImportedContact:
    """A checked contact: its values by attribute, when it counts as logged, and where it came from."""

    values: dict[str, Any]
    logged_at: datetime
    source_key: str


def contact_key(organisation: str, contact_date: date, summary: str) -> Key:
    """What makes two contacts the same: organisation, date and summary, folded."""
    return fold(organisation)[:200], contact_date, fold(summary)


def known_keys(db: Database, dates: Iterable[date]) -> set[Key]:
    """The keys of the stored contacts (withdrawn ones too) met between the earliest and latest of `dates`."""
    days = list(dates)
    if not days:
        return set()
    statement = (
        select(Organisation.name_key, Contact.contact_date, Contact.summary)
        .join(Contact.organisation)
        .where(Contact.contact_date >= min(days), Contact.contact_date <= max(days))
    )
    with db.session() as session:
        return {(name, day, fold(summary)) for name, day, summary in session.execute(statement)}


def store_imported(
    db: Database,
    contacts: list[ImportedContact],
    logged_by: str,
    logged_by_name: str,
    now: datetime,
    actor: Actor = UNKNOWN,
    note: str | None = None,
) -> int:
    """Insert every contact in one transaction (nothing is stored if any insert fails); returns how many.

    Organisations are looked up and created once per name, units take the spelling already in
    use, and the contacts are inserted in batches (COPY or executemany), not one by one.
    """
    store = ContactStore(db)
    with db.session() as session:
        names = {fold(str(c.values["organisation"]))[:200]: str(c.values["organisation"]) for c in contacts}
        organisations = _organisation_ids(session, names, now)
        units: dict[str, str] = {}

        def row(incoming: ImportedContact) -> dict[str, Any]:
            values = dict(incoming.values)
            name = str(values.pop("organisation"))
            if values.get("unit"):
                unit = str(values["unit"])
                if unit.casefold() not in units:
                    units[unit.casefold()] = store._known_unit(session, unit)
                values["unit"] = units[unit.casefold()]
            shown = SimpleNamespace(organisation=SimpleNamespace(name=name), **values)
            return {
                **values,
                "organisation_id": organisations[organisation_key(name)],
                "logged_by": logged_by,
                "logged_by_name": logged_by_name,
                "platform": "import",
                "created_at": incoming.logged_at,
                "updated_at": now,
                "source_key": incoming.source_key,
                "search_text": _search_text(shown),  # type: ignore[arg-type]
            }

        if contacts:
            # Made batch by batch, each before it is sent (a unit is looked up between batches).
            columns = list(row(contacts[0]))
            with triggers_afterwards(session):
                insert_rows(session, CONTACTS, columns, map(row, contacts))  # type: ignore[arg-type]
        # One history row for the file, in the same transaction (the contacts carry its source key).
        history.record(session, contact_id=None, action="import", actor=actor, at=now, note=note)
    return len(contacts)


def _organisation_ids(session: Session, names: dict[str, str], now: datetime) -> dict[str, int]:
    """Folded name -> organisation id, creating the organisations that are new (once each, even
    if another writer creates one at the same moment)."""
    keys = list(names)
    ids: dict[str, int] = {}
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        found = session.execute(
            select(Organisation.name_key, Organisation.id).where(Organisation.name_key.in_(chunk))
        )
        ids.update({key: number for key, number in found})
    missing = [{"name": names[k], "name_key": k, "created_at": now} for k in keys if k not in ids]
    if missing:
        dialect = session.get_bind().dialect.name
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as upsert
        else:
            from sqlalchemy.dialects.sqlite import insert as upsert
        for start in range(0, len(missing), BATCH):
            statement = upsert(Organisation).on_conflict_do_nothing(index_elements=["name_key"])
            session.execute(statement, missing[start : start + BATCH])
        for start in range(0, len(missing), 500):
            chunk = [m["name_key"] for m in missing[start : start + 500]]
            found = session.execute(
                select(Organisation.name_key, Organisation.id).where(Organisation.name_key.in_(chunk))
            )
            ids.update({key: number for key, number in found})
    return ids
