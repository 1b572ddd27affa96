"""`/kontakt rapport 2026` in Slack and Teams: the file reaches the coordinator privately."""

from __future__ import annotations

import io
from datetime import datetime

from openpyxl import load_workbook

from tests.conftest import COORDINATOR, TEAMS_COORDINATOR, RunningApp, TeamsApp
from tests.test_teams_http import LOG, in_channel, invoke, personal, sender

SLACK_LOG = (
    'log org="Rovaniemen kaupunki" country=FI kind=twin-town youth=yes date=2026-03-20 summary="Fotboll"'
)


def _rows(content: bytes, sheet: str) -> list[list[object]]:
    return [[c.value for c in row] for row in load_workbook(io.BytesIO(content))[sheet].iter_rows()]


def test_in_slack_the_report_goes_to_the_coordinator_in_a_direct_message(app: RunningApp) -> None:
    app.reply_to(SLACK_LOG)
    refused = app.reply_to("report 2026", response="alice-report")
    assert "Only coordinators may make the annual report." in refused
    text = app.reply_to("report 2026 xlsx", user=COORDINATOR, name="coord", response="coord-report")
    assert "The annual report International contacts 2026 (XLSX)." in text and "direct message" in text
    assert app.standin.wait_for("/api/conversations.open")[0].body["users"] == COORDINATOR
    [upload] = [c for c in app.standin.calls if c.path.startswith("/upload/")]
    assert ["Rovaniemen kaupunki", 1, datetime(2026, 3, 20)] in _rows(upload.raw, "Twin towns")
    wrong = app.reply_to("report twenty", user=COORDINATOR, name="coord", response="coord-wrong")
    assert "Write the year and, if you like, the format" in wrong


def test_in_teams_the_report_is_offered_in_the_personal_chat_and_made_again_when_accepted(
    teams_app: TeamsApp,
) -> None:
    teams = teams_app.teams
    teams_app.say(personal(LOG.replace("summary=", "date=2026-02-02 youth=yes summary="), teams))
    shared = teams_app.say(
        in_channel("<at>contactbot</at> rapport 2026", teams, aad=TEAMS_COORDINATOR, number=2)
    )
    assert "only send the annual report in a private chat" in shared.shown
    refused = teams_app.say(personal("report 2026", teams, number=3))
    assert "Only coordinators" in refused.shown
    coordinator = TEAMS_COORDINATOR.upper()
    offer = teams_app.say(personal("report 2026 xlsx", teams, aad=coordinator, number=4))
    [card] = offer.body["attachments"]
    assert card["contentType"] == "application/vnd.microsoft.teams.card.file.consent"
    assert card["content"]["acceptContext"]["command"] == "report 2026 xlsx"
    accepted = invoke(
        "fileConsent/invoke",
        {
            "type": "fileUpload",
            "action": "accept",
            "context": card["content"]["acceptContext"],
            "uploadInfo": {
                "contentUrl": "https://kommun-my.sharepoint.com/personal/c/annual-report-2026.xlsx",
                "name": card["name"],
                "uploadUrl": teams.base_url + "/onedrive/upload-session-2",
                "uniqueId": "2250D938-8870-4044-9F2C-5BBDEBA70C8C",
                "fileType": "xlsx",
            },
        },
        teams,
    )
    accepted["from"] = sender(coordinator)
    assert teams_app.post(accepted).status_code == 200
    [upload] = teams.calls_to("upload")
    assert upload.headers["Content-Range"].startswith("bytes 0-")
    assert upload.body["file"].startswith("PK"), "the workbook (a zip), not the CSV export"
    assert "xl/workbook.xml" in upload.body["file"]
