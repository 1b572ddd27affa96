"""The annual report's figures, counted by the database, against the year before."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from storage.database import Database
from storage.report_figures import Compared, Period, Row, TwinTown, report_figures
from tests.report_data import stored


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    yield from stored(database_url)


def test_a_year_is_compared_with_the_year_before_and_withdrawn_contacts_do_not_count(db: Database) -> None:
    figures = report_figures(db, Period.year(2026))
    assert figures.previous == Period.year(2025)
    assert figures.contacts == Compared(5, 2)
    assert figures.organisations == Compared(4, 2)
    assert figures.countries == Compared(4, 2)
    assert figures.youth == Compared(3, 0)
    assert figures.by_unit == [
        Row("Kultur", 2, 1), Row("Skola", 1, 1), Row("Näringsliv", 1, 0), Row(None, 1, 0)
    ]  # fmt: skip
    assert figures.by_country[0] == Row("FI", 2, 1) and Row("NO", 0, 0) not in figures.by_country
    assert Row("twin-town", 2, 1) in figures.by_kind


def test_twin_towns_are_the_organisations_met_as_twin_towns_with_their_last_contact(db: Database) -> None:
    figures = report_figures(db, Period.year(2026))
    assert figures.twin_towns == [
        TwinTown("Rovaniemen kaupunki", 2, date(2026, 5, 14)),
        TwinTown("Aarhus Kommune", 0, date(2024, 2, 2)),
    ]


def test_twin_towns_named_in_the_setting_are_listed_even_without_contacts(db: Database) -> None:
    figures = report_figures(db, Period.year(2025), twin_towns=("stadt KIEL", "Tromsø kommune"))
    assert figures.twin_towns == [
        TwinTown("Stadt Kiel", 1, date(2025, 8, 8)), TwinTown("Tromsø kommune", 0, None)
    ]  # fmt: skip


def test_open_follow_ups_are_those_with_text_in_the_period(db: Database) -> None:
    figures = report_figures(db, Period.year(2026))
    assert figures.open_followups == 2
    assert [f.organisation for f in figures.followups] == ["Kauno miestas", "Rovaniemen kaupunki"]


def test_a_period_of_months_is_compared_with_as_many_months_before(db: Database) -> None:
    figures = report_figures(db, Period(date(2026, 3, 1), date(2026, 5, 31)))
    assert figures.previous == Period(date(2025, 12, 1), date(2026, 2, 28))
    assert figures.contacts == Compared(2, 0)
    assert Period(date(2026, 1, 1), date(2026, 6, 30)).before() == Period(
        date(2025, 7, 1), date(2025, 12, 31)
    )
    assert Period(date(2026, 3, 2), date(2026, 3, 11)).before() == Period(date(2026, 2, 20), date(2026, 3, 1))


def test_participants_programmes_and_visits_are_counted_against_the_year_before(db: Database) -> None:
    figures = report_figures(db, Period.year(2026))
    assert figures.participants == Compared(42, 5)
    assert figures.young_participants == Compared(36, 0)
    assert figures.programmes is not None and figures.visits is not None
    assert Row("erasmus", 1, 1) in figures.programmes and Row("nordplus", 1, 0) in figures.programmes
    assert Row("incoming", 1, 1) in figures.visits and Row("outgoing", 1, 0) in figures.visits


@given(st.dates(min_value=date(1901, 1, 1), max_value=date(2999, 1, 1)), st.integers(0, 800))
def test_the_period_before_ends_the_day_before_and_is_as_long(start: date, days: int) -> None:
    from datetime import timedelta

    period = Period(start, start + timedelta(days=days))
    before = period.before()
    assert before.end == period.start - timedelta(days=1)
    whole_months = period.start.day == 1 and (period.end + timedelta(days=1)).day == 1
    if whole_months:
        assert before.start.day == 1
    elif period.whole_year is None:
        assert (before.end - before.start) == (period.end - period.start)
