"""The annual report as people open it: the PDF a screen reader reads, the workbook, the Word file."""

from __future__ import annotations

import argparse
import io
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pikepdf
import pytest
from docx import Document
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook
from pypdf import PdfReader

from bot.cli import main
from bot.report.build import build_report
from handlers.i18n import use_language
from storage.contacts import ContactStore, NewContact
from storage.report_figures import Period
from tests.report_data import NOW, stored

MADE = date(2026, 11, 26)


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, bytes]]:
    """The 2026 report in each format (Swedish), from one small database."""
    url = f"sqlite:///{tmp_path_factory.mktemp('report') / 'contacts.db'}"
    for db in stored(url):
        ContactStore(db).add(
            NewContact(date(2026, 4, 1), "=HYPERLINK(1) AB", "NO", "business", "x", "U9", "slack"), NOW
        )
        ContactStore(db).add(
            NewContact(date(2026, 4, 2), "北京市", "CN", "business", "x", "U8", "slack", followup="Ring"), NOW
        )
        files = {}
        with use_language("sv"):
            for fmt in ("pdf", "xlsx", "docx"):
                files[fmt] = build_report(db, Period.year(2026), fmt, MADE, ("Rovaniemen kaupunki",)).content
        yield files


def _structure(element: pikepdf.Dictionary, found: list[tuple[str, str | None]]) -> None:
    """Every structure element's type (and alternative text), depth first."""
    kind = element.get("/S")
    if kind is not None:
        alt = element.get("/Alt")
        found.append((str(kind), str(alt) if alt is not None else None))
    kids = element.get("/K")
    for kid in kids if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []:
        if isinstance(kid, pikepdf.Dictionary):
            _structure(kid, found)


def test_the_pdf_is_tagged_with_its_language_title_headings_tables_and_described_charts(
    reports: dict[str, bytes],
) -> None:
    pdf = pikepdf.open(io.BytesIO(reports["pdf"]))
    assert pdf.Root.MarkInfo.Marked is True
    assert str(pdf.Root.Lang) == "sv"
    assert str(pdf.docinfo["/Title"]) == "Internationella kontakter 2026"
    found: list[tuple[str, str | None]] = []
    _structure(pdf.Root.StructTreeRoot, found)
    kinds = [kind for kind, _alt in found]
    assert {"/H1", "/H2", "/P", "/Table", "/TH", "/TD", "/Figure"} <= set(kinds)
    figures = [alt for kind, alt in found if kind == "/Figure"]
    assert figures and all(figures)
    units = [alt for alt in figures if alt and alt.startswith("Stapeldiagram, Per förvaltning:")]
    assert units and "Kultur: 2 (1 under 2025)" in units[0]


def test_the_pdf_text_can_be_read_out(reports: dict[str, bytes]) -> None:
    pages = PdfReader(io.BytesIO(reports["pdf"])).pages
    text = "\n".join(page.extract_text() for page in pages).replace("\xa0", " ")
    assert "Internationella kontakter 2026" in text
    assert "7 kontakter under 2026, jämfört med 2 under 2025." in text
    assert "3 av 7 kontakter (43 %) gällde barn och unga" in text
    # PDF/UA-1 allows no character without a glyph: what the fonts lack is written in Latin letters.
    assert "BeiJingShi" in text
    assert "Kommunens vänorter, så som administratören har angett dem." in text
    assert "Erasmus+" in text and "Nordplus" in text


def test_the_workbook_has_a_sheet_per_section_with_numbers_as_numbers(reports: dict[str, bytes]) -> None:
    workbook = load_workbook(io.BytesIO(reports["xlsx"]))
    assert workbook.sheetnames[:3] == ["Sammanfattning", "I korthet", "Per förvaltning"]
    assert workbook["Sammanfattning"]["A1"].value == "Internationella kontakter 2026"
    assert "Vänorter" in workbook.sheetnames and "Öppna uppföljningar" in workbook.sheetnames
    units = workbook["Per förvaltning"]
    rows = [[cell.value for cell in row] for row in units.iter_rows()]
    assert ["Förvaltning", "2026", "2025"] in rows and ["Kultur", 2, 1] in rows
    assert units._charts, "a bar chart of the units"
    countries = [[cell.value for cell in row] for row in workbook["Per land"].iter_rows()]
    assert ["Finland", 2, 1] in countries
    kinds = [[cell.value for cell in row] for row in workbook["Per typ"].iter_rows()]
    assert ["Näringsliv", 2, 0] in kinds
    towns = [[cell.value for cell in row] for row in workbook["Vänorter"].iter_rows()]
    assert ["Rovaniemen kaupunki", 2, datetime(2026, 5, 14)] in towns  # a day Excel can count with
    shares = [c for row in workbook["Barn och unga"].iter_rows() for c in row if c.number_format == "0 %"]
    assert shares and all(isinstance(c.value, int | float) and 0 <= c.value <= 1 for c in shares)
    # A change reads as the report writes it, "+1", and is still a number.
    brief = [c for row in workbook["I korthet"].iter_rows() for c in row if c.number_format == "+0;-0;0"]
    assert brief and all(isinstance(c.value, int) and c.value > 0 for c in brief)


