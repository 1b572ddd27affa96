"""The register's own fields (dnr, direction, participants, young participants, programme,
project reference): typed on one line, in the Slack and Teams forms, shown, exported and
imported, and added to a database that already holds contacts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from bot.cli import main
from bot.context import BotContext
from handlers.fields import FIELDS
from handlers.i18n import use_language
from handlers.markup import Text
from handlers.register_fields import (
    MAX_PARTICIPANTS,
    check_count,
    find_direction,
    find_programme,
)
from storage.contacts import ContactStore
from storage.database import Database
from storage.migrate import upgrade
from tests.conftest import COORD, FakeClock, RunningApp, TeamsApp
from tests.test_commands import ask
from tests.test_slack_http import FORM, submission
from tests.test_teams_forms import filled, inputs, new_form, submit

FULL = (
    'logga org="Tartu linnavalitsus" land=EE dnr="KS 2026/123" riktning=inkommande deltagare=25 '
    'unga=18 program="Erasmus +" projektref=2026-1-SE01-KA122 sammanfattning="Elevbesök från Tartu"'
)


# -- the one-line command -----------------------------------------------------------------------


def test_a_contact_logged_with_the_registers_fields_shows_every_one_in_swedish(context: BotContext) -> None:
    saved = ask(context, FULL, language="sv")
    assert "Kontakt #1 är sparad" in saved
    shown = ask(context, "visa 1", language="sv")
    for line in (
        "Diarienummer (dnr): KS 2026/123",
        "Riktning: Inkommande (besök hos oss)",
        "Deltagare: 25",
        "Unga deltagare: 18",
        "Program: Erasmus+",
        "Projektreferens: 2026-1-SE01-KA122",
        "Barn och unga: ja",  # the youth mark follows from 18 young participants
    ):
        assert line in shown, line
    contact = context.store.get(1)
    assert (contact.direction, contact.programme, contact.participants, contact.young_participants) == (
        "incoming",
        "erasmus",
        25,
        18,
    )


def test_english_keys_and_words_give_the_same_contact(context: BotContext) -> None:
    ask(
        context,
        "log org=Oulu country=FI case-number=KS-1 direction=out participants=3 young_participants=0 "
        'programme=nordplus project_ref=NP-9 summary="Study trip"',
    )
    contact = context.store.get(1)
    assert (contact.dnr, contact.direction, contact.programme, contact.project_ref) == (
        "KS-1",
        "outgoing",
        "nordplus",
        "NP-9",
    )
    assert contact.young_participants == 0 and contact.youth is False  # none young: no youth mark
    shown = ask(context, "show 1")
    assert "Direction: Outgoing (a trip there)" in shown and "Programme: Nordplus" in shown
    refused = ask(context, "log org=Oulu country=FI young_participants=0 participants=3 youth=yes summary=x")
    assert "Children and youth follows the young participants (0)" in refused
    assert "no number of participants in all" in ask(
        context, "log org=Oulu country=FI young_participants=2 summary=x"
    )
    assert "no number of participants in all" in ask(context, "edit 1 participants=")
    assert context.store.get(1).participants == 3 and context.store.get(2) is None


def test_a_contact_without_the_new_fields_shows_none_of_them(context: BotContext) -> None:
    ask(context, 'log org=Oulu country=FI summary="A call"')
    shown = ask(context, "show 1")
    assert "Direction" not in shown and "Participants" not in shown and "Case number" not in shown


def test_more_young_participants_than_participants_is_refused_and_nothing_is_saved(
    context: BotContext,
) -> None:
    answer = ask(context, FULL.replace("unga=18", "unga=30"), language="sv")
    assert "Inget sparades" in answer
    assert "30 unga deltagare, men 25 deltagare totalt" in answer and "ange högst 25" in answer
    assert context.store.get(1) is None


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("deltagare=många", "Deltagare anges som ett antal personer, t.ex. 12, inte ”många”."),
        ("deltagare=-3", "Deltagare anges som ett antal personer"),
        ("deltagare=2.5", "Deltagare anges som ett antal personer"),
        ("deltagare=1000000", "högst 100000 personer"),
        ("unga=ja", "skriv ungdom=ja"),
        ("riktning=uppåt", "Okänd riktning ”uppåt”. Använd en av: incoming/inkommande"),
        ("program=Horizon", "Okänt program ”Horizon”. Använd ett av: Erasmus+, Interreg"),
    ],
)
def test_a_bad_value_gets_an_answer_saying_what_to_write(
    context: BotContext, typed: str, expected: str
) -> None:
    answer = ask(context, f"logga org=Oulu land=FI sammanfattning=x {typed}", language="sv")
    assert "Inget sparades" in answer and expected in answer
    assert context.store.get(1) is None


def test_an_edit_cannot_leave_more_young_than_all_and_the_youth_mark_follows(context: BotContext) -> None:
    ask(context, 'log org=Oulu country=FI participants=10 young=5 summary="Exchange"')
    refused = ask(context, "edit 1 participants=3")
    assert "Nothing was saved" in refused and "5 young participants, but 3 participants" in refused
    assert context.store.get(1).participants == 10
    ask(context, "edit 1 young=0")
    contact = context.store.get(1)
    assert contact.young_participants == 0 and contact.youth is False
    ask(context, "edit 1 participants= young=")
    contact = context.store.get(1)
    assert contact.participants is None and contact.young_participants is None


def test_help_lists_the_new_fields_in_both_languages(context: BotContext) -> None:
    swedish = ask(context, "hjälp", language="sv")
    assert "dnr" in swedish and "riktning/direction" in swedish and "unga/young_participants" in swedish
    assert "program/programme" in swedish and "projektref/project_ref" in swedish
    assert "Riktningar: incoming/inkommande, outgoing/utgående, digital/digitalt" in swedish
    assert "Program: Erasmus+, Interreg, ICLD, Nordplus, CERV" in swedish
    english = ask(context, "help")
    assert "direction/riktning" in english and "participants/deltagare" in english


# -- the parsers, for any input -----------------------------------------------------------------


@given(st.integers(min_value=0, max_value=MAX_PARTICIPANTS), st.sampled_from(["", " ", "  "]))
def test_any_count_of_people_reads_back_as_itself(number: int, padding: str) -> None:
    assert check_count(f"{padding}{number}", "Deltagare") == number


@given(st.text(max_size=20))
def test_a_count_is_a_number_or_a_clear_error_never_a_crash(typed: str) -> None:
    try:
        number = check_count(typed, "Deltagare")
    except ValueError as problem:
        assert isinstance(problem.args[0], Text) and "Deltagare" in problem.args[0].plain()
    else:
        assert 0 <= number <= MAX_PARTICIPANTS


DIRECTION_WORDS = {
    "incoming": ["incoming", "Inkommande", "INKOMMANDE", "besök", "Besok", "in"],
    "outgoing": ["outgoing", "Utgående", "utgaende", "resa", "OUT"],
    "digital": ["digital", "Digitalt", "online", "annat"],
}
PROGRAMME_WORDS = {
    "erasmus": ["Erasmus+", "erasmus plus", "ERASMUS", "Erasmus +", "erasmus-plus"],
    "interreg": ["Interreg", "interreg aurora", "INTERREG Baltic Sea Region"],
    "icld": ["ICLD", "icld"],
    "nordplus": ["Nordplus", "nordplus"],
    "cerv": ["Europa för medborgarna", "europa for medborgarna", "CERV", "Europe for Citizens"],
    "other": ["annat", "Other", "övrigt"],
    "none": ["inget", "None", "ingen"],
}


def _respelled(draw: st.DrawFn, word: str) -> str:
    """`word` with each letter's case flipped at random and spaces around it."""
    flips = draw(st.lists(st.booleans(), min_size=len(word), max_size=len(word)))
    letters = "".join(c.swapcase() if flip else c for c, flip in zip(word, flips, strict=True))
    return draw(st.sampled_from(["", " "])) + letters + draw(st.sampled_from(["", "  "]))


