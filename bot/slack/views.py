"""The contact form as a Slack modal (Block Kit), and reading its submitted values."""

from __future__ import annotations

import json
from typing import Any

from bot.slack.render import escape
from handlers.countries import country_name
from handlers.fields import BY_NAME, FIELDS
from handlers.i18n import _, current_language
from handlers.kinds import KINDS, kind_label
from handlers.privacy import personal_data_note, privacy_link_text
from handlers.register_fields import DIRECTIONS, PROGRAMMES, direction_label, programme_label
from handlers.text import shorten, without_bidi

CALLBACK_ID = "contact_form"
ACTION = "value"
YOUTH_OPTION = "youth"


def _plain(text: str, limit: int = 75) -> dict[str, Any]:
    return {"type": "plain_text", "text": shorten(text, limit), "emoji": True}


def country_option(code: str) -> dict[str, Any]:
    """One option of the country select: the name in the current language, the code as value."""
    return {"text": _plain(f"{country_name(code, current_language())} ({code})"), "value": code}


def contact_modal(
    values: dict[str, str], contact_id: int | None, privacy_url: str | None = None
) -> dict[str, Any]:
    """The form to log a contact, or to edit `contact_id`, prefilled with `values`. Below the
    person and e-mail fields it says they are personal data (with `privacy_url`'s notice)."""
    title = _("Log a contact") if contact_id is None else _("Edit contact #{id}").format(id=contact_id)
    blocks = []
    for f in FIELDS:
        blocks.append(_input_block(f.name, values.get(f.name, "")))
        if f.personal:
            blocks.append(personal_data_block(f.name, privacy_url))
    return {
        "type": "modal",
        "callback_id": CALLBACK_ID,
        "private_metadata": json.dumps({"id": contact_id}),
        "title": _plain(title, 24),
        "submit": _plain(_("Save"), 24),
        "close": _plain(_("Cancel"), 24),
        "blocks": blocks,
    }


def _input_block(name: str, value: str) -> dict[str, Any]:
    field = BY_NAME[name]
    value = without_bidi(value)  # prefilled from a contact stored before they were dropped
    element: dict[str, Any]
    if field.input in {"text", "multiline"}:
        element = {"type": "plain_text_input", "action_id": ACTION}
        if field.limit:
            element["max_length"] = field.limit
        if field.input == "multiline":
            element["multiline"] = True
        if value:
            element["initial_value"] = value
    elif field.input == "email":
        element = {"type": "email_text_input", "action_id": ACTION}
        if value:
            element["initial_value"] = value
    elif field.input == "country":
        element = {
            "type": "external_select",
            "action_id": ACTION,
            "min_query_length": 1,
            "placeholder": _plain(_("Type a country, e.g. Finland")),
        }
        if value:
            element["initial_option"] = country_option(value)
    elif field.input == "kind":
        options = [{"text": _plain(kind_label(kind)), "value": kind} for kind in KINDS]
        element = {"type": "static_select", "action_id": ACTION, "options": options}
        if value in KINDS:
            element["initial_option"] = next(o for o in options if o["value"] == value)
    elif field.input in {"direction", "programme"}:
        element = choice_select(field.input, value)
    elif field.input == "number":
        element = {"type": "number_input", "action_id": ACTION, "is_decimal_allowed": False, "min_value": "0"}
        if value:
            element["initial_value"] = value
    elif field.input == "date":
        element = {"type": "datepicker", "action_id": ACTION}
        if value:
            element["initial_date"] = value
    else:  # toggle: children and youth
        option = {"text": _plain(_("Children or young people take part")), "value": YOUTH_OPTION}
        element = {"type": "checkboxes", "action_id": ACTION, "options": [option]}
        if value == "yes":
            element["initial_options"] = [option]
    block: dict[str, Any] = {
        "type": "input",
        "block_id": name,
        "label": _plain(field.shown_label(), 2000),
        "element": element,
        # Kind and date have defaults (other, today), so only the required fields must be filled.
        "optional": not field.required and field.input not in {"kind", "date"},
    }
    hint = field.shown_hint()
    if hint:
        block["hint"] = _plain(hint, 2000)
    return block


def choice_select(kind: str, value: str) -> dict[str, Any]:
    """A select of the directions or the programmes, `value` chosen if it is one."""
    choices, label = (DIRECTIONS, direction_label) if kind == "direction" else (PROGRAMMES, programme_label)
    options = [{"text": _plain(label(choice)), "value": choice} for choice in choices]
    element: dict[str, Any] = {"type": "static_select", "action_id": ACTION, "options": options}
    if value in choices:
        element["initial_option"] = next(o for o in options if o["value"] == value)
    return element


def personal_data_block(name: str, privacy_url: str | None) -> dict[str, Any]:
    """A note that the field above holds personal data, linking the privacy notice if there is one."""
    text = escape(personal_data_note())
    if privacy_url:
        text += f" <{privacy_url}|{escape(privacy_link_text())}>"
    return {"type": "context", "block_id": f"{name}_privacy", "elements": [{"type": "mrkdwn", "text": text}]}


def submitted_values(view: Any) -> dict[str, str]:
    """The form's fields as text, the way the inline command would give them.

    Anything of an unexpected shape counts as not filled in.
    """
    state = _dict(_dict(_dict(view).get("state")).get("values"))
    values: dict[str, str] = {}
    for name in (f.name for f in FIELDS):
        element = _dict(_dict(state.get(name)).get(ACTION))
        kind = element.get("type")
        if kind == "checkboxes":
            chosen = element.get("selected_options")
            chosen = chosen if isinstance(chosen, list) else []
            values[name] = "yes" if any(_dict(o).get("value") == YOUTH_OPTION for o in chosen) else "no"
        elif kind in {"external_select", "static_select"}:
            values[name] = _text(_dict(element.get("selected_option")).get("value"))
        elif kind == "datepicker":
            values[name] = _text(element.get("selected_date"))
        elif element:
            values[name] = _text(element.get("value"))
    return values


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def contact_id_of(view: Any) -> int | None:
    """The contact an edit form is about, None for a new one."""
    try:
        value = json.loads(_dict(view).get("private_metadata") or "{}").get("id")
    except (json.JSONDecodeError, AttributeError, TypeError):
        return None
    return value if isinstance(value, int) else None


def message_modal(title: str, text: str) -> dict[str, Any]:
    """A modal that only shows `text` (what the form saved)."""
    return {
        "type": "modal",
        "title": _plain(title, 24),
        "close": _plain(_("Close"), 24),
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": shorten_block(text)}}],
    }


def shorten_block(text: str, limit: int = 3000) -> str:
    """Text cut to fit one section block (Slack allows 3000 characters)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
