"""What people type for the report: the year and format in chat, TWIN_TOWNS, the CLI's period."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.cli_report import chosen_period
from bot.config import load_settings
from handlers.annual_report import report_request
from handlers.parsing import ParseError, Token, tokenize
from storage.report_figures import Period

TODAY = date(2026, 11, 26)


def test_the_year_and_format_can_come_in_any_order_and_default_to_last_year_as_pdf() -> None:
    assert report_request([], TODAY, "/kontakt") == (2025, "pdf")
    assert report_request(tokenize("XLSX 2024"), TODAY, "/kontakt") == (2024, "xlsx")
    with pytest.raises(ParseError):
        report_request(tokenize("2030"), TODAY, "/kontakt")


@given(st.text(max_size=40))
def test_any_text_gives_a_year_and_format_or_says_what_to_write(text: str) -> None:
    tokens = [Token(word) for word in text.split()]
    try:
        year, fmt = report_request(tokens, TODAY, "/kontakt")
    except ParseError:
        return
    assert 1900 < year <= TODAY.year and fmt in {"pdf", "xlsx", "docx"}


@given(
    st.lists(
        st.text(st.characters(blacklist_characters=";,", blacklist_categories=("Cc", "Cs")))
        .map(str.strip)
        .filter(bool),
        max_size=5,
    )
)
def test_twin_towns_are_read_back_as_written(names: list[str]) -> None:
    settings = load_settings({"TWIN_TOWNS": "; ".join(names)}, env_file=Path("/nonexistent/.env"))
    assert settings.twin_towns == tuple(names)


@given(st.dates(), st.dates())
def test_a_period_from_dates_is_given_in_order_or_refused(start: date, end: date) -> None:
    chosen = chosen_period(None, start, end)
    assert chosen == Period(start, end) if start <= end else isinstance(chosen, str)
