"""Properties of the spreadsheet readers: headers, dates, separators and encodings."""

from __future__ import annotations

import contextlib
import csv
import io
from datetime import date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from handlers.fields import FIELDS
from handlers.i18n import translations
from handlers.import_headers import SYNONYMS, match_header, normalise
from handlers.spreadsheet_dates import excel_day, parse_date
from storage.exchange import ImportProblem
from storage.spreadsheets import decode, detect_delimiter, read_csv, restore_text

SV_MONTHS = ["januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september",
             "oktober", "november", "december"]  # fmt: skip
EN_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
             "November", "December"]  # fmt: skip


def _names(f: object) -> list[str]:
    label = f.label  # type: ignore[attr-defined]
    return [*f.keys, label, translations("sv").gettext(label), *SYNONYMS.get(f.name, ())]  # type: ignore[attr-defined]


HEADERS = [(f.name, name) for f in FIELDS for name in _names(f)]


def test_no_two_fields_share_a_header() -> None:
    seen: dict[str, str] = {}
    for field_name, header in HEADERS:
        key = normalise(header)
        assert seen.setdefault(key, field_name) == field_name, (header, seen[key], field_name)


@settings(deadline=None)  # a loaded machine must not fail a property
@given(
    st.sampled_from(HEADERS),
    st.lists(st.booleans(), min_size=40, max_size=40),
    st.sampled_from(["", " ", "  ", "\t"]),
    st.sampled_from(["", "*", ":", " (valfritt)", " [optional]", " *"]),
)
def test_a_header_is_found_whatever_its_case_spaces_and_marks(
    header: tuple[str, str], upper: list[bool], space: str, mark: str
) -> None:
    field_name, text = header
    cased = "".join(c.upper() if u else c.lower() for c, u in zip(text, upper * 10, strict=False))
    assert match_header(f"{space}{cased}{mark}{space}") == field_name


@settings(deadline=None)  # a loaded machine must not fail a property
@given(st.sampled_from(HEADERS))
def test_a_header_is_found_without_its_accents(header: tuple[str, str]) -> None:
    field_name, text = header
    plain = text.translate(str.maketrans("åäöÅÄÖéÉ", "aaoAAOeE"))
    assert match_header(plain) == field_name


@settings(deadline=None)  # a loaded machine must not fail a property
@given(st.text(alphabet=st.characters(max_codepoint=0x24F), max_size=30))
def test_any_header_is_a_field_or_unknown_never_an_error(header: str) -> None:
    assert match_header(header) in {*(f.name for f in FIELDS), "id", "logged", "", None}


DATES = st.dates(min_value=date(1901, 1, 1), max_value=date(2099, 12, 31))


@settings(deadline=None)  # a loaded machine must not fail a property
@given(DATES)
def test_every_written_form_of_a_date_reads_back_as_that_date(day: date) -> None:
    forms = [
        day.isoformat(),
        f"{day.year}/{day.month}/{day.day}",
        day.strftime("%Y%m%d"),
        f"{day.day}.{day.month}.{day.year}",
        f"{day.day} {SV_MONTHS[day.month - 1]} {day.year}",
        f"den {day.day}:e {SV_MONTHS[day.month - 1]} {day.year}",
        f"{EN_MONTHS[day.month - 1]} {day.day}, {day.year}",
        f"{day.day} {EN_MONTHS[day.month - 1][:3]} {day.year}",
        f"{day.isoformat()} 14:30",
        datetime(day.year, day.month, day.day, 9, 15),
        day,
    ]
    for form in forms:
        assert parse_date(form) == day, form


@settings(deadline=None)  # a loaded machine must not fail a property
@given(DATES)
def test_day_first_is_read_unless_only_month_first_is_a_date(day: date) -> None:
    assert parse_date(f"{day.day}/{day.month}/{day.year}") == day
    if day.day > 12:
        assert parse_date(f"{day.month}/{day.day}/{day.year}") == day


@settings(deadline=None)  # a loaded machine must not fail a property
@given(st.integers(min_value=61, max_value=73050))
def test_an_excel_day_number_is_the_day_excel_shows(number: int) -> None:
    assert excel_day(number) == date(1899, 12, 30) + timedelta(days=number)
    assert parse_date(float(number)) == excel_day(number)


@settings(deadline=None)  # a loaded machine must not fail a property
@given(st.text(max_size=30))
def test_text_that_is_not_a_date_raises_value_error_only(text: str) -> None:
    with contextlib.suppress(ValueError):
        parse_date(text)


# Text as people type it: ASCII and the Nordic letters (no byte sequence of these in Windows-1252 is UTF-8).
CELL = st.text(alphabet=st.sampled_from([chr(c) for c in range(32, 127)] + list("åäöÅÄÖéüøæ")), max_size=12)
TABLES = st.integers(min_value=2, max_value=6).flatmap(
    lambda width: st.lists(st.lists(CELL, min_size=width, max_size=width), min_size=2, max_size=6)
)


@settings(deadline=None)  # a loaded machine must not fail a property
@given(TABLES, st.sampled_from([",", ";", "\t"]), st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]))
def test_any_table_reads_back_whatever_its_separator_and_encoding(
    table: list[list[str]], delimiter: str, encoding: str
) -> None:
    header = [f"Kolumn {i}" for i in range(len(table[0]))]
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows([header, *table])
    content = buffer.getvalue().encode(encoding)
    text = decode(content)
    assert text.lstrip("\ufeff") == buffer.getvalue()
    assert detect_delimiter(text) == delimiter
    sheet = read_csv(content, lambda cells: True)
    assert sheet.headers == header
    expected = [row for row in table if any(cell.strip() for cell in row)]
    assert [cells for _number, cells in sheet.rows] == [[restore_text(c) for c in row] for row in expected]


def test_bytes_that_are_no_text_encoding_say_so() -> None:
    with pytest.raises(ImportProblem):
        decode(b"Organisation\x81\x8d\x8f\x90\x9d")
