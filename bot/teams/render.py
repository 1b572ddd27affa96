"""Reply structure as what Teams shows: a Markdown message, or an Adaptive Card.

User text arrives as plain spans and must show literally. Teams reads message text as
Markdown and as HTML (`<at>…</at>` mentions, tags), and a card's TextBlock as Markdown,
so every Markdown special and `<`, `>`, `&` gets a CommonMark backslash escape, and a
line that would start a list, a quote, a heading or a code block is made inert. Bidi controls
are dropped, so that text stored before `tidy` dropped them cannot reorder what follows.

Line breaks: Teams joins lines that are separated by a single newline (as CommonMark
does), so lines that must stay apart are separate paragraphs, with a blank line between
them. We never use `<br>`: it would be the only HTML in messages whose `<` we otherwise
escape, and plain CommonMark paragraphs render the same on desktop, web and mobile.
Only a bullet list uses single newlines, which is how Markdown separates list items.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from handlers.markup import (
    Block,
    Bullets,
    ContactRow,
    ContactTable,
    Facts,
    Heading,
    Paragraph,
    Text,
    blocks_plain,
    row_heading,
)
from handlers.text import shorten, without_bidi

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
CARD_VERSION = "1.5"
CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"

# Everything that Markdown, Teams' HTML or its mentions could read as markup.
SPECIALS = frozenset("\\*_~`#[]()<>|&!")
_LIST_START = re.compile(r"([-+=])|(\d{1,9})([.)])")
_NBSP = "\u00a0"
PARAGRAPH_BREAK = "\n\n"


def escape(value: str, line_start: bool = True) -> str:
    """`value` shown literally in Teams Markdown; each of its lines kept apart as a paragraph.

    `line_start`: whether the text begins a line (where `-`, `+`, `1.` would start a list).
    """
    lines = without_bidi(value).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return PARAGRAPH_BREAK.join(
        _escape_line(line, line_start or index > 0) for index, line in enumerate(lines)
    )


def _escape_line(line: str, line_start: bool) -> str:
    out = "".join("\\" + char if char in SPECIALS else char for char in line)
    if not line_start:
        return out
    rest = out.lstrip(" \t")
    # Four leading spaces would make a code block: keep the indent as no-break spaces.
    indent = _NBSP * (len(out) - len(rest))
    match = _LIST_START.match(rest)
    if match and match.group(1):
        rest = "\\" + rest
    elif match:
        digits = match.group(2)
        rest = digits + "\\" + rest[len(digits) :]
    return indent + rest


def _strong(value: str) -> str:
    inner = escape(value.strip(), line_start=False)
    if not inner:
        return escape(value, line_start=False)
    # `** x**` is not emphasis in Markdown: keep the spaces outside the marks.
    lead = value[: len(value) - len(value.lstrip())]
    trail = value[len(value.rstrip()) :]
    return f"{lead}**{inner}**{trail}"


def inline(text: Text, card: bool = False) -> str:
    """Inline text as Teams Markdown: strong spans bold, code spans as code.

    Adaptive Cards have no code spans (and their Markdown subset shows backticks as they
    are), so in a card (`card=True`) a command to type is shown in bold instead.
    """
    out: list[str] = []
    at_start = True
    for span in text:
        if span.style == "strong" and span.text.strip():
            out.append(_strong(span.text))
        elif span.style == "code" and span.text.strip():
            value = without_bidi(span.text).replace("`", "ˋ")
            if card:
                out.append(_strong(value))
            elif any(char in value for char in "<>&"):
                # Inside a code span nothing can be escaped, so one that holds `<`, `>` or `&`
                # (which Teams might read as HTML) is shown between literal backticks.
                out.append(f"\\`{escape(value, line_start=False)}\\`")
            else:
                out.append(f"`{value}`")
        else:
            out.append(escape(span.text, line_start=at_start))
        at_start = span.text.endswith("\n") if span.text else at_start
    return "".join(out)


def heading(text: Text) -> str:
    """A heading as bold text (Teams messages have no heading levels)."""
    return _strong(text.plain()) if text.plain().strip() else ""


def row_head(row: ContactRow) -> str:
    """`**#12** · 2026-11-20 · Rovaniemen kaupunki (Finland) · Twin town`."""
    parts = [escape(part, line_start=False) for part in row_heading(row)]
    parts[0] = f"**{parts[0]}**"
    return " · ".join(parts)


def render_block(block: Block) -> str:
    """One block as Teams Markdown."""
    if isinstance(block, Heading):
        return heading(block.text)
    if isinstance(block, Paragraph):
        return inline(block.text)
    if isinstance(block, Bullets):
        # A list item's further paragraphs are indented to stay inside the item.
        return "\n".join("- " + inline(item).replace("\n\n", "\n\n  ") for item in block.items)
    if isinstance(block, Facts):
        return PARAGRAPH_BREAK.join(f"{_strong(label + ':')} {inline(value)}" for label, value in block.pairs)
    assert isinstance(block, ContactTable)
    return PARAGRAPH_BREAK.join(row_head(row) + PARAGRAPH_BREAK + escape(row.summary) for row in block.rows)


def render_text(blocks: Iterable[Block]) -> str:
    """A reply as one Teams Markdown message."""
    return PARAGRAPH_BREAK.join(text for text in (render_block(b) for b in blocks) if text)


# -- Adaptive Cards ---------------------------------------------------------------------------


def text_block(text: str, **style: Any) -> dict[str, Any]:
    """A wrapping TextBlock holding Markdown that is already escaped."""
    return {"type": "TextBlock", "text": text, "wrap": True, **style}


def card(body: Sequence[dict[str, Any]], actions: Sequence[dict[str, Any]] = ()) -> dict[str, Any]:
    """An Adaptive Card 1.5 with `body` and `actions`, as wide as Teams allows."""
    result: dict[str, Any] = {
        "type": "AdaptiveCard",
        "$schema": CARD_SCHEMA,
        "version": CARD_VERSION,
        "body": list(body),
        "msteams": {"width": "Full"},
    }
    if actions:
        result["actions"] = list(actions)
    return result


def card_elements(block: Block) -> list[dict[str, Any]]:
    """One block as card elements."""
    if isinstance(block, Heading):
        text = escape(block.text.plain())
        return [text_block(text, size="Medium", weight="Bolder")] if text.strip() else []
    if isinstance(block, Paragraph):
        text = inline(block.text, card=True)
        return [text_block(text)] if text else []
    if isinstance(block, Bullets):
        items = ["- " + inline(item, card=True).replace("\n\n", " ") for item in block.items]
        return [text_block("\n".join(items))] if items else []
    if isinstance(block, Facts):
        facts = [{"title": escape(label), "value": inline(value, card=True)} for label, value in block.pairs]
        return [{"type": "FactSet", "facts": facts}] if facts else []
    assert isinstance(block, ContactTable)
    return [contact_container(row) for row in block.rows]


def contact_container(row: ContactRow) -> dict[str, Any]:
    """One contact: its head line, and the summary below it."""
    return {
        "type": "Container",
        "separator": True,
        "items": [text_block(row_head(row)), text_block(escape(row.summary), isSubtle=True, spacing="Small")],
    }


def render_card(blocks: Iterable[Block]) -> dict[str, Any]:
    """A reply as an Adaptive Card (for replies with facts or a contact table)."""
    return card([element for block in blocks for element in card_elements(block)])


def needs_card(blocks: Sequence[Block]) -> bool:
    """Whether a reply reads better as a card: it holds a contact table or facts."""
    return any(isinstance(block, ContactTable | Facts) for block in blocks)


def attachment(content: dict[str, Any]) -> dict[str, Any]:
    """An Adaptive Card as a message attachment."""
    return {"contentType": CARD_CONTENT_TYPE, "content": content}


def reply_activity(blocks: Sequence[Block]) -> dict[str, Any]:
    """The activity fields of a reply: Markdown text, or a card with a plain summary.

    With a card the `text` is left out, since Teams would show it above the card as well;
    `summary` is what notifications and clients that cannot show cards display instead.
    """
    blocks = list(blocks)
    if needs_card(blocks):
        summary = shorten(blocks_plain(blocks), 200)
        return {"type": "message", "summary": summary, "attachments": [attachment(render_card(blocks))]}
    return {"type": "message", "text": render_text(blocks), "textFormat": "markdown"}
