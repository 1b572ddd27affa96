"""The contact form in Teams, end to end: `@contactbot log` and `@contactbot edit 12` answer with a
button, the button asks for the dialog (`task/fetch`), the dialog's Save sends the form
(`task/submit`). Everything goes through the real app on loopback with Bot Framework tokens, and
what the bot posts is captured at the stand-in Bot Connector; Slack is served by the same app."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from handlers.fields import FIELDS
from storage.exchange import write_csv
from tests.conftest import (
    SLACK_ENVIRONMENT,
    FakeClock,
    TeamsApp,
    serve_teams,
    teams_environment,
)
from tests.schemas import validate_adaptive_card
from tests.slack_standin import SlackStandIn
from tests.teams_standin import Call, TeamsStandIn
from tests.test_cli import contactbot
from tests.test_teams_http import ANNA, PERSONAL, in_channel, invoke, personal

CARD = "application/vnd.microsoft.card.adaptive"
BERTIL = "b0000000-0000-4000-8000-0000000b3b3b"
TYPED = {
    "org": "",
    "country": "EE",
    "kind": "school",
    "date": "2026-11-24",
    "youth": "yes",
    "unit": "Barn och utbildning",
    "summary": "Skolutbyte med Tartu, årskurs 8",
    "benefit": "",
    "followup": "",
    "city": "Tartu",
    "person": "Mari Tamm",
    "email": "mari.tamm@",
}
VALID = dict(TYPED, org="Tartu linnavalitsus", email="mari.tamm@tartu.ee")


# -- every card the bot posts validates -----------------------------------------------------------


def cards_of(call: Call) -> list[dict[str, Any]]:
    """The Adaptive Cards among a posted activity's attachments."""
    return [a["content"] for a in call.body.get("attachments") or [] if a.get("contentType") == CARD]


def posted(teams: TeamsStandIn) -> list[Call]:
    """Every activity the bot sent or updated at the stand-in."""
    return [c for c in teams.calls if c.route in {"send", "reply", "update"}]


@pytest.fixture(autouse=True)
def every_posted_card_validates(teams_standin: TeamsStandIn) -> Iterator[None]:
    """After each test: each card the bot posted in it is a valid Adaptive Card 1.5."""
    yield
    for call in posted(teams_standin):
        for card in cards_of(call):
            validate_adaptive_card(card)


# -- helpers --------------------------------------------------------------------------------------


def in_chat(text: str, teams: TeamsStandIn, where: str, aad: str = ANNA, number: int = 1) -> dict[str, Any]:
    """`@contactbot text` in the personal chat or in a channel."""
    if where == "channel":
        return in_channel(f"<at>contactbot</at> {text}", teams, aad=aad, number=number)
    return personal(f"@contactbot {text}", teams, aad=aad, number=number)


def form_button(call: Call) -> dict[str, Any]:
    """The one button of the card the bot posted: the one that opens the form."""
    [card] = cards_of(call)
    [button] = card["actions"]
    return button


def task(
    name: str, data: dict[str, Any], teams: TeamsStandIn, aad: str = ANNA, where: str = "personal"
) -> dict[str, Any]:
    """A `task/fetch` or `task/submit` invoke from the personal chat or a channel, as Teams sends it."""
    activity = invoke(name, {"data": data, "context": {"theme": "default"}}, teams)
    activity["from"] = personal("", teams, aad=aad)["from"]
    if where == "channel":
        message = in_channel("", teams, aad=aad)
        activity.update(conversation=message["conversation"], channelData=message["channelData"])
    return activity


def open_form(
    app: TeamsApp, button: dict[str, Any], aad: str = ANNA, where: str = "personal"
) -> dict[str, Any]:
    """What the dialog gets for `task/fetch` with the button's data (the HTTP answer's body)."""
    answer = app.post(task("task/fetch", button["data"], app.teams, aad, where))
    assert answer.status_code == 200, answer.text
    return answer.json()


