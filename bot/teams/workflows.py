"""The digest through a Teams Workflows webhook (TEAMS_DIGEST_WEBHOOK_URL).

The flow ("When a Teams webhook request is received" → post the card) answers 202 and
nothing more: there is no message id, no history the bot can read, no way to edit the
post and no button that can call back. So this target cannot find or update its post;
the service sets `sent_at` before its one call and never repeats a call whose answer
was lost. The URL is a secret: it is never logged; the destination is its hash.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import aiohttp

from bot.digest.targets import Chart, DeliveryFailed, DeliveryUnclear, secret_destination
from handlers.digest import Digest
from storage.models import Digest as DigestRecord

CardBuilder = Callable[[Digest, DigestRecord], dict[str, Any]]
ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"


class WorkflowsWebhookTarget:
    """Posts the digest's Adaptive Card to a Workflows webhook; one attempt per call."""

    platform = "webhook"
    can_find = False
    can_chart = False

    def __init__(self, url: str, card_builder: CardBuilder, timeout: float = 30.0) -> None:
        self._url = url
        self.card_builder = card_builder
        self.timeout = timeout
        self.destination = secret_destination(url)
        self.label = f"Teams webhook {self.destination}"

    def __repr__(self) -> str:  # never the URL
        return f"WorkflowsWebhookTarget({self.destination})"

    async def post(self, record: DigestRecord, digest: Digest) -> str:
        """POST the card; 2xx is posted (the reference names the record, as there is no id)."""
        try:
            payload = webhook_message(self.card_builder(digest, record))
        except Exception as error:  # noqa: BLE001 - nothing was sent: a clear failure, not an unclear one
            raise DeliveryFailed(
                f"the card could not be made ({type(error).__name__})", retryable=False
            ) from None
        try:
            timeout = aiohttp.ClientTimeout(total=self.timeout)
            async with (
                aiohttp.ClientSession(timeout=timeout) as session,
                session.post(self._url, json=payload) as response,
            ):
                status = response.status
                retry_after = response.headers.get("Retry-After")
                await response.read()
        except aiohttp.ClientConnectorError:  # refused or unresolvable: nothing was sent
            raise DeliveryFailed("connection refused") from None
        except aiohttp.ConnectionTimeoutError:  # never connected: nothing was sent
            raise DeliveryFailed("connection timed out") from None
        except TimeoutError:
            raise DeliveryUnclear("no answer within the time-out") from None
        except (aiohttp.ClientError, OSError) as error:
            raise DeliveryUnclear(f"connection lost without an answer ({type(error).__name__})") from None
        if 200 <= status < 300:
            return f"{self.destination}:{record.id}:{record.attempt}"
        code = f"HTTP {status}"
        if status == 429:
            raise DeliveryFailed(code, retry_after=_seconds(retry_after))
        raise DeliveryFailed(code, retryable=status >= 500 or status == 408)

    async def find(self, record: DigestRecord) -> str | None:
        """A webhook has no history to read."""
        return None

    async def update(self, record: DigestRecord, digest: Digest) -> None:
        """A webhook post cannot be edited (and its card has no review button)."""

    async def attach_chart(self, record: DigestRecord, digest: Digest, ref: str, chart: Chart) -> None:
        """No chart through a webhook."""


def webhook_message(card: dict[str, Any]) -> dict[str, Any]:
    """The body a Workflows webhook takes: a message with the card as its one attachment."""
    return {"type": "message", "attachments": [{"contentType": ADAPTIVE_CARD, "content": card}]}


def _seconds(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None
