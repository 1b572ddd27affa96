"""The archivist's and the data protection officer's command line: the audit trail, disposal
by decision and a person's own data, run as `contactbot …` (in-process, on the real database)."""

from __future__ import annotations

import getpass
import json
from dataclasses import replace
from pathlib import Path

import pytest

from bot.cli import main
from bot.context import BotContext
from bot.shell.prompt import answer
from handlers.replies import Caller
from storage.database import Database
from storage.history import audit_trail, contact_history

ALICE = Caller("slack", "U012", "alice")
LOGIN = getpass.getuser()


def log(context: BotContext, line: str, tmp_path: Path, caller: Caller = ALICE) -> str:
    context.settings = replace(context.settings, language="sv")
    return answer(context, line, caller, tmp_path)


@pytest.fixture
def cli(
    context: BotContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):  # noqa: ANN201
    """`contactbot ARGS…` against the test's database; returns (status, stdout, stderr)."""
    monkeypatch.chdir(tmp_path)
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "COORDINATORS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", context.settings.database_url)
    monkeypatch.setenv("LANGUAGE", "sv")

    def run(*args: str, **env: str) -> tuple[int, str, str]:
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        capsys.readouterr()
        status = main(list(args))
        out, err = capsys.readouterr()
        return status, out, err

    return run


def test_the_audit_trail_lists_every_event_as_json_and_csv(
    context: BotContext, clock, tmp_path: Path, cli
) -> None:  # noqa: ANN001
    log(context, "logga org=Tartu land=EE sammanfattning=Skolbesök", tmp_path)
    clock.advance(days=2)
    log(
        context,
        "ändra 1 sammanfattning=Skolutbyte",
        tmp_path,
        Caller("slack", "UCOORD", "c", role="coordinator"),
    )
    status, out, _err = cli("audit", "--format", "json")
    assert status == 0
    events = json.loads(out)
    assert [(e["contact"], e["action"], e["user"]) for e in events] == [
        (1, "create", "slack:U012"),
        (1, "edit", "slack:UCOORD"),
    ]
    assert events[1]["before"] == {"summary": "Skolbesök"} and events[1]["after"] == {"summary": "Skolutbyte"}
    assert events[1]["time"].startswith("2026-11-28")

    status, out, _err = cli("audit", "--user", "U012", "--from", "2026-11-26", "--to", "2026-11-26")
    lines = out.strip().splitlines()
    assert lines[0] == "time,contact,action,user,via,before,after,note" and len(lines) == 2
    assert "create" in lines[1] and "slack:U012" in lines[1]
    status, _out, err = cli("audit", "--from", "2026-12-01", "--to", "2026-11-01")
    assert status == 2 and "--from 2026-12-01" in err


def test_disposal_without_a_decision_clears_nothing_and_says_so(
    context: BotContext, tmp_path: Path, cli
) -> None:  # noqa: ANN001
    log(
        context,
        "logga org=Tartu land=EE sammanfattning=x datum=2020-01-10 person=Mari epost=mari@tartu.ee",
        tmp_path,
    )
    status, out, _err = cli("gallra", GALLRING_PERSONAL_DATA="24m")
    assert status == 2 and "Inget gallringsbeslut" in out
    assert context.store.get(1).person == "Mari"


def test_disposal_by_decision_lists_on_a_dry_run_then_clears_old_personal_data(
    context: BotContext,
    tmp_path: Path,
    cli,  # noqa: ANN001
) -> None:
    log(
        context,
        "logga org=Tartu land=EE sammanfattning=x datum=2020-01-10 person=Mari epost=mari@tartu.ee",
        tmp_path,
    )
    log(context, "logga org=Oulu land=FI sammanfattning=y person=Aino", tmp_path)
    env = {"GALLRING_PERSONAL_DATA": "24m", "GALLRING_DECISION": "KS 2026-12-01 § 123"}
    status, out, _err = cli("gallra", "--dry-run", **env)
    assert status == 0 and "#1 2020-01-10 Tartu: kontaktperson, e-post" in out and "#2" not in out
    assert context.store.get(1).person == "Mari"

    status, out, _err = cli("gallra", **env)
    assert status == 0 and "i 1 kontakt daterad" in out
    old, new = context.store.get(1), context.store.get(2)
    assert (old.person, old.email, old.summary) == (None, None, "x") and new.person == "Aino"
    cleared = contact_history(context.db, 1)[-1]
    assert (cleared.action, cleared.note, cleared.actor) == (
        "disposal",
        "KS 2026-12-01 § 123",
        f"cli:{LOGIN}",
    )
    # What was cleared is not kept in the history either.
    assert "Mari" not in json.dumps(
        [e.after for e in audit_trail(context.db)] + [e.before for e in audit_trail(context.db)]
    )


