"""The contacts a document request asks for (offentlighetsprincipen): met in a period, optionally
containing given words, withdrawn ones too (they remain public records). Read as a stream."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date

from sqlalchemy import select

from storage.database import Database
from storage.folding import fold
from storage.models import Contact


def requested_contacts(db: Database, start: date, end: date, words: Sequence[str] = ()) -> Iterator[Contact]:
    """Contacts met in [start, end] whose organisation, person, city or summary contain every word, by date."""
    statement = select(Contact).where(Contact.contact_date >= start, Contact.contact_date <= end)
    for word in words:
        statement = statement.where(Contact.search_text.contains(fold(word), autoescape=True))
    statement = statement.order_by(Contact.contact_date, Contact.id)
    with db.session() as session:
        yield from session.scalars(statement.execution_options(yield_per=500))
