"""`contactbot export --format xlsx` and `--excel`: what a person opens in Excel, read back cell by cell."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from tests.spreadsheet_helpers import Cli

LOGS = (
    'logga org="Rovaniemen kaupunki" land=FI typ=vänort ungdom=ja datum=2026-03-05 '
    'sammanfattning="Fotbollsutbyte för unga" kontaktperson="Pekka Virtanen" epost=pekka@rovaniemi.fi',
    'logga org="@SUM(A1)" land=Litauen typ=skola datum=2026-04-01 sammanfattning="=SUM(1+2)" '
    'kontaktperson="-2+3" ort="+46 Kaunas"',
    "logga org=Tartu land=EE sammanfattning=Skolbesök datum=2026-04-02",
)


@pytest.fixture
def cli(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> Cli:
    cli = Cli(database_url, tmp_path, monkeypatch, capsys)
    answers = cli.shell(*LOGS, "ta-bort 3 dubblett")
    assert all("Traceback" not in a for a in answers)
    return cli


def test_the_workbook_has_words_real_dates_a_frozen_filtered_header_and_a_sheet_of_descriptions(
    cli: Cli, tmp_path: Path
) -> None:
    result = cli("export", "--format", "xlsx", "-o", "kontakter.xlsx")
    assert result.code == 0, result.err
    assert "Skrev 3 kontakter till kontakter.xlsx" in result.err
    workbook = load_workbook(tmp_path / "kontakter.xlsx")
    sheet, fields = workbook.worksheets
    assert (sheet.title, fields.title) == ("Kontakter", "Fält")
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:V4"  # 22 columns, 3 contacts
    headers = [c.value for c in sheet[1]]
    assert headers[:6] == ["Nr", "Organisation", "Land", "Typ", "Datum", "Barn och unga"]
    assert headers[-3:] == ["Loggad", "Loggad av", "Återkallad"]
    assert all(c.font.bold for c in sheet[1])
    row = dict(zip(headers, (c for c in sheet[2]), strict=True))
    assert (
        row["Land"].value == "Finland" and row["Typ"].value == "Vänort" and row["Barn och unga"].value == "ja"
    )
    assert row["Datum"].is_date and row["Datum"].value == datetime(2026, 3, 5)
    assert row["Datum"].number_format == "yyyy-mm-dd" and row["Loggad"].is_date
    assert row["E-post"].value == "pekka@rovaniemi.fi"
    summary = get_column_letter(headers.index("Sammanfattning") + 1)
    widths = {sheet.column_dimensions[c].width for c in ("B", "E", summary)}
    assert all(8 <= w <= 90 for w in widths) and sheet.column_dimensions[summary].width > 40
    withdrawn = dict(zip(headers, (c.value for c in sheet[4]), strict=True))
    assert withdrawn["Återkallad"] is not None
    described = {r[0]: r[1] for r in fields.iter_rows(min_row=2, values_only=True)}
    assert set(described) == set(headers)
    assert "Personuppgift" in described["E-post"] and "Måste anges" in described["Organisation"]
    # Direction and programme take fixed values, not free text: the sheet names them.
    assert described["Riktning"].startswith("Ett av: Inkommande") and "Interreg" in described["Program"]


def test_text_that_looks_like_a_formula_stays_text_in_the_workbook(cli: Cli, tmp_path: Path) -> None:
    assert cli("export", "--format", "xlsx", "-o", "k.xlsx").code == 0
    sheet = load_workbook(tmp_path / "k.xlsx").worksheets[0]
    headers = [c.value for c in sheet[1]]
    row = dict(zip(headers, sheet[3], strict=True))
    for header, text in [("Organisation", "@SUM(A1)"), ("Sammanfattning", "=SUM(1+2)"),
                         ("Kontaktperson", "-2+3"), ("Ort", "+46 Kaunas")]:  # fmt: skip
        assert row[header].value == text and row[header].data_type == "s" and row[header].quotePrefix


def test_the_excel_csv_is_semicolon_separated_with_a_byte_order_mark_and_neutralised(
    cli: Cli, tmp_path: Path
) -> None:
    assert cli("export", "--format", "csv", "--excel", "-o", "k.csv").code == 0
    content = (tmp_path / "k.csv").read_bytes()
    assert content.startswith(b"\xef\xbb\xbfNr;Organisation;Land;Typ;Datum;")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    row = dict(zip(rows[0], rows[2], strict=True))
    assert row["Organisation"] == "'@SUM(A1)" and row["Sammanfattning"] == "'=SUM(1+2)"
    assert row["Kontaktperson"] == "'-2+3" and row["Land"] == "Litauen" and row["Datum"] == "2026-04-01"


@pytest.mark.parametrize("form", [["--format", "xlsx"], ["--format", "csv", "--excel"]])
def test_export_import_export_gives_the_same_table(
    cli: Cli, tmp_path: Path, form: list[str], monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    suffix = "xlsx" if "xlsx" in form else "csv"
    assert cli("export", *form, "-o", f"first.{suffix}").code == 0
    other = Cli(f"sqlite:///{tmp_path / 'other.db'}", tmp_path, monkeypatch, capsys)
    imported = other("import", f"first.{suffix}")
    assert imported.code == 0, imported.err
    assert "1 återkallad kontakt hoppas över" in imported.out
    assert other("export", *form, "-o", f"second.{suffix}").code == 0
    first, second = _table(tmp_path / f"first.{suffix}"), _table(tmp_path / f"second.{suffix}")
    # Every column but the number and who logged it (now: the import) is the same.
    keep = [i for i, h in enumerate(first[0]) if h not in {"Nr", "Loggad av"}]
    assert [[r[i] for i in keep] for r in second] == [[r[i] for i in keep] for r in first[:3]]


def _table(path: Path) -> list[list[Any]]:
    if path.suffix == ".xlsx":
        return [list(r) for r in load_workbook(path).worksheets[0].iter_rows(values_only=True)]
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig")), delimiter=";"))


def test_excel_csv_asked_for_with_a_workbook_is_refused_saying_what_to_write(
    cli: Cli, tmp_path: Path
) -> None:
    result = cli("export", "--format", "xlsx", "--excel", "-o", "x.xlsx")
    assert result.code == 2 and "använd den med --format csv" in result.err
    assert not (tmp_path / "x.xlsx").exists()
