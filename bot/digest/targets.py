"""Where a digest goes: one delivery target per destination, behind one small interface.

A target makes single attempts and says how each failed; retries, records and the
exactly-once decisions are the service's (bot/digest/service.py).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Protocol

from handlers.digest import Digest
from storage.models import Digest as DigestRecord


class DeliveryError(Exception):
    """A target could not do what was asked; `code` names the cause (a platform's error code
    or an HTTP status), never a secret."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class DeliveryFailed(DeliveryError):
    """A clear failure: the platform refused or answered with an error, or the connection
    failed before anything was sent. Nothing was posted.

    `retryable` outages (5xx, 429, connection refused) are tried again; the rest (a wrong
    channel, a refused token) are not. `retry_after` is the wait the platform asked for."""

    def __init__(self, code: str, *, retryable: bool = True, retry_after: float | None = None) -> None:
        super().__init__(code)
        self.retryable = retryable
        self.retry_after = retry_after


class DeliveryUnclear(DeliveryError):
    """The request went out and no answer came back (the connection dropped, or the answer
    came after the time-out): the post may have been taken."""


@dataclass(frozen=True)
class Chart:
    """The 12-week chart, ready to upload."""

    png: bytes
    title: str
    filename: str


class DigestTarget(Protocol):
    """One destination of the digest on one platform."""

    platform: str  # slack | teams | webhook
    destination: str  # channel id, conversation id, or a hash of a webhook URL
    label: str  # for people: "Slack channel C0123ABCD"
    can_find: bool  # whether `find` can read the destination's history
    can_chart: bool  # whether `attach_chart` can post the chart

    async def post(self, record: DigestRecord, digest: Digest) -> str:
        """Post the digest (one attempt); returns the message's reference."""
        ...

    async def find(self, record: DigestRecord) -> str | None:
        """The reference of this record's post, if it is at the destination (only when `can_find`)."""
        ...

    async def update(self, record: DigestRecord, digest: Digest) -> None:
        """Show the record's review (who, when) in the posted message."""
        ...

    async def attach_chart(self, record: DigestRecord, digest: Digest, ref: str, chart: Chart) -> None:
        """Post the chart next to the message `ref` (only when `can_chart`)."""
        ...


def secret_destination(url: str) -> str:
    """A short, stable name for a secret URL (a webhook): its hash, never the URL itself."""
    return "wh-" + hashlib.sha256(url.encode()).hexdigest()[:12]