def test_a_malformed_disposal_period_is_refused_with_what_to_write(context: BotContext, cli) -> None:  # noqa: ANN001
    status, _out, err = cli("gallra", GALLRING_PERSONAL_DATA="två år", GALLRING_DECISION="KS 1")
    assert status == 2 and "GALLRING_PERSONAL_DATA ska vara ett antal månader eller år" in err


def test_a_persons_data_is_found_exported_corrected_and_erased_each_recorded(
    context: BotContext,
    tmp_path: Path,
    cli,  # noqa: ANN001
) -> None:
    log(context, 'logga org=Tartu land=EE sammanfattning=x person="Mari Tamm" epost=Mari@Tartu.ee', tmp_path)
    log(context, "logga org=Oulu land=FI sammanfattning=y person=Aino epost=aino@ouka.fi", tmp_path)
    log(context, 'logga org=Tallinn land=EE sammanfattning=z person="Mari Tamm"', tmp_path)

    status, out, _err = cli("personuppgifter", "sok", "--email", "mari@tartu.ee")
    assert status == 0 and "#1" in out and "#2" not in out
    status, out, _err = cli("personuppgifter", "sök", "--namn", "mari tamm")
    assert "#1" in out and "#3" in out and "#2" not in out

    status, out, _err = cli("personuppgifter", "export", "--namn", "Mari Tamm", "-o", "mari.json")
    assert status == 0
    held = json.loads((tmp_path / "mari.json").read_text(encoding="utf-8"))["contacts"]
    assert [c["id"] for c in held] == [1, 3] and held[0]["email"] == "Mari@Tartu.ee"
    readable = (tmp_path / "mari.csv").read_text(encoding="utf-8-sig")
    # For the person: headers in words, as Swedish Excel opens it, not the database's names.
    assert (
        "Mari Tamm" in readable
        and readable.startswith("Nr;Organisation;Land;")
        and "Kontaktperson" in readable
    )
    assert "logged_by" not in readable

    status, out, _err = cli(
        "personuppgifter", "ratta", "--email", "mari@tartu.ee", "--ny-email", "mari.tamm@tartu.ee"
    )
    assert status == 0 and context.store.get(1).email == "mari.tamm@tartu.ee"

    status, _out, err = cli("personuppgifter", "radera", "--namn", "Mari Tamm", "--beslut", "  ")
    assert status == 2 and "--beslut" in err and context.store.get(3).person == "Mari Tamm"
    status, out, _err = cli(
        "personuppgifter", "radera", "--namn", "Mari Tamm", "--beslut", "Begäran 2026-11-26"
    )
    assert status == 0
    assert all((c.person, c.email) == (None, None) for c in map(context.store.get, (1, 3)))
    assert context.store.get(2).person == "Aino"
    actions = [e.action for e in contact_history(context.db, 1)]
    assert actions == ["create", "personal-data-export", "personal-data-correction", "personal-data-erasure"]
    assert contact_history(context.db, 3)[-1].note == "Begäran 2026-11-26"


def test_cli_export_and_import_are_in_the_audit_trail(context: BotContext, tmp_path: Path, cli) -> None:  # noqa: ANN001
    log(context, "logga org=Tartu land=EE sammanfattning=x", tmp_path)
    status, _out, _err = cli("export", "--format", "json", "-o", "all.json")
    assert status == 0
    exported = [e for e in audit_trail(context.db) if e.action == "export"]
    assert [(e.contact_id, e.actor, e.via, e.note) for e in exported] == [
        (None, f"cli:{LOGIN}", "cli", "json, 1")
    ]
    other = f"sqlite:///{tmp_path / 'other.db'}"
    status, _out, err = cli("import", "all.json", DATABASE_URL=other)
    assert status == 0, err
    db = Database(other)
    try:
        imported = list(audit_trail(db))
        assert [(e.contact_id, e.action, e.actor, e.via) for e in imported] == [
            (1, "import", f"cli:{LOGIN}", "cli")
        ]
        assert imported[0].after["organisation"] == "Tartu"
    finally:
        db.dispose()


def test_an_empty_person_or_an_unwritable_file_gets_one_line_and_no_traceback(
    context: BotContext,
    tmp_path: Path,
    cli,  # noqa: ANN001
) -> None:
    status, out, err = cli("personuppgifter", "sök", "--email", " ")
    assert status == 2 and "--email" in err and "Traceback" not in out + err
    status, out, err = cli("audit", "-o", str(tmp_path / "missing" / "audit.csv"))
    assert status == 1 and "audit.csv" in err and "Traceback" not in out + err


