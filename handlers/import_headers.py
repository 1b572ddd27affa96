"""Which contact field a spreadsheet column holds, from its header as people write it.

Headers are matched through the one field table (handlers/fields.py): a field's keys,
its label in English and Swedish and the column name of our own export, plus a few
common synonyms below. Matching ignores case, accents, spaces, hyphens, marks such as
`*` or `:` and anything in brackets, so `E-post`, `epost`, `E-POST (valfritt)` and
`Email*` all find the e-mail field. A new field in the table is matched with no change here.
"""

from __future__ import annotations

import re
from functools import cache

from handlers.fields import FIELDS
from handlers.i18n import translations
from handlers.text import fold

# Words people use for a field's column that the table does not list as keys or labels.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "org": ("organisationsnamn", "motpart", "counterpart", "partner", "partnerorganisation", "company",
            "företag", "organisation name"),
    "country": ("landskod", "country code", "nation"),
    "kind": ("type", "kontakttyp", "typ av kontakt", "contact type", "kategori", "category"),
    "date": ("kontaktdatum", "mötesdatum", "contact date", "meeting date", "datum för kontakten", "when",
             "när"),
    "youth": ("barn och ungdom", "barn och unga", "ungdomar", "young people", "children", "youth related"),
    "unit": ("avdelning", "department", "administration", "verksamhet", "nämnd", "förvaltningen"),
    "summary": ("beskrivning", "description", "anteckningar", "notes", "ärende", "subject", "innehåll"),
    "benefit": ("nytta för båda", "mutual gain"),
    "followup": ("nästa steg", "next steps", "follow up"),
    "city": ("town", "stad/ort"),
    "person": ("contact name", "kontaktpersonens namn", "namn på kontaktperson"),
    "email": ("mail", "mejl", "e-postadress", "epostadress", "email address", "e-mail address"),
}  # fmt: skip

# Columns that are not fields a person fills in but that an import understands.
ID = "id"
LOGGED = "logged"
EXTRA: dict[str, tuple[str, ...]] = {
    ID: ("id", "nr", "nummer", "number", "kontakt nr", "#"),
    LOGGED: ("logged", "loggad", "created_at", "logged at", "loggad den", "registrerad"),
}
# Columns of our own exports that an import leaves out (they describe the record, not the contact).
IGNORED = (
    "logged by", "loggad av", "logged_by", "logged_by_name", "platform", "plattform", "updated_at",
    "withdrawn", "återkallad", "withdrawn_at", "withdrawn_by", "withdrawn_by_name", "withdrawn_reason",
    "withdrawal reason", "skäl för återkallelse", "ändrad", "updated",
)  # fmt: skip

_BRACKETS = re.compile(r"[\(\[].*?[\)\]]")
_NOT_LETTERS = re.compile(r"[^a-z0-9#]+")


def normalise(header: str) -> str:
    """`"E-post (valfritt)*"` -> `"epost"`: folded, without brackets, marks or spaces."""
    folded = fold(_BRACKETS.sub(" ", header))
    return _NOT_LETTERS.sub("", folded)


def _names(field_name: str, attribute: str, keys: tuple[str, ...], label: str) -> list[str]:
    swedish = translations("sv").gettext(label)
    return [*keys, field_name, attribute, label, swedish, *SYNONYMS.get(field_name, ())]


@cache
def header_index() -> dict[str, str]:
    """Normalised header -> field name (or ID, LOGGED, or "" for a column to leave out)."""
    index: dict[str, str] = {}
    for name in IGNORED:
        index[normalise(name)] = ""
    for name, words in EXTRA.items():
        for word in words:
            index[normalise(word)] = name
    for f in FIELDS:
        for word in _names(f.name, f.attribute, f.keys, f.label):
            index[normalise(word)] = f.name
    return index


def match_header(header: object) -> str | None:
    """The field a column holds: a field name, ID, LOGGED, "" (known, left out), or None (unknown)."""
    if header is None:
        return None
    key = normalise(str(header))
    if not key:
        return None
    return header_index().get(key)
