"""History, roles and restoring through signed Slack requests, with the coordinators'
user group read from the stand-in Slack."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import load_settings
from bot.context import open_context
from storage.history import audit_trail, contact_history
from tests.conftest import BOT_TOKEN, COORDINATOR, SIGNING_SECRET, FakeClock, RunningApp, serve_app
from tests.slack_standin import Failure, SlackStandIn

LOG = 'log org="Rovaniemen kaupunki" country=FI summary="Planning a youth football exchange" person="Aino"'
GROUP = "SCOORDS01"
GROUP_CALL = "/api/usergroups.users.list"


@pytest.fixture
def app(database_url: str, clock: FakeClock, standin: SlackStandIn) -> Iterator[RunningApp]:
    settings = load_settings(
        {
            "DATABASE_URL": database_url,
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": standin.api_url,
            "COORDINATORS": f"slack:{COORDINATOR}",
            "ARCHIVISTS": "slack:UARCH",
            "SLACK_COORDINATOR_GROUP": GROUP,
            "DIGEST_CHANNEL": "CDIGEST01",
            "DIGEST_CHART": "false",
            "LANGUAGE": "en",
        },
        env_file=Path("/nonexistent/.env"),
    )
    context = open_context(settings, clock=clock)
    try:
        with serve_app(context, standin) as running:
            yield running
    finally:
        context.db.dispose()


def test_withdrawing_asks_for_a_reason_and_a_coordinator_restores_it(app: RunningApp) -> None:
    app.reply_to(LOG)
    asked = app.reply_to("withdraw 1")
    assert "Nothing was withdrawn: say why" in asked and "withdraw 1 duplicate of #9" in asked
    assert app.context.store.get(1).withdrawn_at is None
    assert "Withdrew contact #1" in app.reply_to("ta-bort 1 dubblett av #9")
    refused = app.reply_to("restore 1", response="again")
    assert "Only coordinators may restore" in refused
    restored = app.reply_to("återställ 1", user=COORDINATOR, name="coord", response="c")
    assert "Restored contact #1" in restored and app.context.store.get(1).withdrawn_at is None
    events = contact_history(app.context.db, 1)
    assert [(e.action, e.actor, e.via) for e in events] == [
        ("create", "slack:UALICE", "slack"),
        ("withdraw", "slack:UALICE", "slack"),
        ("restore", f"slack:{COORDINATOR}", "slack"),
    ]


def test_the_history_is_for_the_author_coordinators_and_archivists_only(app: RunningApp) -> None:
    app.reply_to(LOG)
    app.reply_to('edit 1 summary="Football <b>and</b> hockey"')
    mine = app.reply_to("history 1")
    assert "History of contact #1" in mine and "by slack:UALICE via slack" in mine
    assert "Summary: “Planning a youth football exchange” → “Football &lt;b&gt;and&lt;/b&gt; hockey”" in mine
    refused = app.reply_to("historik 1", user="UBOB", name="bob", response="bob")
    assert "is for the person who logged it, coordinators and archivists" in refused
    assert "History of contact #1" in app.reply_to("history 1", user="UARCH", name="archie", response="a")
    assert "History of contact #1" in app.reply_to("history 1", user=COORDINATOR, name="c", response="c")


def test_an_archivist_reads_and_exports_but_every_change_is_refused(app: RunningApp) -> None:
    app.reply_to(LOG)
    for line in (LOG, "edit 1 summary=mine", "withdraw 1 old", "restore 1", "log"):
        refused = app.reply_to(line, user="UARCH", name="archie", response="a")
        assert "You are an archivist" in refused or "Only coordinators may restore" in refused, line
    contact = app.context.store.get(1)
    assert contact.summary == "Planning a youth football exchange" and contact.withdrawn_at is None
    assert app.context.store.get(2) is None
    assert "Rovaniemen kaupunki" in app.reply_to("show 1", user="UARCH", name="archie", response="a")
    exported = app.reply_to("export", user="UARCH", name="archie", response="x")
    assert "Export of 1 contact" in exported
    said = app.reply_to("whoami", user="UARCH", name="archie", response="w")
    assert "You are archie (slack:UARCH), with the role *archivist*" in said


def test_the_coordinators_user_group_is_read_from_slack_kept_and_refreshed(
    app: RunningApp, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    app.standin.usergroups[GROUP] = ["UGROUP"]
    assert "role *coordinator*" in app.reply_to("vem", user="UGROUP", name="g", response="g1")
    assert app.standin.calls_to(GROUP_CALL)[0].body["usergroup"] == GROUP
    app.standin.usergroups[GROUP] = []
    clock.advance(minutes=5)
    assert "role *coordinator*" in app.reply_to("whoami", user="UGROUP", name="g", response="g2")
    assert len(app.standin.calls_to(GROUP_CALL)) == 1  # kept for ten minutes

    caplog.set_level(logging.WARNING, logger="bot.roles")
    app.standin.fail(GROUP_CALL.removeprefix("/api/"), Failure(200, "ratelimited"), Failure(503, html=True))
    clock.advance(minutes=11)
    assert "role *coordinator*" in app.reply_to("whoami", user="UGROUP", name="g", response="g3")
    clock.advance(minutes=2)
    assert "role *coordinator*" in app.reply_to("whoami", user="UGROUP", name="g", response="g4")
    failures = [r for r in caplog.records if "cannot read the coordinators' user group" in r.getMessage()]
    assert len(failures) == 1 and "ratelimited" in failures[0].getMessage()
    assert BOT_TOKEN not in caplog.text

    clock.advance(minutes=2)
    assert "role *staff*" in app.reply_to("whoami", user="UGROUP", name="g", response="g5")


def test_a_digest_sent_by_a_coordinator_is_in_the_audit_trail(app: RunningApp) -> None:
    app.reply_to(LOG)
    refused = app.reply_to("digest send 2026-W48", user="UARCH", name="archie", response="a")
    assert "only coordinators send it" in refused
    answer = app.reply_to("digest send 2026-W48", user=COORDINATOR, name="coord", response="c")
    assert "2026-W48" in answer
    app.standin.wait_for("/api/chat.postMessage")
    digests = [e for e in audit_trail(app.context.db) if e.action == "digest"]
    assert [(e.contact_id, e.actor, e.via, e.note) for e in digests] == [
        (None, f"slack:{COORDINATOR}", "slack", "2026-W48 slack:CDIGEST01")
    ]
