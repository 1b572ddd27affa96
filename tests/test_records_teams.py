"""Roles and history through Teams activities: coordinators named by their Entra object id in
COORDINATORS (`teams:<id>`), and a history read in a channel leaves out personal data."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from storage.history import contact_history
from tests.conftest import SLACK_ENVIRONMENT, FakeClock, TeamsApp, serve_teams, teams_environment
from tests.slack_standin import SlackStandIn
from tests.teams_standin import TeamsStandIn
from tests.test_teams_http import ANNA, in_channel, personal

COORDINATOR = "c0000000-0000-4000-8000-0000000000cc"
ARCHIVIST = "a0000000-0000-4000-8000-0000000000aa"
LOG = 'log org="Rovaniemen kaupunki" country=FI person="Pekka Virtanen" summary=Fotbollsutbyte'


@pytest.fixture
def app(
    database_url: str, clock: FakeClock, standin: SlackStandIn, teams_standin: TeamsStandIn
) -> Iterator[TeamsApp]:
    environment = {
        **SLACK_ENVIRONMENT,
        **teams_environment(teams_standin),
        "COORDINATORS": f"UCOORD,teams:{COORDINATOR.upper()}",
        "ARCHIVISTS": f"teams:{ARCHIVIST}",
    }
    with serve_teams(database_url, clock, standin, teams_standin, environment) as running:
        yield running


def test_teams_users_get_their_roles_from_qualified_ids(app: TeamsApp) -> None:
    teams = app.teams
    assert "role coordinator" in app.say(personal("whoami", teams, aad=COORDINATOR)).shown.replace("*", "")
    assert "role archivist" in app.say(personal("vem", teams, aad=ARCHIVIST, number=2)).shown.replace("*", "")
    assert "role staff" in app.say(personal("whoami", teams, number=3)).shown.replace("*", "")
    app.say(personal(LOG, teams, number=4))
    refused = app.say(personal("withdraw 1 old", teams, aad=ARCHIVIST, number=5)).shown
    assert "You are an archivist" in refused and app.context.store.get(1).withdrawn_at is None
    done = app.say(personal("withdraw 1 logged twice", teams, aad=COORDINATOR, number=6)).shown
    assert "Withdrew contact \\#1" in done
    assert [(e.action, e.actor, e.via) for e in contact_history(app.context.db, 1)] == [
        ("create", f"teams:{ANNA}", "teams"),
        ("withdraw", f"teams:{COORDINATOR}", "teams"),
    ]


def test_a_history_read_in_a_channel_says_a_person_changed_but_not_to_what(app: TeamsApp) -> None:
    teams = app.teams
    app.say(personal(LOG, teams))
    app.say(personal('edit 1 person="Aino Virtanen" summary=Hockey', teams, number=2))
    shared = app.say(in_channel("<at>contactbot</at> history 1", teams, number=3)).shown
    assert "History of contact \\#1" in shared and "Contact person changed" in shared
    assert "Hockey" in shared and "Virtanen" not in shared
