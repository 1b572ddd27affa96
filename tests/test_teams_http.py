"""Teams end to end: the real app on loopback, real Teams activity JSON posted to
/api/messages with Bot Framework tokens, and what the bot sends captured at the stand-in
Bot Connector."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

import pytest

from storage.history import audit_trail
from tests.conftest import (
    SLACK_ENVIRONMENT,
    TEAMS_COORDINATOR,
    FakeClock,
    RunningApp,
    TeamsApp,
    serve_teams,
    teams_environment,
    threaded_id,
)
from tests.slack_standin import SlackStandIn
from tests.spreadsheet_helpers import workbook_cells
from tests.teams_standin import CLIENT_ID, TENANT_ID, Failure, TeamsStandIn, new_key

ANNA = "a0000000-0000-4000-8000-0000000a4a4a"
BOT = f"28:{CLIENT_ID}"
CHANNEL = "19:5d9c1f1e2a3b4c5d6e7f@thread.tacv2"
PERSONAL = "a:1Xy2Zw3VuTsRqPoNmLkJiHgFeDcBa"
LOG = 'log org="Rovaniemen kaupunki" country=FI person="Pekka Virtanen" email=pekka@rovaniemi.fi summary=Fotbollsutbyte'


def sender(aad: str = ANNA, name: str = "Anna Andersson") -> dict[str, str]:
    return {"id": f"29:1{aad[:8]}", "name": name, "aadObjectId": aad}


def personal(text: str, teams: TeamsStandIn, aad: str = ANNA, number: int = 1) -> dict[str, Any]:
    """A message in the bot's personal chat, as Teams sends it."""
    return {
        "type": "message",
        "id": f"17326123456{number:02d}",
        "timestamp": "2026-11-26T09:30:00.000Z",
        "localTimestamp": "2026-11-26T10:30:00.000+01:00",
        "serviceUrl": teams.service_url,
        "channelId": "msteams",
        "from": sender(aad),
        "conversation": {"conversationType": "personal", "tenantId": TENANT_ID, "id": PERSONAL},
        "recipient": {"id": BOT, "name": "contactbot"},
        "textFormat": "plain",
        "locale": "sv-SE",
        "text": text,
        "entities": [{"type": "clientInfo", "locale": "sv-SE", "country": "SE", "platform": "Web"}],
        "channelData": {"tenant": {"id": TENANT_ID}},
    }


def in_channel(
    html: str, teams: TeamsStandIn, aad: str = ANNA, number: int = 1, mentions: bool = True
) -> dict[str, Any]:
    """A channel message that @mentions the bot (and Anna Berg), HTML-ish as Teams sends it."""
    message_id = f"17326123457{number:02d}"
    entities: list[dict[str, Any]] = [
        {"type": "clientInfo", "locale": "sv-SE", "country": "SE", "platform": "Web"}
    ]
    if mentions:
        entities += [
            {
                "type": "mention",
                "text": "<at>contactbot</at>",
                "mentioned": {"id": BOT, "name": "contactbot"},
            },
            {
                "type": "mention",
                "text": "<at>Anna Berg</at>",
                "mentioned": {"id": "29:1annaberg", "name": "Anna Berg"},
            },
        ]
    return {
        "type": "message",
        "id": message_id,
        "timestamp": "2026-11-26T09:31:00.000Z",
        "serviceUrl": teams.service_url,
        "channelId": "msteams",
        "from": sender(aad),
        "conversation": {
            "isGroup": True,
            "conversationType": "channel",
            "tenantId": TENANT_ID,
            "id": f"{CHANNEL};messageid={message_id}",
        },
        "recipient": {"id": BOT, "name": "contactbot"},
        "textFormat": "plain",
        "text": html,
        "entities": entities,
        "channelData": {
            "teamsChannelId": CHANNEL,
            "teamsTeamId": "19:team0123@thread.tacv2",
            "channel": {"id": CHANNEL},
            "team": {"id": "19:team0123@thread.tacv2"},
            "tenant": {"id": TENANT_ID},
        },
    }


def invoke(name: str, value: dict[str, Any], teams: TeamsStandIn) -> dict[str, Any]:
    activity = personal("", teams)
    activity.update(type="invoke", name=name, value=value, id="f:invoke-1")
    del activity["text"]
    return activity


def contacts(app: TeamsApp) -> list[Any]:
    return list(app.context.store.export())


