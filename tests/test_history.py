"""The append-only history: every change to a contact is kept with who, when, through what
and why, in the same transaction; the database itself refuses to rewrite it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from bot.context import BotContext
from bot.shell.prompt import answer
from handlers.replies import Caller
from storage.contacts import ContactStore
from storage.database import Database
from storage.history import audit_trail, contact_history
from storage.migrate import upgrade
from tests.conftest import FakeClock

ANNA = Caller("shell", "anna", "anna", role="coordinator")


def shell(context: BotContext, line: str, tmp_path: Path, caller: Caller = ANNA) -> str:
    context.settings = replace(context.settings, language="sv")
    return answer(context, line, caller, tmp_path)


def test_logging_editing_withdrawing_and_restoring_are_each_recorded_with_who_when_and_why(
    context: BotContext, clock: FakeClock, tmp_path: Path
) -> None:
    shell(context, 'logga org="Rovaniemen kaupunki" land=FI sammanfattning="Fotboll" person="Aino"', tmp_path)
    clock.advance(hours=1)
    shell(context, 'ändra 1 sammanfattning="Fotboll och hockey" ort=Rovaniemi', tmp_path)
    clock.advance(hours=1)
    shell(context, "ta-bort 1 dubblett av #9", tmp_path)
    clock.advance(hours=1)
    shell(context, "återställ 1 fel kontakt återkallad", tmp_path)

    events = contact_history(context.db, 1)
    assert [e.action for e in events] == ["create", "edit", "withdraw", "restore"]
    assert {(e.actor, e.via) for e in events} == {("shell:anna", "shell")}
    assert [e.at for e in events] == [datetime(2026, 11, 26, h, 30, tzinfo=UTC) for h in (9, 10, 11, 12)]
    created, edited, withdrawn, restored = events
    assert created.after["organisation"] == "Rovaniemen kaupunki" and created.after["person"] == "***"
    assert edited.before == {"city": None, "summary": "Fotboll"}
    assert edited.after == {"city": "Rovaniemi", "summary": "Fotboll och hockey"}
    assert withdrawn.note == "dubblett av #9"
    assert (
        restored.note == "fel kontakt återkallad" and restored.before["withdrawn_reason"] == "dubblett av #9"
    )
    assert context.store.get(1).withdrawn_at is None


def test_the_history_command_shows_each_change_before_and_after(
    context: BotContext, clock: FakeClock, tmp_path: Path
) -> None:
    shell(context, "logga org=Tartu land=EE sammanfattning=Skolbesök", tmp_path)
    shell(context, "ändra 1 sammanfattning=Skolutbyte", tmp_path)
    shell(context, "ändra 1 person=Mari epost=mari@tartu.ee", tmp_path)
    shell(context, "ändra 1 typ=eu-projekt land=FI riktning=utgående", tmp_path)
    out = shell(context, "historik 1", tmp_path)
    # Kinds, countries and directions by name, as everywhere else, not their codes.
    assert "Typ: ”Övrigt” → ”EU-projekt”" in out and "Land: ”Estland” → ”Finland”" in out, out
    assert "”Utgående" in out and "outgoing" not in out
    # Personal data is never kept in the history: only that it changed.
    assert "Kontaktperson ändrad · E-post ändrad" in out and "Mari" not in out and "mari@" not in out
    assert "Historik för kontakt #1" in out
    assert "registrerad" in out and "av shell:anna via shell" in out
    assert "Sammanfattning: ”Skolbesök” → ”Skolutbyte”" in out
    # The English word works whatever the language.
    assert "Historik för kontakt #1" in shell(context, "history 1", tmp_path)


def test_withdrawing_without_a_reason_changes_nothing_and_asks_for_one(
    context: BotContext, tmp_path: Path
) -> None:
    shell(context, "logga org=Tartu land=EE sammanfattning=Skolbesök", tmp_path)
    out = shell(context, "ta-bort 1", tmp_path)
    assert "Ingenting återkallades" in out and "ta-bort 1 dubblett av #9" in out
    assert context.store.get(1).withdrawn_at is None
    assert [e.action for e in contact_history(context.db, 1)] == ["create"]


def test_only_a_coordinator_restores_a_withdrawn_contact(context: BotContext, tmp_path: Path) -> None:
    staff = Caller("slack", "UALICE", "alice")
    shell(context, "logga org=Tartu land=EE sammanfattning=Skolbesök", tmp_path, staff)
    shell(context, "ta-bort 1 fel", tmp_path, staff)
    out = shell(context, "återställ 1", tmp_path, staff)
    assert "Bara samordnare" in out and context.store.get(1).withdrawn_at is not None
    out = shell(context, "restore 1", tmp_path)
    assert "Kontakt #1 är återställd" in out and context.store.get(1).withdrawn_at is None
    assert "är inte återkallad" in shell(context, "återställ 1", tmp_path)


def test_the_database_refuses_to_change_or_delete_a_history_row(context: BotContext, tmp_path: Path) -> None:
    shell(context, "logga org=Tartu land=EE sammanfattning=Skolbesök", tmp_path)
    for statement in ("UPDATE history SET actor = 'someone else'", "DELETE FROM history"):
        with (
            pytest.raises(DBAPIError, match="never changed or deleted"),
            context.db.engine.begin() as connection,
        ):
            connection.execute(text(statement))
    assert [e.actor for e in contact_history(context.db, 1)] == ["shell:anna"]


def test_an_edit_that_fails_leaves_no_history_behind(context: BotContext, tmp_path: Path) -> None:
    shell(context, "logga org=Tartu land=EE sammanfattning=Skolbesök", tmp_path)
    with pytest.raises(ValueError, match="not an editable field"):
        context.store.update(1, {"summary": "ny", "logged_by": "x"}, context.clock())
    assert [e.action for e in contact_history(context.db, 1)] == ["create"]
    assert context.store.get(1).summary == "Skolbesök"


def test_a_database_at_0005_holding_contacts_upgrades_to_the_history(
    database_url: str, clock: FakeClock
) -> None:
    db = Database(database_url)
    try:
        upgrade(db, "0005")
        moment = datetime(2026, 11, 20, 9, 0)
        with db.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO organisations (id, name, name_key, created_at) VALUES (1, 'Tartu', 'tartu', :t)"
                ),
                {"t": moment},
            )
            connection.execute(
                text(
                    "INSERT INTO contacts (id, contact_date, organisation_id, country, kind, youth, summary, "
                    "logged_by, platform, created_at, updated_at, search_text) VALUES (1, '2026-11-20', 1, "
                    "'EE', 'other', false, 'x', 'U1', 'slack', :t, :t, 'tartu x')"
                ),
                {"t": moment},
            )
        upgrade(db)
        store = ContactStore(db)
        assert store.get(1).summary == "x" and contact_history(db, 1) == []
        store.update(1, {"summary": "y"}, clock())
        assert [(e.action, e.before, e.after) for e in audit_trail(db)] == [
            ("edit", {"summary": "x"}, {"summary": "y"})
        ]
    finally:
        db.dispose()
