"""Small text helpers: tidying what users typed, folding it for matching, shortening it."""

from __future__ import annotations

import re
import unicodedata

from storage.folding import fold

__all__ = ["fold", "shorten", "tidy", "visible", "without_bidi"]

_SPACES = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# Bidi embedding, override and isolate controls (LRE, RLE, PDF, LRO, RLO; LRI, RLI, FSI, PDI):
# they reorder the text that follows on screen, so `‮fdp.exe` shows as `exe.pdf`.
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def tidy(value: str) -> str:
    """Text as stored: control characters and bidi controls dropped, NFC-normalised, outer
    spaces trimmed."""
    return unicodedata.normalize("NFC", BIDI_CONTROLS.sub("", _CONTROL.sub("", value))).strip()


def without_bidi(value: str) -> str:
    """`value` without bidi controls, for echoing text that may have been stored before `tidy`
    dropped them."""
    return BIDI_CONTROLS.sub("", value)


def visible(value: str) -> bool:
    """Whether `value` shows anything: not only invisible format characters (zero-width
    spaces and joiners, Unicode category Cf) and whitespace."""
    return any(not char.isspace() and unicodedata.category(char) != "Cf" for char in value)


def shorten(value: str, limit: int) -> str:
    """`value` cut to at most `limit` characters, with an ellipsis when cut."""
    value = _SPACES.sub(" ", value).strip()
    if len(value) <= limit:
        return value
    return value[: max(0, limit - 1)].rstrip() + "…"
