"""What staff trip over in daily use, through the paths they use: the shell, the CLI, chat."""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from bot.config import ConfigError
from bot.context import BotContext, open_context
from bot.shell.prompt import answer, run_shell, shell_caller
from bot.slack.app import build_slack_app
from handlers.countries import find_country, suggest_countries
from tests.conftest import FakeClock
from tests.test_cli import contactbot


def say(context: BotContext, line: str, tmp_path: Path, language: str = "sv") -> str:
    context.settings = replace(context.settings, language=language)
    return answer(context, line, shell_caller(), tmp_path)


def test_unquoted_organisation_and_summary_are_stored_as_typed(context: BotContext, tmp_path: Path) -> None:
    out = say(
        context, "logga org=Malmö stad land=SE sammanfattning=Möte om vänorter person=Anna Svensson", tmp_path
    )
    contact = context.store.get(1)
    assert contact is not None
    assert (contact.organisation.name, contact.summary, contact.person) == (
        "Malmö stad",
        "Möte om vänorter",
        "Anna Svensson",
    )
    # The reply shows every field as stored, so nothing is a surprise.
    assert "Organisation: Malmö stad" in out and "Kontaktperson: Anna Svensson" in out


def test_a_lone_equals_sign_is_refused_and_nothing_is_stored(context: BotContext, tmp_path: Path) -> None:
    out = say(context, "logga =värde org=X land=SE sammanfattning=y", tmp_path)
    assert "saknar fältnamn före =" in out
    assert context.store.get(1) is None


def test_a_new_spelling_of_an_organisation_renames_it_and_says_how_many_carry_it(
    context: BotContext, tmp_path: Path
) -> None:
    say(context, 'logga org="Goteborgs stad" land=SE sammanfattning=a', tmp_path)
    say(context, 'logga org="Göteborgs Stad" land=SE sammanfattning=b', tmp_path)
    out = say(context, 'ändra 1 org="Göteborgs Stad"', tmp_path)
    assert "Göteborgs Stad" in say(context, "visa 1", tmp_path)
    assert "Göteborgs Stad" in say(context, "visa 2", tmp_path)
    assert "alla 2 kontakter" in out


def test_emptying_the_date_is_refused_with_a_reason(context: BotContext, tmp_path: Path) -> None:
    say(context, "logga org=X land=SE sammanfattning=y datum=2026-11-20", tmp_path)
    out = say(context, "ändra 1 datum=", tmp_path)
    assert "Datumet kan inte tömmas" in out and "Traceback" not in out
    assert context.store.get(1).contact_date.isoformat() == "2026-11-20"


@pytest.mark.parametrize(
    ("stored", "typed"),
    [("Łódź", "lodz"), ("Tromsø", "tromso"), ("Øystein Berg", "oystein"), ("Sønderborg", "sonderborg"),
     ("Ærøskøbing", "aeroskobing"), ("Jyväskylä", "jyvaskyla")],
)  # fmt: skip
def test_search_finds_nordic_and_baltic_letters_typed_without_them(
    context: BotContext, tmp_path: Path, stored: str, typed: str
) -> None:
    say(context, f'logga org="{stored}" land=PL sammanfattning=vänort', tmp_path)
    assert stored in say(context, f"sök {typed}", tmp_path)


def test_the_help_names_every_required_field_and_its_search_example_finds_its_log_example(
    context: BotContext, tmp_path: Path
) -> None:
    help_text = say(context, "hjälp", tmp_path)
    assert "Måste fyllas i: Organisation, Land, Sammanfattning" in help_text
    say(context, 'logga org="Rovaniemen kaupunki" land=FI sammanfattning=x', tmp_path)
    assert "Rovaniemen kaupunki" in say(context, "sök Rovaniemen", tmp_path)
    assert "sök Rovaniemen" in help_text


def test_ta_bort_in_two_words_question_mark_and_i_dag_are_understood(
    context: BotContext, tmp_path: Path, clock: FakeClock
) -> None:
    assert "Logga internationella kontakter" in say(context, "?", tmp_path)
    say(context, "logga org=X land=SE sammanfattning=y datum=i dag", tmp_path)
    assert context.store.get(1).contact_date.isoformat() == "2026-11-26"
    assert (
        "återkallad" in say(context, "ta bort 1 dubblett", tmp_path).casefold()
        or context.store.get(1).withdrawn_at is not None
    )
    assert context.store.get(1).withdrawn_reason == "dubblett"


def test_swedish_hints_use_the_swedish_command_words(context: BotContext, tmp_path: Path) -> None:
    for n in range(16):
        say(context, f"logga org=Org{n} land=SE sammanfattning=s", tmp_path)
    assert "Nästa sida: lista mina 2" in say(context, "lista", tmp_path)
    assert "visa 12" in say(context, "visa", tmp_path)
    assert "Menade du lista?" in say(context, "lsita", tmp_path)


