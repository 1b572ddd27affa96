"""Property-based tests for the remaining parsers: settings, schedules, imports, form payloads."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from bot.config import ConfigError, load_settings
from bot.slack.views import contact_id_of, submitted_values
from handlers.digest import Schedule
from storage.exchange import BadRows, ImportProblem, read_records

NO_ENV = Path("/nonexistent/.env")
SETTINGS = [
    "DIGEST_SCHEDULE",
    "DIGEST_CATCHUP",
    "DIGEST_CHANNEL",
    "DIGEST_SKIP_EMPTY",
    "DIGEST_CHART",
    "TIMEZONE",
    "LANGUAGE",
    "DATABASE_URL",
    "DATABASE_TIMEOUT",
    "COORDINATORS",
    "SLACK_COMMAND",
    "SLACK_API_URL",
]


@given(st.text(max_size=30))
def test_schedule_parsing_gives_a_schedule_or_value_error(text: str) -> None:
    try:
        schedule = Schedule.parse(text)
    except ValueError:
        return
    assert 0 <= schedule.weekday <= 6
    assert Schedule.parse(schedule.describe()) == schedule


@given(
    st.sampled_from(SETTINGS),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40),
)
def test_any_setting_value_loads_or_names_itself_in_one_line(name: str, value: str) -> None:
    try:
        load_settings({name: value}, env_file=NO_ENV)
    except ConfigError as problem:
        message = str(problem)
        assert name in message and "\n" not in message


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)


@given(st.text(max_size=400))
def test_reading_an_import_file_gives_records_or_a_problem(text: str) -> None:
    try:
        records = read_records(text)
    except ImportProblem as problem:
        assert str(problem)
        return
    assert all(isinstance(r["id"], int) for r in records)


@given(
    st.dictionaries(
        st.sampled_from(
            [
                "id",
                "contact_date",
                "organisation",
                "country",
                "kind",
                "youth",
                "summary",
                "logged_by",
                "platform",
                "created_at",
                "updated_at",
            ]
        ),
        JSON_VALUES,
        max_size=11,
    )
)
def test_import_rows_of_any_shape_are_checked(row: dict) -> None:
    import json
    from datetime import date, datetime

    try:
        [record] = read_records(json.dumps({"contacts": [row]}))
    except BadRows as bad:
        assert bad.problems and all(str(p).startswith("contact 1: ") for p in bad.problems)
        return
    assert isinstance(record["contact_date"], date) and isinstance(record["created_at"], datetime)
    assert record["created_at"].tzinfo is not None and isinstance(record["youth"], bool)


@given(JSON_VALUES)
def test_form_payloads_of_any_shape_read_as_text(view: object) -> None:
    values = submitted_values(view)
    assert all(isinstance(v, str) for v in values.values())
    assert contact_id_of(view) is None or isinstance(contact_id_of(view), int)
