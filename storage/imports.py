"""Storing contacts imported from a person's spreadsheet: all of them in one transaction, or none."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from storage.contacts import ContactStore, _search_text
from storage.database import Database
from storage.folding import fold
from storage.models import Contact, Organisation

Key = tuple[str, date, str]
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
    db: Database, contacts: list[ImportedContact], logged_by: str, logged_by_name: str, now: datetime
) -> int:
    """Insert every contact in one transaction (nothing is stored if any insert fails); returns how many."""
    store = ContactStore(db)
    with db.session() as session:
        organisations: dict[str, Organisation] = {}
        units: dict[str, str] = {}
        for number, incoming in enumerate(contacts, start=1):
            values = dict(incoming.values)
            name = str(values.pop("organisation"))
            key = fold(name)[:200]
            organisation = organisations.get(key)
            if organisation is None:
                organisation = store._organisation(session, name, now)
                organisations[key] = organisation
            if values.get("unit"):
                unit = str(values["unit"])
                if unit.casefold() not in units:
                    units[unit.casefold()] = store._known_unit(session, unit)
                values["unit"] = units[unit.casefold()]
            contact = Contact(
                **values,
                organisation=organisation,
                logged_by=logged_by,
                logged_by_name=logged_by_name,
                platform="import",
                created_at=incoming.logged_at,
                updated_at=now,
                source_key=incoming.source_key,
            )
            contact.search_text = _search_text(contact)
            session.add(contact)
            if number % BATCH == 0:
                session.flush()
        session.flush()
    return len(contacts)
