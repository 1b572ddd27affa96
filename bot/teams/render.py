"""Turns a handler's Reply into the text of a Teams message (textFormat "markdown").

Replies use the neutral markup of handlers/replies.py: `*bold*`, `` `code` ``, new lines, and
`&amp;`/`&lt;`/`&gt;` around user text. Teams reads Markdown mixed with a little HTML, so
everything that is not our own markup is neutralised: `<`, `>` and `&` become entities (an
`<at>` typed by a user stays text, never a mention), Markdown's marks are escaped, and a line
never starts a heading. (A `*word*` inside user text still reads as bold: the neutral markup
does not escape `*`, on Slack either.)

This is the only place that knows how a reply looks in Teams; keep the call site to
`render_text`.
"""

from __future__ import annotations

import re

from handlers.replies import Reply
from handlers.text import unescape

_MARKUP = re.compile(r"`([^`\n]+)`|\*([^*\n]+)\*")
_MARKDOWN = re.compile(r"([\\*_`\[\]~])")
_HEADING = re.compile(r"^(\s*)#", re.MULTILINE)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def render_text(reply: Reply) -> str:
    """The reply as Teams Markdown: bold is `**…**`, code stays in backticks, lines break."""
    markup = _CONTROL.sub("", reply.text.replace("\r\n", "\n"))
    parts: list[str] = []
    position = 0
    for match in _MARKUP.finditer(markup):
        parts.append(_plain(markup[position : match.start()]))
        code, bold = match.groups()
        if code is not None:
            parts.append("`" + _html(unescape(code)) + "`")
        else:
            parts.append("**" + _plain(bold) + "**")
        position = match.end()
    parts.append(_plain(markup[position:]))
    return _lines(_HEADING.sub(r"\1\\#", "".join(parts)))


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _plain(markup: str) -> str:
    """Text outside our marks: entities undone, then made inert for Markdown and HTML."""
    return _MARKDOWN.sub(r"\\\1", _html(unescape(markup)))


def _lines(text: str) -> str:
    """New lines as `<br>` (Teams joins single new lines), leading spaces kept."""
    lines = text.split("\n")
    kept = [line.replace("    ", "&nbsp;" * 4, 1) if line.startswith("    ") else line for line in lines]
    return "<br>".join(kept)
