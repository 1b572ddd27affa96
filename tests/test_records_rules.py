"""Settings and rules of the records: roles from platform-qualified ids, disposal periods
(with property tests for their parsers), and the scheduler's monthly disposal."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.config import ConfigError, load_settings
from bot.context import BotContext
from bot.digest.service import DigestService
from bot.people import Period, people
from bot.scheduler import DISPOSAL_JOB_ID, JOB_ID, start_scheduler
from bot.shell.prompt import answer, shell_caller
from handlers.replies import Caller
from storage.history import contact_history
from tests.conftest import FakeClock

NO_FILE = Path("/nonexistent/.env")
TEAMS_ID = "c0000000-0000-4000-8000-0000000000aa"


def test_roles_take_platform_qualified_ids_and_bare_slack_ids(context: BotContext) -> None:
    settings = load_settings(
        {"COORDINATORS": f"U1, slack:U2; teams:{TEAMS_ID.upper()}", "ARCHIVISTS": "slack:UARCH,shell:arkiv"},
        env_file=NO_FILE,
    )
    assert settings.coordinators == {"slack:U1", "slack:U2", f"teams:{TEAMS_ID}"}
    context.settings = settings
    assert context.role_of("slack", "U1") == context.role_of("teams", TEAMS_ID) == "coordinator"
    assert context.role_of("slack", "UARCH") == "archivist" and context.role_of("slack", "U9") == "staff"
    assert context.role_of("teams", "U1") == "staff"  # a Slack id does not make a Teams user coordinate


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("COORDINATORS", "matrix:@anna", "COORDINATORS tar användar-id med sin plattform"),
        ("ARCHIVISTS", "slack:", "ARCHIVISTS tar användar-id med sin plattform"),
        ("SLACK_COORDINATOR_GROUP", "samordnare", "SLACK_COORDINATOR_GROUP ska vara id för en användargrupp"),
        ("GALLRING_PERSONAL_DATA", "24 weeks", "GALLRING_PERSONAL_DATA ska vara ett antal månader eller år"),
    ],
)
def test_malformed_role_and_disposal_settings_are_refused_with_what_to_write(
    name: str, value: str, says: str
) -> None:
    with pytest.raises(ConfigError, match=says):
        load_settings({name: value}, env_file=NO_FILE)


def test_an_archivist_at_the_shell_reads_but_changes_nothing(
    context: BotContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("getpass.getuser", lambda: "arkiv")
    answer(context, "log org=Tartu country=EE summary=x", shell_caller(context.settings), tmp_path)
    context.settings = replace(context.settings, archivists=frozenset({"shell:arkiv"}))
    archivist = shell_caller(context.settings)
    assert archivist.role == "archivist" and not archivist.is_coordinator
    assert "You are an archivist" in answer(context, "edit 1 summary=y", archivist, tmp_path)
    assert "You are an archivist" in answer(context, "withdraw 1 old", archivist, tmp_path)
    assert "History of contact #1" in answer(context, "history 1", archivist, tmp_path)
    assert "Saved as" in answer(context, "export", archivist, tmp_path)
    help_text = answer(context, "help", archivist, tmp_path)
    assert "(coordinators and archivists)" in help_text and "digest send" not in help_text
    assert context.store.get(1).summary == "x"


def test_whoami_and_every_new_word_work_in_both_languages(context: BotContext, tmp_path: Path) -> None:
    staff = Caller("teams", TEAMS_ID, "Anna")
    for language in ("sv", "en"):
        context.settings = replace(context.settings, language=language)
        for word in ("vem", "whoami"):
            out = answer(context, word, staff, tmp_path)
            assert f"teams:{TEAMS_ID}" in out and ("medarbetare" in out or "staff" in out)
        for word in ("historik 5", "history 5", "återställ 5", "aterstall 5", "restore 5"):
            out = answer(context, word, staff, tmp_path)
            assert "#5" in out or "samordnare" in out or "coordinators" in out, (word, out)


@given(
    st.integers(min_value=1, max_value=100),
    st.sampled_from(["m", "M", " mån", "months", "y", "år", " years"]),
)
def test_a_period_in_months_or_years_reads_back_as_its_months(number: int, unit: str) -> None:
    period = Period.parse(f"{number}{unit}")
    assert period is not None
    assert period.months == (number * 12 if unit.strip().casefold()[0] in "yå" else number)
    assert Period.parse(str(period)) == period


@given(st.text(max_size=12))
def test_any_text_is_a_period_or_none_and_never_an_error(text: str) -> None:
    period = Period.parse(text)
    assert period is None or 0 < period.months <= 1200


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)), st.integers(1, 240))
def test_the_disposal_day_is_the_period_before_today(today: date, months: int) -> None:
    day = Period(months).before(today)
    assert (today.year * 12 + today.month) - (day.year * 12 + day.month) == months
    assert day.day <= today.day


@given(st.lists(st.from_regex(r"(slack:|teams:|)[A-Za-z0-9-]{1,20}", fullmatch=True), max_size=5))
def test_user_lists_always_come_out_platform_qualified(ids: list[str]) -> None:
    found = people("COORDINATORS", ", ".join(ids))
    assert all(person.split(":", 1)[0] in {"slack", "teams"} for person in found)
    assert len(found) <= len(ids)


def test_the_scheduler_clears_personal_data_monthly_only_with_a_decision(
    context: BotContext, clock: FakeClock, tmp_path: Path
) -> None:
    answer(
        context,
        "log org=Tartu country=EE summary=x date=2020-01-10 person=Mari",
        Caller("cli", "x"),
        tmp_path,
    )

    async def jobs() -> tuple[list[str], datetime | None, object]:
        scheduler = start_scheduler(
            DigestService(context, targets=[]), first_run=clock() + timedelta(days=9999)
        )
        try:
            job = scheduler.get_job(DISPOSAL_JOB_ID)
            names = [j.id for j in scheduler.get_jobs()]
            if job is None:
                return names, None, None
            await job.func(*job.args)  # one run of the job, as the scheduler starts it
            return names, job.next_run_time, job.trigger
        finally:
            scheduler.shutdown(wait=False)

    names, _, _ = asyncio.run(jobs())
    assert names == [JOB_ID] and context.store.get(1).person == "Mari"

    context.settings = replace(
        context.settings, gallring_personal_data=Period(24), gallring_decision="KS 2026-12-01 § 123"
    )
    names, next_run, _ = asyncio.run(jobs())
    assert sorted(names) == [DISPOSAL_JOB_ID, JOB_ID]
    assert next_run is not None and next_run.astimezone(UTC).date() >= date(2026, 12, 1)
    assert next_run.astimezone(context.settings.timezone).day == 1
    assert context.store.get(1).person is None
    event = contact_history(context.db, 1)[-1]
    assert (event.action, event.actor, event.via, event.note) == (
        "disposal",
        "scheduler",
        "scheduler",
        "KS 2026-12-01 § 123",
    )
