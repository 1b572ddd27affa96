"""`search` goes through the database's text index and finds what the plain scan found."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, make_url, text

from bot.context import BotContext
from handlers.i18n import use_language
from storage.contacts import ContactStore, NewContact
from storage.database import Database
from storage.folding import fold
from storage.migrate import upgrade
from storage.search import DENSE
from tests.conftest import ALICE

NOW = datetime(2026, 11, 26, 10, tzinfo=UTC)
# Letters that fold (å, Ö, ł, ß, é), upper case, a quote and LIKE's wildcards.
LETTERS = 'abcåÖłßéR %_"'
texts = st.text(alphabet=LETTERS, min_size=1, max_size=12)


def _add(store: ContactStore, organisation: str, summary: str, city: str | None = None) -> int:
    new = NewContact(
        contact_date=date(2026, 11, 20),
        organisation=organisation,
        country="SE",
        kind="other",
        summary=summary,
        city=city,
        logged_by="U1",
        platform="slack",
    )
    return store.add(new, NOW).contact.id


def _scanned(context: BotContext, words: list[str]) -> set[int]:
    """What the plain scan finds: every folded word is part of the folded text."""
    return {
        c.id
        for c in context.store.export()
        if c.withdrawn_at is None and all(fold(w) in c.search_text for w in words)
    }


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    contacts=st.lists(st.tuples(texts, texts, st.none() | texts), min_size=1, max_size=5),
    words=st.lists(texts, min_size=1, max_size=2),
    withdrawn=st.booleans(),
    renamed=st.none() | texts,
    walk=st.booleans(),
)
def test_search_finds_exactly_what_the_plain_scan_finds(
    context: BotContext,
    contacts: list[tuple[str, str, str | None]],
    words: list[str],
    withdrawn: bool,
    renamed: str | None,
    walk: bool,
) -> None:
    # Both ways of reading the matches: all of them sorted, or walking the list order.
    context.store.search_index.dense = 0 if walk else DENSE
    with context.db.session() as session:
        session.execute(text("DELETE FROM contacts"))  # the index follows the table
    ids = [_add(context.store, organisation, summary, city) for organisation, summary, city in contacts]
    if withdrawn:
        context.store.withdraw(ids[0], "U1", None, None, NOW)
    if renamed is not None:
        context.store.update(ids[-1], {"summary": renamed}, NOW)
    words = [w for w in words if fold(w)] or ["a"]
    found = context.store.search(words, limit=100)
    assert {c.id for c in found.contacts} == _scanned(context, words)
    assert found.total == len(found.contacts) and not found.capped


def test_search_finds_parts_of_words_in_any_case_and_accent(context: BotContext) -> None:
    _add(context.store, "Malmö stad", "Nordiskt samarbete", city="Malmö")
    _add(context.store, "Łódź", "Ishockey för unga")
    _add(context.store, "Oulu", "Ungdomsutbyte")
    assert [c.organisation.name for c in context.store.search(["ALMO"]).contacts] == ["Malmö stad"]
    assert [c.organisation.name for c in context.store.search(["lodz", "HOCK"]).contacts] == ["Łódź"]
    found = {c.organisation.name for c in context.store.search(["unga"]).contacts}
    assert found == {"Łódź"}
    both = {c.organisation.name for c in context.store.search(["ung"]).contacts}
    assert both == {"Łódź", "Oulu"}
    # A word of one or two letters has no trigram; it is still found.
    assert {c.organisation.name for c in context.store.search(["ou"]).contacts} == {"Oulu"}


def test_a_common_word_is_counted_as_more_than_a_hundred(context: BotContext) -> None:
    for n in range(101):
        _add(context.store, f"Kommun {n}", "Vänortsmöte om skolor")
    with use_language("en"):
        answer = context.handler().handle("search vänort", ALICE).plain()
    assert "Contacts matching “vänort”: more than 100" in answer
    assert "Showing 1–15 of more than 100." in answer


def test_contacts_stored_before_the_upgrade_are_found_through_the_new_index(database_url: str) -> None:
    db = Database(database_url)
    try:
        upgrade(db, "0007")  # the revision before the search index
        _add(ContactStore(db), "Göteborgs Stad", "Hamnsamarbete")
        upgrade(db)
        store = ContactStore(db)
        assert store.search_index.available
        assert [c.organisation.name for c in store.search(["GOTEBORG"]).contacts] == ["Göteborgs Stad"]
        assert [c.summary for c in store.search(["hamn"]).contacts] == ["Hamnsamarbete"]
    finally:
        db.dispose()


@contextmanager
def _database_without_the_right_to_create_extensions(database_url: str) -> Iterator[str]:
    """A fresh PostgreSQL database whose user owns its schema but may not create extensions
    (no CREATE on the database), as where the municipality's DBA hands out one schema."""
    base = make_url(database_url).set(query={})
    suffix = uuid.uuid4().hex[:10]
    name, role = f"notrgm_{suffix}", f"notrgm_{suffix}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE ROLE "{role}" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    inside = create_engine(base.set(database=name), isolation_level="AUTOCOMMIT")
    with inside.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA app AUTHORIZATION "{role}"'))
    inside.dispose()
    url = base.set(database=name, username=role, query={"options": "-csearch_path=app"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
            connection.execute(text(f'DROP ROLE "{role}"'))
        admin.dispose()


def test_a_postgresql_that_refuses_pg_trgm_is_said_once_at_start_and_searches_still_find(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("pg_trgm is PostgreSQL's; SQLite's FTS5 is built in")
    with _database_without_the_right_to_create_extensions(database_url) as url:
        db = Database(url)
        try:
            with caplog.at_level(logging.WARNING):
                upgrade(db)
                store = ContactStore(db)
                assert not store.search_index.available
                _add(store, "Åbo stad", "Vänortsmöte om skolor")
                _add(store, "Tartu linn", "Kulturutbyte")
                found = [store.search(words).contacts for words in (["ABO"], ["vanort", "skol"], ["utbyte"])]
            assert [[c.organisation.name for c in contacts] for contacts in found] == [
                ["Åbo stad"],
                ["Åbo stad"],
                ["Tartu linn"],
            ]
            said = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
            assert sum("pg_trgm cannot be created" in line for line in said) == 1
            assert sum("searches scan every contact" in line for line in said) == 1
        finally:
            db.dispose()
