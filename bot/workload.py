"""Work for the database threads, bounded: past the limit a command is turned away at once.

The event loop acknowledges Slack and Teams; the database work runs in a few threads. When
the commands waiting for a thread would be answered late, queueing more only makes every
answer later. Instead the command is answered "busy, try again in a minute" straight away,
and nothing of it is done.

The bound is mostly a time: once at least FEW_WAITING commands wait, a command is turned away
while the oldest one waiting has waited more than LONGEST_WAIT. A count alone could not tell
a short stall (a checkpoint, a collection, the machine's other tenants) from lasting overload:
192 waiting is half a second of work on one machine and two seconds on another. The few-waiting
floor keeps a light trickle of commands queueing (answered late, not "busy") while long jobs
(an export, a report, an import from chat) hold every thread. PENDING_LIMIT bounds what
waiting commands hold in memory should the threads stop.
"""

from __future__ import annotations

import asyncio
import collections
import contextvars
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from handlers.i18n import _
from handlers.markup import Text, say

T = TypeVar("T")
WORKERS = 4
# Seconds the oldest waiting command may have waited: longer than a stall lasts (a checkpoint,
# a collection, the machine's other tenants); under lasting overload the commands taken are
# answered within about two seconds.
LONGEST_WAIT = 1.0
FEW_WAITING = 32  # waiting commands that are never turned away for how long they wait
PENDING_LIMIT = 1024  # commands running or waiting, at most


class Overloaded(Exception):
    """Too much work is waiting: nothing of this command was done."""


def busy_message() -> Text:
    """What a person turned away is told (in the current language)."""
    return say(_("I am busy right now and did not do this; nothing was saved. Please try again in a minute."))


class Workers:
    """A thread pool whose queue is bounded by how long its oldest waiting call has waited
    (`longest_wait`, once `few` wait) and by `limit` calls running and waiting together;
    `initializer` prepares each thread (a database connection of its own)."""

    def __init__(
        self,
        prefix: str,
        limit: int = PENDING_LIMIT,
        workers: int = WORKERS,
        longest_wait: float = LONGEST_WAIT,
        clock: Callable[[], float] = time.monotonic,
        few: int = FEW_WAITING,
        initializer: Callable[[], None] | None = None,
    ) -> None:
        self.limit = limit
        self.longest_wait = longest_wait
        self.few = few
        self.clock = clock
        self.pending = 0  # only touched from the event loop's thread
        # Each call's [time queued, taken]: taken once a thread starts it (or it ended without
        # one, cancelled). Only the event loop's thread adds or drops entries.
        self._queued: collections.deque[list[Any]] = collections.deque()
        # `initializer` runs once in each thread as it starts (`Database.keep_connection`).
        self._pool = ThreadPoolExecutor(
            max_workers=workers, thread_name_prefix=prefix, initializer=initializer
        )

    def full(self) -> bool:
        """True when a call now would be turned away."""
        if self.pending >= self.limit:
            return True
        queued = self._queued
        while queued and queued[0][1]:
            queued.popleft()
        if len(queued) < self.few:  # may count some already taken: never more than `pending`
            return False
        return self.clock() - queued[0][0] > self.longest_wait

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        """`function(*args)` in a thread, with the caller's context (language); Overloaded
        at once when `full()`."""
        if self.full():
            raise Overloaded
        self.pending += 1
        entry = [self.clock(), False]
        self._queued.append(entry)
        try:
            call = contextvars.copy_context().run
            return await asyncio.get_running_loop().run_in_executor(
                self._pool, _started, entry, call, function, args
            )
        finally:
            entry[1] = True
            self.pending -= 1

    def shutdown(self) -> None:
        """Stop the threads (work already running finishes)."""
        self._pool.shutdown(wait=False)


def _started(
    entry: list[Any], call: Callable[..., T], function: Callable[..., T], args: tuple[Any, ...]
) -> T:
    entry[1] = True  # taken by a thread: no longer waiting
    return call(function, *args)
