"""The weekly digest: on time, exactly once, caught up, retried, within Slack's limits."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.context import BotContext, open_context
from bot.digest.service import TRIES, DigestService
from bot.scheduler import start_scheduler
from bot.slack.digest import digest_message
from handlers.digest import Schedule, build_digest
from handlers.i18n import use_language
from handlers.weeks import Week
from storage.contacts import NewContact
from storage.digests import DigestStore
from tests.conftest import FakeClock
from tests.slack_standin import Failure, SlackStandIn

STOCKHOLM = ZoneInfo("Europe/Stockholm")
CHANNEL = "CDIGEST01"
POST = "/api/chat.postMessage"


def local(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=STOCKHOLM).astimezone(UTC)


class Sleeps:
    """An injected sleep: records each wait and moves the fake clock instead of waiting."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.clock.advance(seconds=seconds)


@pytest.fixture
def digest_context(context: BotContext) -> BotContext:
    context.settings = replace(context.settings, digest_channel=CHANNEL, digest_chart=False)
    return context


@pytest.fixture
def sleeps(clock: FakeClock) -> Sleeps:
    return Sleeps(clock)


@pytest.fixture
def service(digest_context: BotContext, sleeps: Sleeps) -> DigestService:
    return DigestService(digest_context, sleep=sleeps)


def add_contact(context: BotContext, created: datetime, **fields: object) -> None:
    values: dict[str, object] = dict(
        contact_date=created.astimezone(STOCKHOLM).date(),
        organisation="Rovaniemen kaupunki",
        country="FI",
        kind="twin-town",
        summary="Planning a youth football exchange",
        logged_by="UALICE",
        platform="slack",
        logged_by_name="alice",
        unit="Kultur",
    )
    values.update(fields)
    context.store.add(NewContact(**values), created)  # type: ignore[arg-type]


def week_47_is_due(context: BotContext, clock: FakeClock) -> None:
    """One contact logged in week 47, and the clock at its digest's due time (Monday 08:00)."""
    add_contact(context, local(2026, 11, 18, 10, 0))
    clock.now = local(2026, 11, 23, 8, 0)


def posts(standin: SlackStandIn) -> list[dict]:
    return standin.posted(CHANNEL)


def run(coroutine):  # noqa: ANN001, ANN201
    return asyncio.run(coroutine)


# -- when ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("week", "due_utc"),
    [
        (Week(2026, 13), datetime(2026, 3, 30, 6, 0, tzinfo=UTC)),  # DST began Sunday 29 March: 08:00 CEST
        (Week(2026, 43), datetime(2026, 10, 26, 7, 0, tzinfo=UTC)),  # DST ended Sunday 25 October: 08:00 CET
        (Week(2026, 47), datetime(2026, 11, 23, 7, 0, tzinfo=UTC)),
    ],
)
def test_monday_0800_local_on_both_sides_of_dst(week: Week, due_utc: datetime) -> None:
    schedule = Schedule.parse("mon 08:00")
    assert schedule.due(week, STOCKHOLM) == due_utc
    assert schedule.latest_due_week(due_utc, STOCKHOLM) == week
    assert schedule.latest_due_week(due_utc - timedelta(seconds=1), STOCKHOLM) == week.previous()


def test_other_schedules_and_bad_ones() -> None:
    assert Schedule.parse("fri 15:30").due(Week(2026, 47), STOCKHOLM) == local(2026, 11, 27, 15, 30)
    assert Schedule.parse("Fredag 15.30") == Schedule.parse("fri 15:30")
    for bad in ("", "monday", "mon 25:00", "xyz 08:00", "mon 8"):
        with pytest.raises(ValueError):
            Schedule.parse(bad)


@pytest.mark.parametrize("monday", [date(2026, 3, 30), date(2026, 10, 26)])
def test_ticking_every_minute_across_a_dst_weekend_posts_once_on_time(
    service: DigestService, digest_context: BotContext, clock: FakeClock, standin: SlackStandIn, monday: date
) -> None:
    # Tick every minute from Saturday noon to Monday 09:00 local time, through the DST switch.
    start = datetime(monday.year, monday.month, monday.day - 2, 12, 0, tzinfo=STOCKHOLM).astimezone(UTC)
    end = datetime(monday.year, monday.month, monday.day, 9, 0, tzinfo=STOCKHOLM).astimezone(UTC)
    add_contact(digest_context, start - timedelta(days=2))
    clock.now = start
    posted_at: list[datetime] = []
    while clock.now <= end:
        before = len(posts(standin))
        run(service.tick())
        if len(posts(standin)) > before:
            posted_at.append(clock.now)
        clock.advance(minutes=1)
    assert [p.astimezone(STOCKHOLM).strftime("%a %H:%M") for p in posted_at] == ["Mon 08:00"]
    assert len(posts(standin)) == 1