def test_a_name_is_corrected_or_erased_only_where_it_is_the_whole_name(
    context: BotContext,
    tmp_path: Path,
    cli,  # noqa: ANN001
) -> None:
    log(context, 'logga org=A land=FI person="Anna Berg" sammanfattning=a', tmp_path)
    log(context, 'logga org=B land=FI person="Anna Bergström" epost=ab@x.se sammanfattning=b', tmp_path)
    status, out, _err = cli(
        "personuppgifter", "rätta", "--namn", "anna  BERG", "--nytt-namn", "Anna Berg-Lind"
    )
    assert status == 0 and "Rättade 1 kontakt;" in out
    assert context.store.get(1).person == "Anna Berg-Lind" and context.store.get(2).person == "Anna Bergström"
    status, _out, err = cli("personuppgifter", "rätta", "--email", "ab@x.se", "--ny-email", "inte en adress")
    assert status == 2 and "ingen e-postadress" in err and context.store.get(2).email == "ab@x.se"
    status, _out, err = cli("personuppgifter", "rätta", "--namn", "Anna Bergström", "--nytt-namn", " ")
    assert status == 2 and "använd radera" in err and context.store.get(2).person == "Anna Bergström"
    status, out, _err = cli("personuppgifter", "export", "--email", "ingen@x.se", "-o", "ingen")
    assert status == 0 and "Ingen kontakt nämner" in out and not list(tmp_path.glob("ingen*"))


def test_erasing_or_correcting_someone_no_contact_mentions_says_nothing_was_changed(
    context: BotContext,
    tmp_path: Path,
    cli,  # noqa: ANN001
) -> None:
    status, out, _err = cli("personuppgifter", "sök", "--namn", "Ingen Alls")
    assert status == 0 and out.strip() == "Ingen kontakt nämner Ingen Alls."
    status, out, _err = cli("personuppgifter", "radera", "--namn", "Ingen Alls", "--beslut", "KS 2026/55")
    assert status == 0 and out.strip() == "Ingen kontakt nämner Ingen Alls; ingenting ändrades."
    status, out, _err = cli(
        "personuppgifter", "rätta", "--email", "ingen@example.org", "--ny-email", "ny@example.org"
    )
    assert status == 0 and out.strip() == "Ingen kontakt nämner ingen@example.org; ingenting ändrades."
    assert not [e for e in audit_trail(context.db) if e.action.startswith("personal")]
    log(context, "logga org=Tartu land=EE sammanfattning=x epost=mari@tartu.ee", tmp_path)
    status, out, _err = cli(
        "personuppgifter", "rätta", "--email", "mari@tartu.ee", "--ny-email", "mari@tartu.ee"
    )
    assert (
        status == 0
        and out.strip() == "Kontakterna som nämner mari@tartu.ee säger redan så; ingenting ändrades."
    )


def test_disposal_with_nothing_to_clear_says_so(cli) -> None:  # noqa: ANN001
    status, out, _err = cli("gallra", GALLRING_PERSONAL_DATA="24m", GALLRING_DECISION="KS 2026-12-01 § 123")
    assert status == 0 and "nothing was cleared" not in out
    assert out.strip().startswith("Ingen kontakt daterad före ") and out.strip().endswith(
        "ingenting gallrades."
    )


def test_erasing_by_e_mail_points_to_contacts_with_the_same_name_but_no_e_mail(
    context: BotContext,
    tmp_path: Path,
    cli,  # noqa: ANN001
) -> None:
    log(
        context,
        'logga org=Łódź land=PL sammanfattning=x person="Piotr Nowak" epost=p.nowak@sp5.lodz.pl',
        tmp_path,
    )
    log(context, 'logga org=Łódź land=PL sammanfattning=y person="Piotr Nowak"', tmp_path)
    status, out, _err = cli(
        "personuppgifter", "radera", "--email", "p.nowak@sp5.lodz.pl", "--beslut", "Begäran 2026-11-27"
    )
    assert status == 0 and "Raderade namn och e-post för p.nowak@sp5.lodz.pl i 1 kontakt" in out
    assert (
        'Obs: #2 nämner Piotr Nowak utan det du sökte på. Om det är samma person, kör samma kommando med --namn "Piotr Nowak".'
        in out
    )
    assert context.store.get(2).person == "Piotr Nowak"  # nothing is erased on a guess
