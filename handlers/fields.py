"""The one table of a contact's fields.

The line parser, the validator, the Slack modal, the Teams form, help and the export
all read this table, so a field is described once: its keys in both languages, its
label, its limit, whether it is required, how it is entered and its hint.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from handlers.i18n import N_, _, current_language

Input = Literal[
    "text", "multiline", "country", "kind", "date", "toggle", "email", "direction", "programme", "number"
]


@dataclass(frozen=True)
class Field:
    """One field of a contact."""

    name: str
    attribute: str
    english: tuple[str, ...]
    swedish: tuple[str, ...]
    label: str
    input: Input = "text"
    limit: int | None = None
    required: bool = False
    hint: str | None = None
    personal: bool = False

    @property
    def keys(self) -> tuple[str, ...]:
        """Every key a user may type for this field."""
        return self.english + self.swedish

    def shown_label(self) -> str:
        """The label in the current language."""
        return _(self.label)

    def shown_hint(self) -> str | None:
        """The hint in the current language, if the field has one."""
        return _(self.hint) if self.hint else None


# In the order the forms show them.
FIELDS: tuple[Field, ...] = (
    Field("org", "organisation", ("org", "organisation", "organization"), ("organisationen",),
          N_("Organisation"), limit=200, required=True),
    Field("country", "country", ("country",), ("land",), N_("Country"), input="country", required=True),
    Field("kind", "kind", ("kind",), ("typ",), N_("Kind"), input="kind"),
    Field("date", "contact_date", ("date",), ("datum",), N_("Date"), input="date"),
    Field("youth", "youth", ("youth",), ("ungdom",), N_("Children and youth"), input="toggle"),
    # The register's own fields: the case, the direction, the people, the funding.
    Field("dnr", "dnr", ("dnr", "case-number", "case_number"), ("dnr", "diarienummer"),
          N_("Case number (dnr)"), limit=100, hint=N_("The case in the municipality's registry, if any.")),
    Field("direction", "direction", ("direction",), ("riktning",), N_("Direction"), input="direction"),
    Field("participants", "participants", ("participants",), ("deltagare",), N_("Participants"),
          input="number", hint=N_("How many people took part, all of them.")),
    Field("young", "young_participants", ("young_participants", "young-participants", "young"),
          ("unga", "unga_deltagare", "unga-deltagare"), N_("Young participants"), input="number",
          hint=N_("Of them, how many children and young people.")),
    Field("programme", "programme", ("programme", "program"), ("program",), N_("Programme"),
          input="programme"),
    Field("project_ref", "project_ref", ("project_ref", "project-ref", "projectref"),
          ("projektref", "projektreferens"), N_("Project reference"), limit=100),
    Field("unit", "unit", ("unit",), ("enhet", "förvaltning"), N_("Unit"), limit=100),
    Field("summary", "summary", ("summary",), ("sammanfattning",), N_("Summary"), input="multiline",
          limit=3000, required=True, hint=N_("What the contact was about, in a few sentences.")),
    Field("benefit", "benefit", ("benefit",), ("nytta",), N_("Mutual benefit"), input="multiline",
          limit=2000, hint=N_("What both sides gain: the strategy asks for mutual benefit.")),
    Field("followup", "followup", ("followup", "follow-up"), ("uppföljning",), N_("Follow-up"),
          input="multiline", limit=1000),
    Field("city", "city", ("city",), ("ort", "stad"), N_("City"), limit=100),
    Field("person", "person", ("person",), ("kontaktperson",), N_("Contact person"), limit=200,
          personal=True),
    Field("email", "email", ("email", "e-mail"), ("epost", "e-post"), N_("Email"), input="email",
          limit=254, personal=True),
)  # fmt: skip

BY_NAME: dict[str, Field] = {f.name: f for f in FIELDS}
# Every key a user may type -> the field's name.
KEYS: dict[str, str] = {key: f.name for f in FIELDS for key in f.keys}
REQUIRED: tuple[str, ...] = tuple(f.name for f in FIELDS if f.required)
LIMITS: dict[str, int] = {f.name: f.limit for f in FIELDS if f.limit is not None}


def field_label(name: str) -> str:
    """The field's label in the current language."""
    found = BY_NAME.get(name)
    return found.shown_label() if found else name


def keys_shown() -> str:
    """`org, country/land, …`: each field's first English and Swedish key, for help and errors."""
    parts = []
    for f in FIELDS:
        english, swedish = f.english[0], f.swedish[0]
        first, second = (swedish, english) if current_language() == "sv" else (english, swedish)
        parts.append(english if f.name == "org" or first == second else f"{first}/{second}")
    return ", ".join(parts)