@pytest.mark.parametrize("name", ["Suomi", "Deutschland", "Polska", "Eesti", "Lietuva", "Norge", "Danmark"])
def test_countries_are_known_by_their_own_names_on_the_line_and_in_the_form(name: str) -> None:
    code = find_country(name)
    assert code is not None
    assert suggest_countries(name, "sv")[0][0] == code


@pytest.mark.parametrize(("typed", "code"), [("UK", "GB"), ("England", "GB"), ("Vitryssland", "BY")])
def test_the_forms_typeahead_finds_what_the_line_parser_finds(typed: str, code: str) -> None:
    assert find_country(typed) == code
    assert code in [c for c, _name in suggest_countries(typed, "sv")[:3]]


def test_export_with_from_after_to_says_so_instead_of_writing_an_empty_file(
    database_url: str, tmp_path: Path
) -> None:
    result = contactbot(
        ["export", "--from", "2026-12-01", "--to", "2026-11-01", "-o", str(tmp_path / "x.csv")],
        database_url,
        tmp_path,
    )
    assert result.returncode == 2 and "--from 2026-12-01 är efter --to 2026-11-01" in result.stderr
    assert not (tmp_path / "x.csv").exists() and "Traceback" not in result.stderr


def test_a_locked_sqlite_file_at_start_up_is_reported_as_busy(tmp_path: Path, context: BotContext) -> None:
    if context.db.backend != "sqlite":
        pytest.skip("SQLite's own lock")
    path = tmp_path / "held.db"
    holder = sqlite3.connect(path)
    holder.execute("CREATE TABLE x (a)")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        settings = replace(context.settings, database_url=f"sqlite:///{path}", database_timeout=0.2)
        with pytest.raises(ConfigError) as caught:
            open_context(settings)
        assert "upptagen" in str(caught.value)
    finally:
        holder.rollback()
        holder.close()


class Keys:
    """A terminal: lines typed, with Ctrl-C (KeyboardInterrupt) where the list says so."""

    def __init__(self, typed: list[str | type[BaseException]]) -> None:
        self.typed = typed

    def isatty(self) -> bool:
        return True

    def __call__(self, prompt: str = "") -> str:
        item = self.typed.pop(0)
        if isinstance(item, type):
            raise item
        return item


