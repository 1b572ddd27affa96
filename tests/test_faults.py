"""When things around the bot fail: a locked, slow, read-only or damaged database, a slow or
failing Slack. People still get a true answer, and the operator sees what went wrong."""

from __future__ import annotations

import logging
import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from bot.context import BotContext, open_context
from bot.server import create_app
from storage.database import DatabaseUnavailable
from storage.models import Contact
from tests.conftest import COORD, COORDINATOR, FakeClock, RunningApp, serve_app
from tests.slack_standin import Failure, SlackStandIn
from tests.test_cli import contactbot

LOG = 'log org="Tartu linn" country=EE summary="Kulturutbyte"'


def count_contacts(context: BotContext) -> int:
    with context.db.session() as session:
        return session.scalar(select(func.count(Contact.id))) or 0


@contextmanager
def write_lock_held(context: BotContext) -> Iterator[None]:
    """Another program holds the write lock (SQLite) or locks the contacts (PostgreSQL)."""
    engine = create_engine(context.settings.database_url)
    holding = engine.connect()
    if context.db.backend == "sqlite":
        holding.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        holding.exec_driver_sql("BEGIN")
        holding.exec_driver_sql("LOCK TABLE contacts IN ACCESS EXCLUSIVE MODE")
    try:
        yield
    finally:
        holding.rollback()
        holding.close()
        engine.dispose()


@contextmanager
def serve_with(context: BotContext, standin: SlackStandIn, identity: bool = True) -> Iterator[RunningApp]:
    """The real app, retrying response URLs without waiting (the waits are recorded)."""
    known = {"ok": True, "team_id": "T0001", "user_id": "UBOT", "bot_id": "BBOT"} if identity else None
    api = create_app(context, known)
    waits: list[float] = []

    async def no_wait(seconds: float) -> None:
        waits.append(seconds)

    api.state.slack.adapter.sleep = no_wait
    api.state.slack.identity.sleep = no_wait
    with serve_app(context, standin, api) as running:
        running.waits = waits  # type: ignore[attr-defined]
        yield running


# -- 1. /healthz ---------------------------------------------------------------------------


def test_healthz_answers_at_once_and_commands_are_acknowledged_while_the_write_lock_is_held(
    settings, clock: FakeClock, standin: SlackStandIn
) -> None:
    context = open_context(replace(settings, database_timeout=5), clock=clock)
    try:
        with serve_with(context, standin) as app, write_lock_held(context), ThreadPoolExecutor(2) as pool:
            started = time.monotonic()
            health = pool.submit(app.client.get, app.url + "/healthz")
            acked = pool.submit(app.command, "help", response="help")
            assert acked.result().status_code == 200
            assert health.result().status_code == 200
            # Both came back while the lock was still held, well before the 5 s lock timeout.
            assert time.monotonic() - started < 2.5
            assert health.result().json()["database"] in {"ok", "slow"}
            assert app.standin.wait_for("/response/help")[0].body["text"].startswith("*Log international")
    finally:
        context.db.dispose()


def test_healthz_reports_database_slack_teams_and_digest(app: RunningApp) -> None:
    app.standin.wait_for("/api/auth.test")
    answer = app.client.get(app.url + "/healthz")
    report = answer.json()
    assert answer.status_code == 200 and report["status"] == "ok"
    assert report["database"] == "ok" and report["database_seconds"] < 0.5
    assert report["slack"] == {"token": "accepted", "socket_mode": "off"}
    assert report["teams"] == "off"
    assert report["digest"] == "off"


def test_healthz_names_an_overdue_digest(settings, clock: FakeClock, standin: SlackStandIn) -> None:
    # Thursday 26 November: Monday's digest for week 47 was never posted.
    context = open_context(replace(settings, digest_channel="C0DIGEST"), clock=clock)
    try:
        with serve_with(context, standin) as app:
            report = app.client.get(app.url + "/healthz").json()
            assert report["digest"]["last_posted"] == {}
            assert report["digest"]["overdue"][0].startswith("slack 2026-W47 (not posted")
    finally:
        context.db.dispose()


