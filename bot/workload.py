"""Work for the database threads, bounded: past the limit a command is turned away at once.

The event loop acknowledges Slack and Teams; the database work runs in a few threads. When
more commands wait than the threads can soon serve, queueing more only makes every answer
late (and, past Slack's 3 s, lost). Instead the command is answered "busy, try again in a
minute" straight away, and nothing of it is done.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from handlers.i18n import _
from handlers.markup import Text, say

T = TypeVar("T")
WORKERS = 4
# Commands running or waiting for a thread at most. A `log` costs the process about 2.5 ms of
# CPU on a 2-core machine, so the last one in still starts within about half a second (its
# reply well within the second); 64 turned people away while the bot could still keep up.
PENDING_LIMIT = 192


class Overloaded(Exception):
    """Too much work is waiting: nothing of this command was done."""


def busy_message() -> Text:
    """What a person turned away is told (in the current language)."""
    return say(_("I am busy right now and did not do this; nothing was saved. Please try again in a minute."))


class Workers:
    """A thread pool whose queue is bounded by `limit` (running and waiting together)."""

    def __init__(self, prefix: str, limit: int = PENDING_LIMIT, workers: int = WORKERS) -> None:
        self.limit = limit
        self.pending = 0  # only touched from the event loop's thread
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=prefix)

    def full(self) -> bool:
        """True when a call now would be turned away (`limit` calls running or waiting)."""
        return self.pending >= self.limit

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        """`function(*args)` in a thread, with the caller's context (language); Overloaded
        at once when `limit` calls are already running or waiting."""
        if self.full():
            raise Overloaded
        self.pending += 1
        try:
            call = functools.partial(contextvars.copy_context().run, function, *args)
            return await asyncio.get_running_loop().run_in_executor(self._pool, call)
        finally:
            self.pending -= 1

    def shutdown(self) -> None:
        """Stop the threads (work already running finishes)."""
        self._pool.shutdown(wait=False)