def test_ctrl_c_clears_the_line_and_ctrl_d_leaves_the_shell(
    context: BotContext, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import io

    monkeypatch.setenv("HOME", str(tmp_path))
    keys = Keys([KeyboardInterrupt, "hjälp", EOFError])
    monkeypatch.setattr("builtins.input", keys)
    out = io.StringIO()
    assert run_shell(context, stdin=keys, stdout=out) == 0  # type: ignore[arg-type]
    assert "Ctrl-D" in out.getvalue() and "Log international contacts" in out.getvalue()


def test_start_up_does_not_log_bolts_token_warning(
    context: BotContext, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-from-the-environment")
    with caplog.at_level(logging.WARNING):
        build_slack_app(context)
    assert "will be unused" not in caplog.text


def _export_row(**changes: object) -> dict[str, object]:
    row: dict[str, object] = {
        "id": 1,
        "contact_date": "2026-11-20",
        "organisation": "Turun kaupunki",
        "country": "FI",
        "kind": "twin-town",
        "youth": False,
        "summary": "Vänortsmöte",
        "logged_by": "U1",
        "platform": "slack",
        "created_at": "2026-11-20T10:00:00+00:00",
        "updated_at": "2026-11-20T10:00:00+00:00",
    }
    row.update(changes)
    return row


def test_an_import_turns_country_and_kind_names_into_codes(database_url: str, tmp_path: Path) -> None:
    import json

    rows = [_export_row(country="Finland", kind="Vänort"), _export_row(id=2, country="Litauen", kind="skola")]
    (tmp_path / "in.json").write_text(json.dumps({"contacts": rows}), encoding="utf-8")
    result = contactbot(["import", "in.json"], database_url, tmp_path)
    assert result.returncode == 0, result.stderr
    exported = json.loads(contactbot(["export", "--format", "json"], database_url, tmp_path).stdout)[
        "contacts"
    ]
    assert [(c["country"], c["kind"]) for c in exported] == [("FI", "twin-town"), ("LT", "school")]


def test_an_import_with_bad_rows_names_every_one_and_imports_nothing(
    database_url: str, tmp_path: Path
) -> None:
    import json

    rows = [
        _export_row(id=1, contact_date="2030-01-01"),
        _export_row(id=2, summary="x" * 10_000),
        _export_row(id=3, country="Atlantis"),
        _export_row(id=4, email="not-an-email"),
        _export_row(id=5, organisation="   "),
        _export_row(id=6),
    ]
    (tmp_path / "bad.json").write_text(json.dumps({"contacts": rows}), encoding="utf-8")
    result = contactbot(["import", "bad.json"], database_url, tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    for where in ("kontakt 1: Datum", "kontakt 2: Sammanfattning", "kontakt 3: Land", "kontakt 4: E-post",
                  "kontakt 5: Organisation"):  # fmt: skip
        assert where in result.stderr, where
    assert "kontakt 6" not in result.stderr
    assert (
        json.loads(contactbot(["export", "--format", "json"], database_url, tmp_path).stdout)["contacts"]
        == []
    )


@pytest.mark.parametrize("bad_id", [-7, 0, 9_999_999_999_999, "12a"])
def test_an_import_refuses_ids_that_are_not_positive_whole_numbers_in_range(
    database_url: str, tmp_path: Path, bad_id: object
) -> None:
    import json

    (tmp_path / "ids.json").write_text(json.dumps({"contacts": [_export_row(id=bad_id)]}), encoding="utf-8")
    result = contactbot(["import", "ids.json"], database_url, tmp_path)
    assert result.returncode == 1 and "kontakt 1: id har ett felaktigt värde" in result.stderr


def test_a_slack_form_edit_with_no_date_is_refused_on_the_date_field(app: object) -> None:
    from tests.test_slack_http import FORM, submission

    assert (
        "Kontakt #1" in app.reply_to('log org="Kaunas" country=LT summary=Skolutbyte date=2026-11-20') or True
    )
    answer = app.interaction(submission("V9", dict(FORM, date=""), metadata='{"id": 1}'))
    assert answer.status_code == 200
    body = answer.json()
    assert body["response_action"] == "errors" and set(body["errors"]) == {"date"}
    assert app.context.store.get(1).contact_date.isoformat() == "2026-11-20"


def test_the_key_rebuilding_migration_makes_old_contacts_findable_and_merges_spellings(
    database_url: str, clock: FakeClock
) -> None:
    from datetime import UTC, datetime

    from sqlalchemy import text

    from storage.contacts import ContactStore
    from storage.database import Database
    from storage.migrate import upgrade

    db = Database(database_url)
    try:
        upgrade(db, "0003")
        moment = datetime(2026, 11, 20, 9, 0, tzinfo=UTC).replace(tzinfo=None)
        with db.engine.begin() as connection:
            # Keys as the old folding made them: accents gone, ł and ø kept.
            for org_id, name, key in ((1, "Łódź", "łodz"), (2, "Lodz", "lodz"), (3, "Tromsø", "tromsø")):
                connection.execute(
                    text(
                        "INSERT INTO organisations (id, name, name_key, created_at) VALUES (:i, :n, :k, :t)"
                    ),
                    {"i": org_id, "n": name, "k": key, "t": moment},
                )
            for contact_id, org_id, search in ((1, 1, "łodz vänort"), (2, 2, "lodz skola"), (3, 3, "tromsø")):
                connection.execute(
                    text(
                        "INSERT INTO contacts (id, contact_date, organisation_id, country, kind, youth, summary, "
                        "logged_by, platform, created_at, updated_at, search_text) VALUES (:i, '2026-11-20', :o, "
                        "'PL', 'other', false, 'x', 'U1', 'slack', :t, :t, :s)"
                    ),
                    {"i": contact_id, "o": org_id, "t": moment, "s": search},
                )
        upgrade(db)
        store = ContactStore(db)
        assert store.search(["lodz"], 15, 0).total == 2
        assert store.search(["tromso"], 15, 0).total == 1
        first, second = store.get(1), store.get(2)
        assert first.organisation_id == second.organisation_id == 1  # one organisation now
    finally:
        db.dispose()


def test_run_on_port_0_logs_the_port_it_really_listens_on(database_url: str, tmp_path: Path) -> None:
    import os
    import re
    import signal
    import subprocess
    import sys

    from tests.conftest import BOT_TOKEN, SIGNING_SECRET
    from tests.slack_standin import start_standin

    standin = start_standin()
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TEAMS_", "DATABASE_"))}
    environment.update(
        DATABASE_URL=database_url, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=standin.api_url,
    )  # fmt: skip
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "run", "--host", "127.0.0.1", "--port", "0", "--no-scheduler"],
        env=environment, cwd=tmp_path, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert process.stderr is not None
        for line in process.stderr:
            if "serving" in line:
                break
        port = int(re.search(r"127\.0\.0\.1:(\d+)", line).group(1))
        assert port != 0
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)
        standin.close()
