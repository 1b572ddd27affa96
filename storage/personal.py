"""A person's own data (GDPR Art. 15, 16, 17): the contacts that mention a counterpart by
e-mail or name, and correcting or erasing their name and e-mail, each recorded in the history."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage import history
from storage.contacts import _search_text
from storage.database import Database
from storage.folding import fold
from storage.history import Actor
from storage.models import Contact


class Person:
    """Who to look for: an e-mail address (any case) or a name (any case and accents)."""

    def __init__(self, email: str | None = None, name: str | None = None) -> None:
        if not (email or name):
            raise ValueError("give an e-mail address or a name")
        self.email = email.strip().casefold() if email else None
        # A name is the whole name (any case, accents or spacing): "Anna Berg" is not "Anna Bergström".
        self.name = _whole(name) if name else None

    def condition(self) -> object:
        if self.email is not None:
            return func.lower(Contact.email) == self.email
        assert self.name is not None
        return Contact.person.is_not(None) & Contact.search_text.contains(self.name, autoescape=True)

    def mentioned_in(self, contact: Contact) -> bool:
        if self.email is not None:
            return (contact.email or "").casefold() == self.email
        return bool(contact.person) and _whole(contact.person or "") == self.name


def _whole(name: str) -> str:
    return " ".join(fold(name).split())


def _matching(session: Session, person: Person, lock: bool = False) -> list[Contact]:
    statement = select(Contact).where(person.condition()).order_by(Contact.id)  # type: ignore[arg-type]
    if lock:
        statement = statement.with_for_update(of=Contact.__table__)
    return [c for c in session.scalars(statement) if person.mentioned_in(c)]


def mentioning(db: Database, person: Person) -> list[Contact]:
    """Every contact, withdrawn ones too, whose person or e-mail is this person's."""
    with db.session() as session:
        return _matching(session, person)


def elsewhere(db: Database, person: Person) -> dict[str, list[int]]:
    """The same person possibly mentioned without what they were looked up by: for an e-mail,
    contacts that carry one of its contacts' names without that e-mail; for a name, contacts with
    one of its contacts' e-mail addresses under another name. By the name or e-mail to look up
    next, the ids of those contacts (a person decides whether it is the same person)."""
    found = mentioning(db, person)
    ids = {c.id for c in found}
    by_email = person.email is not None
    others: dict[str, list[int]] = {}
    for key in sorted({value for c in found if (value := c.person if by_email else c.email)}):
        other = Person(name=key) if by_email else Person(email=key)
        more = [c.id for c in mentioning(db, other) if c.id not in ids]
        if more:
            others[key] = more
    return others


def handed_out(db: Database, person: Person, actor: Actor, now: datetime) -> list[Contact]:
    """The contacts about a person, recorded as handed out to them (Art. 15)."""
    with db.session() as session:
        found = _matching(session, person)
        for contact in found:
            history.record(session, contact_id=contact.id, action="personal-data-export", actor=actor, at=now)
        return found


def correct(
    db: Database,
    person: Person,
    actor: Actor,
    now: datetime,
    new_email: str | None = None,
    new_name: str | None = None,
) -> list[int]:
    """Set the new e-mail or name on every contact that mentions the person (Art. 16)."""
    with db.session() as session:
        changed = []
        for contact in _matching(session, person, lock=True):
            before = {"person": contact.person, "email": contact.email}
            if new_email is not None:
                contact.email = new_email
            if new_name is not None:
                contact.person = new_name
            after = {"person": contact.person, "email": contact.email}
            old, new = history.changed(before, after)
            if not new:
                continue
            contact.search_text = _search_text(contact)
            contact.updated_at = now
            history.record(
                session,
                contact_id=contact.id,
                action="personal-data-correction",
                actor=actor,
                at=now,
                before=old,
                after=new,
            )
            changed.append(contact.id)
        return changed


def clear(session: Session, contact: Contact, action: str, actor: Actor, now: datetime, note: str) -> None:
    """Clear a contact's person and e-mail (the contact stays), recorded with `note`."""
    before = {"person": contact.person, "email": contact.email}
    contact.person = None
    contact.email = None
    contact.search_text = _search_text(contact)
    contact.updated_at = now
    history.record(
        session,
        contact_id=contact.id,
        action=action,
        actor=actor,
        at=now,
        before={k: v for k, v in before.items() if v},
        after={k: None for k, v in before.items() if v},
        note=note,
    )


def erase(db: Database, person: Person, decision: str, actor: Actor, now: datetime) -> list[int]:
    """Clear the person's name and e-mail wherever they are mentioned (Art. 17), by `decision`."""
    with db.session() as session:
        found = _matching(session, person, lock=True)
        for contact in found:
            clear(session, contact, "personal-data-erasure", actor, now, decision)
        return [c.id for c in found]