@st.composite
def spelled_direction(draw: st.DrawFn) -> tuple[str, str]:
    value = draw(st.sampled_from(sorted(DIRECTION_WORDS)))
    return value, _respelled(draw, draw(st.sampled_from(DIRECTION_WORDS[value])))


@st.composite
def spelled_programme(draw: st.DrawFn) -> tuple[str, str]:
    value = draw(st.sampled_from(sorted(PROGRAMME_WORDS)))
    return value, _respelled(draw, draw(st.sampled_from(PROGRAMME_WORDS[value])))


@given(spelled_direction())
def test_a_direction_is_found_whatever_the_case_accents_and_spaces(pair: tuple[str, str]) -> None:
    value, typed = pair
    assert find_direction(typed) == value


@given(spelled_programme())
def test_a_programme_is_found_whatever_the_case_accents_and_spaces(pair: tuple[str, str]) -> None:
    value, typed = pair
    assert find_programme(typed) == value


@given(st.text(max_size=30))
def test_an_unknown_direction_or_programme_is_none_never_a_crash(typed: str) -> None:
    assert find_direction(typed) in {None, "incoming", "outgoing", "digital"}
    assert find_programme(typed) in {None, *PROGRAMME_WORDS}


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    participants=st.integers(min_value=0, max_value=50),
    young=st.integers(min_value=0, max_value=50),
    direction=spelled_direction(),
)
def test_the_line_stores_the_numbers_or_refuses_more_young_than_all(
    context: BotContext, participants: int, young: int, direction: tuple[str, str]
) -> None:
    typed = (
        f'log org=Oulu country=FI deltagare={participants} unga={young} riktning="{direction[1]}" summary=x'
    )
    with use_language("en"):
        reply = context.handler().handle(typed, COORD)
    if young <= participants:
        assert reply.ok and reply.contact_id is not None
        contact = context.store.get(reply.contact_id)
        assert (contact.participants, contact.young_participants) == (participants, young)
        assert contact.direction == direction[0] and contact.youth is (young > 0)
    else:
        assert not reply.ok and "Nothing was saved" in reply.plain()