# -- who may post ---------------------------------------------------------------------------


def test_without_teams_settings_the_messaging_endpoint_is_not_found(
    app: RunningApp, teams_standin: TeamsStandIn
) -> None:
    answer = app.client.post(app.url + "/api/messages", json=personal("help", teams_standin))
    assert answer.status_code == 404


@pytest.mark.parametrize(
    "forged",
    [
        "no token",
        "malformed",
        "another key",
        "another audience",
        "expired",
        "another serviceurl",
        "not bearer",
    ],
)
def test_requests_without_a_valid_bot_framework_token_get_401_and_change_nothing(
    teams_app: TeamsApp, forged: str
) -> None:
    teams = teams_app.teams
    activity = personal(LOG, teams)
    headers = {
        "no token": {},
        "malformed": {"Authorization": "Bearer not.a-jwt"},
        "another key": teams.bearer(key=new_key()),
        "another audience": teams.bearer(audience="00000000-1111-2222-3333-444444444444"),
        "expired": teams.bearer(expired=True),
        "another serviceurl": teams.bearer("https://smba.trafficmanager.net/emea/"),
        "not bearer": {"Authorization": "Basic " + teams.signer.token(teams.service_url)},
    }[forged]
    answer = teams_app.post(activity, headers)
    assert answer.status_code == 401
    assert contacts(teams_app) == []
    assert teams.calls_to("send") == []  # (the app's own token is asked for at start, whatever comes)


def test_a_valid_token_is_accepted_and_answered(teams_app: TeamsApp) -> None:
    sent = teams_app.say(personal("help", teams_app.teams))
    assert sent.body["type"] == "message" and "`@contactbot log " in sent.shown
    assert "/kontakt " not in sent.shown
    again = teams_app.say(personal("@contactbot show 99", teams_app.teams, number=2))
    assert "99" in again.shown and "know the command" not in again.shown


@pytest.mark.parametrize(
    "body",
    [b"this is not json", b"[1, 2]", b'"a string"', b'{"text": "no type"}', b'{"type": 7}', b"\xff\xfe"],
)
def test_a_body_that_is_not_an_activity_gets_a_4xx_without_a_traceback(
    teams_app: TeamsApp, caplog: pytest.LogCaptureFixture, body: bytes
) -> None:
    with caplog.at_level(logging.INFO):
        answer = teams_app.post({}, teams_app.teams.bearer(), raw=body)
    assert 400 <= answer.status_code < 500
    assert "Traceback" not in caplog.text and all(r.exc_info is None for r in caplog.records)
    assert teams_app.teams.calls_to("send") == []


def _without(activity: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in activity.items() if k not in keys}


@pytest.mark.parametrize(
    "which", ["message without from", "dialog submit without value", "card action without data"]
)
def test_a_signed_activity_the_sdk_cannot_read_gets_400_without_a_traceback(
    teams_app: TeamsApp, caplog: pytest.LogCaptureFixture, which: str
) -> None:
    teams = teams_app.teams
    activity = {
        "message without from": _without(personal(LOG, teams), "from"),
        "dialog submit without value": _without(invoke("task/submit", {}, teams), "value"),
        "card action without data": invoke(
            "adaptiveCard/action", {"action": {"type": "Action.Execute", "verb": "review"}}, teams
        ),
    }[which]
    with caplog.at_level(logging.INFO):
        answer = teams_app.post(activity, teams.bearer())
    assert answer.status_code == 400
    assert "Traceback" not in caplog.text and all(r.exc_info is None for r in caplog.records)
    refusals = [r.getMessage() for r in caplog.records if "Teams request refused" in r.getMessage()]
    assert len(refusals) == 1 and "the SDK cannot read this" in refusals[0]
    assert contacts(teams_app) == [] and teams.calls_to("send") == []


