"""Exports are written as they are read, one contact at a time, in every path."""

from __future__ import annotations

import io
import json
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.context import BotContext
from bot.delivered import recorded_delivery
from bot.shell.prompt import answer
from handlers.i18n import use_language
from handlers.replies import Attachment
from storage.database import DatabaseUnavailable
from storage.exchange import write_csv, write_json
from storage.history import audit_trail
from storage.models import Contact
from tests.conftest import COORD, COORDINATOR, RunningApp

LOG = 'log org="Rovaniemen kaupunki" country=FI summary="Vänortsmöte om skolor"'


class Watched:
    """The store's export, counting how many contacts have been taken from it."""

    def __init__(self, contacts: Iterator[Contact]) -> None:
        self.contacts = contacts
        self.taken = 0

    def __iter__(self) -> Iterator[Contact]:
        for contact in self.contacts:
            self.taken += 1
            yield contact


class Output(io.StringIO):
    """A file that notes how many contacts had been taken when each organisation was written."""

    def __init__(self, source: Watched) -> None:
        super().__init__()
        self.source = source
        self.seen: dict[str, int] = {}

    def write(self, text: str) -> int:
        for name in ("Org-1", "Org-2", "Org-3"):
            if name in text:
                self.seen.setdefault(name, self.source.taken)
        return super().write(text)


def _log_three(context: BotContext) -> None:
    with use_language("en"):
        for n in (1, 2, 3):
            context.handler().handle(f"log org=Org-{n} country=SE summary=Met", COORD)


@pytest.mark.parametrize("writer", [write_json, write_csv])
def test_each_contact_is_written_before_the_next_is_read(context: BotContext, writer: object) -> None:
    _log_three(context)
    source = Watched(context.store.export())
    out = Output(source)
    assert writer(source, out) == 3  # type: ignore[operator]
    assert out.seen == {"Org-1": 1, "Org-2": 2, "Org-3": 3}


def test_the_streamed_json_reads_back_as_before(context: BotContext) -> None:
    _log_three(context)
    out = io.StringIO()
    write_json(context.store.export(), out)
    records = json.loads(out.getvalue())["contacts"]
    assert [r["organisation"] for r in records] == ["Org-1", "Org-2", "Org-3"]
    empty = io.StringIO()
    write_json(iter([]), empty)
    assert json.loads(empty.getvalue()) == {"contacts": []}


def _exports_in_temp() -> set[Path]:
    return set(Path(tempfile.gettempdir()).glob("contactbot-export-*"))


def test_the_file_sent_in_slack_is_streamed_from_a_temporary_file_then_removed(app: RunningApp) -> None:
    before = _exports_in_temp()
    app.reply_to(LOG)
    answer = app.reply_to("export", user=COORDINATOR, name="coord", response="coord-export")
    assert "Export of 1 contact" in answer
    [upload] = [c for c in app.standin.calls if c.path.startswith("/upload/")]
    workbook = load_workbook(io.BytesIO(upload.raw), read_only=True)
    cells = [str(cell) for row in workbook.worksheets[0].iter_rows(values_only=True) for cell in row]
    assert any("Vänortsmöte" in cell for cell in cells)
    [asked] = app.standin.calls_to("/api/files.getUploadURLExternal")
    assert int(asked.body["length"]) == len(upload.raw)
    assert _exports_in_temp() == before  # nothing left behind


def test_the_shell_saves_the_export_and_leaves_no_temporary_file(context: BotContext, tmp_path: Path) -> None:

    before = _exports_in_temp()
    _log_three(context)
    with use_language("en"):
        text = answer(context, "export", COORD, tmp_path)
    [saved] = tmp_path.glob("kontakter-*.xlsx")
    rows = list(load_workbook(saved, read_only=True).worksheets[0].iter_rows(values_only=True))
    assert str(saved) in text and [row[1] for row in rows[1:]] == ["Org-1", "Org-2", "Org-3"]
    assert _exports_in_temp() == before
    assert [e.note for e in audit_trail(context.db) if e.action == "export"] == ["xlsx, 3"]


def test_a_file_handed_over_while_the_database_cannot_write_is_one_log_line_not_a_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def full() -> None:
        raise DatabaseUnavailable("database or disk is full", "full")

    file = Attachment("kontakter.xlsx", b"x", delivered=full)
    recorded_delivery(file)  # the person has the file: nothing is raised at them
    [line] = [r for r in caplog.records if r.name == "bot.delivered"]
    assert "history row could not be written: database or disk is full" in line.getMessage()
    assert line.exc_info is None
    recorded_delivery(file)  # once only: a second hand-over does not try again
    assert len([r for r in caplog.records if r.name == "bot.delivered"]) == 1
