"""Dates as people have them in spreadsheets: Excel date cells, or text in many spellings.

Accepted: date cells (and Excel's day numbers), `2026-03-05`, `2026/3/5`, `20260305`,
`5/3/2026`, `5.3.2026`, `5-3-2026` (day first, as in Sweden; month first only where the
day-first reading is impossible, as in `3/25/2026`), two-digit years (`5/3/26`), and
month names in Swedish or English (`5 mars 2026`, `den 5:e mars 2026`, `March 5, 2026`).
A time after the date is ignored. Anything else raises ValueError.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from handlers.text import fold

MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        ("januari", "january", "jan"),
        ("februari", "february", "feb"),
        ("mars", "march", "mar"),
        ("april", "apr"),
        ("maj", "may"),
        ("juni", "june", "jun"),
        ("juli", "july", "jul"),
        ("augusti", "august", "aug"),
        ("september", "sep", "sept"),
        ("oktober", "october", "okt", "oct"),
        ("november", "nov"),
        ("december", "dec"),
    ),
    start=1,
):
    for _name in _names:
        MONTHS[_name] = _number

# Excel counts days from 1899-12-30 (its 1900 leap-year bug folded in); day 60 does not exist.
_EXCEL_EPOCH = date(1899, 12, 30)
_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_NUMERIC = re.compile(r"^(\d{1,2})([-/.])(\d{1,2})\2(\d{2}|\d{4})$")
_WORDS = re.compile(r"[a-zåäö]+|\d+")
_TIME = re.compile(r"[ T]\d{1,2}[:.]\d{2}([:.]\d{2}([.,]\d+)?)?( ?[+-]\d{2}:?\d{2}|Z)?$")
_FILLER = {"den", "the", "e", "a", "st", "nd", "rd", "th", "of"}


def excel_day(number: float) -> date:
    """The date of an Excel day number (a date cell read without its format)."""
    if isinstance(number, bool) or not 1 <= number < 2_958_466 or number == 60:
        raise ValueError(number)
    return (
        _EXCEL_EPOCH + timedelta(days=int(number))
        if number > 60
        else date(1899, 12, 31) + timedelta(days=int(number) - 1)
    )


def parse_date(value: object) -> date:
    """The date a cell holds; ValueError when it is not a date or can be read two ways."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return excel_day(value)
    if not isinstance(value, str):
        raise ValueError(value)
    text = _TIME.sub("", value.strip())
    for pattern in (_ISO, _COMPACT):
        found = pattern.match(text)
        if found:
            year, month, day = map(int, found.groups())
            return date(year, month, day)
    found = _NUMERIC.match(text)
    if found:
        first, _sep, second, year_text = found.groups()
        year = _year(year_text)
        day, month = int(first), int(second)
        if month > 12 >= day:  # only the month-first reading is a date: 3/25/2026
            day, month = month, day
        return date(year, month, day)
    return _with_month_name(text)


def _year(text: str) -> int:
    return 2000 + int(text) if len(text) == 2 else int(text)


def _with_month_name(text: str) -> date:
    words = [w for w in _WORDS.findall(fold(text)) if w not in _FILLER]
    months = [w for w in words if w in MONTHS]
    numbers = [w for w in words if w.isdigit()]
    if len(months) != 1 or len(numbers) != 2 or len(words) != 3:
        raise ValueError(text)
    month = MONTHS[months[0]]
    years = [n for n in numbers if len(n) == 4]
    days = [n for n in numbers if len(n) <= 2]
    if len(years) != 1 or len(days) != 1:
        raise ValueError(text)
    return date(int(years[0]), month, int(days[0]))
