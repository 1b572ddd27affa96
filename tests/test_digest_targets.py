"""The digest per delivery target: each target's digest posted exactly once, whatever the
other targets do, and never twice when an answer is lost."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as examples
from hypothesis import strategies as st

from bot.config import ConfigError, Settings, load_settings
from bot.context import BotContext, open_context
from bot.digest.service import TRIES, DigestService
from bot.digest.targets import Chart, secret_destination
from bot.digest.wiring import FACTORIES, digest_targets
from bot.server import create_app
from bot.slack.digest import SlackChannelTarget
from bot.teams.workflows import WorkflowsWebhookTarget
from handlers.digest import Digest
from handlers.i18n import use_language
from handlers.replies import Caller
from handlers.weeks import Week
from storage.digests import DigestStore
from storage.models import Digest as DigestRecord
from tests.conftest import BOT_TOKEN, FakeClock
from tests.slack_standin import Failure, SlackStandIn
from tests.test_cli import contactbot
from tests.test_digest import CHANNEL, POST, Sleeps, add_contact, run, week_47_is_due
from tests.test_digest import local as local_time
from tests.webhook_standin import SECRET_PATH, WebhookStandIn, start_webhook_standin

HISTORY = "/api/conversations.history"
COORD = Caller("slack", "UCOORD", "coordinator", is_coordinator=True)


def tiny_card(digest: Digest, record: DigestRecord) -> dict[str, Any]:
    """A stand-in for the Teams card builder."""
    return {
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": [{"type": "TextBlock", "text": f"{record.week}: {digest.figures.total}"}],
    }


@pytest.fixture
def webhook() -> Iterator[WebhookStandIn]:
    server = start_webhook_standin()
    yield server
    server.close()


@pytest.fixture
def sleeps(clock: FakeClock) -> Sleeps:
    return Sleeps(clock)


@pytest.fixture
def digest_context(context: BotContext) -> BotContext:
    context.settings = replace(context.settings, digest_channel=CHANNEL, digest_chart=False)
    return context


def slack(standin: SlackStandIn, timeout: float = 30) -> SlackChannelTarget:
    return SlackChannelTarget.from_settings(BOT_TOKEN, standin.api_url, CHANNEL, "en", timeout=timeout)


def teams_webhook(webhook: WebhookStandIn, timeout: float = 30) -> WorkflowsWebhookTarget:
    return WorkflowsWebhookTarget(webhook.url, card_builder=tiny_card, timeout=timeout)


def states(outcomes: list) -> list[tuple[str, str]]:  # type: ignore[type-arg]
    return sorted((o.platform, o.state) for o in outcomes)


def history_of(context: BotContext) -> str:
    """`digest history`, as a coordinator reads it (in English)."""
    with use_language("en"):
        return context.handler().handle("digest history", COORD).plain()


def record_of(context: BotContext, platform: str, destination: str, attempt: int = 0) -> DigestRecord:
    record = DigestStore(context.db).find(platform, destination, "2026-W47", attempt)
    assert record is not None
    return record


# -- Slack: an outage page, a lost answer, a late answer ----------------------------------


@pytest.mark.parametrize("content_type", ["text/html; charset=utf-8", "application/json"])
@pytest.mark.parametrize("status", [502, 503])
def test_an_html_outage_page_from_slack_is_an_outage_that_is_retried_not_a_crash(
    digest_context: BotContext,
    clock: FakeClock,
    standin: SlackStandIn,
    sleeps: Sleeps,
    caplog: pytest.LogCaptureFixture,
    status: int,
    content_type: str,
) -> None:
    week_47_is_due(digest_context, clock)
    service = DigestService(digest_context, [slack(standin)], sleep=sleeps)
    standin.fail("chat.postMessage", *[Failure(status, html=True, content_type=content_type)] * TRIES)
    with caplog.at_level(logging.WARNING):
        outcomes = run(service.tick())
    assert [(o.state, o.error) for o in outcomes] == [("pending", f"HTTP {status}")]
    assert sleeps.waits == [1.0, 2.0, 4.0]
    warning = [r for r in caplog.records if "could not post the digest" in r.getMessage()]
    assert len(warning) == 1 and f"HTTP {status}" in warning[0].getMessage()
    assert all(r.exc_info is None for r in caplog.records)
    clock.advance(minutes=1)
    assert [o.state for o in run(service.tick())] == ["posted"]
    assert len(standin.posted(CHANNEL)) == 1


def test_a_post_slack_took_whose_answer_was_lost_is_found_in_the_channel_not_posted_again(
    digest_context: BotContext, clock: FakeClock, standin: SlackStandIn, sleeps: Sleeps
) -> None:
    week_47_is_due(digest_context, clock)
    service = DigestService(digest_context, [slack(standin)], sleep=sleeps)
    standin.fail("chat.postMessage", Failure(lost=True))
    outcomes = run(service.tick())
    posted = standin.posted(CHANNEL)
    assert len(posted) == 1
    assert [(o.state, o.ref) for o in outcomes] == [("found", posted[0]["ts"])]
    assert sleeps.waits == [1.0]  # it gave Slack a moment before looking
    assert standin.calls_to(POST) == [] and len(standin.calls_to(POST + "#lost")) == 1
    assert standin.calls_to(HISTORY)[0].method == "GET"  # slack_sdk reads the history with GET
    record = record_of(digest_context, "slack", CHANNEL)
    assert record.status == "posted" and record.message_ref == posted[0]["ts"]
    clock.advance(minutes=1)
    assert run(service.tick()) == []
    assert len(standin.posted(CHANNEL)) == 1


def test_a_post_answered_after_the_client_gave_up_is_found_in_the_channel_not_posted_again(
    digest_context: BotContext, clock: FakeClock, standin: SlackStandIn, sleeps: Sleeps
) -> None:
    week_47_is_due(digest_context, clock)
    release = threading.Event()
    service = DigestService(digest_context, [slack(standin, timeout=0.3)], sleep=sleeps)
    standin.fail("chat.postMessage", Failure(late=release))
    try:
        outcomes = run(service.tick())
    finally:
        release.set()
    assert [o.state for o in outcomes] == ["found"]
    assert len(standin.posted(CHANNEL)) == 1
    assert record_of(digest_context, "slack", CHANNEL).status == "posted"


def test_slack_lost_answer_and_nothing_in_the_channel_is_posted_after_looking(
    digest_context: BotContext, clock: FakeClock, standin: SlackStandIn, sleeps: Sleeps
) -> None:
    """`fatal_error`: Slack's own word for "it may have happened"; this time it had not."""
    week_47_is_due(digest_context, clock)
    service = DigestService(digest_context, [slack(standin)], sleep=sleeps)
    standin.fail("chat.postMessage", Failure(500, "fatal_error"))
    assert [o.state for o in run(service.tick())] == ["posted"]
    assert len(standin.calls_to(HISTORY)) == 1 and len(standin.posted(CHANNEL)) == 1


