"""The kinds of international contact the strategy names, with their Swedish aliases."""

from __future__ import annotations

from handlers.i18n import N_, _
from handlers.text import fold

# Stored value -> label (translated where shown).
KINDS: dict[str, str] = {
    "twin-town": N_("Twin town"),
    "eu-project": N_("EU project"),
    "school": N_("School or youth exchange"),
    "association": N_("Association"),
    "business": N_("Business"),
    "visit": N_("Study visit"),
    "conference": N_("Conference"),
    "other": N_("Other"),
}

_SWEDISH = {
    "vänort": "twin-town",
    "eu-projekt": "eu-project",
    "skola": "school",
    "förening": "association",
    "näringsliv": "business",
    "studiebesök": "visit",
    "konferens": "conference",
    "övrigt": "other",
}

_LOOKUP = {fold(name): kind for name, kind in _SWEDISH.items()} | {kind: kind for kind in KINDS}
_LOOKUP |= {"twintown": "twin-town", "twin town": "twin-town", "eu": "eu-project"}
_LOOKUP |= {"euprojekt": "eu-project", "eu projekt": "eu-project", "eu project": "eu-project"}


def find_kind(value: str) -> str | None:
    """The stored kind for an English or Swedish name ("vänort", "twin-town"), else None."""
    return _LOOKUP.get(fold(value).replace("_", "-"))


def kind_label(kind: str) -> str:
    """The kind's label in the current language."""
    return _(KINDS.get(kind, kind))


def kind_names() -> str:
    """The accepted names, for help and error messages: "twin-town/vänort, …"."""
    swedish = {kind: name for name, kind in _SWEDISH.items()}
    return ", ".join(f"{kind}/{swedish[kind]}" for kind in KINDS)