def test_a_database_that_cannot_write_is_told_apart_from_a_busy_one(
    settings, clock: FakeClock, standin: SlackStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    writable = open_context(settings, clock=clock)  # creates the schema
    if writable.db.backend == "sqlite":
        path = settings.database_url.removeprefix("sqlite:///")
        url = f"sqlite:///file:{path}?mode=ro&uri=true"
    else:
        url = settings.database_url + "%20-cdefault_transaction_read_only%3Don"
    context = open_context(replace(settings, database_url=url), clock=clock, migrate=False)
    try:
        with serve_with(context, standin) as app, caplog.at_level(logging.ERROR, "storage.database"):
            text_ = app.reply_to(LOG, response="ro")
            assert "Not saved" in text_ and "full, read-only or damaged" in text_
            assert "tell the coordinator" in text_ and "try again in a minute" not in text_
            logged = [r.getMessage() for r in caplog.records if r.name == "storage.database"]
            assert len(logged) == 1 and logged[0].startswith("database read-only: ")
            assert "readonly" in logged[0] or "ReadOnlySqlTransaction" in logged[0]
            health = app.client.get(app.url + "/healthz")
            assert health.status_code == 503 and health.json()["database"] == "read-only"
        assert count_contacts(writable) == 0
    finally:
        context.db.dispose()
        writable.db.dispose()


def test_an_unreachable_database_is_logged_with_its_cause_but_not_its_password(
    settings, clock: FakeClock, standin: SlackStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    down = replace(
        settings,
        database_url="postgresql+psycopg://bot:pw-s3cret-9@127.0.0.1:9/contactbot",
        database_timeout=0.5,
    )
    context = open_context(down, clock=clock, migrate=False)
    try:
        with serve_with(context, standin) as app, caplog.at_level(logging.ERROR, "storage.database"):
            assert "try again in a minute" in app.reply_to(LOG, response="down")
            health = app.client.get(app.url + "/healthz").json()
            assert health["database"] == "unreachable" and "OperationalError" in health["database_problem"]
        logged = [r.getMessage() for r in caplog.records if r.name == "storage.database"]
        assert len(logged) == 1 and logged[0].startswith("database unreachable: OperationalError: ")
        assert all("pw-s3cret-9" not in r.getMessage() for r in caplog.records)
    finally:
        context.db.dispose()


# -- 2. PostgreSQL waits are bounded -------------------------------------------------------


def test_a_statement_longer_than_the_timeout_ends_as_database_unavailable(settings, clock: FakeClock) -> None:
    context = open_context(replace(settings, database_timeout=0.5), clock=clock)
    try:
        if context.db.backend != "postgresql":
            pytest.skip("statement_timeout is PostgreSQL's")
        started = time.monotonic()
        with pytest.raises(DatabaseUnavailable) as raised, context.db.session() as session:
            session.execute(text("SELECT pg_sleep(10)"))
        assert time.monotonic() - started < 2.0
        assert raised.value.kind == "busy" and "QueryCanceled" in raised.value.cause
    finally:
        context.db.dispose()


# -- 3. Slack slow or failing at start-up --------------------------------------------------


def test_commands_are_acked_and_saved_while_auth_test_is_slow(settings, clock, standin: SlackStandIn) -> None:
    released = standin.hold("auth.test")
    context = open_context(settings, clock=clock)
    try:
        with serve_with(context, standin, identity=False) as app:
            started = time.monotonic()
            answer = app.command(LOG, response="slow")
            assert answer.status_code == 200 and time.monotonic() - started < 1.0
            assert "Saved contact #1" in app.standin.wait_for("/response/slow")[0].body["text"]
            assert app.client.get(app.url + "/healthz").json()["slack"]["token"] == "unchecked"
            released.set()
            app.standin.wait_for("/api/auth.test")
        assert count_contacts(context) == 1
    finally:
        released.set()
        context.db.dispose()


def test_commands_are_saved_and_nobody_is_told_to_reinstall_while_auth_test_fails(
    settings, clock, standin: SlackStandIn
) -> None:
    standin.fail("auth.test", *[Failure(status=503)] * 3)
    context = open_context(settings, clock=clock)
    try:
        with serve_with(context, standin, identity=False) as app:
            answer = app.command(LOG, response="down")
            assert answer.status_code == 200 and "reinstall" not in answer.text
            text_ = app.standin.wait_for("/response/down")[0].body["text"]
            assert "Saved contact #1" in text_
            app.standin.wait_for("/api/auth.test")  # after three failures, asked again: answered
            assert app.waits[:3] == [2.0, 4.0, 8.0]  # type: ignore[attr-defined]
            assert app.client.get(app.url + "/healthz").json()["slack"]["token"] == "accepted"
        assert count_contacts(context) == 1
    finally:
        context.db.dispose()


# -- 4. A response URL that fails is tried again ------------------------------------------


def test_a_response_url_that_fails_twice_still_delivers_one_answer(
    context: BotContext, standin: SlackStandIn
) -> None:
    standin.fail("/response/flaky", Failure(status=500), Failure(status=500))
    with serve_with(context, standin) as app:
        app.command(LOG, response="flaky")
        answers = app.standin.wait_for("/response/flaky")
        assert len(answers) == 1 and "Saved contact #1" in answers[0].body["text"]
        assert len(app.standin.calls_to("/response/flaky#failed")) == 2
        assert app.waits == [1.0, 2.0]  # type: ignore[attr-defined]


def test_a_response_url_that_never_works_is_logged_once_without_text_or_url(
    context: BotContext, standin: SlackStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    standin.fail("/response/gone", *[Failure(status=500)] * 5)
    with serve_with(context, standin) as app, caplog.at_level(logging.ERROR, "bot.slack.app"):
        app.command(LOG, response="gone")
        app.standin.wait_for("/response/gone#failed", 5)
        app.reply_to("help", response="after")  # answered in order: the failed one is done
        lines = [r.getMessage() for r in caplog.records if r.name == "bot.slack.app"]
    assert len(app.standin.calls_to("/response/gone#failed")) == 5
    assert lines == [
        "could not deliver the answer about contact #1 through the response URL (HTTP 500, 5 tries): "
        "the person was not told"
    ]
    assert count_contacts(context) == 1


# -- 6. An export that could not be sent ---------------------------------------------------


@pytest.mark.parametrize(
    ("method", "failure", "shown"),
    [
        ("files.getUploadURLExternal", Failure(error="file_uploads_disabled"), "file_uploads_disabled"),
        (
            "files.getUploadURLExternal",
            Failure(status=503, html=True, content_type="application/json"),
            "Slack could not be reached just now",
        ),
        ("upload", Failure(status=500, html=True), "Slack could not be reached just now"),
        (
            "upload",
            Failure(status=502, html=True, content_type="application/json"),
            "Slack could not be reached just now",
        ),
        ("upload", Failure(status=413, html=True), "Slack answered HTTP 413"),
    ],
)
def test_an_export_slack_would_not_take_is_explained_to_the_coordinator(
    context: BotContext, standin: SlackStandIn, method: str, failure: Failure, shown: str
) -> None:
    standin.fail(method, failure)
    with serve_with(context, standin) as app:
        app.reply_to(LOG)
        text_ = app.reply_to("export", user=COORDINATOR, name="coord", response="export")
    assert "I could not send the file" in text_ and shown in text_
    assert "could not answer" not in text_ and "<html>" not in text_


# -- 5. A damaged database file ------------------------------------------------------------


def test_export_of_a_damaged_sqlite_file_says_so_in_one_line(tmp_path: Path, context: BotContext) -> None:
    if context.db.backend != "sqlite":
        pytest.skip("a damaged file is SQLite's")
    for n in range(300):
        context.handler().handle(f'log org="Org {n}" country=FI summary="{"x" * 300}"', COORD)
    context.db.dispose()  # the last connection moves the WAL into the file
    path = Path(context.settings.database_url.removeprefix("sqlite:///"))
    data = bytearray(path.read_bytes())
    for offset in range(len(data) // 2, len(data) - 4096, 4096):
        data[offset : offset + 4096] = b"\xff" * 4096
    path.write_bytes(bytes(data))
    result = contactbot(["export"], context.settings.database_url, tmp_path, LANGUAGE="en")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "contactbot: the database is damaged (DatabaseError: database disk image is malformed); "
        "nothing was changed. Restore it from a backup."
    ]


# -- 2b. A frozen PostgreSQL server --------------------------------------------------------


@dataclass
class OwnCluster:
    """A PostgreSQL cluster this test created, and the pids of all its processes."""

    url: str
    data: Path

    def pids(self) -> list[int]:
        postmaster = int(self.data.joinpath("postmaster.pid").read_text().split()[0])
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with suppress(OSError, IndexError, ValueError):
                if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == postmaster:
                    children.append(int(stat.parent.name))
        return [postmaster, *children]


@pytest.fixture
def own_cluster(tmp_path: Path) -> Iterator[OwnCluster]:
    """A PostgreSQL cluster of our own (pg_createcluster), so freezing it disturbs no one else."""
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"))
    if not (shutil.which("pg_createcluster") and shutil.which("pg_dropcluster") and versions):
        message = "needs PostgreSQL's server and pg_createcluster/pg_dropcluster to freeze a server"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    version = versions[-1].parent.parent.name
    name = f"contactbot-freeze-{uuid.uuid4().hex[:8]}"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    created = subprocess.run(
        ["pg_createcluster", version, name, "-p", str(port), "--start", "--", "--auth=trust"],
        capture_output=True,
        text=True,
    )
    if created.returncode != 0:
        message = f"pg_createcluster failed: {created.stderr.strip()[:200]}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    cluster = OwnCluster(
        f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres",
        Path(f"/var/lib/postgresql/{version}/{name}"),
    )
    try:
        yield cluster
    finally:
        for pid in cluster.pids():
            with suppress(OSError):
                os.kill(pid, signal.SIGCONT)
        subprocess.run(["pg_dropcluster", version, name, "--stop"], capture_output=True)


def test_a_frozen_postgresql_server_gets_not_saved_instead_of_a_hang(
    own_cluster: OwnCluster, settings, clock: FakeClock, standin: SlackStandIn
) -> None:
    context = open_context(replace(settings, database_url=own_cluster.url, database_timeout=0.5), clock=clock)
    try:
        with serve_with(context, standin) as app:
            assert "Saved contact #1" in app.reply_to(LOG, response="before")  # a pooled connection
            frozen = own_cluster.pids()
            for pid in frozen:
                os.kill(pid, signal.SIGSTOP)
            try:
                started = time.monotonic()
                health = app.client.get(app.url + "/healthz")
                assert health.status_code == 503 and health.json()["database"] == "unreachable"
                assert time.monotonic() - started < 3.0
                text_ = app.reply_to(LOG, response="frozen")
                assert "Not saved" in text_ and "try again" in text_
                assert time.monotonic() - started < 12.0
            finally:
                for pid in frozen:
                    os.kill(pid, signal.SIGCONT)
            assert "Saved contact #" in app.reply_to(LOG, response="thawed")
    finally:
        context.db.dispose()


def test_a_form_the_database_is_slow_to_store_is_answered_in_time_and_its_outcome_follows_in_a_dm(
    context: BotContext, standin: SlackStandIn
) -> None:
    from tests.test_slack_http import FORM, submission

    api = create_app(context, {"ok": True, "team_id": "T0001", "user_id": "UBOT", "bot_id": "BBOT"})
    api.state.slack.adapter.form_wait = 0.1  # seconds before "still saving" (1.5 in service)
    with serve_app(context, standin, api) as app:
        with write_lock_held(context):
            answer = app.interaction(submission("VSLOW", FORM))
            # Slack's 3 s are not spent waiting: the ack says it is still being saved.
            assert answer.status_code == 200 and answer.json()["response_action"] == "update"
            view = answer.json()["view"]
            assert view["title"]["text"] == "Still saving"
            assert "direct message" in view["blocks"][0]["text"]["text"]
        told = standin.wait_for("/api/chat.postMessage")
    assert "Saved contact #1" in told[0].body["text"]
    assert standin.calls_to("/api/conversations.open")[0].body["users"] == "UALICE"
    assert count_contacts(context) == 1
