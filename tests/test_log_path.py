"""The `log` path through the driver (storage/prepared.py) stores what SQLAlchemy stored, and many
writers in one process all get their turn."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from bot.context import BotContext, open_context
from storage.contacts import NewContact
from storage.database import DatabaseUnavailable
from storage.history import UNKNOWN
from storage.requests import Replayed, RequestStore

NOW = datetime(2026, 11, 26, 10, 30, 15, 123456, tzinfo=UTC)


def _new(summary: str, **fields: Any) -> NewContact:
    values: dict[str, Any] = {
        "contact_date": date(2026, 11, 20),
        "organisation": "Åbo stad",
        "country": "FI",
        "kind": "school",
        "summary": summary,
        "logged_by": "U1",
        "platform": "slack",
        "youth": True,
        "city": "Åbo",
        "person": "Päivi Ö",
        "email": "paivi@example.fi",
        "benefit": "Båda lär sig",
        "followup": "Besök i maj",
        "logged_by_name": "Anna",
        "dnr": "KS 2026/14",
        "direction": "incoming",
        "participants": 12,
        "young_participants": 9,
        "programme": "erasmus",
        "project_ref": "2026-1-SE01",
    }
    values.update(fields)
    return NewContact(**values)


def _stored(context: BotContext, contact_id: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The contact's row and its history rows as the database holds them (driver values)."""
    with context.db.reading() as connection:
        row = (
            connection.execute(text("SELECT * FROM contacts WHERE id = :id"), {"id": contact_id})
            .mappings()
            .one()
        )
        events = connection.execute(
            text("SELECT * FROM history WHERE contact_id = :id ORDER BY id"), {"id": contact_id}
        ).mappings()
        return dict(row), [dict(e) for e in events]


def test_a_log_of_a_known_organisation_stores_exactly_what_the_first_log_stored(context: BotContext) -> None:
    # The first log meets a new organisation (SQLAlchemy's statements); the second a known one
    # (the driver's). Both rows, and their history rows, must be the same in every column.
    first = context.store.add(_new("Utbyte"), NOW, actor=UNKNOWN)
    second = context.store.add(_new("Utbyte"), NOW, actor=UNKNOWN)
    assert (first.created, second.created) == (True, True)
    assert second.contact.id == first.contact.id + 1
    one, one_history = _stored(context, first.contact.id)
    two, two_history = _stored(context, second.contact.id)
    assert {k: v for k, v in two.items() if k != "id"} == {k: v for k, v in one.items() if k != "id"}
    assert [{k: v for k, v in e.items() if k not in ("id", "contact_id")} for e in two_history] == [
        {k: v for k, v in e.items() if k not in ("id", "contact_id")} for e in one_history
    ]
    assert len(two_history) == 1 and two_history[0]["action"] == "create"
    # And the stored contact reads back as the reply showed it.
    back = context.store.get(second.contact.id)
    assert back is not None
    for name in ("contact_date", "created_at", "youth", "participants", "summary", "unit"):
        assert getattr(back, name) == getattr(second.contact, name)
    assert back.organisation.name == second.contact.organisation.name == "Åbo stad"


def test_a_log_without_fields_stores_nulls_as_the_first_log_did(context: BotContext) -> None:
    bare = {
        name: None
        for name in ("city", "person", "email", "benefit", "followup", "logged_by_name", "dnr", "direction")
    }
    bare.update(participants=None, young_participants=None, programme=None, project_ref=None, youth=False)
    first = context.store.add(_new("Kort", **bare), NOW)
    second = context.store.add(_new("Kort", **bare), NOW)
    one, _ = _stored(context, first.contact.id)
    two, _ = _stored(context, second.contact.id)
    assert {k: v for k, v in two.items() if k != "id"} == {k: v for k, v in one.items() if k != "id"}


def test_many_writers_in_one_process_all_get_their_turn_within_a_short_timeout(settings, clock) -> None:
    # SQLite's own lock has no queue (a waiting writer sleeps and polls); this process's
    # writers queue for it first, so none waits past the timeout while the others go on.
    context = open_context(replace(settings, database_timeout=0.5), clock=clock)
    try:
        context.store.add(_new("först"), NOW)

        def log_many(worker: int) -> int:
            failed = 0
            for n in range(40):
                try:
                    context.store.add(_new(f"{worker}-{n}", logged_by=f"U{worker}"), NOW)
                except DatabaseUnavailable:
                    failed += 1
            return failed

        with ThreadPoolExecutor(8) as pool:
            assert sum(pool.map(log_many, range(8))) == 0
        with context.db.reading() as connection:
            assert connection.execute(text("SELECT count(*) FROM contacts")).scalar_one() == 1 + 8 * 40
    finally:
        context.db.dispose()


