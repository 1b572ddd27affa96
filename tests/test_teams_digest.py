"""The weekly digest in a Teams channel: chosen from the channel, posted once by the
scheduler's tick through the stand-in Bot Connector, reviewed with the card's button."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

from bot.digest.service import DigestService
from storage.destinations import destinations
from storage.digests import DigestStore
from tests.conftest import (
    SLACK_ENVIRONMENT,
    TEAMS_COORDINATOR,
    FakeClock,
    TeamsApp,
    serve_teams,
    teams_environment,
)
from tests.schemas import validate_adaptive_card
from tests.slack_standin import Failure as SlackFailure
from tests.slack_standin import SlackStandIn
from tests.teams_standin import Failure, TeamsStandIn
from tests.test_teams_http import ANNA, CHANNEL, in_channel, invoke, sender

SLACK_CHANNEL = "C0DIGEST01"
MONDAY_0800 = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)  # 08:00 in Stockholm, week 49 begins


async def _no_sleep(_seconds: float) -> None:
    return None


def tick(app: TeamsApp) -> list[Any]:
    """One run of the scheduler's job, as APScheduler would start it each minute."""
    return asyncio.run(DigestService(app.context, sleep=_no_sleep).tick())


def choose_channel(app: TeamsApp) -> Any:
    return app.say(in_channel("<at>contactbot</at> digest here", app.teams, aad=TEAMS_COORDINATOR, number=1))


def posted_cards(app: TeamsApp) -> list[dict[str, Any]]:
    return [
        call.body["attachments"][0]["content"]
        for call in app.teams.calls_to("send")
        if call.path.endswith(f"/v3/conversations/{CHANNEL}/activities")
    ]


def review(app: TeamsApp, digest_id: int, aad: str) -> Any:
    activity = invoke(
        "adaptiveCard/action",
        {"action": {"type": "Action.Execute", "verb": "digestReviewed", "data": {"digest_id": digest_id}}},
        app.teams,
    )
    activity["from"] = sender(aad, "Koordinatorn" if aad == TEAMS_COORDINATOR else "Anna Andersson")
    return app.post(activity)


def test_a_coordinator_chooses_the_channel_and_the_digest_is_posted_there_once(
    teams_app: TeamsApp, clock: FakeClock
) -> None:
    answer = choose_channel(teams_app)
    assert "Done" in answer.shown and "Mondays at 08:00, Europe/Stockholm" in answer.shown
    [chosen] = destinations(teams_app.context.db, "teams")
    assert chosen.destination == CHANNEL and chosen.service_url == teams_app.teams.service_url
    teams_app.say(
        in_channel(
            '<at>contactbot</at> log org="Tartu linnavalitsus" country=EE summary=Skolutbyte',
            teams_app.teams,
            number=2,
        )
    )
    clock.now = MONDAY_0800
    tick(teams_app)
    tick(teams_app)  # the next minute: already posted
    [card] = posted_cards(teams_app)
    validate_adaptive_card(card)
    assert len(json.dumps(card, ensure_ascii=False, separators=(",", ":")).encode()) <= 20_000
    text = json.dumps(card, ensure_ascii=False)
    assert "Tartu linnavalitsus" in text and "/kontakt" not in text
    [call] = [c for c in teams_app.teams.calls_to("send") if c.path.endswith(f"{CHANNEL}/activities")]
    assert call.authorization.startswith("Bearer ")


def test_someone_who_is_not_a_coordinator_cannot_choose_the_channel(teams_app: TeamsApp) -> None:
    answer = teams_app.say(in_channel("<at>contactbot</at> digest here", teams_app.teams, aad=ANNA))
    assert "only coordinators send them and choose their channel" in answer.shown
    assert destinations(teams_app.context.db, "teams") == []