def test_a_week_runs_monday_to_sunday_local_and_every_contact_is_in_exactly_one_digest(
    service: DigestService, digest_context: BotContext
) -> None:
    moments = [
        local(2026, 11, 15, 23, 59),  # Sunday of week 46
        local(2026, 11, 16, 0, 0),  # Monday of week 47
        local(2026, 11, 22, 23, 59, 59),  # Sunday of week 47
        local(2026, 11, 23, 0, 0),  # Monday of week 48
        local(2026, 10, 25, 2, 30),  # the repeated hour when DST ended (week 43)
    ]
    for moment in moments:
        add_contact(digest_context, moment)
    # Logged late about an old meeting: counted in the week it was logged.
    add_contact(digest_context, local(2026, 11, 18, 10, 0), contact_date=date(2026, 9, 1))
    totals = {w: service.build(Week(2026, w)).figures.total for w in range(40, 50)}
    assert totals[46] == 1 and totals[47] == 3 and totals[48] == 1 and totals[43] == 1
    assert sum(totals.values()) == len(moments) + 1


# -- exactly once ------------------------------------------------------------------------------


def test_catch_up_after_downtime_is_posted_late_within_the_window(
    service: DigestService, digest_context: BotContext, clock: FakeClock, standin: SlackStandIn
) -> None:
    add_contact(digest_context, local(2026, 11, 18, 10, 0))
    clock.now = local(2026, 11, 24, 10, 0)  # down over Monday 08:00, back Tuesday 10:00
    outcomes = run(service.tick())
    assert [o.state for o in outcomes] == ["posted"]
    header = posts(standin)[0]["blocks"][0]["text"]["text"]
    assert header == "Week 47, 16–22 November 2026 (late)"
    run(service.tick())
    assert len(posts(standin)) == 1


def test_misses_older_than_the_catch_up_window_are_logged_not_posted(
    service: DigestService,
    digest_context: BotContext,
    clock: FakeClock,
    standin: SlackStandIn,
    caplog: pytest.LogCaptureFixture,
) -> None:
    add_contact(digest_context, local(2026, 11, 18, 10, 0))
    clock.now = local(2026, 11, 27, 9, 0)  # Friday: 3 days and 1 hour after the due time
    with caplog.at_level(logging.WARNING):
        assert run(service.tick()) == []
        run(service.tick())
    assert posts(standin) == []
    warnings = [r.getMessage() for r in caplog.records if "older than DIGEST_CATCHUP" in r.getMessage()]
    assert len(warnings) == 1 and "contactbot digest send --week 2026-W47" in warnings[0]
    assert [o.state for o in run(service.send(Week(2026, 47)))] == ["posted"]


