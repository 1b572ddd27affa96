"""Writing a workbook row by row (openpyxl's write-only mode), so memory stays flat however many rows.

Text is always written as text: a cell that begins like a formula (`=`, `+`, `-`, `@`, …)
is stored as a string with Excel's quote prefix, so it is shown, never run, and reads
back exactly as it was.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any
from zipfile import ZIP_DEFLATED, ZipFile

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.writer.excel import ExcelWriter

from storage.exchange import FORMULA_START

DATE_FORMAT = "yyyy-mm-dd"
MOMENT_FORMAT = "yyyy-mm-dd hh:mm"


@dataclass(frozen=True)
class Column:
    """A column: its header and its width in characters."""

    header: str
    width: float


@dataclass
class Table:
    """A sheet to write: its title, columns and rows (values: str, int, float, bool, date, datetime, None)."""

    title: str
    columns: Sequence[Column]
    rows: Iterable[Sequence[Any]]
    filter: bool = True


def write_workbook(tables: Sequence[Table], out: Path | IO[bytes]) -> int:
    """Write each table as a sheet with a bold, frozen header row and a filter; returns the first
    table's row count. A file that cannot be written fails before any sheet is made; a failure
    part way leaves no file behind."""
    if isinstance(out, Path):
        with out.open("wb") as stream:
            try:
                return write_workbook(tables, stream)
            except BaseException:
                if out.is_file():  # not /dev/stdout and the like
                    out.unlink()
                raise
    workbook = Workbook(write_only=True)
    try:
        counts = [_write_sheet(workbook.create_sheet(t.title[:31]), t) for t in tables]
        # openpyxl's `save` with our own archive: left open after a failure (a full disk), its
        # archive would try again when collected and print a traceback after the error was told.
        with ZipFile(out, "w", ZIP_DEFLATED, allowZip64=True) as archive:
            ExcelWriter(workbook, archive).write_data()
    except BaseException:
        _abandon(workbook)
        raise
    return counts[0] if counts else 0


def _abandon(workbook: Workbook) -> None:
    """Close the half-written sheets' streams now: left to the garbage collector, each prints
    a traceback of lxml's ("Exception ignored in …") after the real error has been told."""
    for sheet in workbook.worksheets:
        writer = getattr(sheet, "_writer", None)
        for stream in (getattr(sheet, "_rows", None), getattr(writer, "xf", None)):
            if stream is not None:
                with contextlib.suppress(Exception):
                    stream.close()


def _write_sheet(sheet: WriteOnlyWorksheet, table: Table) -> int:
    sheet.freeze_panes = "A2"
    for index, column in enumerate(table.columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    bold = Font(bold=True)
    header = []
    for column in table.columns:
        cell = _cell(sheet, column.header)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    count = 0
    for row in table.rows:
        sheet.append([_value(sheet, value) for value in row])
        count += 1
    if table.filter and table.columns:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(table.columns))}{count + 1}"
    return count


def _value(sheet: WriteOnlyWorksheet, value: Any) -> Any:
    """The value as openpyxl takes it: plain where its own typing is right (most cells: fast),
    a styled cell for formula-like text and for moments."""
    if isinstance(value, str):
        if value.startswith(FORMULA_START) or ILLEGAL_CHARACTERS_RE.search(value):
            return _cell(sheet, value)
        return value
    if isinstance(value, datetime):
        return _cell(sheet, value)
    return value


def _cell(sheet: WriteOnlyWorksheet, value: Any) -> WriteOnlyCell:
    if isinstance(value, str):
        text = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell = WriteOnlyCell(sheet, value=None)
        cell.value = text
        cell.data_type = "s"  # never a formula, whatever it starts with
        if text.startswith(FORMULA_START):
            cell.quotePrefix = True  # and Excel keeps it text when the cell is edited
        return cell
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, datetime):
        cell.number_format = MOMENT_FORMAT
    elif isinstance(value, date):
        cell.number_format = DATE_FORMAT
    return cell