def test_a_log_gets_its_turn_between_another_threads_back_to_back_writes(settings, clock) -> None:
    # Another thread of this process writes again and again, each write holding the lock for
    # 100 ms with 1 ms between (standing in for a long import). SQLite's own waiting (sleeping,
    # then looking again) kept missing those gaps until the half-second timeout; queued
    # writers are woken when the lock is let go.
    context = open_context(replace(settings, database_timeout=0.5), clock=clock)
    try:
        context.store.add(_new("först"), NOW)
        started = threading.Event()

        def busy_writer() -> None:
            for n in range(12):
                with context.db.write() as connection:
                    connection.execute(text("UPDATE contacts SET summary = :s WHERE id = 1"), {"s": f"v{n}"})
                    started.set()
                    time.sleep(0.1)  # a long write: holds the lock, waits for nothing
                time.sleep(0.001)

        writer = threading.Thread(target=busy_writer)
        writer.start()
        try:
            started.wait()
            added = context.store.add(_new("emellan"), NOW)
            assert added.created
        finally:
            writer.join()
    finally:
        context.db.dispose()


def test_a_sqlite_write_that_fails_part_way_leaves_nothing_and_the_next_log_is_saved(
    context: BotContext,
) -> None:
    # On SQLite the writers' driver transactions share one kept connection: a failure must
    # roll back what it began there, and the next log must find the connection clean.
    if context.db.backend != "sqlite":
        pytest.skip("PostgreSQL's driver path is one statement per transaction")
    context.store.add(_new("först"), NOW)
    with pytest.raises(RuntimeError), context.db.driver_transaction() as transaction:
        transaction.cursor.execute("UPDATE contacts SET summary = 'halvvägs' WHERE id = 1")
        raise RuntimeError("the log failed after its first statement")
    later = context.store.add(_new("sedan"), NOW)
    first = context.store.get(1)
    assert first is not None and first.summary == "först"
    assert later.created and context.store.get(later.contact.id) is not None


def _count(context: BotContext, table: str) -> int:
    with context.db.reading() as connection:
        return connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()


@pytest.mark.parametrize("organisation", ["Åbo stad", "Ny förening"], ids=["known", "new"])
def test_a_log_claims_its_request_with_the_contact_and_a_replay_stores_nothing(
    context: BotContext, organisation: str
) -> None:
    # "known": the driver's path (one statement on PostgreSQL); "new": SQLAlchemy's.
    context.store.add(_new("Först"), NOW)  # Åbo stad is known from here on
    requests = RequestStore(context.db)
    once = requests.once("k" * 64, NOW)
    added = context.store.add(_new("Utbyte", organisation=organisation), NOW, once=once)
    assert added.created and once.taken
    assert not requests.claim("k" * 64, NOW)  # the key was claimed with the contact
    contacts, events = _count(context, "contacts"), _count(context, "history")
    replay = requests.once("k" * 64, NOW)
    with pytest.raises(Replayed):
        context.store.add(_new("Utbyte", organisation=organisation), NOW, once=replay)
    assert (_count(context, "contacts"), _count(context, "history")) == (contacts, events)
    assert not replay.taken


@pytest.mark.parametrize("organisation", ["Åbo stad", "Ny förening"], ids=["known", "new"])
def test_a_log_that_cannot_be_stored_leaves_its_request_unclaimed(
    context: BotContext, organisation: str
) -> None:
    context.store.add(_new("Först"), NOW)
    requests = RequestStore(context.db)
    once = requests.once("k" * 64, NOW)
    with pytest.raises(IntegrityError):  # a contact needs a kind: the database refuses the row
        context.store.add(_new("Utbyte", organisation=organisation, kind=None), NOW, once=once)
    assert not once.taken
    assert requests.claim("k" * 64, NOW)  # nothing of the failed log was kept, the claim neither


def _backend_pid(context: BotContext) -> int:
    with context.db.driver_transaction() as transaction:
        return transaction.cursor.execute("SELECT pg_backend_pid()").fetchone()[0]