def test_an_activity_from_another_tenant_is_refused_and_changes_nothing(
    teams_app: TeamsApp, caplog: pytest.LogCaptureFixture
) -> None:
    teams = teams_app.teams
    stranger = "11111111-2222-4333-8444-555555555555"
    activity = personal(LOG, teams)
    activity["conversation"] = {**activity["conversation"], "tenantId": stranger}
    activity["channelData"] = {**activity.get("channelData", {}), "tenant": {"id": stranger}}
    with caplog.at_level(logging.INFO):
        answer = teams_app.post(activity, teams.bearer())
    assert answer.status_code == 403
    assert "does not come from this tenant's Teams" in caplog.text
    assert contacts(teams_app) == [] and teams.calls_to("send") == []
    assert teams_app.say(personal(LOG, teams, number=2)).body["type"] == "message"  # our own tenant
    assert len(contacts(teams_app)) == 1
    # Without a tenant (Web Chat, Direct Line on the same registration) nothing vouches for the sender.
    untenanted = personal(LOG, teams, number=3)
    untenanted["channelId"] = "webchat"
    del untenanted["channelData"]
    untenanted["conversation"] = {k: v for k, v in untenanted["conversation"].items() if k != "tenantId"}
    assert teams_app.post(untenanted, teams.bearer()).status_code == 403
    assert len(contacts(teams_app)) == 1


# -- what a person sees ---------------------------------------------------------------------


def test_logging_in_a_channel_stores_one_contact_and_replies_in_the_thread_with_the_apps_token(
    teams_app: TeamsApp,
) -> None:
    teams = teams_app.teams
    html = (
        "<p><at>contactbot</at>&nbsp;log org=&quot;Rovaniemen kaupunki&quot; country=FI "
        "summary=&quot;Fotbollsutbyte med&nbsp;Rovaniemi&quot;</p>"
    )
    activity = in_channel(html, teams)
    sent = teams_app.say(activity)
    [contact] = contacts(teams_app)
    assert (
        contact.platform == "teams"
        and contact.logged_by == ANNA
        and contact.logged_by_name == "Anna Andersson"
    )
    assert (
        contact.organisation.name == "Rovaniemen kaupunki"
        and contact.summary == "Fotbollsutbyte med Rovaniemi"
    )
    assert sent.path == teams.activities_path(f"{CHANNEL};messageid={activity['id']}")
    assert sent.shown.startswith("Saved contact \\#1:") and "Organisation Rovaniemen kaupunki" in sent.shown
    assert sent.body["attachments"][0]["contentType"] == "application/vnd.microsoft.card.adaptive"
    [token_call] = teams.calls_to("token")
    assert token_call.path == f"/login/{TENANT_ID}/oauth2/v2.0/token"
    assert token_call.body["scope"] == "https://api.botframework.com/.default"
    assert sent.authorization == "Bearer " + teams.issued_tokens[0]


def test_a_top_level_channel_post_is_answered_in_its_own_thread(teams_app: TeamsApp) -> None:
    activity = in_channel("<at>contactbot</at> help", teams_app.teams)
    activity["conversation"]["id"] = CHANNEL
    sent = teams_app.say(activity)
    assert sent.path.endswith(f"{CHANNEL};messageid={activity['id']}/activities")


def test_another_persons_mention_stays_their_plain_name(teams_app: TeamsApp) -> None:
    html = "<at>contactbot</at> log org=Oulu country=FI summary=&quot;Möte med <at>Anna Berg</at> om skolor&quot;"
    sent = teams_app.say(in_channel(html, teams_app.teams))
    [contact] = contacts(teams_app)
    assert contact.summary == "Möte med Anna Berg om skolor"
    assert "Anna Berg" in sent.shown and "<at>" not in sent.shown
    assert not [e for e in sent.body.get("entities", []) if e.get("type") == "mention"]


def test_a_channel_message_without_the_bots_mention_is_left_alone(teams_app: TeamsApp) -> None:
    answer = teams_app.post(in_channel("log org=Oulu country=FI summary=x", teams_app.teams, mentions=False))
    assert answer.status_code == 200
    assert contacts(teams_app) == [] and teams_app.teams.calls_to("send") == []


def test_show_names_the_contact_person_in_a_personal_chat_but_not_in_a_channel(teams_app: TeamsApp) -> None:
    teams = teams_app.teams
    teams_app.say(personal(LOG, teams))
    private = teams_app.say(personal("show 1", teams, number=2))
    assert "Pekka Virtanen" in private.shown and "pekka@rovaniemi.fi" in private.shown
    shared = teams_app.say(in_channel("<at>contactbot</at> show 1", teams, number=3))
    assert "Rovaniemen kaupunki" in shared.shown
    assert "Pekka" not in shared.shown and "rovaniemi.fi" not in shared.shown
    edited = teams_app.say(in_channel('<at>contactbot</at> edit 1 person="Matti Nieminen"', teams, number=4))
    assert "Updated contact \\#1:" in edited.shown and "Matti" not in edited.shown
    assert "Contact person changed" in edited.shown.replace(":", "").replace("*", "")


