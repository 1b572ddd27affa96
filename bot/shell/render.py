"""Turns the neutral reply markup into plain terminal text."""

from __future__ import annotations

import re

from handlers.text import unescape

_BOLD = re.compile(r"\*([^*\n]+)\*")
_CODE = re.compile(r"`([^`\n]+)`")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def plain_text(markup: str) -> str:
    """`*bold*` and `` `code` `` lose their marks, entities are undone, and control
    characters (which could move a terminal's cursor) are dropped."""
    text = _CODE.sub(r"\1", _BOLD.sub(r"\1", markup))
    return _CONTROL.sub("", unescape(text))