def test_a_worker_threads_connection_closed_by_the_server_is_replaced_before_its_next_log(
    context: BotContext,
) -> None:
    if context.db.backend != "postgresql":
        pytest.skip("a connection kept by each worker thread is PostgreSQL's (SQLite's writers share one)")
    now = [100.0]
    context.db.monotonic = lambda: now[0]
    context.db.keep_connection()  # as each database worker thread does when it starts
    assert context.store.add(_new("Först"), NOW).created
    kept = _backend_pid(context)
    assert _backend_pid(context) == kept  # the same connection, not one from the pool each time
    with context.db.reading() as connection:  # the server ends it (a restart, an administrator)
        connection.execute(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": kept})
    now[0] += 5  # unused for longer than a pooled connection is trusted without a ping
    assert context.store.add(_new("Efter"), NOW).created  # pinged, found gone, replaced
    assert _backend_pid(context) != kept
    assert _count(context, "contacts") == 2


def _logged(context: BotContext, summary: str, key: str, **fields: Any) -> Any:
    """A `log` as a Slack slash command stores it: claiming its request key with the contact."""
    once = RequestStore(context.db).once(key * 64, NOW)
    return context.store.add(_new(summary, **fields), NOW, actor=UNKNOWN, once=once).contact


def test_logs_by_someone_who_logged_for_that_organisation_before_store_what_the_first_stored(
    context: BotContext,
) -> None:
    # The first meets a new organisation, the second looks it up, the third (on PostgreSQL)
    # stores with what the second looked up, checked in its one statement.
    first, second, third = (_logged(context, "Utbyte", key) for key in "abc")
    rows = [_stored(context, contact.id) for contact in (first, second, third)]
    plain = [
        (
            {k: v for k, v in row.items() if k != "id"},
            [{k: v for k, v in e.items() if k not in ("id", "contact_id")} for e in events],
        )
        for row, events in rows
    ]
    assert plain[0] == plain[1] == plain[2]
    assert context.store.get(third.id).organisation.name == "Åbo stad"


def test_a_log_after_the_default_unit_or_the_organisation_changed_stores_them_as_they_are_now(
    context: BotContext,
) -> None:
    _logged(context, "Först", "a")
    _logged(context, "Andra", "b")  # looked up, and remembered on PostgreSQL
    context.store.set_default_unit("slack", "U1", "Kulturförvaltningen", NOW)
    with context.db.write() as connection:  # renamed by hand in the database, say
        connection.execute(text("UPDATE organisations SET name = 'Turun kaupunki'"))
    third = _logged(context, "Tredje", "c")
    assert (third.unit, third.organisation.name) == ("Kulturförvaltningen", "Turun kaupunki")
    row, _events = _stored(context, third.id)
    assert row["unit"] == "Kulturförvaltningen" and "turun kaupunki" in row["search_text"]


def test_a_replayed_log_that_would_take_the_one_statement_path_stores_nothing(context: BotContext) -> None:
    _logged(context, "Först", "a")
    _logged(context, "Andra", "b")
    before = (_count(context, "contacts"), _count(context, "history"))
    with pytest.raises(Replayed):
        _logged(context, "Andra", "b")
    assert (_count(context, "contacts"), _count(context, "history")) == before


def test_the_connection_kept_by_a_worker_thread_that_ended_goes_back_to_the_pool_as_it_came(
    context: BotContext,
) -> None:
    if context.db.backend != "postgresql":
        pytest.skip("a connection kept by each worker thread is PostgreSQL's (SQLite's writers share one)")
    pool = context.db.engine.pool
    before = pool.checkedout()

    def worker_thread(summary: str | None) -> None:
        context.db.keep_connection()  # as each database worker thread does when it starts
        if summary is not None:
            context.store.add(_new(summary), NOW)

    for summary in ("Först", None):  # one worker logs and ends; then another starts
        worker = threading.Thread(target=worker_thread, args=(summary,))
        worker.start()
        worker.join()
    # The first one's connection went back to the pool when the next one started.
    assert pool.checkedout() == before
    with context.db.engine.connect() as connection:  # the one given back (the pool is LIFO)
        connection.exec_driver_sql("CREATE TEMPORARY TABLE scratch (n int)")
        connection.rollback()  # undone: the connection is in a transaction, not in autocommit
        assert connection.exec_driver_sql("SELECT to_regclass('scratch')").scalar() is None
