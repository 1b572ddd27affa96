"""Past capacity the bot turns commands away at once ("busy, try again") instead of queueing."""

from __future__ import annotations

import asyncio
import threading

import pytest

from bot.context import BotContext
from bot.workload import Overloaded, Workers
from tests.conftest import SlackStandIn, TeamsApp, serve_app
from tests.test_teams_forms import filled, form_button, form_of, inputs, open_form, submit
from tests.test_teams_http import personal

LOG = "log org=Oulu country=FI summary=Met the youth council"


def test_work_past_the_limit_is_turned_away_at_once_and_taken_again_when_there_is_room() -> None:
    workers = Workers("test", limit=1, workers=1)
    started, release = threading.Event(), threading.Event()

    def held() -> str:
        started.set()
        release.wait(10)
        return "done"

    async def scenario() -> list[str]:
        first = asyncio.create_task(workers.run(held))
        await asyncio.sleep(0)  # the first call takes its place
        with pytest.raises(Overloaded):
            await workers.run(str, "turned away")
        release.set()
        return [await first, await workers.run(str, "room again")]

    try:
        assert asyncio.run(scenario()) == ["done", "room again"]
        assert started.is_set() and workers.pending == 0
    finally:
        workers.shutdown()


def test_a_command_is_turned_away_only_while_the_oldest_waiting_one_has_waited_too_long() -> None:
    now = [0.0]
    workers = Workers("test", workers=1, longest_wait=0.75, clock=lambda: now[0], few=1)
    started, release = threading.Event(), threading.Event()

    def held() -> str:
        started.set()
        release.wait(10)
        return "held"

    async def scenario() -> list[str]:
        first = asyncio.create_task(workers.run(held))
        await asyncio.sleep(0)  # submitted to the one thread
        started.wait(10)
        second = asyncio.create_task(workers.run(str, "waited"))
        await asyncio.sleep(0)  # waits behind the held one from 0.0
        now[0] = 0.5  # a short stall: still taken
        third = asyncio.create_task(workers.run(str, "taken"))
        await asyncio.sleep(0)
        now[0] = 1.0  # the oldest waiting has waited a second: turned away
        with pytest.raises(Overloaded):
            await workers.run(str, "turned away")
        release.set()
        done = [await first, await second, await third]
        now[0] = 1.1  # nobody waits any more: taken again
        return [*done, await workers.run(str, "room again")]

    try:
        assert asyncio.run(scenario()) == ["held", "waited", "taken", "room again"]
    finally:
        workers.shutdown()


def test_a_trickle_of_commands_waits_behind_two_long_jobs_instead_of_being_turned_away() -> None:
    # Two coordinators' exports hold both threads for seconds; a log every 0.3 s meanwhile
    # waits (its answer comes late through the response URL) and is not answered "busy".
    now = [0.0]
    workers = Workers("test", workers=2, longest_wait=0.5, clock=lambda: now[0])
    release = threading.Event()
    started = threading.Barrier(3)

    def export() -> str:
        started.wait(10)
        release.wait(10)
        return "exported"

    async def scenario() -> list[str]:
        jobs = [asyncio.create_task(workers.run(export)) for _ in range(2)]
        await asyncio.sleep(0)
        started.wait(10)  # both threads are taken
        logs = []
        for n in range(6):
            now[0] = 0.3 * n
            logs.append(asyncio.create_task(workers.run(str, f"log {n}")))
            await asyncio.sleep(0)
        release.set()
        return [*(await asyncio.gather(*jobs)), *(await asyncio.gather(*logs))]

    try:
        assert asyncio.run(scenario()) == ["exported", "exported", *(f"log {n}" for n in range(6))]
    finally:
        workers.shutdown()


def test_an_overloaded_bot_says_busy_in_its_acknowledgement_and_saves_nothing(
    context: BotContext, standin: SlackStandIn
) -> None:
    context.pending_limit = 0  # every command finds the queue full
    with serve_app(context, standin) as app:
        acked = app.command(LOG, response="turned-away")
        assert acked.status_code == 200
        assert acked.headers["content-type"].startswith("application/json")  # else Slack shows it raw
        assert acked.json()["response_type"] == "ephemeral"
        assert "I am busy right now" in acked.json()["text"]
        assert "try again in a minute" in acked.json()["text"]
    assert standin.calls_to("/response/turned-away") == []
    assert context.store.everything(15, 0).total == 0
    context.pending_limit = 192  # room again: the person's next try is answered as usual
    with serve_app(context, standin) as app:
        assert "Saved contact #1" in app.reply_to(LOG)


def test_an_overloaded_bot_answers_busy_in_teams(teams_app: TeamsApp) -> None:
    teams_app.api.state.teams.adapter.workers.limit = 0
    sent = teams_app.say(personal(LOG, teams_app.teams))
    assert "I am busy right now" in sent.shown
    assert teams_app.context.store.everything(15, 0).total == 0


def test_an_overloaded_bot_keeps_the_teams_form_and_what_was_typed_saving_nothing(
    teams_app: TeamsApp,
) -> None:
    button = form_button(teams_app.say(personal("@contactbot log", teams_app.teams)))
    card = form_of(open_form(teams_app, button))
    typed = {"org": "Oulun kaupunki", "country": "FI", "summary": "Ungdomsrådet"}
    teams_app.api.state.teams.adapter.workers.limit = 0  # the queue is full from now on
    answer = form_of(submit(teams_app, filled(card, typed)))
    assert "I am busy right now" in str(answer["body"])
    assert {k: v.get("value") for k, v in inputs(answer).items() if k in typed} == typed
    assert open_form(teams_app, button)["task"] == {
        "type": "message",
        "value": "I am busy right now and did not do this; nothing was saved. Please try again in a minute.",
    }
    assert teams_app.context.store.everything(15, 0).total == 0