def test_a_name_that_looks_like_a_formula_stays_text_in_the_workbook(reports: dict[str, bytes]) -> None:
    workbook = load_workbook(io.BytesIO(reports["xlsx"]))
    cells = [c for row in workbook["Öppna uppföljningar"].iter_rows() for c in row]
    cells += [c for sheet in workbook for row in sheet.iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)


def test_the_word_file_has_real_headings_tables_and_described_pictures(reports: dict[str, bytes]) -> None:
    word = Document(io.BytesIO(reports["docx"]))
    assert word.core_properties.title == "Internationella kontakter 2026"
    page = word.sections[0]
    assert (round(page.page_width.cm, 1), round(page.page_height.cm, 1)) == (21.0, 29.7)  # A4
    assert "PAGE" in page.footer.paragraphs[0]._p.xml  # numbered pages
    headings = [(p.style.name, p.text) for p in word.paragraphs if p.style.name.startswith("Heading")]
    assert headings[0] == ("Heading 1", "Internationella kontakter 2026")
    assert ("Heading 2", "Per förvaltning") in headings and ("Heading 2", "Vänorter") in headings
    texts = [p.text for p in word.paragraphs]
    assert "7 kontakter under 2026, jämfört med 2 under 2025." in texts
    assert any(
        row.cells[2].text == "北京市"
        for table in word.tables
        for row in table.rows[1:]
        if len(row.cells) == 4
    )
    first_rows = [[cell.text for cell in table.rows[0].cells] for table in word.tables]
    assert ["Förvaltning", "2026", "2025"] in first_rows
    descriptions = [shape._inline.docPr.get("descr") for shape in word.inline_shapes]
    assert descriptions and all(d and d.startswith("Stapeldiagram") for d in descriptions)


def test_the_report_command_writes_the_file_in_the_language_asked_for(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for _db in stored(database_url):
        pass
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("LANGUAGE", "en")
    assert main(["report", "--year", "2026", "--format", "pdf", "-o", "r.pdf"]) == 0
    assert "Wrote the report International contacts 2026 to r.pdf." in capsys.readouterr().out
    text = PdfReader(tmp_path / "r.pdf").pages[0].extract_text()
    assert "5 contacts in 2026, against 2 in 2025." in text
    assert str(pikepdf.open(tmp_path / "r.pdf").Root.Lang) == "en"
    monkeypatch.setenv("LANGUAGE", "sv")
    assert main(["report", "--year", "2026", "--from", "2026-01-01"]) == 2
    assert "ange antingen --year eller --from och --to" in capsys.readouterr().err
    with pytest.raises(SystemExit) as stopped:
        main(["report", "--year", "tjugo"])
    error = capsys.readouterr().err
    assert stopped.value.code == 2 and "'tjugo' är inget år" in error and "Traceback" not in error


@given(st.text(max_size=8))
def test_a_report_year_is_four_digits_in_range_or_a_sentence_saying_what_to_write(typed: str) -> None:
    from bot.cli_report import FIRST_YEAR, LAST_YEAR, _year

    with use_language("sv"):
        try:
            year = _year(typed)
        except argparse.ArgumentTypeError as problem:
            said = str(problem)
            assert "är inget år" in said or f"skriv ett från {FIRST_YEAR} till {LAST_YEAR}" in said
            assert not (
                typed.isascii()
                and typed.isdigit()
                and len(typed) == 4
                and FIRST_YEAR <= int(typed) <= LAST_YEAR
            )
        else:
            assert str(year) == typed and FIRST_YEAR <= year <= LAST_YEAR


def test_a_year_out_of_range_is_named_as_such() -> None:
    from bot.cli_report import _year

    with use_language("sv"), pytest.raises(argparse.ArgumentTypeError, match="3000 ligger utanför"):
        _year("3000")
