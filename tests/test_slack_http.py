"""The real HTTP app, driven with requests signed as Slack signs them."""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from storage.history import audit_trail
from storage.models import Contact
from tests.conftest import COORDINATOR, RunningApp
from tests.slack_standin import Failure
from tests.spreadsheet_helpers import workbook_cells

LOG = 'log org="Rovaniemen kaupunki" country=FI kind=twin-town youth=yes date=2026-11-20 summary="Planning a youth football exchange"'


def count_contacts(app: RunningApp) -> int:
    with app.context.db.session() as session:
        return session.scalar(select(func.count(Contact.id))) or 0


def test_log_command_is_acked_empty_and_answered_ephemerally(app: RunningApp) -> None:
    answer = app.command(LOG)
    assert answer.status_code == 200
    assert answer.text == ""
    call = app.standin.wait_for("/response/r1")[0]
    assert call.body["response_type"] == "ephemeral"
    assert "Saved contact #1" in call.body["text"]
    assert (
        "Organisation: Rovaniemen kaupunki" in call.body["text"] and "Country: Finland" in call.body["text"]
    )
    contact = app.context.store.get(1)
    assert contact is not None
    assert contact.country == "FI" and contact.kind == "twin-town" and contact.youth
    assert contact.logged_by == "UALICE" and contact.logged_by_name == "alice"
    assert contact.platform == "slack"


def test_no_slack_api_call_happens_before_the_ack(app: RunningApp) -> None:
    app.command(LOG)
    app.standin.wait_for("/response/r1")
    # auth.test ran once at app start (lifespan-free: on the first request) -- never views or chat
    paths = [c.path for c in app.standin.calls]
    assert paths.count("/api/auth.test") <= 1
    assert not [p for p in paths if p.startswith("/api/chat.")]


def test_text_slack_escaped_is_unescaped_then_escaped_again_when_echoed(app: RunningApp) -> None:
    # Slack sends &, < and > escaped in slash command text.
    text = app.reply_to('log org="x" country=SE summary="&lt;!channel&gt; &amp; &lt;@U123&gt;"')
    assert "<!channel>" not in text and "<@U123>" not in text
    assert "&lt;!channel&gt; &amp; &lt;@U123&gt;" in text
    contact = app.context.store.get(1)
    assert contact is not None and contact.summary == "<!channel> & <@U123>"


def test_a_log_whose_text_says_payload_is_saved_like_any_other(app: RunningApp) -> None:
    # slack-bolt reads any form mentioning "payload" as an interaction's, and found none here.
    text = app.reply_to('log org="Esa" country=IT summary="Rymdprojekt: payload för en CubeSat"')
    assert "Saved contact #1" in text
    contact = app.context.store.get(1)
    assert contact is not None and contact.summary == "Rymdprojekt: payload för en CubeSat"


def test_unsigned_wrongly_signed_and_stale_requests_get_401_and_change_nothing(app: RunningApp) -> None:
    body = app.command_body(LOG)
    form = "application/x-www-form-urlencoded"
    assert app.post(body, form, headers={}).status_code == 401
    assert app.post(body, form, headers=app.signed(body, secret="not-the-secret")).status_code == 401
    stale = int(time.time()) - 6 * 60
    assert app.post(body, form, headers=app.signed(body, timestamp=stale)).status_code == 401
    malformed = dict(app.signed(body), **{"X-Slack-Request-Timestamp": f"{time.time() - 400:.3f}"})
    assert app.post(body, form, headers=malformed).status_code == 401
    tampered = app.signed(body)
    assert app.post(body.replace("FI", "SE"), form, headers=tampered).status_code == 401
    assert count_contacts(app) == 0
    assert app.standin.calls_to("/response/r1") == []


def test_bad_input_gets_a_clear_reply_and_stores_nothing(app: RunningApp) -> None:
    text = app.reply_to(
        'log org="Vilnius" country=Atlantis kind=party date=2099-01-01 email=nope summary="x"'
    )
    assert "Nothing was saved" in text
    assert "Unknown country “Atlantis”" in text
    assert "Unknown kind “party”" in text
    assert "in the future" in text
    assert "not an email address" in text
    assert count_contacts(app) == 0


