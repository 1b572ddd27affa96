"""Small text helpers: tidying what users typed, folding it for matching, shortening it."""

from __future__ import annotations

import re
import unicodedata

from storage.folding import fold

__all__ = ["fold", "shorten", "tidy"]

_SPACES = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def tidy(value: str) -> str:
    """Text as stored: control characters dropped, NFC-normalised, outer spaces trimmed."""
    return unicodedata.normalize("NFC", _CONTROL.sub("", value)).strip()


def shorten(value: str, limit: int) -> str:
    """`value` cut to at most `limit` characters, with an ellipsis when cut."""
    value = _SPACES.sub(" ", value).strip()
    if len(value) <= limit:
        return value
    return value[: max(0, limit - 1)].rstrip() + "…"