def form_of(answer: dict[str, Any]) -> dict[str, Any]:
    """The form card of a `continue` answer; it must be a valid card."""
    assert answer["task"]["type"] == "continue", answer
    attachment = answer["task"]["value"]["card"]
    assert attachment["contentType"] == CARD
    validate_adaptive_card(attachment["content"])
    return attachment["content"]


def inputs(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["id"]: e for e in card["body"] if str(e.get("type", "")).startswith("Input.")}


def errors_under(card: dict[str, Any]) -> dict[str, list[str]]:
    """The error lines shown below each input (before the next one)."""
    shown: dict[str, list[str]] = {}
    current = None
    for element in card["body"]:
        if str(element.get("type", "")).startswith("Input."):
            current = element["id"]
        elif element.get("color") == "Attention" and current is not None:
            shown.setdefault(current, []).append(element["text"])
    return shown


def filled(card: dict[str, Any], typed: dict[str, str]) -> dict[str, Any]:
    """What Teams sends when Save is pressed: the button's data with every input's value by id."""
    [save] = card["actions"]
    data = dict(save["data"])
    for name, element in inputs(card).items():
        data[name] = typed.get(name, element.get("value", ""))
    return data


def submit(app: TeamsApp, data: dict[str, Any], aad: str = ANNA, where: str = "personal") -> dict[str, Any]:
    answer = app.post(task("task/submit", data, app.teams, aad, where))
    assert answer.status_code == 200, answer.text
    return answer.json()


def new_form(app: TeamsApp, number: int = 1) -> dict[str, Any]:
    """`@contactbot log` in the personal chat, then the dialog its button opens."""
    prompt = app.say(personal("@contactbot log", app.teams, number=number))
    return form_of(open_form(app, form_button(prompt)))


def contacts(app: TeamsApp) -> list[Any]:
    return list(app.context.store.export())


# -- 1. the button ------------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["personal", "channel"])
def test_log_alone_answers_with_a_card_whose_button_opens_the_form_dialog(
    teams_app: TeamsApp, where: str
) -> None:
    sent = teams_app.say(in_chat("log", teams_app.teams, where))
    [card] = cards_of(sent)
    validate_adaptive_card(card)
    assert 'log org="Name" country=FI' in sent.shown  # the one-line way is shown too
    button = form_button(sent)
    assert button["type"] == "Action.Submit" and button["title"] == "Open the form"
    assert button["data"]["msteams"] == {"type": "task/fetch"}
    assert contacts(teams_app) == []


# -- 2. the dialog ------------------------------------------------------------------------------


def test_the_button_opens_an_empty_form_with_todays_date_and_a_searchable_country_list(
    teams_app: TeamsApp,
) -> None:
    answer = open_form(teams_app, form_button(teams_app.say(personal("@contactbot log", teams_app.teams))))
    assert answer["task"]["value"]["title"] == "Log a contact"
    fields = inputs(form_of(answer))
    assert list(fields) == [f.name for f in FIELDS]
    country = fields["country"]
    assert country["type"] == "Input.ChoiceSet" and country["style"] == "filtered"
    assert {"title": "Germany (DE)", "value": "DE"} in country["choices"] and "value" not in country
    assert fields["date"]["value"] == "2026-11-26"
    assert "value" not in fields["org"] and fields["org"]["isRequired"]


def test_the_form_names_countries_in_the_configured_language(
    database_url: str, clock: FakeClock, standin: SlackStandIn, teams_standin: TeamsStandIn
) -> None:
    environment = {**SLACK_ENVIRONMENT, **teams_environment(teams_standin), "LANGUAGE": "sv"}
    with serve_teams(database_url, clock, standin, teams_standin, environment) as app:
        prompt = app.say(personal("@contactbot logga", teams_standin))
        assert form_button(prompt)["title"] == "Öppna formuläret"
        answer = open_form(app, form_button(prompt))
    assert answer["task"]["value"]["title"] == "Logga en kontakt"
    fields = inputs(form_of(answer))
    assert {"title": "Tyskland (DE)", "value": "DE"} in fields["country"]["choices"]
    assert fields["org"]["label"] == "Organisation" and fields["summary"]["label"] == "Sammanfattning"