def test_a_search_in_a_channel_does_not_find_contacts_by_their_counterparts_name(teams_app: TeamsApp) -> None:
    teams = teams_app.teams
    teams_app.say(personal(LOG, teams))
    assert "Rovaniemen kaupunki" in teams_app.say(personal("search pekka", teams, number=2)).shown
    by_name = teams_app.say(in_channel("<at>contactbot</at> search pekka", teams, number=3)).shown
    assert "No contacts match" in by_name and "Rovaniemen" not in by_name
    by_mail = teams_app.say(in_channel("<at>contactbot</at> search rovaniemi.fi", teams, number=4)).shown
    assert "No contacts match" in by_mail
    by_place = teams_app.say(
        in_channel("<at>contactbot</at> search rovaniemen fotboll", teams, number=5)
    ).shown
    assert "Rovaniemen kaupunki" in by_place and "Pekka" not in by_place
    # An older contact that names "pekka" in its summary is found, and the count is its alone.
    teams_app.say(personal('log org=Oulu country=FI summary="Besök hos Pekkas skola"', teams, number=6))
    for n in range(7, 10):
        teams_app.say(personal(f'log org=Kemi country=FI person="Pekka {n}" summary=Möte', teams, number=n))
    found = teams_app.say(in_channel("<at>contactbot</at> search pekka", teams, number=10)).shown
    assert "Oulu" in found and "Kemi" not in found and ": 1" in found and "more than" not in found


def test_export_in_a_channel_is_refused_with_a_hint_to_write_privately(teams_app: TeamsApp) -> None:
    teams_app.say(personal(LOG, teams_app.teams, aad=TEAMS_COORDINATOR))
    sent = teams_app.say(in_channel("<at>contactbot</at> export", teams_app.teams, aad=TEAMS_COORDINATOR))
    assert "personal chat" in sent.shown
    assert "Export of" not in sent.shown


def test_user_markup_in_a_reply_stays_text(teams_app: TeamsApp) -> None:
    html = "log org=&lt;b&gt;Oulu_x_ country=FI summary=&quot;# [klick](http://evil) &lt;at&gt;Anna&lt;/at&gt;&quot;"
    text = teams_app.say(personal(html, teams_app.teams)).shown
    assert "<b>" not in text and "\\<b\\>Oulu\\_x\\_" in text
    assert "\\# \\[klick\\]\\(http://evil\\) \\<at\\>Anna\\</at\\>" in text


# -- invokes ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("task/fetch", {"data": {"type": "task/fetch"}, "context": {"theme": "default"}}, "task"),
        ("task/submit", {"data": {"org": "Oulu"}, "context": {"theme": "default"}}, "task"),
        (
            "adaptiveCard/action",
            {"action": {"type": "Action.Execute", "verb": "review", "data": {}}},
            "statusCode",
        ),
    ],
)
def test_an_invoke_gets_its_response_body_in_the_http_answer(
    teams_app: TeamsApp, name: str, value: dict[str, Any], expected: str
) -> None:
    answer = teams_app.post(invoke(name, value, teams_app.teams))
    assert answer.status_code == 200
    body = answer.json()
    assert expected in body
    if name.startswith("task/"):
        # The form opens, or comes back with what is missing marked.
        assert body["task"]["type"] == "continue"
        assert body["task"]["value"]["card"]["content"]["type"] == "AdaptiveCard"
    else:
        assert body["type"] == "application/vnd.microsoft.activity.message"


# -- trouble at Microsoft's end ----------------------------------------------------------------


def test_a_429_and_an_outage_page_are_retried_and_the_reply_arrives_once(teams_app: TeamsApp) -> None:
    teams = teams_app.teams
    teams.fail(
        "send", Failure(status=429, html=False, retry_after=0), Failure(status=502), Failure(status=503)
    )
    sent = teams_app.say(personal(LOG, teams))
    assert "Saved contact" in sent.shown
    assert [c.route for c in teams.calls if c.route.startswith("send")] == [
        "send#failed",
        "send#failed",
        "send#failed",
        "send",
    ]
    assert len(contacts(teams_app)) == 1


