"""What a handler answers, free of any platform's types.

`Reply.text` uses a small markup that every adapter understands: `*bold*`, `_italic_`,
`` `code` `` and new lines; user text inside it has been passed through
`handlers.text.escape`, so `&amp;`, `&lt;` and `&gt;` are the only entities.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal


@dataclass(frozen=True)
class Caller:
    """Who sent a command, on which platform, and whether they coordinate."""

    platform: str
    user_id: str
    name: str | None = None
    is_coordinator: bool = False
    # "shared" when others read the reply too (a Teams channel or group chat): replies then
    # leave out counterpart persons' names and e-mails, and exports are refused.
    audience: Literal["private", "shared"] = "private"


@dataclass
class Attachment:
    """A file to hand to the user (an export)."""

    filename: str
    content: bytes
    title: str


@dataclass
class FormRequest:
    """Ask the platform to show the contact form, prefilled with `values`."""

    mode: Literal["log", "edit"]
    values: dict[str, str] = field(default_factory=dict)
    contact_id: int | None = None


@dataclass
class DigestSend:
    """Ask the platform to post a week's digest (optionally again, with `force`)."""

    week: str
    force: bool = False


@dataclass
class Reply:
    """A handler's answer: text, and optionally a file or a form to open.

    `ok` is False when nothing was done because of what the user typed or a fault;
    `text` then says what to fix.
    """

    text: str
    ok: bool = True
    attachment: Attachment | None = None
    form: FormRequest | None = None
    digest_send: DigestSend | None = None