# -- the Workflows webhook ---------------------------------------------------------------


def test_the_webhook_gets_the_card_once_and_its_url_is_never_stored_or_logged(
    digest_context: BotContext,
    clock: FakeClock,
    webhook: WebhookStandIn,
    sleeps: Sleeps,
    caplog: pytest.LogCaptureFixture,
) -> None:
    week_47_is_due(digest_context, clock)
    target = teams_webhook(webhook)
    service = DigestService(digest_context, [target], sleep=sleeps)
    with caplog.at_level(logging.DEBUG):
        assert [o.state for o in run(service.tick())] == ["posted"]
        clock.advance(minutes=1)
        assert run(service.tick()) == []
    assert webhook.posted() == [
        {
            "type": "message",
            "attachments": [
                {
                    "contentType": "application/vnd.microsoft.card.adaptive",
                    "content": {
                        "type": "AdaptiveCard",
                        "version": "1.4",
                        "body": [{"type": "TextBlock", "text": "2026-W47: 1"}],
                    },
                }
            ],
        }
    ]
    destination = secret_destination(webhook.url)
    assert target.destination == destination and destination.startswith("wh-") and len(destination) == 15
    record = record_of(digest_context, "webhook", destination)
    assert record.status == "posted" and record.sent_at is not None and record.chart == "off"
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert destination in logged and "sig=" not in logged and SECRET_PATH not in logged
    assert "sig=" not in repr(target) and "sig=" not in repr(digest_context.settings)
    history = history_of(digest_context)
    assert f"2026-W47 · Teams channel via webhook {destination} · posted" in history