def test_a_lost_answer_is_not_posted_twice_and_teams_still_gets_200(
    teams_app: TeamsApp, caplog: pytest.LogCaptureFixture
) -> None:
    teams = teams_app.teams
    teams.fail("send", Failure(lost_answer=True))
    with caplog.at_level(logging.INFO):
        answer = teams_app.post(personal(LOG, teams))
    assert answer.status_code == 200
    assert len(teams.calls_to("send")) == 1 and len(contacts(teams_app)) == 1
    assert "may have arrived" in caplog.text and "Traceback" not in caplog.text


def test_a_lasting_outage_gives_up_quietly_and_the_contact_stays_saved(
    teams_app: TeamsApp, caplog: pytest.LogCaptureFixture
) -> None:
    teams = teams_app.teams
    teams.fail("send", *[Failure(status=503)] * 4)
    with caplog.at_level(logging.INFO):
        answer = teams_app.post(personal(LOG, teams))
    assert answer.status_code == 200 and len(contacts(teams_app)) == 1
    assert "gave up after 4 attempts" in caplog.text and "Traceback" not in caplog.text


def test_the_apps_token_is_asked_for_once_and_reused(teams_app: TeamsApp) -> None:
    teams = teams_app.teams
    first = teams_app.say(personal("help", teams))
    second = teams_app.say(personal("list", teams, number=2))
    assert len(teams.calls_to("token")) == 1 and first.authorization == second.authorization


# -- configurations ----------------------------------------------------------------------------


def test_dev_unauthenticated_accepts_unsigned_requests_and_warns_at_start(
    database_url: str,
    clock: FakeClock,
    standin: SlackStandIn,
    teams_standin: TeamsStandIn,
    caplog: pytest.LogCaptureFixture,
) -> None:
    environment = teams_environment(teams_standin, credentials=False, TEAMS_DEV_UNAUTHENTICATED="true")
    with (
        caplog.at_level(logging.WARNING),
        serve_teams(database_url, clock, standin, teams_standin, environment) as app,
    ):
        sent = app.say(personal(LOG, teams_standin), headers={})
    assert "TEAMS_DEV_UNAUTHENTICATED is on" in caplog.text
    assert "Authorization" not in sent.headers and teams_standin.calls_to("token") == []
    assert len(contacts(app)) == 1


def test_credentials_win_over_dev_unauthenticated(
    database_url: str, clock: FakeClock, standin: SlackStandIn, teams_standin: TeamsStandIn
) -> None:
    environment = teams_environment(teams_standin, TEAMS_DEV_UNAUTHENTICATED="true")
    with serve_teams(database_url, clock, standin, teams_standin, environment) as app:
        assert app.post(personal(LOG, teams_standin), headers={}).status_code == 401
        assert contacts(app) == []
        assert "Saved contact" in app.say(personal(LOG, teams_standin)).shown


SDK_VARIABLES = {
    "CLIENT_ID": "99999999-9999-4999-8999-999999999999",
    "CLIENT_SECRET": "bare-env-secret",
    "TENANT_ID": "88888888-8888-4888-8888-888888888888",
    "MANAGED_IDENTITY_CLIENT_ID": "system",
    "DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS": "true",
    "SERVICE_URL": "http://127.0.0.1:9/nowhere",
    "OAUTH_URL": "http://127.0.0.1:9/oauth",
    "CLOUD": "China",
}


