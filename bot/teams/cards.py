"""The Adaptive Cards of the contact form in Teams, and reading what the form sends back.

The form is a dialog (task module): a small prompt card has a button that asks the bot
for the dialog (`task/fetch`), the bot answers with the form card, and the form's
submit button sends the typed values (`task/submit`). Shapes of the invoke responses
follow the Teams SDK for Python (microsoft_teams.api.models.task_module).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, Literal

from bot.teams.digest import digest_card
from bot.teams.render import CARD_CONTENT_TYPE, card, card_elements, escape, inline, text_block
from handlers.countries import suggest_countries
from handlers.fields import FIELDS, Field
from handlers.i18n import _, current_language
from handlers.kinds import KINDS, kind_label
from handlers.markup import Block, Text
from handlers.privacy import personal_data_note, privacy_link_text
from handlers.register_fields import (
    DIRECTIONS,
    MAX_PARTICIPANTS,
    PROGRAMMES,
    direction_label,
    programme_label,
)
from handlers.text import without_bidi

FormMode = Literal["log", "edit"]
YES, NO = "yes", "no"
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def form_data(mode: FormMode, contact_id: int | None, token: str) -> dict[str, Any]:
    """What the bot needs back from a form button: which form, which contact, the form token."""
    return {"form": mode, "contact_id": contact_id, "token": token}


def form_title(contact_id: int | None) -> str:
    """ "Log a contact", or "Edit contact #12"."""
    if contact_id is None:
        return _("Log a contact")
    return _("Edit contact #{id}").format(id=contact_id)


def log_prompt_card(
    mode: FormMode, contact_id: int | None, hint_blocks: Iterable[Block], token: str
) -> dict[str, Any]:
    """A small card with `hint_blocks` and a button that opens the form dialog."""
    body = [element for block in hint_blocks for element in card_elements(block)]
    button = {
        "type": "Action.Submit",
        "title": _("Open the form"),
        "data": {"msteams": {"type": "task/fetch"}, "contactbot": form_data(mode, contact_id, token)},
    }
    return card(body, [button])


# -- the form -----------------------------------------------------------------------------------


def contact_form_card(
    values: Mapping[str, str],
    contact_id: int | None,
    errors: Mapping[str, Text | str] | None,
    token: str,
    privacy_url: str | None = None,
) -> dict[str, Any]:
    """The form to log a contact, or to edit `contact_id`, prefilled with `values`. Below the
    person and e-mail fields it says they are personal data, linking `privacy_url` if given.

    Each error from a failed submit is shown right under its field; errors that belong
    to no field are shown at the top.
    """
    errors = dict(errors or {})
    body: list[dict[str, Any]] = [text_block(escape(form_title(contact_id)), size="Medium", weight="Bolder")]
    known = {f.name for f in FIELDS}
    body += [error_block(message) for name, message in errors.items() if name not in known]
    for field in FIELDS:
        body.append(form_input(field, values.get(field.name, "")))
        if field.personal:
            note = escape(personal_data_note())
            if privacy_url:
                note += f" [{escape(privacy_link_text())}]({privacy_url})"
            body.append(text_block(note, isSubtle=True, size="Small", spacing="Small"))
        if field.name in errors:
            body.append(error_block(errors[field.name]))
    mode: FormMode = "log" if contact_id is None else "edit"
    submit = {
        "type": "Action.Submit",
        "title": _("Save"),
        "data": {"contactbot": form_data(mode, contact_id, token)},
    }
    return card(body, [submit])


def error_block(message: Text | str) -> dict[str, Any]:
    """An error in attention colour."""
    text = inline(message, card=True) if isinstance(message, Text) else escape(message)
    return text_block(text, color="Attention", spacing="Small")


def form_input(field: Field, value: str) -> dict[str, Any]:
    """The input of one field, labelled, prefilled with `value` (without bidi controls)."""
    value = without_bidi(value)
    element: dict[str, Any]
    if field.input == "date":
        element = {"type": "Input.Date"}
        if _DATE.match(value):
            element["value"] = value
    elif field.input == "toggle":
        element = {
            "type": "Input.Toggle",
            "title": _("Children or young people take part"),
            "valueOn": YES,
            "valueOff": NO,
            "value": YES if value == YES else NO,
        }
    elif field.input == "kind":
        choices = [{"title": kind_label(kind), "value": kind} for kind in KINDS]
        element = {"type": "Input.ChoiceSet", "style": "compact", "choices": choices}
        if value in KINDS:
            element["value"] = value
    elif field.input in {"direction", "programme"}:
        choices, label = (
            (DIRECTIONS, direction_label) if field.input == "direction" else (PROGRAMMES, programme_label)
        )
        element = {
            "type": "Input.ChoiceSet",
            "style": "compact",
            "choices": [{"title": label(choice), "value": choice} for choice in choices],
        }
        if value in choices:
            element["value"] = value
    elif field.input == "number":
        element = {"type": "Input.Number", "min": 0, "max": MAX_PARTICIPANTS}
        if value.isascii() and value.isdigit():
            element["value"] = int(value)
        hint = field.shown_hint()
        if hint:
            element["placeholder"] = hint
    elif field.input == "country":
        element = {
            "type": "Input.ChoiceSet",
            "style": "filtered",
            "choices": country_choices(),
            "placeholder": _("Type a country, e.g. Finland"),
        }
        if value in {choice["value"] for choice in element["choices"]}:
            element["value"] = value
    else:  # text, multiline, email
        element = {"type": "Input.Text"}
        if field.input == "multiline":
            element["isMultiline"] = True
        if field.input == "email":
            element["style"] = "Email"
        if field.limit:
            element["maxLength"] = field.limit
        if value:
            element["value"] = value
        hint = field.shown_hint()
        if hint:
            element["placeholder"] = hint
    element = {"id": field.name, "label": field.shown_label(), **element}
    if field.required:
        element["isRequired"] = True
        element["errorMessage"] = _("Fill in {field}.").format(field=_lowercase_first(field.shown_label()))
    return element


def country_choices() -> list[dict[str, str]]:
    """Every country, its name in the current language, sorted by it; the ISO code as value."""
    countries = suggest_countries("", current_language(), limit=1000)
    return [{"title": f"{name} ({code})", "value": code} for code, name in countries]


def form_values_from_submit(data: Any) -> tuple[dict[str, str], int | None, str | None]:
    """(values, contact id, form token) from a `task/submit` payload's `data`.

    The values are what the line parser and the Slack modal give: field name -> text,
    youth "yes"/"no". Anything of an unexpected shape counts as not filled in; unknown
    keys are ignored.
    """
    data = data if isinstance(data, dict) else {}
    values: dict[str, str] = {}
    for field in FIELDS:
        raw = data.get(field.name)
        if field.input == "toggle":
            values[field.name] = YES if raw in (YES, True, "true") else NO
        elif field.input == "number" and isinstance(raw, int | float) and not isinstance(raw, bool):
            values[field.name] = str(int(raw)) if float(raw).is_integer() else str(raw)
        elif isinstance(raw, str):
            values[field.name] = raw
    meta = data.get("contactbot")
    meta = meta if isinstance(meta, dict) else {}
    contact_id = meta.get("contact_id")
    if isinstance(contact_id, bool) or not isinstance(contact_id, int) or contact_id <= 0:
        contact_id = None
    token = meta.get("token")
    return values, contact_id, token if isinstance(token, str) else None


# -- invoke responses ---------------------------------------------------------------------------


def task_module_response(content: dict[str, Any], title: str) -> dict[str, Any]:
    """The invoke response that shows `content` (a card) in the dialog."""
    attachment = {"contentType": CARD_CONTENT_TYPE, "content": content}
    return {"task": {"type": "continue", "value": {"title": title, "card": attachment}}}


def task_message_response(text: str) -> dict[str, Any]:
    """The invoke response that closes the form and shows `text` in a small message box."""
    return {"task": {"type": "message", "value": text}}


__all__ = [
    "contact_form_card",
    "digest_card",
    "form_values_from_submit",
    "log_prompt_card",
    "task_message_response",
    "task_module_response",
]


def _lowercase_first(label: str) -> str:
    """A label inside a sentence: "Fill in summary."."""
    return label[:1].lower() + label[1:]
