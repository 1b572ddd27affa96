"""A small, known set of contacts over two years, for the report and archive tests."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

from storage.contacts import ContactStore, NewContact
from storage.database import Database
from storage.migrate import upgrade

NOW = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)

# (date, organisation, country, kind, youth, unit, followup)
CONTACTS = [
    (date(2026, 3, 2), "Rovaniemen kaupunki", "FI", "twin-town", True, "Kultur", "Besök i maj"),
    (date(2026, 5, 14), "Rovaniemen kaupunki", "FI", "twin-town", False, "Kultur", None),
    (date(2026, 6, 1), "Kauno miestas", "LT", "school", True, "Skola", "Skicka avtalet"),
    (date(2026, 9, 9), "Stadt Kiel", "DE", "eu-project", False, "Näringsliv", None),
    (date(2026, 10, 20), "Tartu linn", "EE", "conference", True, None, "  "),
    (date(2025, 4, 4), "Rovaniemen kaupunki", "FI", "twin-town", False, "Kultur", None),
    (date(2025, 8, 8), "Stadt Kiel", "DE", "eu-project", False, "Skola", None),
    (date(2024, 2, 2), "Aarhus Kommune", "DK", "twin-town", False, "Kultur", None),
]

# The register's own fields, for some of CONTACTS (by position).
REGISTER: dict[int, dict[str, object]] = {
    0: {"participants": 30, "young_participants": 24, "programme": "erasmus", "direction": "incoming"},
    2: {"participants": 12, "young_participants": 12, "programme": "nordplus", "direction": "outgoing"},
    3: {"programme": "interreg", "direction": "digital"},
    5: {"participants": 5, "young_participants": 0, "programme": "erasmus", "direction": "incoming"},
}


def stored(url: str) -> Iterator[Database]:
    """A database holding CONTACTS, plus one withdrawn 2026 contact that no figure counts."""
    db = Database(url)
    upgrade(db)
    store = ContactStore(db)
    for number, (when, org, country, kind, youth, unit, followup) in enumerate(CONTACTS):
        store.add(
            NewContact(when, org, country, kind, f"Möte med {org}", f"U{number}", "slack", youth=youth, unit=unit,
                       followup=followup, **REGISTER.get(number, {})),  # type: ignore[arg-type]
            NOW,
        )  # fmt: skip
    gone = store.add(NewContact(date(2026, 2, 2), "Borttagen AB", "NO", "business", "x", "UX", "slack"), NOW)
    store.withdraw(gone.contact.id, "UX", None, "fel", NOW)
    try:
        yield db
    finally:
        db.dispose()
