"""Reading spreadsheets as people have them: `.xlsx` workbooks and `.csv` text files.

A CSV file may be UTF-8 (with or without a byte order mark), UTF-16 (Excel's "Unicode
text") or Windows-1252 (older Excel on Windows), separated by commas, semicolons (Swedish
Excel) or tabs: both are detected. The header row is the first row, or the first of the
first ten rows that `is_header` accepts (a title line above the table is skipped).
Row numbers are the ones a spreadsheet program shows.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from storage.exchange import FORMULA_START, N_, TEXT_MARK, ImportProblem

DELIMITERS = (",", ";", "\t")
_LOOK_AHEAD = 10


@dataclass
class Sheet:
    """A table read from a file: its header cells, and its rows (number, cells) after the header."""

    headers: list[Any]
    header_row: int
    rows: list[tuple[int, list[Any]]] = field(default_factory=list)


def decode(content: bytes) -> str:
    """Text of a CSV file in UTF-8 (BOM or not), UTF-16 with a BOM, or Windows-1252."""
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        return content.decode("utf-16")
    if content.startswith(b"\xef\xbb\xbf"):
        return content[3:].decode("utf-8")
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("cp1252")
    except UnicodeDecodeError:
        raise ImportProblem(N_("the file is neither UTF-8 nor Windows-1252 text")) from None


def detect_delimiter(text: str) -> str:
    """The separator of a CSV text: the one of `,` `;` tab that splits its first lines into the most
    columns, the same number on each line (quoted text is not counted)."""
    lines = _first_records(text)
    best, best_score = ",", (0, 0)
    for delimiter in DELIMITERS:
        counts = [len(row) for row in csv.reader(lines, delimiter=delimiter)]
        if not counts or counts[0] < 2:
            continue
        steady = sum(1 for c in counts if c == counts[0])
        score = (steady, counts[0])
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _first_records(text: str) -> list[str]:
    """The first few physical lines, without a line broken inside quotes at the end."""
    lines = text.splitlines()[:_LOOK_AHEAD]
    while lines and "\n".join(lines).count('"') % 2:
        lines.pop()
    return lines


def restore_text(value: str) -> str:
    """A cell that our export neutralised (`'=SUM(…)`) as it was; other text as it is, so a
    name like `'s-Hertogenbosch` keeps its quote."""
    if value.startswith(TEXT_MARK) and value[1:].startswith((*FORMULA_START, TEXT_MARK)):
        return value[1:]
    return value


def read_csv(content: bytes, is_header: Callable[[list[Any]], bool]) -> Sheet:
    """The table in a CSV file's bytes."""
    text = decode(content)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=detect_delimiter(text))
    try:
        rows = [[restore_text(cell) for cell in row] for row in reader]
    except csv.Error as error:
        raise ImportProblem(
            N_("not valid CSV: line {line}: {error}"), line=reader.line_num, error=str(error)
        ) from None
    return _table(iter(enumerate(rows, start=1)), is_header)


def read_xlsx(path: Path | io.BytesIO, is_header: Callable[[list[Any]], bool]) -> Sheet:
    """The table on the first sheet of a workbook (formulas read as their last computed value)."""
    from zipfile import BadZipFile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        raise ImportProblem(N_("the file is not an Excel workbook (.xlsx)")) from None
    try:
        sheet = workbook.worksheets[0]
        rows = ((number, list(row)) for number, row in enumerate(sheet.iter_rows(values_only=True), start=1))
        return _table(rows, is_header)
    finally:
        workbook.close()


def _table(rows: Iterator[tuple[int, list[Any]]], is_header: Callable[[list[Any]], bool]) -> Sheet:
    skipped: list[tuple[int, list[Any]]] = []
    header: tuple[int, list[Any]] | None = None
    for number, cells in rows:
        if _blank(cells):
            continue
        if is_header(cells):
            header = (number, cells)
            break
        skipped.append((number, cells))
        if len(skipped) >= _LOOK_AHEAD:
            break
    if header is None:
        if not skipped:
            raise ImportProblem(N_("the file has no rows"))
        header = skipped[0]  # no row looks like a header: the first one is, and says what is wrong
        rows = itertools.chain(skipped[1:], rows)
    sheet = Sheet(headers=list(header[1]), header_row=header[0])
    for number, cells in rows:
        if not _blank(cells):
            sheet.rows.append((number, cells))
    return sheet


def _blank(cells: list[Any]) -> bool:
    return all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in cells)