# -- 3. a form with mistakes -----------------------------------------------------------------------


def test_a_form_without_organisation_and_with_a_bad_email_comes_back_with_both_errors_and_all_that_was_typed(
    teams_app: TeamsApp,
) -> None:
    form = new_form(teams_app)
    answer = submit(teams_app, filled(form, TYPED))
    again = form_of(answer)
    shown = errors_under(again)
    assert set(shown) == {"org", "email"}
    assert "Fill in the organisation" in shown["org"][0]
    assert "is not an email address" in shown["email"][0] and "mari.tamm@" in shown["email"][0]
    fields = inputs(again)
    assert fields["summary"]["value"] == TYPED["summary"] and fields["country"]["value"] == "EE"
    assert fields["kind"]["value"] == "school" and fields["date"]["value"] == "2026-11-24"
    assert fields["youth"]["value"] == "yes" and fields["person"]["value"] == "Mari Tamm"
    assert fields["email"]["value"] == "mari.tamm@" and fields["city"]["value"] == "Tartu"
    assert contacts(teams_app) == []
    # Corrected in the same dialog, it is saved.
    done = submit(teams_app, filled(again, {"org": "Tartu linnavalitsus", "email": "mari.tamm@tartu.ee"}))
    assert done["task"]["type"] == "message" and "Saved contact #1" in done["task"]["value"]
    assert len(contacts(teams_app)) == 1


# -- 4. a valid form ---------------------------------------------------------------------------------


def test_a_valid_form_stores_one_contact_and_posts_the_saved_reply_into_the_chat(teams_app: TeamsApp) -> None:
    teams = teams_app.teams
    form = new_form(teams_app)
    before = len(teams.sent_to(PERSONAL))
    answer = submit(teams_app, filled(form, VALID))
    assert answer["task"]["type"] == "message" and answer["task"]["value"].startswith("Saved contact #1:")
    [contact] = contacts(teams_app)
    assert contact.platform == "teams" and contact.logged_by == ANNA
    assert contact.logged_by_name == "Anna Andersson"
    assert contact.organisation.name == "Tartu linnavalitsus" and contact.country == "EE"
    assert contact.kind == "school" and contact.youth and contact.email == "mari.tamm@tartu.ee"
    [reply] = teams.wait_for(teams.activities_path(PERSONAL), before + 1)[before:]
    assert reply.shown.startswith("Saved contact \\#1:") and "Tartu linnavalitsus" in reply.shown


def test_a_resent_form_and_a_redelivered_submit_still_leave_one_contact(teams_app: TeamsApp) -> None:
    teams = teams_app.teams
    data = filled(new_form(teams_app), VALID)
    first = submit(teams_app, data)
    resent = submit(teams_app, dict(data))  # the same form token
    activity = task("task/submit", data, teams)
    twice = [teams_app.post(activity), teams_app.post(activity)]  # the same invoke activity
    assert [a.status_code for a in twice] == [200, 200]
    assert "Saved contact #1" in first["task"]["value"]
    assert "Contact #1 was already saved" in resent["task"]["value"]
    assert all("Contact #1 was already saved" in a.json()["task"]["value"] for a in twice)
    assert len(contacts(teams_app)) == 1


def test_a_form_sent_from_a_channel_is_answered_in_its_thread_without_the_contact_persons_details(
    teams_app: TeamsApp,
) -> None:
    teams = teams_app.teams
    prompt = teams_app.say(in_chat("log", teams, "channel"))
    form = form_of(open_form(teams_app, form_button(prompt), where="channel"))
    answer = submit(teams_app, filled(form, VALID), where="channel")
    assert answer["task"]["type"] == "message" and "Saved contact #1" in answer["task"]["value"]
    thread = in_channel("", teams)["conversation"]["id"]
    [reply] = [c for c in teams.sent_to(thread) if "Saved contact" in c.shown]
    assert "Tartu linnavalitsus" in reply.shown
    assert "Mari Tamm" not in reply.shown and "tartu.ee" not in reply.shown
    assert "Mari Tamm" not in answer["task"]["value"]
    [contact] = contacts(teams_app)
    assert contact.person == "Mari Tamm" and contact.email == "mari.tamm@tartu.ee"


