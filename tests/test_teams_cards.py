"""What Teams shows: replies as Markdown or cards, the contact form dialog, the weekly digest card."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.context import BotContext
from bot.slack.views import contact_modal
from bot.teams.cards import (
    contact_form_card,
    digest_card,
    form_values_from_submit,
    log_prompt_card,
    task_message_response,
    task_module_response,
)
from bot.teams.digest import CARD_LIMIT, card_size
from bot.teams.render import SPECIALS, render_card, render_text, reply_activity
from handlers.digest import Digest, build_digest
from handlers.fields import FIELDS
from handlers.i18n import use_language
from handlers.markup import (
    Bullets,
    ContactRow,
    ContactTable,
    Facts,
    Heading,
    Paragraph,
    Text,
    plain,
    say,
)
from handlers.text import without_bidi
from handlers.weeks import Week
from storage.models import Contact
from tests.schemas import validate_adaptive_card
from tests.test_digest import STOCKHOLM, add_contact, local

TOKEN = "form-token-123"
HOSTILE = ["<at>Anna</at>", "**x**", "[link](http://evil.example)", "<script>alert(1)</script>"]
NBSP = "\u00a0"


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with use_language("en"):
        yield


def inputs(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The card's inputs by id."""
    return {e["id"]: e for e in card["body"] if str(e.get("type", "")).startswith("Input.")}


def flat(card: dict[str, Any]) -> str:
    return json.dumps(card, ensure_ascii=False)