def test_the_sdks_bare_environment_variables_change_nothing(
    database_url: str,
    clock: FakeClock,
    standin: SlackStandIn,
    teams_standin: TeamsStandIn,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in SDK_VARIABLES.items():
        monkeypatch.setenv(name, value)
    teams = teams_standin
    # Credentials configured: unsigned is still refused; the token still comes from our tenant.
    with serve_teams(database_url, clock, standin, teams, teams_environment(teams)) as app:
        assert app.post(personal(LOG, teams), headers={}).status_code == 401
        sent = app.say(personal("help", teams))
        assert teams.calls_to("token")[0].path == f"/login/{TENANT_ID}/oauth2/v2.0/token"
        assert sent.authorization == "Bearer " + teams.issued_tokens[0]
    # Dev mode without credentials: replies still carry no token (CLIENT_ID would make some).
    dev = teams_environment(teams, credentials=False, TEAMS_DEV_UNAUTHENTICATED="true")
    with serve_teams(database_url, clock, standin, teams, dev) as app:
        sent = app.say(personal("help", teams, number=2), headers={})
        assert "Authorization" not in sent.headers and len(teams.calls_to("token")) == 1
    # Teams not configured at all: still no endpoint.
    with serve_teams(database_url, clock, standin, teams, SLACK_ENVIRONMENT) as app:
        assert app.post(personal("help", teams), headers={}).status_code == 404


def test_slack_still_works_when_teams_is_configured(teams_app: TeamsApp) -> None:
    text = teams_app.running.reply_to("log org=Oulu country=FI summary=Skolbesök")
    assert "Saved contact" in text
    assert teams_app.running.client.get(teams_app.running.url + "/healthz").status_code == 200
    assert "Saved contact" in teams_app.say(personal(LOG, teams_app.teams)).shown


def test_teams_works_without_slack_and_slack_events_are_not_found(
    database_url: str, clock: FakeClock, standin: SlackStandIn, teams_standin: TeamsStandIn
) -> None:
    with serve_teams(database_url, clock, standin, teams_standin, teams_environment(teams_standin)) as app:
        assert app.running.command("help").status_code == 404
        assert "Saved contact" in app.say(personal(LOG, teams_standin)).shown
    assert standin.calls == []


def test_coordinators_are_matched_by_their_entra_object_id(teams_app: TeamsApp) -> None:
    teams = teams_app.teams
    refused = teams_app.say(personal("export", teams))
    assert "Only coordinators" in refused.shown
    allowed = teams_app.say(personal("export", teams, aad=TEAMS_COORDINATOR.upper(), number=2))
    [offer] = allowed.body["attachments"]
    assert offer["contentType"] == "application/vnd.microsoft.teams.card.file.consent"


def test_the_bots_reply_goes_to_the_conversation_it_came_from(teams_app: TeamsApp) -> None:
    activity = personal("help", teams_app.teams)
    sent = teams_app.say(activity)
    assert sent.path == teams_app.teams.activities_path(threaded_id(activity))
    assert sent.body["conversation"]["id"] == PERSONAL and sent.body["from"]["id"] == BOT
    assert json.loads(json.dumps(sent.body))["type"] == "message"


def test_a_refused_token_request_is_logged_without_the_secret_and_the_contact_stays_saved(
    database_url: str,
    clock: FakeClock,
    standin: SlackStandIn,
    teams_standin: TeamsStandIn,
    caplog: pytest.LogCaptureFixture,
) -> None:
    teams = teams_standin
    teams.fail("token", Failure(status=503), Failure(status=503))  # at start, and for the reply
    environment = {**SLACK_ENVIRONMENT, **teams_environment(teams)}
    with caplog.at_level(logging.INFO), serve_teams(database_url, clock, standin, teams, environment) as app:
        teams.wait_for(f"/login/{TENANT_ID}/oauth2/v2.0/token")
        answer = app.post(personal(LOG, teams))
        assert answer.status_code == 200 and len(contacts(app)) == 1
        assert (
            teams.calls_to("send") == []
            and "no token for the Bot Connector (token endpoint answered HTTP 503" in caplog.text
        )
        assert teams.client_secret not in caplog.text and "Traceback" not in caplog.text
        assert "Organisation Rovaniemen kaupunki" in app.say(personal("show 1", teams, number=2)).shown


def test_credentials_the_token_endpoint_refuses_show_at_start_and_in_healthz(
    database_url: str,
    clock: FakeClock,
    standin: SlackStandIn,
    teams_standin: TeamsStandIn,
    caplog: pytest.LogCaptureFixture,
) -> None:
    teams = teams_standin
    wrong = "not-the-secret-at-all"
    environment = {**SLACK_ENVIRONMENT, **teams_environment(teams, TEAMS_CLIENT_SECRET=wrong)}
    with caplog.at_level(logging.INFO), serve_teams(database_url, clock, standin, teams, environment) as app:
        deadline = time.monotonic() + 10
        running = app.running
        health = running.client.get(running.url + "/healthz")
        while "teams_problem" not in health.json() and time.monotonic() < deadline:
            health = running.client.get(running.url + "/healthz")  # the start-up check's answer is coming
        assert health.status_code == 503 and health.json()["status"] == "degraded"
        assert health.json()["teams_problem"] == "token endpoint answered HTTP 401 (invalid_client)"
        assert "check TEAMS_CLIENT_ID, TEAMS_CLIENT_SECRET and TEAMS_TENANT_ID" in caplog.text
        assert wrong not in caplog.text + health.text
        # A message is still saved, though no answer can be sent.
        assert app.post(personal(LOG, teams)).status_code == 200 and len(contacts(app)) == 1


def test_an_unreachable_key_set_answers_503_and_changes_nothing(teams_app: TeamsApp) -> None:
    teams_app.teams.fail("keys", Failure(status=502))
    assert teams_app.post(personal(LOG, teams_app.teams)).status_code == 503
    assert contacts(teams_app) == [] and teams_app.teams.calls_to("send") == []


def test_an_oversized_body_is_refused(teams_app: TeamsApp) -> None:
    activity = personal("help", teams_app.teams)
    activity["text"] = "x" * (1024 * 1024 + 1)
    assert teams_app.post(activity).status_code == 413


def test_in_a_group_chat_the_reply_goes_to_the_chat_and_leaves_out_the_person(teams_app: TeamsApp) -> None:
    teams = teams_app.teams
    teams_app.say(personal(LOG, teams))
    activity = in_channel("<at>contactbot</at> show 1", teams, number=2)
    activity["conversation"] = {
        "isGroup": True,
        "conversationType": "groupChat",
        "tenantId": TENANT_ID,
        "id": "19:chat@thread.v2",
    }
    del activity["channelData"]["teamsChannelId"]
    sent = teams_app.say(activity)
    assert sent.path == teams.activities_path("19:chat@thread.v2")
    assert "Rovaniemen kaupunki" in sent.shown and "Pekka" not in sent.shown


# -- files: the export, handed over after the person accepts it ----------------------------------


def _consent(teams: TeamsStandIn, action: str, aad: str) -> dict[str, Any]:
    activity = invoke(
        "fileConsent/invoke",
        {
            "type": "fileUpload",
            "action": action,
            "context": {"export": "kontakter-2026-11-26.csv"},
            "uploadInfo": {
                "contentUrl": "https://kommun-my.sharepoint.com/personal/anna/kontakter.csv",
                "name": "kontakter-2026-11-26.csv",
                "uploadUrl": teams.base_url + "/onedrive/upload-session-1",
                "uniqueId": "1150D938-8870-4044-9F2C-5BBDEBA70C8C",
                "fileType": "csv",
            },
        },
        teams,
    )
    activity["from"] = sender(aad)
    return activity


def test_an_accepted_export_lands_in_the_coordinators_onedrive_and_a_card_opens_it(
    teams_app: TeamsApp,
) -> None:
    teams = teams_app.teams
    teams_app.say(personal(LOG, teams))
    coordinator = TEAMS_COORDINATOR.upper()
    offer = teams_app.say(personal("export", teams, aad=coordinator, number=2))
    assert offer.body["attachments"][0]["content"]["sizeInBytes"] > 0
    assert _exports_recorded(teams_app) == []  # only offered so far
    before = len(teams.calls_to("send"))
    answer = teams_app.post(_consent(teams, "accept", coordinator))
    assert answer.status_code == 200
    # The invoke is answered once the file is uploaded and the card posted.
    [upload] = teams.calls_to("upload")
    cells = workbook_cells(upload.body["bytes"])
    assert "Rovaniemen kaupunki" in cells and "Anna Andersson" in cells
    assert upload.headers["Content-Range"].startswith("bytes 0-")
    card = teams.calls_to("send")[before]
    [info] = card.body["attachments"]
    assert info["contentType"] == "application/vnd.microsoft.teams.card.file.info"
    assert info["content"]["uniqueId"] == "1150D938-8870-4044-9F2C-5BBDEBA70C8C"
    assert _exports_recorded(teams_app) == ["xlsx, 1"]  # once, when it reached the OneDrive


def _exports_recorded(teams_app: TeamsApp) -> list[str | None]:
    return [e.note for e in audit_trail(teams_app.context.db) if e.action == "export"]


def test_a_declined_export_uploads_nothing_and_a_non_coordinators_acceptance_is_refused(
    teams_app: TeamsApp,
) -> None:
    teams = teams_app.teams
    before = len(teams.calls_to("send"))
    assert teams_app.post(_consent(teams, "decline", TEAMS_COORDINATOR)).status_code == 200
    assert "not sent" in teams.calls_to("send")[before].shown
    assert teams_app.post(_consent(teams, "accept", ANNA)).status_code == 200
    assert "Only coordinators" in teams.calls_to("send")[before + 1].shown
    assert teams.calls_to("upload") == []
