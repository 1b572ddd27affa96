"""The contacts a document request asks for (offentlighetsprincipen): met in a period, optionally
containing given words, withdrawn ones too (they remain public records). Read as a stream."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date

from sqlalchemy import select

from storage.database import Database
from storage.folding import fold
from storage.models import Contact


def requested_contacts(
    db: Database, start: date, end: date, words: Sequence[str] = (), mask_personal: bool = True
) -> Iterator[Contact]:
    """Contacts met in [start, end] whose organisation, person, city or summary contain every word, by date.

    With `mask_personal` the words are not looked for in the person: an extract whose names are
    masked must not tell, by what it holds, which contacts mention a person."""
    folded = [fold(word) for word in words]
    statement = select(Contact).where(Contact.contact_date >= start, Contact.contact_date <= end)
    for word in folded:
        statement = statement.where(Contact.search_text.contains(word, autoescape=True))
    statement = statement.order_by(Contact.contact_date, Contact.id)
    with db.read() as session:
        for contact in session.scalars(statement.execution_options(yield_per=500)):
            if mask_personal and folded:
                seen = fold(
                    " ".join(t for t in (contact.organisation.name, contact.city, contact.summary) if t)
                )
                if not all(word in seen for word in folded):
                    continue
            yield contact
