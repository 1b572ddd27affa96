"""Imports go in batches: any number of rows, and the database's own reason when it refuses."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.context import BotContext
from handlers.i18n import use_language
from storage.contacts import ImportRefused
from tests.conftest import ALICE
from tests.test_cli import contactbot

MOMENT = datetime(2026, 11, 20, 10, tzinfo=UTC)


def _record(number: int) -> dict[str, Any]:
    return {
        "id": number,
        "contact_date": date(2026, 11, 20),
        "organisation": f"Kommun {number % 50}",
        "country": "FI",
        "city": None,
        "person": None,
        "email": None,
        "kind": "other",
        "youth": False,
        "unit": None,
        "summary": "Vänortsmöte",
        "benefit": None,
        "followup": None,
        "logged_by": "U1",
        "logged_by_name": None,
        "platform": "slack",
        "created_at": MOMENT,
        "updated_at": MOMENT,
        "withdrawn_at": None,
        "withdrawn_by": None,
        "withdrawn_by_name": None,
        "withdrawn_reason": None,
    }


def test_an_import_of_more_than_65535_rows_goes_in_on_postgresql(context: BotContext) -> None:
    if context.db.backend != "postgresql":
        pytest.skip("PostgreSQL's limit of 65,535 parameters a statement")
    count = 65_600
    assert context.store.restore([_record(n) for n in range(1, count + 1)]) == count
    last = context.store.everything(15, count - 5)  # deep enough to be counted in full
    assert last.total == count and len(last.contacts) == 5
    assert [c.id for c in context.store.search(["kommun 49"], 3).contacts] == [65_599, 65_549, 65_499]
    # The id sequence moved past the imported ids: the next contact logged gets a new one.
    with use_language("en"):
        saved = context.handler().handle("log org=Oulu country=FI summary=Met", ALICE).plain()
    assert f"Saved contact #{count + 1}" in saved


def test_the_same_id_twice_is_refused_and_nothing_is_written(context: BotContext) -> None:
    with pytest.raises(ImportRefused) as refused:
        context.store.restore([_record(1), _record(2), _record(2)])
    assert "contacts" in refused.value.cause and "unique" in refused.value.cause.casefold()
    assert context.store.everything(15, 0).total == 0


def test_an_import_names_organisations_once_and_finds_them_by_search(context: BotContext) -> None:
    records = [_record(n) for n in range(1, 121)]
    assert context.store.restore(records) == 120
    assert context.store.search(["kommun 7"], 100).total == 3  # 7, 57, 107
    ids = {c.organisation_id for c in context.store.export()}
    assert len(ids) == 50


def test_rows_the_database_refuses_are_reported_with_its_reason(database_url: str, tmp_path: Path) -> None:
    row = {k: (v.isoformat() if isinstance(v, date | datetime) else v) for k, v in _record(7).items()}
    (tmp_path / "twice.json").write_text(json.dumps({"contacts": [row, row]}), encoding="utf-8")
    result = contactbot(["import", "twice.json"], database_url, tmp_path)
    assert result.returncode == 1
    assert "databasen tog inte emot raderna" in result.stderr and "inget lästes in" in result.stderr
    assert "Traceback" not in result.stderr
    assert json.loads(contactbot(["export", "--format", "json"], database_url, tmp_path).stdout) == {
        "contacts": []
    }


def test_imports_above_and_among_stored_ids_are_found_and_counted_as_is_a_contact_logged_after(
    context: BotContext,
) -> None:
    # Ids above every stored one, then ids among them: SQLite indexes each import its own way.
    assert context.store.restore([_record(n) for n in range(100, 110)]) == 10
    assert context.store.restore([_record(n) for n in range(1, 6)]) == 5
    with use_language("en"):
        context.handler().handle("log org=Kommun zebrafink country=FI summary=Met", ALICE)
    assert context.store.everything(15, 0).total == 16
    assert {c.id for c in context.store.search(["kommun 3"], 20).contacts} == {3, 103}
    assert [c.id for c in context.store.search(["zebrafink"], 20).contacts] == [110]
