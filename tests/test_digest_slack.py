"""The digest through the real HTTP app: coordinators' commands and the review button."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine

from bot.context import BotContext
from bot.digest.service import DigestService
from bot.server import create_app
from storage.contacts import NewContact
from storage.digests import DigestStore
from tests.conftest import COORDINATOR, FakeClock, RunningApp, serve_app
from tests.slack_standin import SlackStandIn

CHANNEL = "CDIGEST01"


@pytest.fixture
def digest_app(context: BotContext, standin: SlackStandIn, clock: FakeClock):  # noqa: ANN201
    _a_week_with_a_contact(context, clock)
    with serve_app(context, standin) as running:
        yield running


def _a_week_with_a_contact(context: BotContext, clock: FakeClock) -> None:
    context.settings = replace(context.settings, digest_channel=CHANNEL, digest_chart=False)
    clock.now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    context.store.add(
        NewContact(
            contact_date=datetime(2026, 11, 18).date(),
            organisation="<!channel> Tartu linn",
            country="EE",
            kind="school",
            summary="Elevutbyte",
            logged_by="UALICE",
            platform="slack",
            logged_by_name="alice",
        ),
        datetime(2026, 11, 18, 10, 0, tzinfo=UTC),
    )


def test_preview_send_history_for_coordinators_only(digest_app: RunningApp) -> None:
    refused = digest_app.reply_to("digest preview", response="alice")
    assert "only coordinators send them and choose their channel" in refused
    preview = digest_app.reply_to("digest preview 2026-W47", user=COORDINATOR, response="p")
    assert preview.startswith("*Week 47, 16–22 November 2026*") and "&lt;!channel&gt; Tartu linn" in preview
    sent = digest_app.reply_to("digest send", user=COORDINATOR, response="s1")
    assert sent == "Posted the digest for 2026-W47 to Slack channel CDIGEST01."
    again = digest_app.reply_to("digest send 2026-W47", user=COORDINATOR, response="s2")
    assert "already posted to Slack channel CDIGEST01. Add --force" in again
    forced = digest_app.reply_to("digest send 2026-W47 --force", user=COORDINATOR, response="s3")
    assert forced.startswith("Posted the digest")
    assert len(digest_app.standin.posted(CHANNEL)) == 2
    history = digest_app.reply_to("digest history", user=COORDINATOR, response="h")
    assert "2026-W47 · Slack channel CDIGEST01 · posted" in history and "posted again on request" in history
    assert "Write the week as YYYY-Www" in digest_app.reply_to(
        "digest preview week47", user=COORDINATOR, response="b"
    )


def test_an_archivist_previews_and_lists_the_digests_but_cannot_send_one(
    context: BotContext, standin: SlackStandIn, clock: FakeClock
) -> None:
    _a_week_with_a_contact(context, clock)
    context.settings = replace(context.settings, archivists=frozenset({"slack:UARCHIVE"}))
    with serve_app(context, standin) as app:
        preview = app.reply_to("digest preview 2026-W47", user="UARCHIVE", response="a1")
        assert preview.startswith("*Week 47, 16–22 November 2026*") and "Tartu linn" in preview
        assert "No digests have been recorded yet." in app.reply_to(
            "digest history", user="UARCHIVE", response="a2"
        )
        for words in ("digest send 2026-W47", "digest here"):
            refused = app.reply_to(words, user="UARCHIVE", response=f"r-{words.split()[1]}")
            assert "only coordinators send it or set its channel" in refused, refused
        help_text = app.reply_to("help", user="UARCHIVE", response="a3")
        assert "`/kontakt digest preview|history [2026-W47]` – the weekly digest" in help_text
    assert standin.posted(CHANNEL) == []
    assert DigestStore(context.db).history(10) == []


def review_click(app: RunningApp, user: str, digest_id: int, ts: str) -> None:
    payload = {
        "type": "block_actions",
        "team": {"id": "T0001"},
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": "T0001"},
        "api_app_id": "A0001",
        "token": "legacy",
        "container": {"type": "message", "message_ts": ts, "channel_id": CHANNEL},
        "channel": {"id": CHANNEL},
        "message": {"ts": ts},
        "response_url": app.standin.response_url(f"click-{user}"),
        "trigger_id": "1.2.3",
        "actions": [
            {
                "action_id": "digest_reviewed",
                "block_id": "review",
                "value": str(digest_id),
                "type": "button",
                "action_ts": "1.2",
            }
        ],
    }
    answer = app.interaction(payload)
    assert answer.status_code == 200


def test_reviewed_at_meeting_button(digest_app: RunningApp) -> None:
    digest_app.reply_to("digest send", user=COORDINATOR, response="s")
    record = DigestStore(digest_app.context.db).find("slack", CHANNEL, "2026-W47")
    assert record is not None and record.message_ref
    posted = digest_app.standin.posted(CHANNEL)[0]
    assert json.dumps(posted["blocks"]).count("digest_reviewed") == 1

    review_click(digest_app, "UALICE", record.id, record.message_ref)
    refusal = digest_app.standin.wait_for("/response/click-UALICE")[0].body
    assert "Only a coordinator can mark the digest as reviewed" in refusal["text"]
    assert refusal["response_type"] == "ephemeral"
    assert DigestStore(digest_app.context.db).get(record.id).reviewed_at is None

    review_click(digest_app, COORDINATOR, record.id, record.message_ref)
    update = digest_app.standin.wait_for("/api/chat.update")[0].body
    assert update["ts"] == record.message_ref and update["channel"] == CHANNEL
    reviewed = DigestStore(digest_app.context.db).get(record.id)
    assert reviewed.reviewed_by == COORDINATOR and reviewed.reviewed_at is not None
    blocks = digest_app.standin.posted(CHANNEL)[0]["blocks"]
    assert "Reviewed at the meeting by ucoord on 2026-11-23" in json.dumps(blocks)
    assert "digest_reviewed" not in json.dumps(blocks)


def test_an_overloaded_bot_tells_the_coordinator_the_review_was_not_marked(
    context: BotContext, standin: SlackStandIn, clock: FakeClock
) -> None:
    _a_week_with_a_contact(context, clock)
    api = create_app(context)
    with serve_app(context, standin, api) as app:
        app.reply_to("digest send", user=COORDINATOR, response="s")
        record = DigestStore(context.db).find("slack", CHANNEL, "2026-W47")
        assert record is not None and record.message_ref
        api.state.slack.adapter.workers.limit = 0  # the queue is full from now on
        review_click(app, COORDINATOR, record.id, record.message_ref)
        told = app.standin.wait_for(f"/response/click-{COORDINATOR}")[0].body
    assert "I am busy right now" in told["text"] and "try again in a minute" in told["text"]
    assert DigestStore(context.db).get(record.id).reviewed_at is None


def test_a_digest_posted_just_as_the_database_stops_answering_is_reported_as_posted_not_failed(
    digest_app: RunningApp, clock: FakeClock
) -> None:
    context = digest_app.context
    locker = create_engine(context.settings.database_url)
    holding = locker.connect()

    def database_stops_answering() -> None:
        if context.db.backend == "sqlite":
            holding.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            holding.exec_driver_sql("BEGIN")
            holding.exec_driver_sql("LOCK TABLE digests IN ACCESS EXCLUSIVE MODE")

    digest_app.standin.arrivals["chat.postMessage"] = database_stops_answering
    try:
        told = digest_app.reply_to("digest send 2026-W47", user=COORDINATOR, response="s1")
    finally:
        del digest_app.standin.arrivals["chat.postMessage"]
        holding.rollback()
        holding.close()
        locker.dispose()
    assert told.startswith("Posted the digest for 2026-W47 to Slack channel CDIGEST01, but the database")
    assert "it is not posted twice" in told and "did not take" not in told

    # Once the database answers, the next tick finds the post and records it; nothing is posted twice.
    clock.advance(hours=1)
    outcomes = asyncio.run(DigestService(context).tick())
    assert [o.state for o in outcomes] == ["found"]
    assert len(digest_app.standin.posted(CHANNEL)) == 1
    assert DigestStore(context.db).history(1)[0].status == "posted"
