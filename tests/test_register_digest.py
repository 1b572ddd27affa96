"""The weekly digest counts people and visits, and never shows a counterpart's name or e-mail,
in Slack and in Teams."""

from __future__ import annotations

import json

from handlers.weeks import Week
from tests.conftest import SLACK_ENVIRONMENT, TEAMS_COORDINATOR, FakeClock, serve_teams, teams_environment
from tests.schemas import validate_adaptive_card
from tests.slack_standin import SlackStandIn
from tests.teams_standin import TeamsStandIn
from tests.test_teams_digest import MONDAY_0800, SLACK_CHANNEL, choose_channel, posted_cards, tick
from tests.test_teams_http import in_channel, personal

LOGGED = (
    'log org="Tartu linnavalitsus" country=EE person="Mari Tamm" email=mari.tamm@tartu.ee '
    'direction=incoming participants=25 young=18 summary="School visit from Tartu"',
    'log org="Kauno miesto savivaldybė" country=LT person="Jonas Jonaitis" email=jonas@kaunas.lt '
    'direction=outgoing participants=4 summary="Study trip to Kaunas"',
    'log org="Oulun kaupunki" country=FI person="Aino Virtanen" email=aino@ouka.fi '
    'direction=digital participants=6 young=1 summary="Online meeting"',
)
PERSONAL_DATA = ("Mari Tamm", "mari.tamm", "Jonas Jonaitis", "jonas@", "Aino Virtanen", "aino@", "@tartu.ee")


def test_the_weekly_digest_counts_people_and_visits_and_shows_no_counterparts_in_slack_or_teams(
    database_url: str, clock: FakeClock, standin: SlackStandIn, teams_standin: TeamsStandIn
) -> None:
    environment = {**SLACK_ENVIRONMENT, "DIGEST_CHANNEL": SLACK_CHANNEL, **teams_environment(teams_standin)}
    with serve_teams(database_url, clock, standin, teams_standin, environment) as app:
        choose_channel(app)
        for number, line in enumerate(LOGGED, start=2):
            answer = app.say(personal(f"@contactbot {line}", app.teams, number=number))
            assert "Saved contact" in answer.shown
        clock.now = MONDAY_0800
        tick(app)
        [card] = posted_cards(app)
        [message] = standin.posted(SLACK_CHANNEL)
    validate_adaptive_card(card)
    facts = {fact["title"]: fact["value"] for fact in card["body"][2]["facts"]}
    assert facts["Participants"] == "35" and facts["Young participants"] == "19"
    assert facts["Incoming visits"] == "1" and facts["Outgoing visits"] == "1"
    slack = json.dumps(message, ensure_ascii=False)
    assert "*Participants*\\n35" in slack and "*Young participants*\\n19" in slack
    assert "*Incoming visits*\\n1" in slack and "*Outgoing visits*\\n1" in slack
    teams = json.dumps(card, ensure_ascii=False)
    assert "Tartu linnavalitsus" in teams and "Tartu linnavalitsus" in slack  # the contacts are there
    for shown in (teams, slack):
        for private in PERSONAL_DATA:
            assert private not in shown, private


def test_the_digest_preview_in_chat_shows_the_figures_and_no_counterparts(
    database_url: str, clock: FakeClock, standin: SlackStandIn, teams_standin: TeamsStandIn
) -> None:
    environment = {**SLACK_ENVIRONMENT, **teams_environment(teams_standin)}
    with serve_teams(database_url, clock, standin, teams_standin, environment) as app:
        app.say(personal(f"@contactbot {LOGGED[0]}", app.teams, number=1))
        week = Week.of(clock().date())
        preview = app.say(
            in_channel(
                f"<at>contactbot</at> digest preview {week}", app.teams, aad=TEAMS_COORDINATOR, number=2
            )
        )
    assert (
        "Participants: 25 · Young participants: 18 · Incoming visits: 1 · Outgoing visits: 0" in preview.shown
    )
    assert "Mari Tamm" not in preview.shown and "mari.tamm" not in preview.shown
