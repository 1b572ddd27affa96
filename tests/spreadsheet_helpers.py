"""Running the command line in-process against a test database, and making files as people have them."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from bot.cli import main
from bot.config import load_settings
from bot.context import open_context
from bot.shell.prompt import answer, shell_caller
from storage.models import Contact, HistoryEvent


@dataclass
class Ran:
    """What a command printed, and its exit status."""

    code: int
    out: str
    err: str


class Cli:
    """`contactbot …` run through bot.cli.main, with DATABASE_URL and LANGUAGE set."""

    def __init__(self, database_url: str, folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
        self.database_url = database_url
        self.folder = folder
        self.monkeypatch = monkeypatch
        self.capsys = capsys
        monkeypatch.chdir(folder)
        monkeypatch.setenv("DATABASE_URL", database_url)

    def __call__(self, *args: str, language: str = "sv") -> Ran:
        self.monkeypatch.setenv("LANGUAGE", language)
        self.capsys.readouterr()
        code = main(list(args))
        captured = self.capsys.readouterr()
        assert "Traceback" not in captured.out + captured.err
        return Ran(code, captured.out, captured.err)

    def shell(self, *lines: str) -> list[str]:
        """Type `lines` at `contactbot shell`; returns its answers."""
        context = open_context(load_settings({"DATABASE_URL": self.database_url, "LANGUAGE": "sv"}))
        try:
            return [answer(context, line, shell_caller(), self.folder) for line in lines]
        finally:
            context.db.dispose()

    def history(self) -> list[tuple[str, str | None, str]]:
        """(action, note, actor) of every history row, oldest first."""
        context = open_context(load_settings({"DATABASE_URL": self.database_url}))
        try:
            with context.db.session() as session:
                rows = session.scalars(select(HistoryEvent).order_by(HistoryEvent.id)).all()
                return [(r.action, r.note, r.actor) for r in rows]
        finally:
            context.db.dispose()

    def contacts(self) -> list[Contact]:
        """Every stored contact, by id."""
        context = open_context(load_settings({"DATABASE_URL": self.database_url}))
        try:
            return list(context.store.export())
        finally:
            context.db.dispose()


def xlsx_file(path: Path, rows: Sequence[Sequence[Any]]) -> Path:
    """A workbook with `rows` on its first sheet, as Excel saves it."""
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(list(row))
    workbook.save(path)
    return path


def csv_file(
    path: Path, rows: Sequence[Sequence[Any]], delimiter: str = ";", encoding: str = "cp1252"
) -> Path:
    """A CSV file as a spreadsheet program saves it (Swedish Excel: semicolons, Windows-1252)."""
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def workbook_cells(content: bytes) -> list[Any]:
    """Every cell value of every sheet of a workbook's bytes."""
    workbook = load_workbook(io.BytesIO(content))
    return [value for sheet in workbook for row in sheet.iter_rows(values_only=True) for value in row]
