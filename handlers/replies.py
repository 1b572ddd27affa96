"""What a handler answers, free of any platform's types and markup.

A reply is structure (`handlers.markup` blocks); each platform renders it natively and
escapes what users typed its own way.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Literal

from handlers.markup import Block, Paragraph, Text, blocks_plain

Role = Literal["staff", "coordinator", "archivist"]


@dataclass(frozen=True)
class Caller:
    """Who sent a command, on which platform, and their role.

    Staff log, read every contact and change their own; coordinators change any, restore,
    send digests and export; archivists read everything (history and audit too) and export,
    and change nothing. `is_coordinator=True` alone gives the coordinator's role.
    """

    platform: str
    user_id: str
    name: str | None = None
    is_coordinator: bool = False
    # "shared" where everyone in a channel or group chat sees the reply (Teams): replies then
    # leave out counterparts' personal data, and files are not handed out.
    audience: Literal["private", "shared"] = "private"
    role: Role = "staff"

    def __post_init__(self) -> None:
        if self.is_coordinator and self.role == "staff":
            object.__setattr__(self, "role", "coordinator")
        object.__setattr__(self, "is_coordinator", self.role == "coordinator")

    @property
    def is_archivist(self) -> bool:
        """Reads everything, changes nothing."""
        return self.role == "archivist"

    @property
    def reads_records(self) -> bool:
        """May read any contact's history and export (coordinators and archivists)."""
        return self.role in {"coordinator", "archivist"}

    @property
    def qualified_id(self) -> str:
        """`slack:U012…`, `teams:<AAD object id>`: the user, unique across platforms."""
        return f"{self.platform}:{self.user_id}"


@dataclass
class Attachment:
    """A file to hand to the user (an export): its bytes in `content`, or, for a file of
    any size, in a temporary file at `path` that whoever hands it over then `discard`s."""

    filename: str
    content: bytes | None = None
    title: str = ""
    path: Path | None = None
    # The command that makes the file again (Teams hands it over only after the person accepts).
    command: str = "export"
    # What to record once the file has reached the person (the export's history row): whoever
    # hands the file over calls `deliver()` then, and a file only offered records nothing.
    delivered: Callable[[], None] | None = None

    @property
    def size(self) -> int:
        """Its length in bytes."""
        return self.path.stat().st_size if self.path is not None else len(self.content or b"")

    def open(self) -> BinaryIO:
        """Its bytes, to read in pieces."""
        return self.path.open("rb") if self.path is not None else io.BytesIO(self.content or b"")

    def chunks(self, size: int = 1 << 20) -> Iterator[bytes]:
        """Its bytes, `size` at a time."""
        with self.open() as file:
            while chunk := file.read(size):
                yield chunk

    def deliver(self) -> None:
        """Record that the file reached the person (once; runs a database write)."""
        delivered, self.delivered = self.delivered, None
        if delivered is not None:
            delivered()

    def discard(self) -> None:
        """Remove the temporary file, if any."""
        if self.path is not None:
            self.path.unlink(missing_ok=True)


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
    """A handler's answer: blocks of text, and optionally a file, a form or a digest to post.

    `ok` is False when nothing was done because of what the user typed or a fault;
    the blocks then say what to fix.
    """

    blocks: list[Block]
    ok: bool = True
    attachment: Attachment | None = None
    form: FormRequest | None = None
    digest_send: DigestSend | None = None
    digest_here: bool = False
    # The contact saved or changed, for log lines that must not carry the person's text.
    contact_id: int | None = None

    def plain(self) -> str:
        """The reply as plain lines (tests, logs, fallbacks)."""
        return blocks_plain(self.blocks)


def reply(*content: Text | Block, ok: bool = True, **extra: object) -> Reply:
    """A reply of `content`: each Text becomes a paragraph."""
    blocks: list[Block] = [Paragraph(c) if isinstance(c, Text) else c for c in content]
    return Reply(blocks, ok, **extra)  # type: ignore[arg-type]