def test_opening_the_form_twice_from_the_same_button_logs_two_contacts(teams_app: TeamsApp) -> None:
    button = form_button(teams_app.say(personal("@contactbot log", teams_app.teams)))
    first = submit(teams_app, filled(form_of(open_form(teams_app, button)), VALID))
    second_form = form_of(open_form(teams_app, button))
    other = dict(VALID, org="Riga City Council", country="LV", summary="Kulturutbyte")
    second = submit(teams_app, filled(second_form, other))
    assert "Saved contact #1" in first["task"]["value"] and "Saved contact #2" in second["task"]["value"]
    assert [c.organisation.name for c in contacts(teams_app)] == ["Tartu linnavalitsus", "Riga City Council"]


# -- 5. editing --------------------------------------------------------------------------------------


def test_edit_alone_opens_the_form_prefilled_for_the_author_and_saves_the_change(teams_app: TeamsApp) -> None:
    teams = teams_app.teams
    submit(teams_app, filled(new_form(teams_app), VALID))
    prompt = teams_app.say(personal("@contactbot edit 1", teams, number=2))
    answer = open_form(teams_app, form_button(prompt))
    assert answer["task"]["value"]["title"] == "Edit contact #1"
    form = form_of(answer)
    fields = inputs(form)
    assert fields["org"]["value"] == "Tartu linnavalitsus" and fields["country"]["value"] == "EE"
    assert fields["summary"]["value"] == VALID["summary"] and fields["email"]["value"] == "mari.tamm@tartu.ee"
    saved = submit(teams_app, filled(form, {"followup": "Ring i mars"}))
    assert saved["task"]["type"] == "message" and "Updated contact #1:" in saved["task"]["value"]
    assert "Ring i mars" in saved["task"]["value"]
    [contact] = contacts(teams_app)
    assert contact.followup == "Ring i mars" and contact.summary == VALID["summary"]


def test_someone_else_can_neither_open_nor_submit_the_edit_form_of_a_contact(teams_app: TeamsApp) -> None:
    teams = teams_app.teams
    submit(teams_app, filled(new_form(teams_app), VALID))
    button = form_button(teams_app.say(personal("@contactbot edit 1", teams, number=2)))
    refused = open_form(teams_app, button, aad=BERTIL)
    assert refused["task"]["type"] == "message"
    assert "Only the person who logged contact #1, or a coordinator" in refused["task"]["value"]
    # Even with the author's form in hand, Bertil's submit changes nothing.
    form = form_of(open_form(teams_app, button))
    answer = submit(teams_app, filled(form, {"summary": "Kapad", "org": "Någon annan"}), aad=BERTIL)
    assert answer["task"]["type"] == "message" and "Only the person who logged" in answer["task"]["value"]
    [contact] = contacts(teams_app)
    assert contact.summary == VALID["summary"] and contact.organisation.name == "Tartu linnavalitsus"


# -- 6. one store for Slack and Teams ------------------------------------------------------------


def test_contacts_logged_in_teams_and_in_slack_show_in_both_lists_and_in_the_export(
    teams_app: TeamsApp, database_url: str, tmp_path: Path
) -> None:
    submit(teams_app, filled(new_form(teams_app), VALID))
    slack = teams_app.running
    assert "Saved contact #2" in slack.reply_to("log org=Oulun kaupunki country=FI summary=Skolbesök")
    in_slack = slack.reply_to("list all", response="list")
    assert "All contacts: 2" in in_slack
    assert "Tartu linnavalitsus" in in_slack and "Oulun kaupunki" in in_slack
    in_teams = teams_app.say(personal("@contactbot list all", teams_app.teams, number=2)).shown
    assert "All contacts: 2" in in_teams
    assert "Tartu linnavalitsus" in in_teams and "Oulun kaupunki" in in_teams
    buffer = io.StringIO()
    write_csv(teams_app.context.store.export(), buffer)
    rows = list(csv.DictReader(io.StringIO(buffer.getvalue())))
    assert [(r["organisation"], r["platform"]) for r in rows] == [
        ("Tartu linnavalitsus", "teams"),
        ("Oulun kaupunki", "slack"),
    ]
    exported = contactbot(["export", "--format", "csv"], database_url, tmp_path)
    assert exported.returncode == 0, exported.stderr
    rows = list(csv.DictReader(io.StringIO(exported.stdout.lstrip("\ufeff"))))
    assert [r["platform"] for r in rows] == ["teams", "slack"]


