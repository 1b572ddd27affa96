"""uvicorn's h11 protocol with a deadline for the request head.

uvicorn times out an idle kept-alive connection, but not a request line and headers that
arrive a byte at a time: each such connection holds a place under `limit_concurrency` for
good. Here every head (the first on a connection, and each after a response) must be complete
within `head_seconds` of when it may start; otherwise the connection is closed.
"""

from __future__ import annotations

import asyncio
import logging

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

log = logging.getLogger(__name__)


class HeadTimedH11Protocol(H11Protocol):
    """H11Protocol that closes a connection whose request head is not complete in time."""

    head_seconds: float = 10.0

    _head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_head_timer()
        super().connection_lost(exc)

    def handle_events(self) -> None:
        super().handle_events()
        # h11 leaves IDLE as soon as a whole request line and headers have been read.
        if self.conn.their_state is not h11.IDLE:
            self._disarm_head_timer()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing() and self.conn.their_state is h11.IDLE:
            self._arm_head_timer()

    def _arm_head_timer(self) -> None:
        self._disarm_head_timer()
        self._head_timer = self.loop.call_later(self.head_seconds, self._head_too_slow)

    def _disarm_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_too_slow(self) -> None:
        self._head_timer = None
        if self.transport.is_closing() or self.conn.their_state is not h11.IDLE:
            return
        client = f"{self.client[0]}:{self.client[1]}" if self.client else "a client"
        log.info("%s: request head not complete within %g s; connection closed", client, self.head_seconds)
        self.transport.close()


def head_timed_protocol(seconds: float) -> type[HeadTimedH11Protocol]:
    """The protocol class with a head deadline of `seconds` (tests use a short one)."""
    return type("HeadTimedH11Protocol", (HeadTimedH11Protocol,), {"head_seconds": seconds})