# -- the forms ----------------------------------------------------------------------------------


def test_the_slack_form_stores_the_registers_fields(app: RunningApp) -> None:
    payload = submission("V7", dict(FORM, dnr="KS 2026/7", project_ref="ICLD-42"))
    state = payload["view"]["state"]["values"]
    state["direction"] = {"value": {"type": "static_select", "selected_option": {"value": "outgoing"}}}
    state["programme"] = {"value": {"type": "static_select", "selected_option": {"value": "icld"}}}
    state["participants"] = {"value": {"type": "number_input", "value": "12"}}
    state["young"] = {"value": {"type": "number_input", "value": "12"}}
    answer = app.interaction(payload)
    assert answer.json()["response_action"] == "update"
    contact = app.context.store.get(1)
    assert (contact.dnr, contact.direction, contact.programme, contact.project_ref) == (
        "KS 2026/7",
        "outgoing",
        "icld",
        "ICLD-42",
    )
    assert (contact.participants, contact.young_participants) == (12, 12)


def test_the_slack_form_shows_too_many_young_under_the_young_field(app: RunningApp) -> None:
    payload = submission("V8", FORM)
    state = payload["view"]["state"]["values"]
    state["participants"] = {"value": {"type": "number_input", "value": "2"}}
    state["young"] = {"value": {"type": "number_input", "value": "5"}}
    body = app.interaction(payload).json()
    assert body["response_action"] == "errors" and set(body["errors"]) == {"young"}
    assert "5 young participants, but 2 participants" in body["errors"]["young"]
    assert app.context.store.get(1) is None


TEAMS_TYPED = {
    "org": "Tartu linnavalitsus",
    "country": "EE",
    "summary": "Skolutbyte",
    "dnr": "KS 2026/9",
    "direction": "incoming",
    "programme": "cerv",
    "project_ref": "CERV-1",
}


def test_the_teams_form_offers_the_choices_and_stores_numbers_as_numbers(teams_app: TeamsApp) -> None:
    form = new_form(teams_app)
    fields = inputs(form)
    assert [c["value"] for c in fields["direction"]["choices"]] == ["incoming", "outgoing", "digital"]
    assert "Europe for Citizens/CERV" in [c["title"] for c in fields["programme"]["choices"]]
    assert fields["participants"]["type"] == "Input.Number" and fields["participants"]["min"] == 0
    data: dict[str, Any] = filled(form, TEAMS_TYPED)
    data["participants"], data["young"] = 30, 4  # Teams may send a number input as a number
    answer = submit(teams_app, data)
    assert answer["task"]["type"] == "message"
    contact = teams_app.context.store.get(1)
    assert (contact.participants, contact.young_participants, contact.youth) == (30, 4, True)
    assert (contact.direction, contact.programme, contact.dnr) == ("incoming", "cerv", "KS 2026/9")