def test_an_html_502_from_the_webhook_is_retried_and_posted_once(
    digest_context: BotContext, clock: FakeClock, webhook: WebhookStandIn, sleeps: Sleeps
) -> None:
    week_47_is_due(digest_context, clock)
    service = DigestService(digest_context, [teams_webhook(webhook)], sleep=sleeps)
    webhook.fail(Failure(502, html=True), Failure(429, retry_after=9))
    assert [o.state for o in run(service.tick())] == ["posted"]
    assert sleeps.waits == [1.0, 9.0] and len(webhook.posted()) == 1 and webhook.requests == 3


def test_a_webhook_post_whose_answer_was_lost_is_unclear_and_never_posted_again_unless_forced(
    digest_context: BotContext,
    clock: FakeClock,
    webhook: WebhookStandIn,
    sleeps: Sleeps,
    caplog: pytest.LogCaptureFixture,
) -> None:
    week_47_is_due(digest_context, clock)
    service = DigestService(digest_context, [teams_webhook(webhook)], sleep=sleeps)
    webhook.fail(Failure(lost=True))
    with caplog.at_level(logging.WARNING):
        outcomes = run(service.tick())
        for _minute in range(30):
            clock.advance(minutes=1)
            assert run(service.tick()) == []
        again = run(service.send(Week(2026, 47)))
    assert [o.state for o in outcomes] == ["unclear"] and [o.state for o in again] == ["unclear"]
    assert len(webhook.posted()) == 1 and webhook.requests == 1
    warnings = [r.getMessage() for r in caplog.records if "may have been posted" in r.getMessage()]
    assert len(warnings) == 1 and "--week 2026-W47 --force" in warnings[0]
    record = record_of(digest_context, "webhook", secret_destination(webhook.url))
    assert record.status == "unclear" and record.message_ref is None and record.sent_at is not None

    history = history_of(digest_context)
    assert "may have been posted (the answer never came)" in history
    assert "look in the channel; /kontakt digest send 2026-W47 --force posts it again" in history

    forced = run(service.send(Week(2026, 47), force=True, requested_by="UCOORD"))
    assert [o.state for o in forced] == ["posted"] and len(webhook.posted()) == 2


def test_a_webhook_answer_after_the_client_gave_up_is_unclear(
    digest_context: BotContext, clock: FakeClock, webhook: WebhookStandIn, sleeps: Sleeps
) -> None:
    week_47_is_due(digest_context, clock)
    release = threading.Event()
    service = DigestService(digest_context, [teams_webhook(webhook, timeout=0.3)], sleep=sleeps)
    webhook.fail(Failure(late=release))
    try:
        outcomes = run(service.tick())
    finally:
        release.set()
    assert [(o.state, o.error) for o in outcomes] == [("unclear", "no answer within the time-out")]
    assert len(webhook.posted()) == 1


def test_a_sender_that_died_during_the_webhook_call_leaves_it_unclear_not_posted_again(
    digest_context: BotContext, clock: FakeClock, webhook: WebhookStandIn, sleeps: Sleeps
) -> None:
    week_47_is_due(digest_context, clock)
    target = teams_webhook(webhook)
    store = DigestStore(digest_context.db)
    record, _ = store.record("webhook", target.destination, "2026-W47", clock.now)
    assert store.claim(record.id, clock.now, DigestService(digest_context, [target]).lease) is not None
    store.mark_sending(record.id, clock.now)  # ...and the process died in the call
    restarted = DigestService(open_context(digest_context.settings, clock=clock), [target], sleep=sleeps)
    clock.advance(minutes=5)
    assert run(restarted.tick()) == []  # within the lease: nobody touches it
    clock.advance(minutes=20)
    assert [o.state for o in run(restarted.tick())] == ["unclear"]
    assert webhook.posted() == [] and store.get(record.id).status == "unclear"


def test_a_sender_that_died_before_the_webhook_call_is_followed_by_a_normal_post(
    digest_context: BotContext, clock: FakeClock, webhook: WebhookStandIn, sleeps: Sleeps
) -> None:
    week_47_is_due(digest_context, clock)
    target = teams_webhook(webhook)
    store = DigestStore(digest_context.db)
    record, _ = store.record("webhook", target.destination, "2026-W47", clock.now)
    assert store.claim(record.id, clock.now, DigestService(digest_context, [target]).lease) is not None
    restarted = DigestService(open_context(digest_context.settings, clock=clock), [target], sleep=sleeps)
    clock.advance(minutes=20)
    assert [o.state for o in run(restarted.tick())] == ["posted"]
    assert len(webhook.posted()) == 1


