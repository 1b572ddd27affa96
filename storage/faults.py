"""What a database failure means, and a watchdog for PostgreSQL calls that never return.

`describe` sorts a driver error into a kind a person can act on:

- busy: a lock or a time-out; trying again soon helps.
- unreachable: no connection; trying again later may help.
- full, read-only, damaged: nothing can be written until someone fixes the database.

Its `cause` is the driver's error class and first line of message, with the URL's
password taken out, for one log line.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

# PostgreSQL SQLSTATEs (Appendix A of its manual) by what they mean for the person asking.
_SQLSTATE_KINDS = {
    "25006": "read-only",  # read_only_sql_transaction (a standby, or default_transaction_read_only)
    "53100": "full",  # disk_full
    "58030": "damaged",  # io_error
    "XX001": "damaged",  # data_corrupted
    "XX002": "damaged",  # index_corrupted
    "55P03": "busy",  # lock_not_available (lock_timeout)
    "57014": "busy",  # query_canceled (statement_timeout)
    "40P01": "busy",  # deadlock_detected
    "40001": "busy",  # serialization_failure
    "53300": "busy",  # too_many_connections
    "53200": "busy",  # out_of_memory
    "57P01": "unreachable",  # admin_shutdown
    "57P02": "unreachable",  # crash_shutdown
    "57P03": "unreachable",  # cannot_connect_now
}
# SQLite's messages (sqlite3 gives no codes before Python 3.11's sqlite_errorname).
_SQLITE_KINDS = (
    ("database or disk is full", "full"),
    ("attempt to write a readonly database", "read-only"),
    ("readonly", "read-only"),
    ("disk i/o error", "damaged"),
    ("database disk image is malformed", "damaged"),
    ("file is not a database", "damaged"),
    ("unable to open database file", "unreachable"),
    ("locked", "busy"),
    ("busy", "busy"),
)


@dataclass(frozen=True)
class Failure:
    """A database failure: its kind (None when it is not the database's fault, e.g. a
    broken constraint) and its cause, safe to log."""

    kind: str | None
    cause: str


def describe(error: BaseException, secrets: list[str] | None = None) -> Failure:
    """The kind and loggable cause of a driver error (or SQLAlchemy's wrapping of one)."""
    from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

    original = getattr(error, "orig", None) or error
    first_line = (str(original).strip().splitlines() or [""])[0][:300]
    for secret in secrets or []:
        first_line = first_line.replace(secret, "***")
    cause = f"{type(original).__name__}: {first_line}" if first_line else type(original).__name__
    if isinstance(error, IntegrityError):
        return Failure(None, cause)
    sqlstate = getattr(original, "sqlstate", None)
    if sqlstate:
        if sqlstate in _SQLSTATE_KINDS:
            return Failure(_SQLSTATE_KINDS[sqlstate], cause)
        if sqlstate.startswith("08"):  # connection exceptions
            return Failure("unreachable", cause)
        if sqlstate.startswith("53"):  # insufficient resources
            return Failure("busy", cause)
    lowered = first_line.casefold()
    if type(original).__module__.startswith("sqlite3"):
        for words, kind in _SQLITE_KINDS:
            if words in lowered:
                return Failure(kind, cause)
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return Failure("unreachable", cause)
    if isinstance(error, OperationalError) or type(original).__name__ == "OperationalError":
        # psycopg: no SQLSTATE means the connection itself failed or was cut.
        return Failure(
            "unreachable" if sqlstate is None and "psycopg" in type(original).__module__ else "busy", cause
        )
    return Failure(None, cause)


class Watchdog:
    """Cuts the socket of a PostgreSQL connection whose call outlives its deadline.

    A server that cannot run (stopped, frozen, its host gone while the TCP connection
    stays open) never enforces its own statement_timeout, and psycopg then waits forever;
    shutting the socket down makes that wait end at once with an OperationalError.
    One thread serves every connection of an engine.
    """

    def __init__(self, clock: Any = time.monotonic) -> None:
        self.clock = clock
        self._condition = threading.Condition()
        self._armed: dict[int, tuple[float, Any]] = {}
        self._deadlines: list[tuple[float, int]] = []
        self._tokens = itertools.count(1)
        self._thread: threading.Thread | None = None

    def arm(self, dbapi_connection: Any, seconds: float) -> int:
        """Watch `dbapi_connection` for `seconds`; returns the token `disarm` takes."""
        token = next(self._tokens)
        deadline = self.clock() + seconds
        with self._condition:
            self._armed[token] = (deadline, dbapi_connection)
            # The thread sleeps until the earliest deadline it holds; only an earlier one needs
            # to wake it (waking it for every statement cost each `log` a thread switch).
            sooner = not self._deadlines or deadline < self._deadlines[0][0]
            heapq.heappush(self._deadlines, (deadline, token))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="contactbot-db-watchdog", daemon=True)
                self._thread.start()
            if sooner:
                self._condition.notify()
        return token

    def disarm(self, token: int | None) -> None:
        """The call returned in time."""
        if token is not None:
            with self._condition:
                self._armed.pop(token, None)

    @contextmanager
    def watch(self, dbapi_connection: Any, seconds: float) -> Iterator[None]:
        """Watch the calls inside the block."""
        token = self.arm(dbapi_connection, seconds)
        try:
            yield
        finally:
            self.disarm(token)

    def _run(self) -> None:
        while True:
            with self._condition:
                while self._deadlines and self._deadlines[0][1] not in self._armed:
                    heapq.heappop(self._deadlines)
                if not self._deadlines:
                    self._condition.wait()
                    continue
                deadline, token = self._deadlines[0]
                now = self.clock()
                if deadline > now:
                    self._condition.wait(deadline - now)
                    continue
                heapq.heappop(self._deadlines)
                _deadline, connection = self._armed.pop(token)
            _cut(connection)


def _cut(dbapi_connection: Any) -> None:
    try:
        descriptor = dbapi_connection.pgconn.socket
    except Exception:  # noqa: BLE001 - already closed: nothing to cut
        return
    log.error("PostgreSQL did not answer within DATABASE_TIMEOUT: closing that connection")
    try:
        duplicate = socket.socket(fileno=os.dup(descriptor))
        try:
            duplicate.shutdown(socket.SHUT_RDWR)
        finally:
            duplicate.close()
    except OSError:
        pass
