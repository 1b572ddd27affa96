"""Reply structure as Slack mrkdwn.

Slack reads `&`, `<` and `>` as control characters (`<@U123>`, `<!channel>`, links), so
every span is escaped; emphasis and code marks come only from the structure.
"""

from __future__ import annotations

from collections.abc import Iterable

from handlers.markup import (
    Block,
    Bullets,
    ContactRow,
    ContactTable,
    Facts,
    Heading,
    Paragraph,
    Text,
    row_heading,
)
from handlers.text import without_bidi


def escape(value: str) -> str:
    """Text made inert in mrkdwn: `<!channel>` stays text, never a mention or a link; bidi
    controls (in text stored before they were dropped) cannot reorder what follows."""
    return without_bidi(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(value: str) -> str:
    """The inverse of `escape` (Slack sends slash command text escaped this way)."""
    return value.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def mrkdwn(text: Text) -> str:
    """Inline text as mrkdwn."""
    out = []
    for span in text:
        value = escape(span.text)
        if span.style == "strong" and value.strip():
            out.append(f"*{value.replace('*', '∗')}*")
        elif span.style == "code" and value.strip():
            out.append(f"`{value.replace('`', 'ˋ')}`")
        else:
            out.append(value)
    return "".join(out)


def contact_line(row: ContactRow) -> str:
    """`*#12* · 2026-11-20 · Rovaniemen kaupunki (Finland) · Twin town` and the summary below."""
    parts = [escape(p) for p in row_heading(row)]
    parts[0] = f"*{parts[0]}*"
    return " · ".join(parts) + "\n    " + escape(row.summary)


def render_block(block: Block) -> str:
    """One block as mrkdwn lines."""
    if isinstance(block, Heading):
        return f"*{escape(block.text.plain()).replace('*', '∗')}*"
    if isinstance(block, Paragraph):
        return mrkdwn(block.text)
    if isinstance(block, Bullets):
        return "\n".join(f"• {mrkdwn(item)}" for item in block.items)
    if isinstance(block, Facts):
        return "\n".join(f"{escape(label)}: {mrkdwn(value)}" for label, value in block.pairs)
    assert isinstance(block, ContactTable)
    return "\n".join(contact_line(row) for row in block.rows)


def render(blocks: Iterable[Block]) -> str:
    """A reply as one mrkdwn message."""
    return "\n".join(render_block(block) for block in blocks)
