"""The report as an Excel workbook: a sheet per section, its table, and a native bar chart."""

from __future__ import annotations

import io
import re
from datetime import date
from typing import Any

from bot.report.content import ReportDocument, Section
from handlers.i18n import _

_WHOLE_NUMBER = re.compile(r"[+-]?\d+")
_PERCENT = re.compile(r"(\d{1,3})\s?%")  # "38 %", as the report writes a share
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_NOT_IN_SHEET_NAMES = re.compile(r"[\[\]:*?/\\]")


def report_xlsx(document: ReportDocument) -> bytes:
    """The XLSX bytes of `document`. Text cells are always text: a name starting with `=`
    shows as written, never runs as a formula."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    workbook.properties.title = document.title
    workbook.properties.creator = "contactbot"
    workbook.properties.language = document.language
    first = workbook.active
    assert first is not None
    workbook.remove(first)
    # Named by its role: the title of a report for a period is longer than a sheet's 31 characters.
    summary = workbook.create_sheet(_sheet_name(_("Summary"), set()))
    summary["A1"] = document.title
    summary["A1"].font = Font(bold=True, size=16)
    for row, text in enumerate(document.introduction, start=2):
        _text(summary.cell(row=row, column=1), text)
    summary.column_dimensions["A"].width = 100
    used = {summary.title}
    for section in document.sections:
        sheet = workbook.create_sheet(_sheet_name(section.heading, used))
        used.add(sheet.title)
        _section(sheet, section)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _section(sheet: Any, section: Section) -> None:
    from openpyxl.chart import BarChart, Reference
    from openpyxl.styles import Font

    _text(sheet.cell(row=1, column=1), section.heading)
    sheet.cell(row=1, column=1).font = Font(bold=True, size=14)
    row = 2
    for text in section.paragraphs:
        _text(sheet.cell(row=row, column=1), text)
        row += 1
    if section.table is None:
        sheet.column_dimensions["A"].width = 90
        return
    row += 1
    header_row = row
    for column, text in enumerate(section.table.header, start=1):
        cell = sheet.cell(row=row, column=column)
        _text(cell, text)
        cell.font = Font(bold=True)
    for values in section.table.rows:
        row += 1
        for column, text in enumerate(values, start=1):
            _value(sheet.cell(row=row, column=column), text)
    widths = [
        max(len(r[i]) for r in [section.table.header, *section.table.rows])
        for i in range(len(section.table.header))
    ]
    for index, width in enumerate(widths):
        sheet.column_dimensions[chr(ord("A") + index)].width = min(max(width + 2, 10), 60)
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
    if section.chart is not None:
        shown = len(section.chart.labels)
        chart = BarChart()
        chart.type = "bar"
        chart.title = section.heading
        chart.description = section.chart.alt
        series = 1 if section.chart.before is None else 2
        data = Reference(sheet, min_col=2, max_col=1 + series, min_row=header_row, max_row=header_row + shown)
        chart.add_data(data, titles_from_data=True)
        chart.set_categories(Reference(sheet, min_col=1, min_row=header_row + 1, max_row=header_row + shown))
        chart.height = max(6, 0.6 * shown + 3)
        chart.width = 18
        sheet.add_chart(chart, sheet.cell(row=2, column=len(section.table.header) + 2).coordinate)


def _text(cell: Any, text: str) -> None:
    cell.value = text
    cell.data_type = "s"


def _value(cell: Any, text: str) -> None:
    """A number, a share or a day as Excel's own value (so it can be counted with), shown as the
    report writes it; anything else as text."""
    if _WHOLE_NUMBER.fullmatch(text):
        cell.value = int(text)
        if text.startswith("+"):  # a change: its sign shown, as the report writes it
            cell.number_format = "+0;-0;0"
    elif (share := _PERCENT.fullmatch(text)) is not None:
        cell.value = int(share.group(1)) / 100
        cell.number_format = "0 %"
    elif _DAY.fullmatch(text):
        try:
            cell.value = date.fromisoformat(text)
        except ValueError:
            _text(cell, text)
            return
        cell.number_format = "yyyy-mm-dd"
    else:
        _text(cell, text)


def _sheet_name(name: str, used: set[str]) -> str:
    base = _NOT_IN_SHEET_NAMES.sub(" ", name)[:31].strip() or "Sheet"
    candidate, number = base, 2
    while candidate in used:
        suffix = f" {number}"
        candidate, number = base[: 31 - len(suffix)] + suffix, number + 1
    return candidate