def test_the_review_button_records_a_coordinators_click_and_refuses_others(
    teams_app: TeamsApp, clock: FakeClock
) -> None:
    choose_channel(teams_app)
    clock.now = MONDAY_0800
    tick(teams_app)
    [record] = [r for r in DigestStore(teams_app.context.db).history(5) if r.platform == "teams"]
    refused = review(teams_app, record.id, ANNA)
    assert refused.status_code == 200 and "Only a coordinator" in refused.json()["value"]
    assert DigestStore(teams_app.context.db).get(record.id).reviewed_at is None
    accepted = review(teams_app, record.id, TEAMS_COORDINATOR)
    body = accepted.json()
    assert body["type"] == "application/vnd.microsoft.card.adaptive"
    validate_adaptive_card(body["value"])
    assert "Reviewed at the meeting by Koordinatorn" in json.dumps(body["value"], ensure_ascii=False)
    assert DigestStore(teams_app.context.db).get(record.id).reviewed_by == f"teams:{TEAMS_COORDINATOR}"


def test_a_lost_answer_from_the_connector_is_never_posted_twice(
    teams_app: TeamsApp, clock: FakeClock
) -> None:
    choose_channel(teams_app)
    clock.now = MONDAY_0800
    teams_app.teams.fail("send", Failure(lost_answer=True))
    tick(teams_app)
    clock.advance(minutes=1)
    tick(teams_app)
    clock.advance(minutes=30)
    tick(teams_app)
    assert len(posted_cards(teams_app)) == 1  # the stand-in took it once; nobody posted again
    [record] = [r for r in DigestStore(teams_app.context.db).history(5) if r.platform == "teams"]
    assert record.status == "unclear"
    history = teams_app.say(
        in_channel("<at>contactbot</at> digest history", teams_app.teams, aad=TEAMS_COORDINATOR, number=3)
    )
    assert "--force" in history.shown


def test_slack_down_does_not_hold_back_the_teams_post_and_both_are_posted_once(
    database_url: str, clock: FakeClock, standin: SlackStandIn, teams_standin: TeamsStandIn
) -> None:
    environment = {**SLACK_ENVIRONMENT, "DIGEST_CHANNEL": SLACK_CHANNEL, **teams_environment(teams_standin)}
    with serve_teams(database_url, clock, standin, teams_standin, environment) as teams_app:
        _slack_down_then_back(teams_app, clock)


def _slack_down_then_back(teams_app: TeamsApp, clock: FakeClock) -> None:
    choose_channel(teams_app)
    clock.now = MONDAY_0800
    teams_app.running.standin.fail("chat.postMessage", *[SlackFailure(status=503)] * 40)
    for _minute in range(10):
        tick(teams_app)
        clock.advance(minutes=1)
    assert len(posted_cards(teams_app)) == 1
    assert teams_app.running.standin.posted(SLACK_CHANNEL) == []
    teams_app.running.standin.failures.clear()
    for _minute in range(3):
        tick(teams_app)
        clock.advance(minutes=1)
    assert len(teams_app.running.standin.posted(SLACK_CHANNEL)) == 1
    assert len(posted_cards(teams_app)) == 1


def test_teams_down_does_not_hold_back_the_slack_post_and_both_are_posted_once(
    database_url: str, clock: FakeClock, standin: SlackStandIn, teams_standin: TeamsStandIn
) -> None:
    environment = {**SLACK_ENVIRONMENT, "DIGEST_CHANNEL": SLACK_CHANNEL, **teams_environment(teams_standin)}
    with serve_teams(database_url, clock, standin, teams_standin, environment) as teams_app:
        choose_channel(teams_app)
        clock.now = MONDAY_0800
        teams_app.teams.fail("send", *[Failure(status=503)] * 40)  # an outage page, for an hour
        for _minute in range(10):
            tick(teams_app)
            clock.advance(minutes=1)
        assert len(standin.posted(SLACK_CHANNEL)) == 1
        assert posted_cards(teams_app) == []
        teams_app.teams.failures.clear()
        for _minute in range(3):
            tick(teams_app)
            clock.advance(minutes=1)
        assert len(posted_cards(teams_app)) == 1 and len(standin.posted(SLACK_CHANNEL)) == 1