def test_a_fresh_install_does_not_warn_about_a_digest_from_before_the_register_existed(
    service: DigestService, clock: FakeClock, standin: SlackStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    clock.now = local(2026, 11, 27, 9, 0)
    with caplog.at_level(logging.WARNING):
        assert run(service.tick()) == []
    assert posts(standin) == []
    assert not [r for r in caplog.records if "DIGEST_CATCHUP" in r.getMessage()]


def test_restart_after_a_crash_between_posting_and_recording_does_not_post_again(
    service: DigestService,
    digest_context: BotContext,
    clock: FakeClock,
    standin: SlackStandIn,
    sleeps: Sleeps,
) -> None:
    week_47_is_due(digest_context, clock)
    store = DigestStore(digest_context.db)
    record, _ = store.record("slack", CHANNEL, "2026-W47", clock.now)
    claimed = store.claim(record.id, clock.now, service.lease)
    assert claimed is not None
    # The crashed process got as far as posting the message, then died before recording it.
    ts = run(service.targets()[0].post(claimed, service.build(Week(2026, 47))))
    assert store.get(record.id).status == "posting"

    restarted = DigestService(open_context(digest_context.settings, clock=clock), sleep=sleeps)
    clock.advance(minutes=5)
    assert run(restarted.tick()) == []  # still within the crashed sender's lease: nobody posts
    clock.advance(minutes=20)
    outcomes = run(restarted.tick())
    assert [(o.state, o.ref) for o in outcomes] == [("found", ts)]
    assert len(posts(standin)) == 1 and store.get(record.id).status == "posted"
    assert store.get(record.id).message_ref == ts


def test_three_concurrent_senders_post_one_digest(
    digest_context: BotContext, clock: FakeClock, standin: SlackStandIn, sleeps: Sleeps
) -> None:
    week_47_is_due(digest_context, clock)
    senders = [
        DigestService(open_context(digest_context.settings, clock=clock), sleep=sleeps) for _ in range(3)
    ]

    async def all_at_once() -> list[str]:
        results = await asyncio.gather(senders[0].tick(), senders[1].send(Week(2026, 47)), senders[2].tick())
        return [o.state for outcomes in results for o in outcomes]

    states = run(all_at_once())
    assert states.count("posted") == 1
    assert set(states) <= {"posted", "busy", "already"}
    assert len(standin.calls_to(POST)) == 1


def test_rate_limited_then_posted_honouring_retry_after(
    service: DigestService,
    digest_context: BotContext,
    clock: FakeClock,
    standin: SlackStandIn,
    sleeps: Sleeps,
) -> None:
    week_47_is_due(digest_context, clock)
    standin.fail("chat.postMessage", Failure(429, "ratelimited", retry_after=7))
    assert [o.state for o in run(service.tick())] == ["posted"]
    assert sleeps.waits == [7.0]
    assert len(standin.calls_to(POST)) == 1 and len(standin.calls_to(POST + "#failed")) == 1


def test_slack_down_for_an_hour_then_back_posts_once_and_loses_nothing(
    service: DigestService,
    digest_context: BotContext,
    clock: FakeClock,
    standin: SlackStandIn,
    sleeps: Sleeps,
) -> None:
    week_47_is_due(digest_context, clock)
    standin.fail("chat.postMessage", *[Failure(503, "service_unavailable")] * (TRIES * 60))
    store = DigestStore(digest_context.db)
    for _minute in range(60):
        outcomes = run(service.tick())
        assert [o.state for o in outcomes] == ["pending"]
        assert store.find("slack", CHANNEL, "2026-W47").status == "pending"
        clock.advance(minutes=1)
    assert sleeps.waits[: TRIES - 1] == [1.0, 2.0, 4.0]
    assert [o.state for o in run(service.tick())] == ["posted"]
    run(service.tick())
    assert len(standin.calls_to(POST)) == 1
    assert store.find("slack", CHANNEL, "2026-W47").status == "posted"


def test_connection_refused_is_retried_and_left_pending(
    digest_context: BotContext, clock: FakeClock, sleeps: Sleeps
) -> None:
    digest_context.settings = replace(digest_context.settings, slack_api_url="http://127.0.0.1:9/api/")
    down = DigestService(digest_context, sleep=sleeps)
    clock.now = local(2026, 11, 23, 8, 0)
    outcomes = run(down.tick())
    assert [o.state for o in outcomes] == ["pending"] and outcomes[0].error
    assert len(sleeps.waits) == TRIES - 1


# -- what it says -------------------------------------------------------------------------


def test_a_week_of_5000_contacts_stays_within_every_slack_limit(digest_context: BotContext) -> None:
    monday = local(2026, 11, 16, 8, 0)
    units = [f"Förvaltning {n}" for n in range(30)]
    with digest_context.db.session() as session:
        from storage.contacts import ContactStore

        store = ContactStore(digest_context.db)
        organisation = store._organisation(session, "Stor <!channel> & organisation " + "x" * 150, monday)
        from storage.models import Contact

        for n in range(5000):
            session.add(
                Contact(
                    contact_date=date(2026, 11, 16),
                    organisation=organisation,
                    country=["FI", "EE", "DE", "LT"][n % 4],
                    kind=["twin-town", "school", "eu-project", "visit"][n % 4],
                    youth=n % 3 == 0,
                    unit=units[n % 30],
                    summary="Å" * 3000,
                    followup="Följ upp " + "ä" * 900,
                    logged_by="U1",
                    logged_by_name="<@U123> " + "n" * 190,
                    platform="slack",
                    created_at=monday + timedelta(seconds=n),
                    updated_at=monday,
                    search_text="",
                )
            )
    for language in ("sv", "en"):
        with use_language(language):
            digest = build_digest(digest_context.db, Week(2026, 47), STOCKHOLM)
            assert digest.figures.total == 5000
            text, blocks = digest_message(digest, 1)
        assert len(blocks) <= 50
        assert len(blocks[0]["text"]["text"]) <= 150
        total = 0
        for block in blocks:
            for field in block.get("fields", []):
                assert len(field["text"]) <= 2000
                total += len(field["text"])
            assert len(block.get("fields", [])) <= 10
            if "text" in block:
                assert len(block["text"]["text"]) <= 3000
                total += len(block["text"]["text"])
            for element in block.get("elements", []):
                total += len(element.get("text", "") if isinstance(element.get("text"), str) else "")
        assert total < 12_000
        flat = str(blocks)
        assert "<!channel>" not in flat and "<@U123>" not in flat
        assert "&lt;!channel&gt;" in flat
        hint = "/kontakt list week 2026-W47" if language == "en" else "/kontakt lista vecka 2026-W47"
        assert hint in flat


def test_the_digest_counts_units_countries_kinds_and_priorities(
    service: DigestService, digest_context: BotContext
) -> None:
    add_contact(digest_context, local(2026, 11, 10, 9, 0))  # the week before
    add_contact(digest_context, local(2026, 11, 17, 9, 0), youth=True)
    add_contact(
        digest_context,
        local(2026, 11, 18, 9, 0),
        kind="eu-project",
        country="EE",
        unit="Skola",
        followup="Ansök före mars",
    )
    add_contact(
        digest_context, local(2026, 11, 19, 9, 0), kind="visit", country="LT", unit=None, logged_by="UBOB"
    )
    with use_language("sv"):
        digest = service.build(Week(2026, 47))
        text, blocks = digest_message(digest, 7)
    flat = str(blocks)
    assert blocks[0]["text"]["text"] == "Vecka 47, 16–22 november 2026"
    assert "*3 kontakter* loggades (förra veckan 1, +2)" in flat
    assert "*Barn och unga*\\n1" in flat and "*Vänorter*\\n1" in flat and "*EU-projekt*\\n1" in flat
    assert "Kultur 1" in flat and "Skola 1" in flat and "ingen enhet 1" in flat
    assert "Estland 1" in flat and "Litauen 1" in flat
    assert "Ansök före mars" in flat
    assert blocks[-1]["elements"][0]["action_id"] == "digest_reviewed"


def test_an_empty_week_posts_a_short_note_or_is_skipped(
    service: DigestService,
    digest_context: BotContext,
    clock: FakeClock,
    standin: SlackStandIn,
    sleeps: Sleeps,
) -> None:
    clock.now = local(2026, 11, 23, 8, 0)
    run(service.tick())
    assert posts(standin)[0]["blocks"][1]["text"]["text"] == "No contacts were logged in week 47."
    digest_context.settings = replace(digest_context.settings, digest_skip_empty=True)
    clock.now = local(2026, 11, 30, 8, 0)
    assert [o.state for o in run(DigestService(digest_context, sleep=sleeps).tick())] == ["skipped"]
    assert len(posts(standin)) == 1


def test_the_chart_goes_into_the_thread_and_a_failed_upload_never_blocks(
    digest_context: BotContext, clock: FakeClock, standin: SlackStandIn, sleeps: Sleeps
) -> None:
    digest_context.settings = replace(digest_context.settings, digest_chart=True)
    week_47_is_due(digest_context, clock)
    service = DigestService(digest_context, sleep=sleeps)
    outcome = run(service.tick())[0]
    upload = [c for c in standin.calls if c.path.startswith("/upload/")][0]
    assert upload.raw.startswith(b"\x89PNG") or b"\x89PNG" in upload.raw
    complete = standin.wait_for("/api/files.completeUploadExternal")[0]
    assert complete.body["thread_ts"] == outcome.ref and complete.body["channel_id"] == CHANNEL
    assert DigestStore(digest_context.db).find("slack", CHANNEL, "2026-W47").chart == "posted"

    standin.fail("files.getUploadURLExternal", Failure(200, "not_allowed_token_type"))
    (outcome,) = run(service.send(Week(2026, 47), force=True, requested_by="UCOORD"))
    assert outcome.state == "posted"
    forced = DigestStore(digest_context.db).find("slack", CHANNEL, "2026-W47", attempt=1)
    assert forced.status == "posted" and forced.chart == "failed" and forced.requested_by == "UCOORD"


def test_the_real_scheduler_runs_the_tick(
    service: DigestService, digest_context: BotContext, clock: FakeClock, standin: SlackStandIn
) -> None:
    week_47_is_due(digest_context, clock)

    async def scheduled() -> None:
        scheduler = start_scheduler(service)
        try:
            await asyncio.to_thread(standin.wait_for, POST)
        finally:
            scheduler.shutdown(wait=False)

    run(scheduled())
    assert len(posts(standin)) == 1


def test_a_delivery_cause_reads_in_the_reply_language_and_slacks_own_codes_stay_as_they_are() -> None:
    from handlers.digest import outcome_text
    from handlers.i18n import use_language

    with use_language("sv"):
        said = outcome_text(
            "pending", "2026-W47", "Slack-kanalen C1", "no connection (ClientConnectorError)"
        ).plain()
        assert "(ingen förbindelse)" in said and "ClientConnectorError" not in said
        assert (
            "(channel_not_found)"
            in outcome_text("pending", "2026-W47", "Slack-kanalen C1", "channel_not_found").plain()
        )
        assert "(HTTP 503)" in outcome_text("pending", "2026-W47", "Slack-kanalen C1", "HTTP 503").plain()