def test_a_webhook_that_refuses_the_card_is_not_retried_and_says_why(
    digest_context: BotContext, clock: FakeClock, webhook: WebhookStandIn, sleeps: Sleeps
) -> None:
    week_47_is_due(digest_context, clock)
    service = DigestService(digest_context, [teams_webhook(webhook)], sleep=sleeps)
    webhook.fail(Failure(400, html=True))
    assert [(o.state, o.error) for o in run(service.tick())] == [("pending", "HTTP 400")]
    assert sleeps.waits == [] and webhook.posted() == []
    record = record_of(digest_context, "webhook", secret_destination(webhook.url))
    assert record.sent_at is None and record.last_error == "HTTP 400"  # clearly not posted


def test_a_card_that_cannot_be_made_is_a_clear_failure_not_an_unclear_post(
    digest_context: BotContext, clock: FakeClock, webhook: WebhookStandIn, sleeps: Sleeps
) -> None:
    week_47_is_due(digest_context, clock)

    def broken_card(digest: Digest, record: DigestRecord) -> dict[str, Any]:
        raise KeyError("entries")

    target = WorkflowsWebhookTarget(webhook.url, card_builder=broken_card)
    service = DigestService(digest_context, [target], sleep=sleeps)
    assert [(o.state, o.error) for o in run(service.tick())] == [
        ("pending", "the card could not be made (KeyError)")
    ]
    assert webhook.requests == 0
    assert record_of(digest_context, "webhook", target.destination).sent_at is None


def test_a_webhook_nobody_answers_is_retried_and_left_pending(
    digest_context: BotContext, clock: FakeClock, sleeps: Sleeps
) -> None:
    week_47_is_due(digest_context, clock)
    url = "http://127.0.0.1:9" + SECRET_PATH
    service = DigestService(digest_context, [WorkflowsWebhookTarget(url, tiny_card)], sleep=sleeps)
    assert [(o.state, o.error) for o in run(service.tick())] == [("pending", "connection refused")]
    assert sleeps.waits == [1.0, 2.0, 4.0]
    assert record_of(digest_context, "webhook", secret_destination(url)).sent_at is None


# -- targets are independent ---------------------------------------------------------------


class BrokenTarget:
    """A target with a bug: every post raises."""

    platform, destination, label, can_find, can_chart = (
        "teams",
        "19:broken@thread.tacv2",
        "broken",
        False,
        False,
    )

    async def post(self, record: DigestRecord, digest: Digest) -> str:
        raise RuntimeError("a bug")

    async def find(self, record: DigestRecord) -> str | None:
        return None

    async def update(self, record: DigestRecord, digest: Digest) -> None:
        pass

    async def attach_chart(self, record: DigestRecord, digest: Digest, ref: str, chart: Chart) -> None:
        pass


class HangingTarget(BrokenTarget):
    """A target whose platform takes its time: the post waits until the test lets it go."""

    platform, destination, label = "teams", "19:slow@thread.tacv2", "slow"

    def __init__(self) -> None:
        self.release = asyncio.Event()

    async def post(self, record: DigestRecord, digest: Digest) -> str:
        await self.release.wait()
        return "slow-1"


def test_a_target_that_crashes_or_hangs_holds_back_no_other(
    digest_context: BotContext, clock: FakeClock, webhook: WebhookStandIn, sleeps: Sleeps
) -> None:
    week_47_is_due(digest_context, clock)
    hanging = HangingTarget()
    service = DigestService(digest_context, [BrokenTarget(), hanging, teams_webhook(webhook)], sleep=sleeps)

    async def scenario() -> list:  # type: ignore[type-arg]
        tick = asyncio.create_task(service.tick())
        await asyncio.to_thread(webhook.wait_for, 1)  # posted while the slow one still waits
        assert not tick.done()
        hanging.release.set()
        return await tick

    outcomes = run(scenario())
    assert sorted((o.destination, o.state) for o in outcomes) == [
        ("19:slow@thread.tacv2", "posted"),
        (secret_destination(webhook.url), "posted"),
    ]
    assert len(webhook.posted()) == 1


