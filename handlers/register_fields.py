"""The register's own fields: direction of a visit, funding programme and numbers of participants.

Each closed choice is stored as a short English code and shown in the reader's language;
typed words are matched without regard to case, accents, spaces or punctuation, so
`Erasmus+`, `erasmus plus` and `ERASMUS` are one programme and `utgående` and `utgaende`
one direction.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from handlers.fields import field_label
from handlers.i18n import LANGUAGES, N_, _, translations
from handlers.markup import say
from handlers.text import fold

if TYPE_CHECKING:
    from handlers.validation import ContactData
    from storage.models import Contact

# Stored value -> label (translated where shown).
DIRECTIONS: dict[str, str] = {
    "incoming": N_("Incoming (a visit here)"),
    "outgoing": N_("Outgoing (a trip there)"),
    "digital": N_("Digital or other"),
}
PROGRAMMES: dict[str, str] = {
    "erasmus": "Erasmus+",
    "interreg": "Interreg",
    "icld": "ICLD",
    "nordplus": "Nordplus",
    "cerv": N_("Europe for Citizens/CERV"),
    "other": N_("Other programme"),
    "none": N_("No programme"),
}
# The most people one contact may count: far above any delegation, well inside a 32-bit integer.
MAX_PARTICIPANTS = 100_000

_DIRECTION_WORDS = {
    "incoming": ("incoming", "in", "inkommande", "ankommande", "besok", "visit", "visit here", "hit"),
    "outgoing": ("outgoing", "out", "utgaende", "utresa", "resa", "trip", "dit", "travel"),
    "digital": ("digital", "digitalt", "online", "distans", "other", "annat", "ovrigt", "annan"),
}
_PROGRAMME_WORDS = {
    "erasmus": ("erasmus", "erasmus+", "erasmusplus", "erasmus plus"),
    "interreg": ("interreg",),
    "icld": ("icld",),
    "nordplus": ("nordplus",),
    "cerv": (
        "cerv",
        "europa for medborgarna",
        "europe for citizens",
        "efm",
        "europa for medborgarna/cerv",
        "europe for citizens/cerv",
    ),
    "other": ("other", "annat", "annan", "ovrigt", "other programme", "annat program"),
    "none": ("none", "inget", "ingen", "no", "nej", "no programme", "inget program"),
}


def _key(text: str) -> str:
    """Folded, with spaces, dashes, underscores, dots and slashes gone: `Erasmus +` -> `erasmus+`."""
    return re.sub(r"[\s\-_./]+", "", fold(text))


_DIRECTION_LOOKUP = {_key(word): value for value, words in _DIRECTION_WORDS.items() for word in words}
_PROGRAMME_LOOKUP = {_key(word): value for value, words in _PROGRAMME_WORDS.items() for word in words}
# The labels as shown, in both languages, are accepted too (a value copied from `show`).
for _language in LANGUAGES:
    _DIRECTION_LOOKUP |= {_key(translations(_language).gettext(t)): v for v, t in DIRECTIONS.items()}
    _PROGRAMME_LOOKUP |= {_key(translations(_language).gettext(t)): v for v, t in PROGRAMMES.items()}


def find_direction(text: str) -> str | None:
    """The stored direction for a word in either language (`inkommande`, `out`), else None."""
    return _DIRECTION_LOOKUP.get(_key(text))


def find_programme(text: str) -> str | None:
    """The stored programme for a name in either language (`Erasmus+`, `Europa för medborgarna`)."""
    key = _key(text)
    found = _PROGRAMME_LOOKUP.get(key) or _PROGRAMME_LOOKUP.get(key.rstrip("+"))
    if found is None and key.startswith("interreg"):
        return "interreg"  # Interreg Aurora, Interreg Baltic Sea Region, …
    if found is None and key.startswith("erasmus"):
        return "erasmus"
    return found


def direction_label(value: str) -> str:
    """The direction in the current language."""
    return _(DIRECTIONS.get(value, value))


def programme_label(value: str) -> str:
    """The programme in the current language."""
    return _(PROGRAMMES.get(value, value))


def direction_names() -> str:
    """The accepted words, for help and errors: `incoming/inkommande, …`."""
    swedish = {"incoming": "inkommande", "outgoing": "utgående", "digital": "digitalt"}
    return ", ".join(f"{value}/{swedish[value]}" for value in DIRECTIONS)


def programme_names() -> str:
    """The accepted programme names, for help and errors."""
    return "Erasmus+, Interreg, ICLD, Nordplus, CERV, other/annat, none/inget"


def check_count(text: str, label: str) -> int:
    """A number of people: a whole number from 0 to MAX_PARTICIPANTS; ValueError saying what to fix."""
    digits = text.replace(" ", "").replace("\u00a0", "")
    if not digits.isascii() or not digits.isdigit():
        raise ValueError(
            say(
                _("{field} takes a number of people, like 12, not “{value}”."),
                field=label,
                value=text,
            )
        )
    number = int(digits)
    if number > MAX_PARTICIPANTS:
        raise ValueError(
            say(
                _("{field} is {number}; at most {limit} people fit on one contact."),
                field=label,
                number=number,
                limit=MAX_PARTICIPANTS,
            )
        )
    return number


def check_register_field(name: str, text: str) -> object:
    """The stored value of `direction`, `programme`, `participants` or `young` typed as `text`
    (not empty); ValueError saying what to fix."""
    if name == "direction":
        direction = find_direction(text)
        if direction is None:
            raise ValueError(
                say(
                    _("Unknown direction “{value}”. Use one of: {directions}."),
                    value=text,
                    directions=direction_names(),
                )
            )
        return direction
    if name == "programme":
        programme = find_programme(text)
        if programme is None:
            raise ValueError(
                say(
                    _("Unknown programme “{value}”. Use one of: {programmes}."),
                    value=text,
                    programmes=programme_names(),
                )
            )
        return programme
    if name == "young" and fold(text) in {"ja", "nej", "yes", "no"}:
        raise ValueError(
            say(
                _(
                    "Young participants takes a number of people, like 12. "
                    "For the children and youth mark, write youth={value}."
                ),
                value=text,
            )
        )
    return check_count(text, field_label(name))


def register_values(data: ContactData) -> dict[str, Any]:
    """The register's fields of checked data, as the store takes them."""
    return {
        "dnr": data.dnr,
        "direction": data.direction,
        "participants": data.participants,
        "young_participants": data.young,
        "programme": data.programme,
        "project_ref": data.project_ref,
    }


def register_form_values(contact: Contact) -> dict[str, str | None]:
    """The register's fields of a stored contact, as the forms show them."""
    numbers = {"participants": contact.participants, "young": contact.young_participants}
    return {
        "dnr": contact.dnr,
        "direction": contact.direction,
        "programme": contact.programme,
        "project_ref": contact.project_ref,
        **{name: None if number is None else str(number) for name, number in numbers.items()},
    }


def register_facts(contact: Contact) -> list[tuple[str, str]]:
    """(field name, value as shown) of the register's fields that the contact has."""
    facts: list[tuple[str, str]] = []
    if contact.dnr:
        facts.append(("dnr", contact.dnr))
    if contact.direction:
        facts.append(("direction", direction_label(contact.direction)))
    if contact.participants is not None:
        facts.append(("participants", str(contact.participants)))
    if contact.young_participants is not None:
        facts.append(("young", str(contact.young_participants)))
    if contact.programme:
        facts.append(("programme", programme_label(contact.programme)))
    if contact.project_ref:
        facts.append(("project_ref", contact.project_ref))
    return facts
