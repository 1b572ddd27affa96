"""Disposal (gallring) of counterparts' personal data, only by a decision: the person and
e-mail of contacts dated before a day are cleared, the contacts stay, and each clearing is
recorded in the history with the decision's reference."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from storage.database import Database
from storage.history import Actor
from storage.models import Contact
from storage.personal import clear


def _due(before: date) -> object:
    return (Contact.contact_date < before) & (Contact.person.is_not(None) | Contact.email.is_not(None))


def due(db: Database, before: date) -> list[Contact]:
    """The contacts dated before `before` that still hold a person or an e-mail."""
    with db.session() as session:
        return list(session.scalars(select(Contact).where(_due(before)).order_by(Contact.id)))  # type: ignore[arg-type]


def dispose(db: Database, before: date, decision: str, actor: Actor, now: datetime) -> list[int]:
    """Clear person and e-mail of every contact due, in one transaction; their ids."""
    with db.session() as session:
        statement = select(Contact).where(_due(before)).order_by(Contact.id)  # type: ignore[arg-type]
        found = list(session.scalars(statement.with_for_update(of=Contact.__table__)))
        for contact in found:
            clear(session, contact, "disposal", actor, now, decision)
        return [c.id for c in found]
