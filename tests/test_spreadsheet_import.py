"""`contactbot import` of spreadsheets as a municipality has them: Excel workbooks and CSV files."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.spreadsheet_helpers import Cli, csv_file, xlsx_file

HEADERS = ["Datum", "Organisation", "Land", "Typ", "Förvaltning", "Sammanfattning", "Kontaktperson", "E-post",
           "Ungdom"]  # fmt: skip


@pytest.fixture
def cli(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> Cli:
    return Cli(database_url, tmp_path, monkeypatch, capsys)


def test_a_swedish_workbook_with_date_cells_a_title_row_and_empty_cells_is_imported(
    cli: Cli, tmp_path: Path
) -> None:
    book = xlsx_file(
        tmp_path / "Internationella kontakter 2025.xlsx",
        [
            ["Internationella kontakter 2025"],
            [],
            HEADERS,
            [datetime(2025, 3, 5), "Rovaniemen kaupunki", "Finland", "Vänort", "Kulturförvaltningen",
             "Fotbollsutbyte för unga", "Pekka Virtanen", "pekka@rovaniemi.fi", "ja"],
            [date(2025, 4, 1), "Tartu linn", "EE", None, None, "Skolbesök", None, None, None],
            ["12 maj 2025", "Kauno miesto savivaldybė", "Litauen", "konferens", "", "Konferens om klimat", "",
             "", "nej"],
        ],
    )  # fmt: skip
    result = cli("import", str(book), "--unit", "Kommunstyrelsen")
    assert result.code == 0, result.err
    assert "Läste in 3 kontakter" in result.out
    first, second, third = cli.contacts()
    assert (first.contact_date, first.organisation.name, first.country, first.kind, first.youth) == (
        date(2025, 3, 5), "Rovaniemen kaupunki", "FI", "twin-town", True,
    )  # fmt: skip
    assert first.unit == "Kulturförvaltningen" and second.unit == third.unit == "Kommunstyrelsen"
    assert (second.kind, second.person, second.youth) == ("other", None, False)
    assert (third.contact_date, third.country, third.kind) == (date(2025, 5, 12), "LT", "conference")
    # Logged on its contact date, so it lands in that old week, not in the next digest.
    assert first.created_at.astimezone(UTC).date() == date(2025, 3, 5)
    assert first.platform == "import" and "Internationella kontakter 2025.xlsx" in (
        first.logged_by_name or ""
    )
    [(_action, note, actor)] = [event for event in cli.history() if event[0] == "import"]
    assert (
        note == "Internationella kontakter 2025.xlsx: 3 imported, 0 already there, 0 repeated in the file"
        and actor.startswith("cli:")
    )


def test_a_semicolon_separated_windows_1252_csv_keeps_its_swedish_letters(cli: Cli, tmp_path: Path) -> None:
    path = csv_file(
        tmp_path / "kontakter.csv",
        [
            HEADERS,
            ["5/3/2025", "Åbo stad", "Finland", "vänort", "Barn- och utbildningsförvaltningen", "Läger för unga",
             "Åsa Öberg", "", "x"],
            ["2025-03-06", "Malmö Högskola", "SE", "skola", "", "Studiebesök", "", "", ""],
        ],
    )  # fmt: skip
    assert b"\xc5bo" in path.read_bytes()  # Windows-1252, not UTF-8
    result = cli("import", str(path))
    assert result.code == 0, result.err
    first, second = cli.contacts()
    assert first.organisation.name == "Åbo stad" and first.person == "Åsa Öberg" and first.youth
    assert first.contact_date == date(2025, 3, 5) and first.unit == "Barn- och utbildningsförvaltningen"
    assert second.organisation.name == "Malmö Högskola" and second.country == "SE"


def test_an_english_comma_separated_utf8_file_with_a_byte_order_mark_is_imported(
    cli: Cli, tmp_path: Path
) -> None:
    path = csv_file(
        tmp_path / "contacts.csv",
        [
            ["Date", "Organization", "Country", "Kind", "Summary", "Contact person", "E-mail", "Youth"],
            ["March 5, 2025", "Łódź City Hall", "Poland", "EU project", "Erasmus+, kick-off", "Zoë", "z@lodz.pl",
             "no"],
        ],
        delimiter=",",
        encoding="utf-8-sig",
    )  # fmt: skip
    result = cli("import", str(path), language="en")
    assert result.code == 0, result.err
    assert "Imported 1 contact from" in result.out
    [contact] = cli.contacts()
    assert (contact.organisation.name, contact.country, contact.kind) == (
        "Łódź City Hall",
        "PL",
        "eu-project",
    )
    assert contact.summary == "Erasmus+, kick-off" and contact.email == "z@lodz.pl"


def test_a_file_with_bad_rows_imports_nothing_and_names_every_problem_by_row_and_column(
    cli: Cli, tmp_path: Path
) -> None:
    book = xlsx_file(
        tmp_path / "fel.xlsx",
        [
            HEADERS,
            [datetime(2025, 3, 5), "Rovaniemen kaupunki", "Finland", "Vänort", None, "Bra rad", None, None, None],
            ["2025-13-01", "Tartu linn", "Atlantis", "skola", None, "Skolbesök", None, "inte-en-adress", "kanske"],
            [datetime(2025, 3, 7), None, "EE", None, None, None, None, None, None],
        ],
    )  # fmt: skip
    for args in (["--dry-run"], []):
        result = cli("import", str(book), *args)
        assert result.code == 1
        lines = result.err.splitlines()
        assert "ingenting lästes in" in lines[0] or "ingenting skulle läsas in" in lines[0]
        assert lines[1].startswith("  Rad 3, kolumn A (Datum): ”2025-13-01” är inget datum")
        assert any(line.startswith("  Rad 3, kolumn C (Land): Okänt land ”Atlantis”") for line in lines)
        assert any(line.startswith("  Rad 3, kolumn H (E-post): ”inte-en-adress”") for line in lines)
        assert any(line.startswith("  Rad 3, kolumn I (Ungdom):") for line in lines)
        assert "  Rad 4, kolumn B (Organisation): Fyll i Organisation: det måste anges." in lines
        assert any(line.startswith("  Rad 4, kolumn F (Sammanfattning): Fyll i") for line in lines)
        assert not any("Rad 2" in line for line in lines)
    assert cli.contacts() == []  # the good row was not half-imported either
    assert not [event for event in cli.history() if event[0] == "import"]


def test_the_dry_run_shows_what_would_be_imported_and_stores_nothing(cli: Cli, tmp_path: Path) -> None:
    book = xlsx_file(
        tmp_path / "k.xlsx",
        [
            HEADERS,
            [datetime(2025, 3, 5), "Rovaniemen kaupunki", "FI", None, None, "Fotboll", None, None, None],
        ],
    )
    result = cli("import", str(book), "--dry-run", language="en")
    assert result.code == 0, result.err
    assert "Row 2: 2025-03-05 · Rovaniemen kaupunki (Finland) · Fotboll" in result.out
    assert "Dry run: 1 contact would be imported" in result.out
    assert cli.contacts() == []


def test_rows_already_in_the_database_are_skipped_and_counted(cli: Cli, tmp_path: Path) -> None:
    first = xlsx_file(
        tmp_path / "a.xlsx",
        [
            HEADERS,
            [datetime(2025, 3, 5), "Rovaniemen kaupunki", "FI", None, None, "Fotbollsutbyte", None, None],
        ],
    )
    assert cli("import", str(first)).code == 0
    again = csv_file(
        tmp_path / "b.csv",
        [
            ["Organisation", "Land", "Datum", "Sammanfattning"],
            ["ROVANIEMEN  kaupunki", "Finland", "2025-03-05", "fotbollsutbyte"],
            ["Rovaniemen kaupunki", "Finland", "2025-03-06", "Fotbollsutbyte"],
            ["Rovaniemen kaupunki", "Finland", "2025-03-06", "Fotbollsutbyte"],
        ],
    )
    result = cli("import", str(again))
    assert result.code == 0, result.err
    assert "Läste in 1 kontakt" in result.out and "1 fanns redan i databasen" in result.out
    assert "1 upprepade en tidigare rad i filen" in result.out  # the third row repeats the second
    assert [c.contact_date for c in cli.contacts()] == [date(2025, 3, 5), date(2025, 3, 6)]


def test_a_file_without_a_required_column_says_which_column_to_add(cli: Cli, tmp_path: Path) -> None:
    path = csv_file(
        tmp_path / "k.csv", [["Organisation", "Datum", "Okänd"], ["Tartu linn", "2025-03-05", "x"]]
    )
    result = cli("import", str(path))
    assert result.code == 1
    assert "Filen har ingen kolumn för Land" in result.err
    assert "Filen har ingen kolumn för Sammanfattning" in result.err
    assert "Kolumn C (Okänd) är inget kontaktfält" in result.out
    assert cli.contacts() == []


def test_a_file_that_is_not_a_workbook_is_refused_plainly(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "trasig.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    result = cli("import", str(path))
    assert result.code == 1 and "inte en Excel-arbetsbok" in result.err


def test_our_own_export_can_be_dry_run_and_still_imports_with_its_ids(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    cli.shell("logga org=Tartu land=EE sammanfattning=Skolbesök datum=2025-04-02")
    assert cli("export", "--format", "csv", "-o", "export.csv").code == 0
    empty = Cli(f"sqlite:///{tmp_path / 'empty.db'}", tmp_path, monkeypatch, capsys)
    checked = empty("import", "export.csv", "--dry-run")
    assert checked.code == 0 and "Provkörning: 1 kontakt skulle läsas in" in checked.out
    assert empty.contacts() == []
    assert empty("import", "export.csv").code == 0
    [contact] = empty.contacts()
    assert (contact.id, contact.organisation.name, contact.platform) == (1, "Tartu", "shell")
    # Into a database that has those ids, the dry run says what the import would: it refuses.
    again = empty("import", "export.csv", "--dry-run")
    assert (
        again.code == 1
        and "databasen har redan kontakter med id 1, så filen skulle inte läsas in" in again.err
    )
    assert empty("import", "export.csv").code == 1 and len(empty.contacts()) == 1


def test_a_file_that_is_not_there_is_named_in_swedish(cli: Cli) -> None:
    result = cli("import", "finns-inte.xlsx")
    assert result.code == 1 and "det finns ingen fil finns-inte.xlsx" in result.err
    assert "Traceback" not in result.err


def test_an_imported_contact_says_when_it_was_logged_and_where_its_import_is_recorded(
    cli: Cli, tmp_path: Path
) -> None:
    book = tmp_path / "gamla.csv"
    book.write_text(
        "Organisation;Land;Sammanfattning;Datum\nTartu linn;EE;Skolbesök;2025-05-10\n", encoding="utf-8"
    )
    assert cli("import", str(book)).code == 0
    shown, told = cli.shell("visa 1", "historik 1")
    # The day is when it was logged (here: its meeting), not when the file was read in.
    assert "Loggad: 2025-05-10, av " in shown and ", inläst från gamla.csv" in shown
    assert "inläst från gamla.csv. Inläsningen av filen finns i granskningsloggen" in told
    assert [event[0] for event in cli.history()] == ["import"]


def test_a_row_repeated_in_the_file_is_read_once_and_said_so_apart_from_rows_already_stored(
    cli: Cli, tmp_path: Path
) -> None:
    book = tmp_path / "dubbel.csv"
    rows = "Tartu linn;EE;Skolbesök;2025-05-10\n"
    book.write_text("Organisation;Land;Sammanfattning;Datum\n" + rows * 2, encoding="utf-8")
    first = cli("import", str(book))
    assert first.code == 0 and "1 upprepade en tidigare rad i filen och läses in en gång." in first.out
    assert "fanns redan i databasen" not in first.out and len(cli.contacts()) == 1
    again = cli("import", str(book))
    assert "2 fanns redan i databasen och hoppas över." in again.out and len(cli.contacts()) == 1