def test_log_without_arguments_opens_the_form_with_the_trigger_id(app: RunningApp) -> None:
    body = app.command_body("log")
    app.post(body, "application/x-www-form-urlencoded")
    call = app.standin.wait_for("/api/views.open")[0]
    assert body.endswith(f"&trigger_id={call.body['trigger_id']}")
    view = call.body["view"]
    assert view["callback_id"] == "contact_form"
    blocks = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
    assert blocks["country"]["element"]["type"] == "external_select"
    assert blocks["kind"]["element"]["type"] == "static_select"
    assert blocks["date"]["element"]["initial_date"] == "2026-11-26"
    assert blocks["youth"]["element"]["type"] == "checkboxes"
    assert app.standin.calls_to("/response/r1") == []


def submission(
    view_id: str, values: dict[str, object], user: str = "UALICE", metadata: str = '{"id": null}'
) -> dict:
    state: dict[str, dict] = {}
    for name, value in values.items():
        if name == "country" or name == "kind":
            element = {
                "type": "external_select" if name == "country" else "static_select",
                "selected_option": {"value": value} if value else None,
            }
        elif name == "date":
            element = {"type": "datepicker", "selected_date": value}
        elif name == "youth":
            element = {"type": "checkboxes", "selected_options": [{"value": "youth"}] if value else []}
        else:
            element = {"type": "plain_text_input", "value": value}
        state[name] = {"value": element}
    return {
        "type": "view_submission",
        "team": {"id": "T0001"},
        "user": {"id": user, "username": "alice", "name": "alice", "team_id": "T0001"},
        "api_app_id": "A0001",
        "token": "legacy",
        "trigger_id": "1.2.3",
        "view": {
            "id": view_id,
            "callback_id": "contact_form",
            "private_metadata": metadata,
            "type": "modal",
            "state": {"values": state},
            "hash": "h",
        },
    }


FORM = {
    "org": "Kauno miesto savivaldybė",
    "country": "LT",
    "kind": "school",
    "date": "2026-11-24",
    "youth": True,
    "summary": "Skolutbyte för årskurs 8 🎉",
    "unit": "Barn och utbildning",
    "benefit": None,
    "followup": None,
    "city": "Kaunas",
    "person": None,
    "email": None,
}


def test_form_submission_stores_once_even_when_slack_resends_it(app: RunningApp) -> None:
    first = app.interaction(submission("V1", FORM))
    # Slack signs each delivery anew: a resend is not a byte-identical replay.
    again = app.interaction(submission("V1", FORM), timestamp=int(time.time()) + 1)
    assert first.status_code == 200 and again.status_code == 200
    assert first.json()["response_action"] == "update"
    assert "Saved contact #1" in first.json()["view"]["blocks"][0]["text"]["text"]
    assert "already saved" in again.json()["view"]["blocks"][0]["text"]["text"]
    assert count_contacts(app) == 1
    contact = app.context.store.get(1)
    assert contact is not None and contact.summary == "Skolutbyte för årskurs 8 🎉" and contact.youth


def test_concurrent_resends_of_one_form_store_one_contact(app: RunningApp) -> None:
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: app.interaction(submission("V9", FORM)), range(8)))
    assert all(a.status_code == 200 for a in answers)
    assert count_contacts(app) == 1


def test_form_errors_show_on_the_fields_and_store_nothing(app: RunningApp) -> None:
    bad = dict(FORM, org="", date="2099-12-31", email="not-an-address")
    answer = app.interaction(submission("V2", bad))
    body = answer.json()
    assert body["response_action"] == "errors"
    assert set(body["errors"]) == {"org", "date", "email"}
    assert count_contacts(app) == 0


def test_edit_with_only_an_id_opens_the_prefilled_form_for_the_author(app: RunningApp) -> None:
    app.reply_to(LOG)
    app.command("edit 1")
    view = app.standin.wait_for("/api/views.open")[0].body["view"]
    blocks = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
    assert blocks["org"]["element"]["initial_value"] == "Rovaniemen kaupunki"
    assert blocks["country"]["element"]["initial_option"]["value"] == "FI"
    assert view["private_metadata"] == '{"id": 1}'
    edited = dict(FORM, org="Rovaniemen kaupunki", country="FI", summary="New summary")
    answer = app.interaction(submission("V3", edited, metadata='{"id": 1}'))
    confirmation = answer.json()["view"]["blocks"][0]["text"]["text"]
    assert "Updated contact #1:" in confirmation and "Summary: New summary" in confirmation
    contact = app.context.store.get(1)
    assert contact is not None and contact.summary == "New summary" and count_contacts(app) == 1


