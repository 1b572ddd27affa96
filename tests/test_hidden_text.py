"""Text that hides itself: values of only invisible characters, and bidi controls that reorder
what follows on screen (`‮fdp.exe` shows as `exe.pdf`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import update

from bot.context import BotContext
from bot.shell.prompt import answer
from bot.slack.render import render as slack_render
from bot.teams.render import render_card, render_text
from storage.models import Contact, Organisation
from tests.conftest import ALICE, RunningApp
from tests.test_slack_http import FORM, count_contacts, submission

ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff \u00a0"
RLO = "\u202e"
BIDI = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]


def has_bidi(text: str) -> bool:
    return any(char in text for char in BIDI)


def say(context: BotContext, line: str, tmp_path: Path) -> str:
    return answer(context, line, ALICE, tmp_path)


def test_an_organisation_of_only_zero_width_characters_is_missing_at_the_prompt(
    context: BotContext, tmp_path: Path
) -> None:
    text = say(context, f'log org="{ZERO_WIDTH}" country=FI summary="x"', tmp_path)
    assert "The organisation is missing" in text
    text = say(context, f'log org="Oulu" country=FI summary="{ZERO_WIDTH}"', tmp_path)
    assert "The summary is missing" in text
    assert context.store.everything(limit=10).contacts == []


def test_an_edit_cannot_blank_the_organisation_with_zero_width_characters(
    context: BotContext, tmp_path: Path
) -> None:
    assert "Saved contact #1" in say(context, 'log org="Oulu" country=FI summary="x"', tmp_path)
    text = say(context, 'edit 1 org="\u200b"', tmp_path)
    assert "The organisation is missing" in text
    contact = context.store.get(1)
    assert contact is not None and contact.organisation.name == "Oulu"


@pytest.mark.parametrize("control", BIDI)
def test_bidi_controls_are_not_stored(context: BotContext, tmp_path: Path, control: str) -> None:
    say(
        context,
        f'log org="Acme {control}fdp.exe" country=FI summary="a{control}b" city="c{control}"',
        tmp_path,
    )
    contact = context.store.get(1)
    assert contact is not None
    assert (contact.organisation.name, contact.summary, contact.city) == ("Acme fdp.exe", "ab", "c")


def store_bidi_directly(context: BotContext) -> None:
    """A contact as stored before bidi controls were dropped."""
    with context.db.session() as session:
        session.execute(update(Organisation).values(name=f"Acme {RLO}fdp.exe"))
        session.execute(update(Contact).values(summary=f"Plan {RLO}gnitteem", followup=f"{RLO}llac"))


def test_bidi_controls_stored_before_are_not_echoed_at_the_prompt(
    context: BotContext, tmp_path: Path
) -> None:
    say(context, 'log org="Acme" country=FI summary="x"', tmp_path)
    store_bidi_directly(context)
    for line in ("list all", "show 1", "search acme"):
        text = say(context, line, tmp_path)
        assert "fdp.exe" in text and not has_bidi(text), line


def test_bidi_controls_stored_before_are_not_echoed_in_slack(app: RunningApp) -> None:
    app.reply_to('log org="Acme" country=FI summary="x"')
    store_bidi_directly(app.context)
    for n, line in enumerate(("list all", "show 1")):
        text = app.reply_to(line, response=f"echo{n}")
        assert "fdp.exe" in text and not has_bidi(text), line
    app.command("edit 1")
    view = app.standin.wait_for("/api/views.open")[0].body["view"]
    assert not has_bidi(str(view))


def test_bidi_controls_stored_before_are_not_echoed_in_teams(context: BotContext, tmp_path: Path) -> None:
    say(context, 'log org="Acme" country=FI summary="x" followup="y"', tmp_path)
    store_bidi_directly(context)
    handler = context.handler()
    for line in ("list all", "show 1"):
        blocks = handler.handle(line, ALICE).blocks
        assert not has_bidi(render_text(blocks)) and not has_bidi(str(render_card(blocks)))
        assert not has_bidi(slack_render(blocks))


def test_a_zero_width_organisation_from_slack_is_missing(app: RunningApp) -> None:
    text = app.reply_to(f'log org="{ZERO_WIDTH}" country=FI summary="x"')
    assert "The organisation is missing" in text
    form = app.interaction(submission("V1", dict(FORM, org="\u200b\u200d", summary=f"{RLO}\u2066")))
    assert form.json()["response_action"] == "errors"
    assert set(form.json()["errors"]) == {"org", "summary"}
    assert count_contacts(app) == 0
