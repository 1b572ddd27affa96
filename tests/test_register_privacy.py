"""Personal data: the forms say which fields hold it and link the privacy notice, `privacy` gives
staff a text for the counterpart in Swedish and English, and `contactbot register` prints the
register's public description (also in the README)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from tests.conftest import SLACK_ENVIRONMENT, FakeClock, TeamsApp, serve_teams, teams_environment
from tests.slack_standin import SlackStandIn
from tests.teams_standin import TeamsStandIn
from tests.test_cli import contactbot
from tests.test_teams_forms import new_form
from tests.test_teams_http import personal

URL = "https://kommun.example/integritet"
DECISION = "KS 2026-12-01 § 123"
NOTICE = {"PRIVACY_URL": URL, "GALLRING_PERSONAL_DATA": "24m", "GALLRING_DECISION": DECISION}


@pytest.fixture
def noticed_app(
    database_url: str, clock: FakeClock, standin: SlackStandIn, teams_standin: TeamsStandIn
) -> Iterator[TeamsApp]:
    """Slack and Teams, with the privacy notice's address and a decision on disposal set."""
    environment = {**SLACK_ENVIRONMENT, **teams_environment(teams_standin), **NOTICE}
    with serve_teams(database_url, clock, standin, teams_standin, environment) as app:
        yield app


def test_privacy_in_slack_gives_the_counterpart_text_in_swedish_and_english(noticed_app: TeamsApp) -> None:
    shown = noticed_app.running.reply_to("integritet")
    assert "Om dina personuppgifter" in shown and "About your personal data" in shown
    assert "artikel 6.1 e" in shown and "Article 6(1)(e)" in shown
    assert f"gallras 24 månader efter kontakten, enligt beslutet {DECISION}" in shown
    assert f"cleared 24 months after the contact, under the decision {DECISION}" in shown
    assert (
        "Integritetsskyddsmyndigheten (IMY)" in shown and "Swedish Authority for Privacy Protection" in shown
    )
    assert shown.count(URL) == 2


def test_privacy_in_teams_answers_in_both_languages_with_either_command_word(noticed_app: TeamsApp) -> None:
    english = noticed_app.say(personal("@contactbot privacy", noticed_app.teams, number=1))
    swedish = noticed_app.say(personal("@contactbot integritet", noticed_app.teams, number=2))
    assert english.shown == swedish.shown
    assert "Om dina personuppgifter" in english.shown and "About your personal data" in english.shown


def test_without_a_decision_the_text_says_nothing_is_cleared_until_one_is_made(app: Any) -> None:
    shown = app.reply_to("privacy")
    assert "kept until the municipality decides on their disposal" in shown
    assert "sparas tills kommunen har beslutat om gallring" in shown
    assert "More:" not in shown


def _context_texts(view: dict[str, Any]) -> dict[str, str]:
    return {
        block["block_id"]: block["elements"][0]["text"]
        for block in view["blocks"]
        if block["type"] == "context"
    }


def test_the_slack_form_marks_person_and_email_as_personal_data_with_the_link(noticed_app: TeamsApp) -> None:
    running = noticed_app.running
    running.post(running.command_body("log"), "application/x-www-form-urlencoded")
    view = running.standin.wait_for("/api/views.open")[0].body["view"]
    notes = _context_texts(view)
    assert set(notes) == {"person_privacy", "email_privacy"}
    assert f"<{URL}|How we handle personal data>" in notes["person_privacy"]
    order = [block["block_id"] for block in view["blocks"]]
    assert order.index("person_privacy") == order.index("person") + 1
    assert order.index("email_privacy") == order.index("email") + 1


def test_the_slack_form_without_a_privacy_notice_has_the_note_without_a_link(app: Any) -> None:
    app.post(app.command_body("log"), "application/x-www-form-urlencoded")
    view = app.standin.wait_for("/api/views.open")[0].body["view"]
    notes = _context_texts(view)
    assert notes["email_privacy"].startswith("Personal data:") and "<http" not in notes["email_privacy"]


def test_the_teams_form_marks_person_and_email_as_personal_data_with_the_link(noticed_app: TeamsApp) -> None:
    form = new_form(noticed_app)  # validated against the Adaptive Card schema
    body = form["body"]
    ids = [element.get("id") for element in body]
    for name in ("person", "email"):
        note = body[ids.index(name) + 1]
        assert note["text"].startswith("Personal data:")
        assert f"[How we handle personal data]({URL})" in note["text"]


# -- contactbot register ------------------------------------------------------------------------


def test_contactbot_register_prints_the_public_description_in_swedish(
    database_url: str, tmp_path: Path
) -> None:
    result = contactbot(["register"], database_url, tmp_path, LANGUAGE="sv", **NOTICE)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("Registret över internationella kontakter")
    assert "Vad registret innehåller: " in out and "diarienummer (dnr)" in out and "unga deltagare" in out
    assert "Ändamål: " in out and "Rättslig grund: Uppgift av allmänt intresse" in out
    assert "Vem som får se vad: " in out and "aldrig i veckosammanställningen" in out
    assert f"gallras 24 månader efter kontakten, enligt beslutet {DECISION}" in out
    assert f"Gallringsbeslut: {DECISION}" in out and f"Integritetsinformation: {URL}" in out
    assert not (tmp_path / "contactbot.db").exists()  # it needs no database


def english_register(
    monkeypatch: pytest.MonkeyPatch, capsys: Any, tmp_path: Path, **environment: str
) -> tuple[int, str, str]:
    """`contactbot register` in English, in this process, with only `environment` set of its settings."""
    monkeypatch.chdir(tmp_path)
    for name in ("PRIVACY_URL", "GALLRING_PERSONAL_DATA", "GALLRING_DECISION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANGUAGE", "en")
    monkeypatch.setenv("DATABASE_URL", "sqlite:///unused.db")
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    status = main(["register"])
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("PRIVACY_URL", "kommun.se/integritet", "PRIVACY_URL must be the http(s) address"),
        ("GALLRING_PERSONAL_DATA", "two years", "GALLRING_PERSONAL_DATA must be a number of months or years"),
        ("GALLRING_PERSONAL_DATA", "0m", "GALLRING_PERSONAL_DATA must be a number of months or years"),
    ],
)
def test_a_bad_privacy_setting_stops_with_one_line_naming_it(
    monkeypatch: pytest.MonkeyPatch, capsys: Any, tmp_path: Path, name: str, value: str, expected: str
) -> None:
    status, out, err = english_register(monkeypatch, capsys, tmp_path, **{name: value})
    assert status == 2 and out == "" and expected in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_the_readme_publishes_the_same_description_that_contactbot_register_prints(
    monkeypatch: pytest.MonkeyPatch, capsys: Any, tmp_path: Path
) -> None:
    status, out, _err = english_register(monkeypatch, capsys, tmp_path, GALLRING_PERSONAL_DATA="2y")
    assert status == 0 and "cleared 2 years after" not in out  # a period without a decision clears nothing
    readme = Path(__file__).parents[1].joinpath("README.md").read_text(encoding="utf-8")
    section = readme.split("## The register's public description", 1)[1]
    for line in out.strip().splitlines():
        assert re.sub(r"\s+", " ", line.strip()) in re.sub(r"\s+", " ", section), line