@pytest.mark.parametrize("down", ["slack", "webhook"])
def test_one_target_down_for_an_hour_while_the_other_posts_each_posted_exactly_once(
    digest_context: BotContext,
    clock: FakeClock,
    standin: SlackStandIn,
    webhook: WebhookStandIn,
    sleeps: Sleeps,
    down: str,
) -> None:
    week_47_is_due(digest_context, clock)
    outage = [Failure(503, html=True)] * (TRIES * 60)
    if down == "slack":
        standin.fail("chat.postMessage", *outage)
    else:
        webhook.fail(*outage)
    service = DigestService(digest_context, [slack(standin), teams_webhook(webhook)], sleep=sleeps)
    up = "webhook" if down == "slack" else "slack"
    first = run(service.tick())
    assert states(first) == sorted([(up, "posted"), (down, "pending")])
    for _minute in range(59):
        clock.advance(minutes=1)
        assert states(run(service.tick())) == [(down, "pending")]
    clock.advance(minutes=1)
    assert states(run(service.tick())) == [(down, "posted")]
    for _minute in range(10):
        clock.advance(minutes=1)
        assert run(service.tick()) == []
    assert len(standin.posted(CHANNEL)) == 1 and len(webhook.posted()) == 1
    for platform, destination in (("slack", CHANNEL), ("webhook", secret_destination(webhook.url))):
        assert record_of(digest_context, platform, destination).status == "posted"


def test_send_by_hand_answers_per_destination_and_history_names_each(
    digest_context: BotContext,
    clock: FakeClock,
    standin: SlackStandIn,
    webhook: WebhookStandIn,
    sleeps: Sleeps,
) -> None:
    week_47_is_due(digest_context, clock)
    service = DigestService(digest_context, [slack(standin), teams_webhook(webhook)], sleep=sleeps)
    assert states(run(service.send(Week(2026, 47)))) == [("slack", "posted"), ("webhook", "posted")]
    assert states(run(service.send(Week(2026, 47)))) == [("slack", "already"), ("webhook", "already")]
    assert states(run(service.send(Week(2026, 47), force=True, only="webhook"))) == [("webhook", "posted")]
    history = history_of(digest_context)
    assert "2026-W47 · Slack channel CDIGEST01 · posted" in history
    assert history.count("Teams channel via webhook wh-") == 2 and "posted again on request" in history


# -- the command line ------------------------------------------------------------------------


def test_the_command_line_sends_to_the_webhook_alone_and_never_shows_its_url(
    database_url: str, tmp_path: Path, webhook: WebhookStandIn
) -> None:
    env = {"TEAMS_DIGEST_WEBHOOK_URL": webhook.url, "LANGUAGE": "en"}
    destination = secret_destination(webhook.url)
    sent = contactbot(["digest", "send", "--week", "2026-W47"], database_url, tmp_path, **env)
    assert sent.returncode == 0, sent.stderr
    assert (
        sent.stdout.strip() == f"Posted the digest for 2026-W47 to Teams channel via webhook {destination}."
    )
    again = contactbot(["digest", "send", "--week", "2026-W47"], database_url, tmp_path, **env)
    assert "already posted to Teams channel via webhook" in again.stdout and len(webhook.posted()) == 1
    history = contactbot(["digest", "history"], database_url, tmp_path, **env)
    assert f"2026-W47 · Teams channel via webhook {destination} · posted" in history.stdout
    preview = contactbot(["digest", "preview", "--json", "--to", "webhook"], database_url, tmp_path, **env)
    payload = json.loads(preview.stdout)
    assert payload["attachments"][0]["contentType"] == "application/vnd.microsoft.card.adaptive"
    for result in (sent, again, history, preview):
        assert "sig=" not in result.stdout + result.stderr and "Traceback" not in result.stderr


def test_the_scheduler_without_any_destination_says_what_to_set(database_url: str, tmp_path: Path) -> None:
    result = contactbot(["scheduler"], database_url, tmp_path, LANGUAGE="en")
    assert result.returncode == 2
    assert "The digest has no destination: set DIGEST_CHANNEL" in result.stderr


# -- whatever fails, however often ------------------------------------------------------------

