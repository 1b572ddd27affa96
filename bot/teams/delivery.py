"""Sending to the Bot Connector with retries where a retry cannot post twice.

429 waits as Retry-After says (capped); 500/502/503/504 and a refused connection are tried
again with backoff. A connection dropped after the request went out is not: the message may
well have been posted, and a second copy is worse than a logged warning.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

import httpx

from bot.teams.tokens import TokenTrouble

log = logging.getLogger(__name__)
T = TypeVar("T")

RETRY_STATUSES = {500, 502, 503, 504}


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to try."""

    attempts: int = 4
    backoff: float = 0.5  # seconds, doubled each time
    max_wait: float = 30.0


async def deliver(send: Callable[[], Awaitable[T]], policy: RetryPolicy, what: str) -> T | None:
    """`send()` until it succeeds or should not be tried again; None when it did not arrive."""
    for attempt in range(1, policy.attempts + 1):
        wait = policy.backoff * 2 ** (attempt - 1)
        try:
            return await send()
        except httpx.HTTPStatusError as error:
            status = error.response.status_code
            if status == 429:
                wait = _retry_after(error.response, wait)
            elif status not in RETRY_STATUSES:
                log.warning("%s: the Bot Connector answered HTTP %d; not sent", what, status)
                return None
            reason = f"HTTP {status}"
        except (httpx.ConnectError, httpx.ConnectTimeout) as error:
            reason = type(error).__name__
        except httpx.TransportError as error:
            log.warning(
                "%s: the connection broke after sending (%s); it may have arrived", what, type(error).__name__
            )
            return None
        except TokenTrouble as trouble:
            log.warning("%s: no token for the Bot Connector (%s)", what, trouble)
            return None
        if attempt == policy.attempts:
            log.warning("%s: gave up after %d attempts (%s)", what, attempt, reason)
            return None
        log.info("%s: %s, trying again in %.1f s", what, reason, min(wait, policy.max_wait))
        await asyncio.sleep(min(wait, policy.max_wait))
    return None


def _retry_after(response: httpx.Response, default: float) -> float:
    try:
        return max(0.0, float(response.headers.get("Retry-After", "")))
    except ValueError:
        return default
