"""Folding text for matching: lower case, no accents, single spaces."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def fold(value: str) -> str:
    """Lower case, accents removed, spaces collapsed: "  Malmö " -> "malmo"."""
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACES.sub(" ", stripped).strip()