def test_only_the_author_or_a_coordinator_may_edit_or_withdraw(app: RunningApp) -> None:
    app.reply_to(LOG)
    refused = app.reply_to('edit 1 summary="mine now"', user="UBOB", name="bob", response="bob")
    assert "Only the person who logged contact #1, or a coordinator" in refused
    refused = app.reply_to("withdraw 1", user="UBOB", name="bob", response="bob")
    assert "Only the person who logged contact #1" in refused
    form = app.interaction(submission("V4", dict(FORM, summary="hijack"), user="UBOB", metadata='{"id": 1}'))
    assert "Only the person" in form.json()["view"]["blocks"][0]["text"]["text"]
    done = app.reply_to("withdraw 1 duplicate", user=COORDINATOR, name="coord", response="c")
    assert "Withdrew contact #1" in done
    contact = app.context.store.get(1)
    assert contact is not None and contact.summary == "Planning a youth football exchange"
    assert contact.withdrawn_by == COORDINATOR and contact.withdrawn_reason == "duplicate"


def test_export_sends_an_excel_file_to_the_coordinator_only(app: RunningApp) -> None:
    app.reply_to(LOG)
    refused = app.reply_to("export", response="alice-export")
    assert "Only coordinators" in refused
    text = app.reply_to("export", user=COORDINATOR, name="coord", response="coord-export")
    assert "Export of 1 contact" in text and "direct message" in text
    assert app.standin.wait_for("/api/conversations.open")[0].body["users"] == COORDINATOR
    # The reply is sent after the upload finished, so the file is there by now.
    uploads = [c for c in app.standin.calls if c.path.startswith("/upload/")]
    assert len(uploads) == 1 and "Rovaniemen kaupunki" in workbook_cells(uploads[0].raw)
    complete = app.standin.wait_for("/api/files.completeUploadExternal")[0]
    assert complete.body["channel_id"] == "D0001"
    # The archivist sees one export, by the coordinator, recorded once the file was sent.
    exports = [e for e in audit_trail(app.context.db) if e.action == "export"]
    assert [(e.actor, e.note) for e in exports] == [(f"slack:{COORDINATOR}", "xlsx, 1")]


def test_an_export_slack_refused_to_take_is_not_recorded_as_exported(app: RunningApp) -> None:
    app.reply_to(LOG)
    app.standin.fail("files.completeUploadExternal", Failure(error="not_in_channel"))
    text = app.reply_to("export", user=COORDINATOR, name="coord", response="coord-export")
    assert "could not send the file" in text
    assert [e for e in audit_trail(app.context.db) if e.action == "export"] == []


def test_country_typeahead_matches_swedish_and_english_names(app: RunningApp) -> None:
    payload = {
        "type": "block_suggestion",
        "block_id": "country",
        "action_id": "value",
        "value": "litau",
        "team": {"id": "T0001"},
        "user": {"id": "UALICE"},
        "api_app_id": "A0001",
        "view": {"id": "V1", "callback_id": "contact_form"},
    }
    answer = app.interaction(payload)
    assert [o["value"] for o in answer.json()["options"]] == ["LT"]


def test_healthz_reports_the_database(app: RunningApp) -> None:
    answer = app.client.get(app.url + "/healthz")
    assert answer.status_code == 200 and answer.json()["database"] == "ok"


def test_fifty_concurrent_log_commands_store_exactly_fifty(app: RunningApp) -> None:
    def send(n: int) -> int:
        return app.command(LOG.replace("Planning", f"Plan {n}"), response=f"c{n}").status_code

    with ThreadPoolExecutor(50) as pool:
        statuses = list(pool.map(send, range(50)))
    assert statuses == [200] * 50
    for n in range(50):
        text = app.standin.wait_for(f"/response/c{n}")[0].body["text"]
        assert "Saved contact #" in text, text
    assert count_contacts(app) == 50
    summaries = {c.summary for c in app.context.store.everything(limit=100).contacts}
    assert summaries == {f"Plan {n} a youth football exchange" for n in range(50)}


def test_a_payload_without_a_listener_is_one_log_line_without_what_was_typed(
    app: RunningApp, caplog: pytest.LogCaptureFixture
) -> None:
    typed = {
        "type": "block_suggestion",
        "team": {"id": "T0001"},
        "user": {"id": "UALICE", "username": "alice", "name": "alice", "team_id": "T0001"},
        "api_app_id": "A0001",
        "token": "legacy",
        "block_id": "elsewhere",
        "action_id": "unknown",
        "value": "Anna Andersson",
    }
    with caplog.at_level(logging.INFO):
        answer = app.interaction(typed)
    assert answer.status_code == 404
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Unhandled request")]
    assert len(lines) == 1 and "\n" not in lines[0] and "block_suggestion" in lines[0]
    assert "Anna Andersson" not in caplog.text and "[Suggestion]" not in caplog.text