FAILURES = {
    "html 502": Failure(502, html=True),
    "html 503 labelled json": Failure(503, html=True, content_type="application/json"),
    "503": Failure(503, "service_unavailable"),
    "429": Failure(429, "ratelimited", retry_after=3),
    "fatal_error": Failure(500, "fatal_error"),
    "lost": Failure(lost=True),
}


@examples(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    slack_failures=st.lists(st.sampled_from(sorted(FAILURES)), max_size=9),
    webhook_failures=st.lists(st.sampled_from(sorted(set(FAILURES) - {"fatal_error"})), max_size=9),
)
def test_whatever_fails_each_destination_gets_the_digest_once_and_a_lost_webhook_answer_is_unclear(
    settings: Settings,
    tmp_path_factory: pytest.TempPathFactory,
    standin: SlackStandIn,
    webhook: WebhookStandIn,
    slack_failures: list[str],
    webhook_failures: list[str],
) -> None:
    # A fresh SQLite database per example (the fixtures' database is one per test).
    database = tmp_path_factory.mktemp("db") / "digests.db"
    clock = FakeClock(local_time(2026, 11, 23, 8, 0))
    context = open_context(
        replace(settings, database_url=f"sqlite:///{database}", digest_chart=False), clock=clock
    )
    standin.messages.clear()
    standin.failures.clear()
    webhook.posts.clear()
    webhook.failures.clear()
    try:
        add_contact(context, local_time(2026, 11, 18, 10, 0))
        standin.fail("chat.postMessage", *(FAILURES[name] for name in slack_failures))
        webhook.fail(*(FAILURES[name] for name in webhook_failures))
        service = DigestService(context, [slack(standin), teams_webhook(webhook)], sleep=Sleeps(clock))
        for _minute in range(12):
            run(service.tick())
            clock.advance(minutes=1)
        assert len(standin.posted(CHANNEL)) == 1
        assert record_of(context, "slack", CHANNEL).status == "posted"
        assert len(webhook.posted()) == 1
        expected = "unclear" if "lost" in webhook_failures else "posted"
        assert record_of(context, "webhook", secret_destination(webhook.url)).status == expected
    finally:
        context.db.dispose()


# -- where the targets come from --------------------------------------------------------------


def test_targets_are_assembled_from_the_settings_and_a_new_platform_is_one_more_factory(
    context: BotContext, webhook: WebhookStandIn
) -> None:
    assert digest_targets(context) == []
    context.settings = replace(context.settings, digest_channel=CHANNEL, teams_digest_webhook_url=webhook.url)
    assert [(t.platform, t.destination, t.label) for t in digest_targets(context)] == [
        ("slack", CHANNEL, f"Slack {CHANNEL}"),
        ("webhook", secret_destination(webhook.url), f"Teams webhook {secret_destination(webhook.url)}"),
    ]
    another = HangingTarget()
    targets = digest_targets(context, (*FACTORIES, lambda _context: [another]))
    assert targets[-1] is another and len(targets) == 3


def test_the_webhook_setting_must_be_an_http_url_and_never_shows(tmp_path: Path) -> None:
    url = "https://prod-12.westeurope.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?sig=s3cr3t"
    loaded = load_settings({"TEAMS_DIGEST_WEBHOOK_URL": url}, env_file=tmp_path / "none")
    assert loaded.teams_digest_webhook_url == url and "s3cr3t" not in repr(loaded)
    with use_language("en"), pytest.raises(ConfigError, match="TEAMS_DIGEST_WEBHOOK_URL must be an http"):
        load_settings({"TEAMS_DIGEST_WEBHOOK_URL": "ftp://example.org/x"}, env_file=tmp_path / "none")


def test_the_server_posts_to_the_webhook_on_schedule_without_slack(
    context: BotContext, clock: FakeClock, webhook: WebhookStandIn
) -> None:
    context.settings = replace(
        context.settings,
        slack_bot_token=None,
        slack_signing_secret=None,
        teams_digest_webhook_url=webhook.url,
    )
    week_47_is_due(context, clock)
    app = create_app(context, scheduler=True)

    async def serving() -> None:
        async with app.router.lifespan_context(app):  # what uvicorn runs at start and stop
            await asyncio.to_thread(webhook.wait_for, 1)

    run(serving())
    assert len(webhook.posted()) == 1
