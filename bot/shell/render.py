"""Reply structure as plain terminal text."""

from __future__ import annotations

import re
from collections.abc import Iterable

from handlers.markup import Block, Text, blocks_plain

# Control characters could move a terminal's cursor or change its colours; bidi controls
# (U+202A-U+202E, U+2066-U+2069) reorder what follows them on the line.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def render(blocks: Iterable[Block]) -> str:
    """Blocks as plain lines, without marks or control characters."""
    return _CONTROL.sub("", blocks_plain(blocks))


def render_text(text: Text) -> str:
    """One line of text, plain."""
    return _CONTROL.sub("", text.plain())
