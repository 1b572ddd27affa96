"""Folding text for matching: Latin letters without accents, lower case, single spaces.

Transliteration comes from `anyascii` (a maintained table covering all of Unicode), so
letters that are not accented Latin letters fold too: Ł → l, ø → o, æ → ae, ß → ss.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from anyascii import anyascii

_SPACES = re.compile(r"\s+")


def fold(value: str) -> str:
    """ "  Malmö " -> "malmo", "Łódź" -> "lodz", "Ærøskøbing" -> "aeroskobing"."""
    if value.isascii():  # nothing to transliterate or compose: the same as below, faster
        return " ".join(value.lower().split())
    # Transliteration and case folding go letter by letter, so the pieces between spaces
    # fold on their own; imports repeat the same words many times.
    pieces = unicodedata.normalize("NFC", value).split(" ")
    return _SPACES.sub(" ", " ".join(_fold_piece(piece) for piece in pieces)).strip()


@lru_cache(maxsize=50_000)
def _fold_piece(piece: str) -> str:
    return anyascii(piece).casefold()