def test_the_teams_edit_form_is_prefilled_with_the_registers_fields(teams_app: TeamsApp) -> None:
    from tests.test_teams_forms import form_button, open_form
    from tests.test_teams_http import personal

    submit(teams_app, dict(filled(new_form(teams_app), TEAMS_TYPED), participants="8", young="2"))
    prompt = teams_app.say(personal("@contactbot edit 1", teams_app.teams, number=2))
    fields = inputs(form_of_edit(open_form(teams_app, form_button(prompt))))
    assert fields["participants"]["value"] == 8 and fields["young"]["value"] == 2
    assert fields["direction"]["value"] == "incoming" and fields["dnr"]["value"] == "KS 2026/9"


def form_of_edit(answer: dict[str, Any]) -> dict[str, Any]:
    from tests.test_teams_forms import form_of

    return form_of(answer)


# -- export, import, upgrade --------------------------------------------------------------------


def cli(
    args: list[str], database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> tuple[int, str, str]:
    """`contactbot ARGS` in this process (as fast as a test must be): exit status, output, errors."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("LANGUAGE", "sv")
    capsys.readouterr()
    status = main(args)
    out, err = capsys.readouterr()
    return status, out, err


def test_export_import_export_keeps_the_registers_fields(
    context: BotContext, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    monkeypatch.chdir(tmp_path)
    ask(context, FULL, language="sv")
    ask(context, "logga org=B land=SE riktning=digitalt program=inget dnr==1+2 sammanfattning=y")
    status, first, _err = cli(["export", "--format", "json"], database_url, monkeypatch, capsys)
    records = json.loads(first)["contacts"]
    assert records[0]["young_participants"] == 18 and records[0]["programme"] == "erasmus"
    assert records[1]["dnr"] == "=1+2" and records[1]["direction"] == "digital"
    (tmp_path / "export.json").write_text(first, encoding="utf-8")
    cli(["export", "--format", "csv", "-o", "export.csv"], database_url, monkeypatch, capsys)
    assert "'=1+2" in (tmp_path / "export.csv").read_text(encoding="utf-8-sig")  # never a formula
    for name in ("export.json", "export.csv"):
        other_url = f"sqlite:///{tmp_path / (name + '.db')}"
        status, out, err = cli(["import", str(tmp_path / name)], other_url, monkeypatch, capsys)
        assert status == 0, err
        status, again, _err = cli(["export", "--format", "json"], other_url, monkeypatch, capsys)
        assert json.loads(again) == json.loads(first), name


def test_an_import_with_more_young_than_all_names_the_row_and_imports_nothing(
    context: BotContext, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    monkeypatch.chdir(tmp_path)
    ask(context, FULL, language="sv")
    records = json.loads(cli(["export", "--format", "json"], database_url, monkeypatch, capsys)[1])
    records["contacts"][0]["young_participants"] = 99
    (tmp_path / "bad.json").write_text(json.dumps(records), encoding="utf-8")
    status, _out, err = cli(["import", "bad.json"], f"sqlite:///{tmp_path / 'x.db'}", monkeypatch, capsys)
    assert status == 1 and "99 unga deltagare, men 25 deltagare" in err
    assert "Traceback" not in err


def test_the_upgrade_adds_the_fields_to_a_database_that_holds_contacts(
    database_url: str, clock: FakeClock
) -> None:
    db = Database(database_url)
    try:
        upgrade(db, "0005")
        with db.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO organisations (id, name, name_key, created_at) VALUES (1, 'Oulu', 'oulu', :t)"
                ),
                {"t": clock().replace(tzinfo=None)},
            )
            connection.execute(
                text(
                    "INSERT INTO contacts (id, contact_date, organisation_id, country, kind, youth, summary, "
                    "logged_by, platform, created_at, updated_at, search_text) VALUES (1, '2026-11-20', 1, "
                    "'FI', 'school', true, 'Old contact', 'U1', 'slack', :t, :t, 'oulu old contact')"
                ),
                {"t": clock().replace(tzinfo=None)},
            )
        upgrade(db)
        store = ContactStore(db)
        contact = store.get(1)
        assert contact.summary == "Old contact" and contact.youth is True
        assert contact.participants is None and contact.direction is None and contact.dnr is None
        store.update(1, {"participants": 4, "direction": "incoming"}, clock())
        assert store.get(1).participants == 4
    finally:
        db.dispose()


def test_every_field_has_keys_in_both_languages_and_no_key_names_two_fields() -> None:
    seen: dict[str, str] = {}
    for field in FIELDS:
        assert field.english and field.swedish
        for key in field.keys:
            assert seen.setdefault(key, field.name) == field.name, key
