"""`contactbot utlamna`: the extract for a request for public documents, personal data masked."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path
from typing import Any

import pypdf
import pytest
from openpyxl import load_workbook

from tests.spreadsheet_helpers import Cli

LOGS = (
    'logga org="Rovaniemen kaupunki" land=FI typ=vänort datum=2026-03-05 sammanfattning="Fotbollsutbyte för unga" '
    "kontaktperson=Pekka epost=pekka@rovaniemi.fi",
    'logga org="Tartu linn" land=EE datum=2026-04-02 sammanfattning="Skolbesök i Tartu" kontaktperson="Mari Tamm"',
    'logga org="Kauno miestas" land=LT datum=2026-06-10 sammanfattning="Fotbollsturnering" kontaktperson=Jonas',
)


@pytest.fixture
def cli(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> Cli:
    cli = Cli(database_url, tmp_path, monkeypatch, capsys)
    cli.shell(*LOGS)
    return cli


def test_the_extract_masks_counterpart_names_and_emails_and_says_what_it_is(cli: Cli, tmp_path: Path) -> None:
    result = cli("utlamna", "--from", "2026-03-01", "--to", "2026-04-30")
    assert result.code == 0, result.err
    path = tmp_path / "utlamnande-2026-03-01-2026-04-30.xlsx"
    assert "Skrev 2 kontakter till" in result.out and "maskerade" in result.out
    workbook = load_workbook(path)
    contacts, fields, about = workbook.worksheets
    assert about.title == "Om utdraget"
    rows = list(contacts.iter_rows(values_only=True))
    header = rows[0]
    first = dict(zip(header, rows[1], strict=True))
    assert (
        first["Organisation"] == "Rovaniemen kaupunki"
        and first["Sammanfattning"] == "Fotbollsutbyte för unga"
    )
    assert first["Kontaktperson"] == first["E-post"] == "[maskerad]"
    facts = dict(about.iter_rows(min_row=2, values_only=True))
    assert facts["Period"] == "2026-03-01 – 2026-04-30" and "maskerade" in facts["Personuppgifter"]
    # Not hidden: absent. No byte of the workbook holds the names.
    with zipfile.ZipFile(path) as package:
        content = b"".join(package.read(name) for name in package.namelist())
    assert b"Pekka" not in content and b"Mari Tamm" not in content and b"rovaniemi.fi" not in content
    [(action, note, actor)] = [event for event in cli.history() if event[0] == "export"]
    assert action == "export" and actor.startswith("cli:")
    assert note is not None and "document request 2026-03-01..2026-04-30" in note and "masked" in note


def test_search_words_and_the_personal_data_decision_shape_the_csv_extract(cli: Cli, tmp_path: Path) -> None:
    result = cli(
        "utlamna", "--from", "2026-01-01", "--to", "2026-12-31", "--sok", "fotboll", "--format", "csv",
        "-o", "begaran.csv", "--med-personuppgifter",
    )  # fmt: skip
    assert result.code == 0, result.err
    content = (tmp_path / "begaran.csv").read_bytes()
    assert content.startswith(b"\xef\xbb\xbfNr;Organisation;")
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    assert [r["Organisation"] for r in rows] == ["Rovaniemen kaupunki", "Kauno miestas"]
    assert [r["Kontaktperson"] for r in rows] == ["Pekka", "Jonas"]
    assert "söktes inte i namn" not in result.out
    masked = cli(
        "utlamna",
        "--from",
        "2026-01-01",
        "--to",
        "2026-12-31",
        "--sok",
        "pekka",
        "-o",
        "m.csv",
        "--format",
        "csv",
    )
    assert (
        masked.code == 0
        and "Sökorden söktes inte i namn och e-postadresser, eftersom de är maskerade." in masked.out
    )


def test_a_period_that_ends_before_it_starts_writes_nothing(cli: Cli, tmp_path: Path) -> None:
    result = cli("utlamna", "--from", "2026-12-01", "--to", "2026-01-01")
    assert result.code == 2 and "--from 2026-12-01 är efter --to 2026-01-01" in result.err
    assert not list(tmp_path.glob("utlamnande-*"))


def test_the_pdf_extract_is_tagged_readable_text_with_the_names_masked(cli: Cli, tmp_path: Path) -> None:
    result = cli(
        "utlamna", "--from", "2026-03-01", "--to", "2026-04-30", "--format", "pdf", "-o", "utdrag.pdf"
    )
    assert result.code == 0, result.err
    assert "Skrev 2 kontakter till utdrag.pdf" in result.out
    reader = pypdf.PdfReader(tmp_path / "utdrag.pdf")
    text = "".join(page.extract_text() for page in reader.pages)
    assert "Utdrag ur registret över internationella kontakter" in text.replace("\n", "")
    assert "Rovaniemen kaupunki" in text and "Skolbesök i Tartu" in text and "[maskerad]" in text
    assert "Pekka" not in text and "Mari Tamm" not in text and "rovaniemi.fi" not in text
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "sv" and root["/MarkInfo"]["/Marked"] and "/StructTreeRoot" in root


def test_a_masked_extract_does_not_find_contacts_by_a_persons_name_nor_keep_the_words(
    cli: Cli, tmp_path: Path
) -> None:
    masked = cli(
        "utlamna", "--from", "2026-01-01", "--to", "2026-12-31", "--sok", "Mari Tamm", "--format", "csv"
    )
    assert masked.code == 0, masked.err
    [written] = tmp_path.glob("utlamnande-*.csv")
    assert "Tartu" not in written.read_text(encoding="utf-8-sig")  # found only through the masked name
    shown = cli(
        "utlamna", "--from", "2026-01-01", "--to", "2026-12-31", "--sok", "Mari Tamm", "--format", "csv",
        "-o", "med.csv", "--med-personuppgifter",
    )  # fmt: skip
    assert shown.code == 0 and "Tartu linn" in (tmp_path / "med.csv").read_text(encoding="utf-8-sig")
    notes = " ".join(note or "" for action, note, _actor in cli.history() if action == "export")
    assert "search words: 2" in notes and "tamm" not in notes.casefold()
