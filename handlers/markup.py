"""What a reply is made of, free of any platform's markup.

A reply is a list of blocks (paragraphs, bullet lists, label/value facts, a table of
contacts); the text inside them is a sequence of spans, each plain, strong or code.
Translated templates mark emphasis as `*strong*` and code as `` `code` ``; `say`
reads those marks from the template only, so whatever a user typed, inserted through
a placeholder, stays data: each platform's renderer escapes it the way that platform
needs (Slack's `&<>`, Teams' Markdown and `<at>`, control characters in a terminal).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

Style = Literal["plain", "strong", "code"]
_MARK = re.compile(r"\*([^*\n]+)\*|`([^`\n]+)`")


@dataclass(frozen=True)
class Span:
    """A run of text in one style."""

    text: str
    style: Style = "plain"


@dataclass(frozen=True)
class Text:
    """Inline text: spans in order. Add two with `+`."""

    spans: tuple[Span, ...] = ()

    def __add__(self, other: Text | str) -> Text:
        other = other if isinstance(other, Text) else plain(other)
        return Text(self.spans + other.spans)

    def __radd__(self, other: str) -> Text:
        return plain(other) + self

    def __iter__(self) -> Iterator[Span]:
        return iter(self.spans)

    def __bool__(self) -> bool:
        return any(span.text for span in self.spans)

    def plain(self) -> str:
        """The text without any marks."""
        return "".join(span.text for span in self.spans)

    def __str__(self) -> str:
        return self.plain()


def plain(value: object) -> Text:
    """`value` as plain text (data: never read as marks)."""
    return Text((Span(str(value)),))


def strong(value: object) -> Text:
    """`value` emphasised."""
    return Text((Span(str(value), "strong"),))


def code(value: object) -> Text:
    """`value` as code: a command to type."""
    return Text((Span(" ".join(str(value).split()), "code"),))


def say(template: str, /, **values: object) -> Text:
    """A translated template with its `*strong*` and `` `code` `` marks read, and `values`
    put into its `{placeholders}` as data (`str.format` rules)."""
    spans: list[Span] = []
    position = 0
    for match in _MARK.finditer(template):
        if match.start() > position:
            spans.append(Span(template[position : match.start()].format(**values)))
        if match.group(1) is not None:
            spans.append(Span(match.group(1).format(**values), "strong"))
        else:
            spans.append(Span(" ".join(match.group(2).format(**values).split()), "code"))
        position = match.end()
    if position < len(template):
        spans.append(Span(template[position:].format(**values)))
    return Text(tuple(spans))


def join(parts: Iterable[Text | str], separator: Text | str = " · ") -> Text:
    """`parts` one after another with `separator` between them."""
    result = Text()
    for index, part in enumerate(parts):
        if index:
            result = result + separator
        result = result + part
    return result


@dataclass(frozen=True)
class Paragraph:
    """A line or paragraph of text."""

    text: Text


@dataclass(frozen=True)
class Heading:
    """A title above what follows."""

    text: Text


@dataclass(frozen=True)
class Bullets:
    """A list of items."""

    items: tuple[Text, ...]


@dataclass(frozen=True)
class Facts:
    """Label and value pairs, e.g. every field of one contact."""

    pairs: tuple[tuple[str, Text], ...]


@dataclass(frozen=True)
class ContactRow:
    """One contact as lists show it; every value is data for the renderer."""

    id: int
    day: date
    organisation: str
    country: str
    kind: str
    summary: str
    youth: str | None = None
    unit: str | None = None


@dataclass(frozen=True)
class ContactTable:
    """Contacts, one row each."""

    rows: tuple[ContactRow, ...] = field(default_factory=tuple)


Block = Paragraph | Heading | Bullets | Facts | ContactTable


def blocks_plain(blocks: Iterable[Block]) -> str:
    """Blocks as plain lines, without marks (for logs, tests and fallbacks)."""
    lines: list[str] = []
    for block in blocks:
        if isinstance(block, Paragraph | Heading):
            lines.append(block.text.plain())
        elif isinstance(block, Bullets):
            lines += [f"• {item.plain()}" for item in block.items]
        elif isinstance(block, Facts):
            lines += [f"{label}: {value.plain()}" for label, value in block.pairs]
        else:
            for row in block.rows:
                lines.append(" · ".join(row_heading(row)))
                lines.append(f"    {row.summary}")
    return "\n".join(lines)


def row_heading(row: ContactRow) -> list[str]:
    """The head of a contact row as parts: number, date, organisation (country), kind, …"""
    parts = [f"#{row.id}", row.day.isoformat(), f"{row.organisation} ({row.country})", row.kind]
    if row.youth:
        parts.append(row.youth)
    if row.unit:
        parts.append(row.unit)
    return parts
