"""A read in progress (an export being streamed, a search) never makes a `log` fail."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from bot.config import Settings
from bot.context import BotContext, open_context
from handlers.i18n import use_language
from tests.conftest import ALICE, FakeClock


@pytest.fixture
def impatient(settings: Settings, clock: FakeClock) -> Iterator[BotContext]:
    """The bot with a short lock timeout, so that a write held back fails at once."""
    ctx = open_context(replace(settings, database_timeout=0.3), clock=clock)
    yield ctx
    ctx.db.dispose()


def _log(context: BotContext, organisation: str) -> str:
    with use_language("en"):
        return context.handler().handle(f"log org={organisation} country=SE summary=Met", ALICE).plain()


def test_a_log_is_saved_while_an_export_is_being_streamed(impatient: BotContext) -> None:
    for n in range(3):
        _log(impatient, f"Before{n}")
    export = impatient.store.export()
    first = next(export)  # the export's transaction is open, its rows half read
    assert first.organisation.name == "Before0"
    assert "Saved contact #4" in _log(impatient, "During")
    assert [c.organisation.name for c in export] == ["Before1", "Before2"]  # its own snapshot
    assert impatient.store.get(4) is not None


def test_a_log_is_saved_while_a_search_transaction_is_open(impatient: BotContext) -> None:
    _log(impatient, "Tallinn")
    with impatient.db.read() as session:
        session.connection().exec_driver_sql("SELECT count(*) FROM contacts").scalar()
        assert "Saved contact #2" in _log(impatient, "Riga")
