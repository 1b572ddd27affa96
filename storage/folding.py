"""Folding text for matching: Latin letters without accents, lower case, single spaces.

Transliteration comes from `anyascii` (a maintained table covering all of Unicode), so
letters that are not accented Latin letters fold too: Ł → l, ø → o, æ → ae, ß → ss.
"""

from __future__ import annotations

import re
import unicodedata

from anyascii import anyascii

_SPACES = re.compile(r"\s+")


def fold(value: str) -> str:
    """ "  Malmö " -> "malmo", "Łódź" -> "lodz", "Ærøskøbing" -> "aeroskobing"."""
    text = anyascii(unicodedata.normalize("NFC", value)).casefold()
    return _SPACES.sub(" ", text).strip()
