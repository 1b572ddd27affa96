"""Small text helpers: folding for matching, and escaping for echoing what users typed."""

from __future__ import annotations

import re
import unicodedata

from storage.folding import fold

__all__ = ["escape", "fold", "shorten", "tidy", "unescape"]

_SPACES = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def tidy(value: str) -> str:
    """Text as stored: control characters dropped, NFC-normalised, outer spaces trimmed."""
    return unicodedata.normalize("NFC", _CONTROL.sub("", value)).strip()


def escape(value: str) -> str:
    """User text made safe to echo in a reply.

    Replies use Slack-style markup, where `&`, `<` and `>` are the only control
    characters: escaped, `<!channel>` or `<@U123>` stay text instead of becoming a
    mention or a link. Other platforms' adapters undo or translate these entities.
    """
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(value: str) -> str:
    """The inverse of `escape` (Slack sends slash command text escaped this way)."""
    return value.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def shorten(value: str, limit: int) -> str:
    """`value` cut to at most `limit` characters, with an ellipsis when cut."""
    value = _SPACES.sub(" ", value).strip()
    if len(value) <= limit:
        return value
    return value[: max(0, limit - 1)].rstrip() + "…"