# -- 7. every card validates ------------------------------------------------------------------------


def test_every_card_the_bot_sends_in_a_session_of_form_use_is_a_valid_adaptive_card(
    teams_app: TeamsApp,
) -> None:
    teams = teams_app.teams
    submit(teams_app, filled(new_form(teams_app), VALID))
    for number, text in enumerate(["edit 1", "show 1", "list all", "log org=Oulu country=FI summary=x"], 2):
        teams_app.say(in_chat(text, teams, "channel", number=number))
    cards = [card for call in posted(teams) for card in cards_of(call)]
    assert len(cards) >= 4  # the log button, the saved reply, the edit button, show, list
    for card in cards:
        validate_adaptive_card(card)


# -- 8. Teams redelivering a message ------------------------------------------------------------------


@pytest.mark.parametrize("where", ["personal", "channel"])
def test_a_message_teams_delivers_twice_stores_one_contact(teams_app: TeamsApp, where: str) -> None:
    activity = in_chat("log org=Oulun kaupunki country=FI summary=Skolbesök", teams_app.teams, where)
    first = teams_app.say(activity)
    again = teams_app.say(activity)
    assert first.shown.startswith("Saved contact \\#1:")
    assert again.shown.startswith("Contact \\#1 was already saved:")
    assert len(contacts(teams_app)) == 1
    # Another message with the same text is another contact.
    other = in_chat("log org=Oulun kaupunki country=FI summary=Skolbesök", teams_app.teams, where, number=2)
    assert teams_app.say(other).shown.startswith("Saved contact \\#2:")
    assert len(contacts(teams_app)) == 2


def test_a_message_delivered_again_while_the_first_is_still_being_answered_stores_one_contact(
    teams_app: TeamsApp,
) -> None:
    activity = personal("log org=Oulun kaupunki country=FI summary=Skolbesök", teams_app.teams)
    with ThreadPoolExecutor(6) as pool:
        statuses = list(pool.map(lambda _: teams_app.post(activity).status_code, range(6)))
    assert statuses == [200] * 6
    replies = teams_app.teams.wait_for(teams_app.teams.activities_path(PERSONAL), 6)
    assert sum(r.shown.startswith("Saved contact \\#1:") for r in replies) == 1
    assert sum(r.shown.startswith("Contact \\#1 was already saved:") for r in replies) == 5
    assert len(contacts(teams_app)) == 1


def test_the_same_message_id_in_another_conversation_is_another_contact(teams_app: TeamsApp) -> None:
    activity = personal("log org=Oulun kaupunki country=FI summary=Skolbesök", teams_app.teams)
    teams_app.say(activity)
    elsewhere = dict(activity, conversation=dict(activity["conversation"], id="a:another-personal-chat"))
    assert teams_app.say(elsewhere).shown.startswith("Saved contact \\#2:")


def test_a_message_redelivered_in_a_chat_with_a_very_long_id_stores_one_contact(teams_app: TeamsApp) -> None:
    activity = personal("log org=Oulun kaupunki country=FI summary=Skolbesök", teams_app.teams)
    activity["conversation"]["id"] = "a:1" + "Xy2Zw3VuTsRqPoNmLkJiHgFeDcBa" * 10  # longer than the key column
    assert teams_app.say(activity).shown.startswith("Saved contact \\#1:")
    assert teams_app.say(activity).shown.startswith("Contact \\#1 was already saved:")
    assert len(contacts(teams_app)) == 1