def unescape(markdown: str) -> str:
    """What a Markdown reader shows for backslash escapes: the character itself."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown)


def unescaped_specials(markdown: str) -> list[str]:
    """Specials that a Markdown reader would read as markup (not preceded by a backslash)."""
    found, index = [], 0
    while index < len(markdown):
        if markdown[index] == "\\":
            index += 2
            continue
        if markdown[index] in SPECIALS:
            found.append(markdown[index])
        index += 1
    return found


def row(n: int = 12, **values: Any) -> ContactRow:
    fields: dict[str, Any] = dict(
        id=n,
        day=date(2026, 11, 20),
        organisation="Rovaniemen kaupunki",
        country="Finland",
        kind="Twin town",
        summary="Planning a youth football exchange",
    )
    fields.update(values)
    return ContactRow(**fields)


# -- replies -----------------------------------------------------------------------------------


def test_a_reply_shows_bold_code_bullets_facts_and_contacts_as_teams_markdown() -> None:
    blocks = [
        Heading(plain("Your contacts")),
        Paragraph(say("Log one with `{c} log org=…`, *today*.", c="@contactbot")),
        Bullets((plain("first"), plain("second"))),
        Facts((("Country", plain("Finland")),)),
        ContactTable((row(),)),
    ]
    assert render_text(blocks) == (
        "**Your contacts**\n\n"
        "Log one with `@contactbot log org=…`, **today**.\n\n"
        "- first\n- second\n\n"
        "**Country:** Finland\n\n"
        "**\\#12** · 2026-11-20 · Rovaniemen kaupunki \\(Finland\\) · Twin town\n\n"
        "Planning a youth football exchange"
    )


@pytest.mark.parametrize("hostile", HOSTILE)
def test_user_text_shows_literally_in_messages_and_cards(hostile: str) -> None:
    blocks = [
        Paragraph(say("Saved {org}.", org=hostile)),
        Bullets((plain(hostile),)),
        Facts((("Organisation", plain(hostile)),)),
        ContactTable((row(organisation=hostile, summary=hostile),)),
    ]
    text = render_text(blocks)
    assert hostile not in text
    assert unescape(text).count(hostile) == 5  # paragraph, bullet, fact, organisation, summary
    content = render_card(blocks)
    validate_adaptive_card(content)
    texts = [e["text"] for e in _text_blocks(content)] + [f["value"] for f in content["body"][2]["facts"]]
    assert all(hostile not in t for t in texts)
    assert sum(unescape(t).count(hostile) for t in texts) == 5


def _text_blocks(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        if node.get("type") == "TextBlock":
            yield node
        for value in node.values():
            yield from _text_blocks(value)
    elif isinstance(node, list):
        for item in node:
            yield from _text_blocks(item)


def test_a_line_that_would_start_a_list_heading_or_code_block_stays_text() -> None:
    for typed in ("- not a bullet", "+ nor this", "1. nor a number", "# nor a heading", "> nor a quote"):
        shown = render_text([Paragraph(plain(typed))])
        assert unescape(shown) == typed and shown != typed
    assert render_text([Paragraph(plain("    indented"))]) == NBSP * 4 + "indented"


def test_a_command_holding_html_is_not_put_in_a_code_span() -> None:
    shown = render_text([Paragraph(say("Try `{c} show {x}`", c="@contactbot", x="<at>Anna</at>"))])
    assert shown == "Try \\`@contactbot show \\<at\\>Anna\\</at\\>\\`"


def test_lines_the_user_typed_stay_apart() -> None:
    shown = render_text([Paragraph(plain("first line\n- second"))])
    assert shown == "first line\n\n\\- second"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\r\n")))
def test_any_plain_text_comes_back_unchanged_after_unescaping(typed: str) -> None:
    shown = render_text([Paragraph(plain(typed))])
    assert unescaped_specials(shown) == []
    kept = without_bidi(typed)  # bidi controls are dropped on purpose: they could turn the reply around
    indent = len(kept) - len(kept.lstrip(" \t"))
    assert unescape(shown) == NBSP * indent + kept[indent:]
    assert not re.match(r"[ \t]*([-+=]|\d+[.)])", shown)


def test_replies_with_contacts_or_facts_are_cards_others_markdown() -> None:
    text_only = reply_activity([Paragraph(plain("Saved #12."))])
    assert text_only == {"type": "message", "text": "Saved \\#12.", "textFormat": "markdown"}
    table = reply_activity([Heading(plain("Contacts")), ContactTable((row(1), row(2)))])
    assert "text" not in table and table["summary"].startswith("Contacts #1")
    (attachment,) = table["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    content = attachment["content"]
    validate_adaptive_card(content)
    assert [e["type"] for e in content["body"]] == ["TextBlock", "Container", "Container"]
    facts = reply_activity([Facts((("Country", plain("Finland")), ("Kind", plain("Twin town"))))])
    validate_adaptive_card(facts["attachments"][0]["content"])
    assert facts["attachments"][0]["content"]["body"][0]["facts"][1] == {
        "title": "Kind",
        "value": "Twin town",
    }


# -- the form ----------------------------------------------------------------------------------


def test_the_prompt_card_has_a_button_that_opens_the_form_dialog() -> None:
    content = log_prompt_card("edit", 12, [Paragraph(say("Edit contact *#{id}* in the form.", id=12))], TOKEN)
    validate_adaptive_card(content)
    (button,) = content["actions"]
    assert button["type"] == "Action.Submit" and button["title"] == "Open the form"
    assert button["data"] == {
        "msteams": {"type": "task/fetch"},
        "contactbot": {"form": "edit", "contact_id": 12, "token": TOKEN},
    }
    assert "**\\#12**" in content["body"][0]["text"]


def test_the_empty_form_has_every_field_of_the_slack_modal_labelled() -> None:
    content = contact_form_card({}, None, None, TOKEN)
    validate_adaptive_card(content)
    fields = inputs(content)
    slack = [block["block_id"] for block in contact_modal({}, None)["blocks"] if block["type"] == "input"]
    assert list(fields) == slack == [f.name for f in FIELDS]
    assert content["body"][0]["text"] == "Log a contact"
    assert all(field["label"] for field in fields.values())
    assert {name for name, f in fields.items() if f.get("isRequired")} == {"org", "country", "summary"}
    assert fields["summary"]["errorMessage"] == "Fill in summary."
    assert fields["summary"]["isMultiline"] and fields["summary"]["maxLength"] == 3000
    assert fields["org"]["maxLength"] == 200 and fields["email"]["style"] == "Email"
    assert fields["date"]["type"] == "Input.Date"
    assert fields["youth"]["type"] == "Input.Toggle" and fields["youth"]["value"] == "no"
    assert (fields["youth"]["valueOn"], fields["youth"]["valueOff"]) == ("yes", "no")
    assert fields["kind"]["choices"][0] == {"title": "Twin town", "value": "twin-town"}
    assert fields["country"]["style"] == "filtered" and "value" not in fields["country"]
    (submit,) = content["actions"]
    assert submit["type"] == "Action.Submit" and submit["title"] == "Save"
    assert submit["data"] == {"contactbot": {"form": "log", "contact_id": None, "token": TOKEN}}


def test_personal_data_fields_carry_a_note() -> None:
    body = contact_form_card({}, None, None, TOKEN)["body"]
    notes = [
        body[index - 1]["id"]
        for index, element in enumerate(body)
        if element.get("type") == "TextBlock" and "Personal data" in element["text"]
    ]
    assert notes == ["person", "email"]


def test_the_country_list_is_in_the_users_language() -> None:
    with use_language("sv"):
        swedish = {
            c["value"]: c["title"]
            for c in inputs(contact_form_card({}, None, None, TOKEN))["country"]["choices"]
        }
        assert inputs(contact_form_card({}, None, None, TOKEN))["org"]["label"] == "Organisation"
    english = {
        c["value"]: c["title"] for c in inputs(contact_form_card({}, None, None, TOKEN))["country"]["choices"]
    }
    assert swedish["FI"].startswith("Finland") and swedish["DE"].startswith("Tyskland")
    assert english["DE"].startswith("Germany") and english["SE"].startswith("Sweden")
    assert len(swedish) == len(english) > 240 and "EU" not in swedish
    assert list(swedish.values()).index(swedish["DK"]) < list(swedish.values()).index(swedish["FI"])


def test_the_edit_form_is_prefilled() -> None:
    values = {
        "org": "Rovaniemen kaupunki",
        "country": "FI",
        "kind": "twin-town",
        "date": "2026-11-20",
        "youth": "yes",
        "summary": "Planning a youth football exchange",
        "person": "Anna Virtanen",
    }
    content = contact_form_card(values, 12, None, TOKEN)
    validate_adaptive_card(content)
    fields = inputs(content)
    assert content["body"][0]["text"] == "Edit contact \\#12"
    assert {name: fields[name]["value"] for name in values} == values
    assert "value" not in fields["email"]
    assert content["actions"][0]["data"]["contactbot"] == {"form": "edit", "contact_id": 12, "token": TOKEN}


def test_errors_show_under_their_field_and_what_was_typed_is_kept() -> None:
    typed = {
        "org": "<at>Anna</at> AB",
        "country": "FI",
        "summary": "x" * 10,
        "date": "2026-13-45",
        "youth": "yes",
    }
    errors: dict[str, Text | str] = {
        "date": say("“{value}” is not a date.", value="2026-13-45"),
        "summary": "Too short *really*",
        "form": "Something went wrong.",
    }
    content = contact_form_card(typed, None, errors, TOKEN)
    validate_adaptive_card(content)
    body = content["body"]
    ids = [element.get("id") for element in body]
    for name, expected in (("date", "is not a date"), ("summary", "Too short \\*really\\*")):
        below = body[ids.index(name) + 1]
        assert below["type"] == "TextBlock" and below["color"] == "Attention" and expected in below["text"]
    assert body[1]["color"] == "Attention" and body[1]["text"] == "Something went wrong."
    fields = inputs(content)
    assert fields["org"]["value"] == "<at>Anna</at> AB"  # an input's value is shown as typed, not Markdown
    assert fields["summary"]["value"] == "x" * 10 and fields["youth"]["value"] == "yes"
    assert fields["country"]["value"] == "FI"
    assert sum(1 for element in body if element.get("color") == "Attention") == 3


def test_a_submitted_form_reads_like_the_slack_modal() -> None:
    data = {
        "org": "Tartu linn",
        "country": "EE",
        "kind": "school",
        "date": "2026-11-18",
        "youth": "yes",
        "summary": "Elevutbyte",
        "email": "",
        "unknown": "ignored",
        "person": 42,
        "contactbot": {"form": "edit", "contact_id": 7, "token": TOKEN},
        "msteams": {"type": "task/fetch"},
    }
    values, contact_id, token = form_values_from_submit(data)
    assert values == {
        "org": "Tartu linn",
        "country": "EE",
        "kind": "school",
        "date": "2026-11-18",
        "youth": "yes",
        "summary": "Elevutbyte",
        "email": "",
    }
    assert (contact_id, token) == (7, TOKEN)
    assert form_values_from_submit({"contactbot": {"contact_id": True, "token": 5}}) == (
        {"youth": "no"},
        None,
        None,
    )
    assert form_values_from_submit(None) == ({"youth": "no"}, None, None)


def test_what_the_form_shows_comes_back_the_same_when_submitted() -> None:
    values = {
        "org": "Rovaniemen kaupunki",
        "country": "FI",
        "kind": "visit",
        "date": "2026-11-20",
        "youth": "no",
    }
    values |= {"summary": "Study visit", "unit": "Kultur", "city": "Rovaniemi", "email": "a@example.fi"}
    content = contact_form_card(values, 3, None, TOKEN)
    data = dict(content["actions"][0]["data"])
    data |= {name: field.get("value", "") for name, field in inputs(content).items()}
    read, contact_id, token = form_values_from_submit(data)
    assert {k: v for k, v in read.items() if v} == values and (contact_id, token) == (3, TOKEN)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children) | st.dictionaries(st.text(), children),
    max_leaves=30,
)
FIELD_KEYS = st.sampled_from([f.name for f in FIELDS] + ["contactbot", "contact_id", "token", "msteams"])


@settings(max_examples=300, deadline=None)
@given(JSON | st.dictionaries(FIELD_KEYS | st.text(), JSON | st.dictionaries(FIELD_KEYS, JSON)))
def test_any_json_submitted_never_raises_and_gives_only_known_fields(data: Any) -> None:
    values, contact_id, token = form_values_from_submit(data)
    assert set(values) <= {f.name for f in FIELDS}
    assert all(isinstance(v, str) for v in values.values()) and values["youth"] in ("yes", "no")
    assert contact_id is None or (type(contact_id) is int and contact_id > 0)
    assert token is None or isinstance(token, str)


# -- invoke responses ----------------------------------------------------------------------------


def test_the_dialog_responses_have_the_shapes_teams_expects() -> None:
    content = contact_form_card({}, None, None, TOKEN)
    assert task_module_response(content, "Log a contact") == {
        "task": {
            "type": "continue",
            "value": {
                "title": "Log a contact",
                "card": {"contentType": "application/vnd.microsoft.card.adaptive", "content": content},
            },
        }
    }
    assert task_message_response("Saved #12.") == {"task": {"type": "message", "value": "Saved #12."}}


def test_the_dialog_responses_are_what_the_teams_sdk_would_send() -> None:
    models = pytest.importorskip("microsoft_teams.api.models.task_module")
    content = contact_form_card({}, None, None, TOKEN)
    for response in (task_module_response(content, "Log a contact"), task_message_response("Saved.")):
        parsed = models.TaskModuleResponse.model_validate(response)
        assert parsed.model_dump(exclude_none=True, by_alias=True) == response


# -- the digest ----------------------------------------------------------------------------------


def _digest(context: BotContext) -> Digest:
    return build_digest(context.db, Week(2026, 47), STOCKHOLM, command="@contactbot")


def test_a_week_with_contacts_as_one_card(context: BotContext) -> None:
    add_contact(context, local(2026, 11, 10, 9, 0))  # the week before
    add_contact(context, local(2026, 11, 17, 9, 0), youth=True, person="Anna Virtanen", email="anna@hel.fi")
    add_contact(
        context,
        local(2026, 11, 18, 9, 0),
        kind="eu-project",
        country="EE",
        unit="Skola",
        organisation="<at>Tartu</at> linn",
        followup="Ansök före mars",
        person="Mart Tamm",
        email="mart@tartu.ee",
    )
    with use_language("sv"):
        content = digest_card(_digest(context), 7, None, None)
    validate_adaptive_card(content)
    text = flat(content)
    assert content["body"][0]["text"] == "Vecka 47, 16–22 november 2026"
    assert content["body"][1]["text"] == "**2 kontakter** loggades \\(förra veckan 1, +1\\)"
    facts = {fact["title"]: fact["value"] for fact in content["body"][2]["facts"]}
    assert facts["Barn och unga"] == "1" and facts["Vänorter"] == "1" and facts["EU-projekt"] == "1"
    assert "Kultur 1" in facts["Per enhet"] and "Estland 1" in facts["Per land"]
    assert "Ansök före mars" in text and "Uppföljningar" in text
    assert "\\<at\\>Tartu\\</at\\> linn" in "".join(e["text"] for e in _text_blocks(content))
    assert "<at>" not in text
    for secret in ("Anna Virtanen", "anna@hel.fi", "Mart Tamm", "mart@tartu.ee"):
        assert secret not in text
    assert content["actions"] == [
        {
            "type": "Action.Execute",
            "title": "Granskad på mötet",
            "verb": "digestReviewed",
            "data": {"digest_id": 7},
        }
    ]
    # The youth contact is the most important, so it comes first.
    containers = [e for e in content["body"] if e["type"] == "Container"]
    assert "Rovaniemen kaupunki" in containers[0]["items"][0]["text"]


def test_once_reviewed_the_button_gives_way_to_who_and_when(context: BotContext) -> None:
    add_contact(context, local(2026, 11, 17, 9, 0))
    at = datetime(2026, 11, 23, 9, 15, tzinfo=UTC)
    content = digest_card(_digest(context), 7, "Cecilia *Coordinator*", at)
    validate_adaptive_card(content)
    assert "actions" not in content
    assert (
        content["body"][-1]["text"] == "✅ Reviewed at the meeting by Cecilia \\*Coordinator\\* on 2026-11-23"
    )


def test_without_review_there_is_no_button(context: BotContext) -> None:
    add_contact(context, local(2026, 11, 17, 9, 0))
    content = digest_card(_digest(context), None, None, None, review=False)
    validate_adaptive_card(content)
    assert "actions" not in content and "Reviewed" not in flat(content)


def test_an_empty_week_says_so(context: BotContext) -> None:
    content = digest_card(_digest(context), 3, None, None)
    validate_adaptive_card(content)
    assert [e["text"] for e in content["body"]] == [
        "Week 47, 16–22 November 2026",
        "No contacts were logged in week 47.",
    ]
    assert content["actions"][0]["verb"] == "digestReviewed"


def test_a_week_of_5000_contacts_fits_in_20_kb_and_says_how_many_more(context: BotContext) -> None:
    monday = local(2026, 11, 16, 8, 0)
    units = [f"Förvaltning {n} <at>x</at>" for n in range(30)]
    with context.db.session() as session:
        organisation = context.store._organisation(
            session, "Stor <at>all</at> & organisation " + "x" * 150, monday
        )
        for n in range(5000):
            session.add(
                Contact(
                    contact_date=date(2026, 11, 16),
                    organisation=organisation,
                    country=["FI", "EE", "DE", "LT"][n % 4],
                    kind=["twin-town", "school", "eu-project", "visit"][n % 4],
                    youth=n % 3 == 0,
                    unit=units[n % 30],
                    summary="Å*" * 1500,
                    followup="Följ upp " + "ä<" * 450,
                    person="Hemlig Person",
                    email="hemlig@example.org",
                    logged_by="U1",
                    logged_by_name="<at>U123</at> " + "n" * 186,  # 200 characters: the column's limit
                    platform="teams",
                    created_at=monday + timedelta(seconds=n),
                    updated_at=monday,
                    search_text="",
                )
            )
    for language, hint in (
        ("sv", "@contactbot lista vecka 2026-W47"),
        ("en", "@contactbot list week 2026-W47"),
    ):
        with use_language(language):
            digest = _digest(context)
            assert digest.figures.total == 5000
            for reviewed in ((None, None), ("coordinator", datetime(2026, 11, 23, tzinfo=UTC))):
                content = digest_card(digest, 1, *reviewed)
                validate_adaptive_card(content)
                assert card_size(content) <= CARD_LIMIT <= 20 * 1024
                shown = sum(1 for e in content["body"] if e["type"] == "Container")
                text = flat(content)
                assert shown >= 5 and f"{5000 - shown} " in text and hint in text
                assert "Hemlig" not in text and "hemlig@" not in text and "<at>" not in text
