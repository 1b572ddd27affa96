"""Connections to the database: SQLite (the embedded default) or PostgreSQL."""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

from storage.faults import Failure, Watchdog, describe
from storage.prepared import DriverTransaction

DEFAULT_TIMEOUT_SECONDS = 2.0
# How long past DATABASE_TIMEOUT a PostgreSQL call may take before its connection is cut:
# the server's own statement_timeout ends a slow statement first; this is for a server
# that cannot answer at all (frozen, or its host gone while the socket stays open).
GRACE_SECONDS = 1.0
# A PostgreSQL connection back in the pool for less than this is handed out without a ping:
# it answered a moment ago, and should it have died since, its first statement fails as
# "unreachable" (and the pool replaces it) just as the ping would have.
FRESH_SECONDS = 1.0
log = logging.getLogger(__name__)
_WATCHDOG = Watchdog()  # one thread for every PostgreSQL engine of the process


LOG_AGAIN_AFTER = 60.0  # seconds before the same database fault is logged again


class DatabaseUnavailable(Exception):
    """The database could not be reached, stayed locked past the timeout, or cannot write
    (full, read-only, damaged): `kind` says which (see `storage.faults.Failure`).

    Nothing was written: the transaction was rolled back.
    """

    def __init__(self, cause: str = "", kind: str = "busy") -> None:
        super().__init__(cause)
        self.cause = cause
        self.kind = kind

    @property
    def lasting(self) -> bool:
        """True when trying again will not help until someone fixes the database."""
        return self.kind in {"full", "read-only", "damaged"}


class _Slot:
    """Where a kept driver transaction waits between uses (see `Database.driver_transaction`):
    the SQLite writers' one, or one PostgreSQL worker thread's (`thread`)."""

    def __init__(self, thread: threading.Thread | None = None) -> None:
        self.kept: DriverTransaction | None = None
        self.thread = thread
        # Held while the kept transaction is in use; a driver transaction that finds it held
        # is nested in another (or meets `dispose`) and takes a connection of its own.
        self.lock = threading.Lock()
        self.used_at = 0.0  # `Database.monotonic()` at its last use

    def release(self) -> None:
        """Give the kept connection back to the pool, as the pool expects it (not in
        autocommit); the slot's lock is held, or its thread has ended."""
        if self.kept is not None:
            self.kept.release()
            self.kept = None


def make_engine(url: str, timeout: float = DEFAULT_TIMEOUT_SECONDS) -> Engine:
    """An engine for `url`, waiting at most `timeout` seconds for a connection or a lock."""
    parsed = make_url(url)
    connect_args: dict[str, Any] = {}
    engine_args: dict[str, Any] = {}
    if parsed.get_backend_name() == "sqlite":
        connect_args["timeout"] = timeout
        connect_args["check_same_thread"] = False
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    elif parsed.get_backend_name() == "postgresql":
        millis = int(timeout * 1000)
        # libpq: a connection attempt, every statement and every lock wait end after
        # `timeout`; keepalives find a peer that vanished without closing the connection.
        connect_args["connect_timeout"] = max(2, math.ceil(timeout))
        connect_args["keepalives"] = 1
        connect_args["keepalives_idle"] = max(1, math.ceil(timeout))
        connect_args["keepalives_interval"] = max(1, math.ceil(timeout / 3))
        connect_args["keepalives_count"] = 3
        connect_args["tcp_user_timeout"] = int((timeout + GRACE_SECONDS) * 1000)
        options = f"-c lock_timeout={millis} -c statement_timeout={millis}"
        if "options" in parsed.query:
            options = f"{parsed.query['options']} {options}"
            parsed = parsed.difference_update_query(["options"])
        connect_args["options"] = options
        engine_args["pool_size"] = 10
        engine_args["max_overflow"] = 20
        engine_args["pool_timeout"] = timeout
        # The connection used last goes out first: busy connections stay fresh (no ping, see
        # FRESH_SECONDS) and the ones a burst opened idle until the pool drops them.
        engine_args["pool_use_lifo"] = True
    # An error's text never quotes the statement's values: they are people's names and e-mails.
    engine = create_engine(parsed, connect_args=connect_args, hide_parameters=True, **engine_args)
    if parsed.get_backend_name() == "sqlite":
        _configure_sqlite(engine)
    else:
        _watch_postgresql(engine, _WATCHDOG, timeout + GRACE_SECONDS)
    return engine


def _watch_postgresql(
    engine: Engine, watchdog: Watchdog, seconds: float, clock: Callable[[], float] = time.monotonic
) -> None:
    """Cut the connection of any PostgreSQL call that outlives `seconds`: a ping when a
    connection leaves the pool after more than `FRESH_SECONDS` there (instead of
    pool_pre_ping, which no timeout covers), each statement, and the commit or rollback up
    to the connection's return to the pool."""

    @event.listens_for(engine, "checkout")
    def _ping(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        returned = record.info.get("returned")
        if returned is not None and clock() - returned < FRESH_SECONDS:
            return
        try:
            with watchdog.watch(dbapi_connection, seconds):
                # In autocommit: one round trip, and the connection stays out of a transaction
                # (a plain SELECT would BEGIN one that the checked-out connection then carries).
                dbapi_connection.autocommit = True
                try:
                    dbapi_connection.execute("SELECT 1").close()
                finally:
                    dbapi_connection.autocommit = False
        except Exception as error:  # noqa: BLE001 - any failure: this connection is gone
            raise DisconnectionError(describe(error).cause) from None

    @event.listens_for(engine, "before_cursor_execute")
    def _arm(connection: Any, *_args: Any) -> None:
        connection.info["watch"] = watchdog.arm(connection.connection.dbapi_connection, seconds)

    @event.listens_for(engine, "after_cursor_execute")
    def _disarm(connection: Any, *_args: Any) -> None:
        watchdog.disarm(connection.info.pop("watch", None))

    @event.listens_for(engine, "handle_error")
    def _disarm_on_error(context: Any) -> None:
        if context.connection is not None:
            watchdog.disarm(context.connection.info.pop("watch", None))

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _arm_ending(connection: Any) -> None:
        if "ending" not in connection.connection.info:
            dbapi = connection.connection.dbapi_connection
            connection.connection.info["ending"] = watchdog.arm(dbapi, seconds)

    @event.listens_for(engine, "checkin")
    def _disarm_ending(dbapi_connection: Any, record: Any) -> None:
        watchdog.disarm(record.info.pop("ending", None))
        if dbapi_connection is not None:  # None: invalidated, the pool connects anew
            record.info["returned"] = clock()


def _configure_sqlite(engine: Engine) -> None:
    # Writers take the lock when their transaction begins (BEGIN IMMEDIATE): a deferred
    # transaction that upgrades from reading to writing fails at once with "database is
    # locked" instead of waiting, which loses concurrent writes. See SQLAlchemy's
    # "Serializable isolation / Savepoints / Transactional DDL" notes for pysqlite.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        except Exception:  # noqa: BLE001 - a locked file at connect time; the query will say so
            pass
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # A reader (`reading=True`: searches, lists, exports, the health check) begins a
        # deferred transaction: in WAL mode it reads one snapshot without taking or waiting
        # for the write lock, so a long export never holds back a `log`.
        if connection.get_execution_options().get("reading"):
            connection.exec_driver_sql("BEGIN")
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")


class Database:
    """The engine and a session factory; every unit of work goes through `session()`."""

    def __init__(self, url: str, timeout: float = DEFAULT_TIMEOUT_SECONDS) -> None:
        self.url = url
        self.timeout = timeout
        self.engine = make_engine(url, timeout)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        # Reads share the pool but begin without the write lock (see `_configure_sqlite`).
        self._reads = sessionmaker(self.engine.execution_options(reading=True), expire_on_commit=False)
        # The last failure to write, until a write succeeds again (the health check reads it).
        self.write_failure: Failure | None = None
        self._last_logged: dict[str | None, float] = {}
        secret = make_url(url).password
        self.secrets = [secret] if secret else []
        # SQLite: this process's writers take turns here first. SQLite's own lock has no queue:
        # a writer waiting for it sleeps and polls, and under heavy load one could lose every
        # turn until DATABASE_TIMEOUT and answer "not saved". Other processes still meet
        # SQLite's lock. Re-entrant: a write inside a write on one thread waits for nobody.
        self._writers = threading.RLock() if self.backend == "sqlite" else None
        # Driver transactions keep their connection and cursor between them: a pool checkout
        # and return cost two thirds as much as the log's own statements. On SQLite the writers
        # take turns anyway and share one (only touched with `_writers` held); on PostgreSQL
        # each database worker thread keeps its own (`keep_connection`).
        self._shared = _Slot()
        self._local = threading.local()  # .slot: this thread's, once it keeps a connection
        self._thread_slots: list[_Slot] = []  # every thread's, to close them at `dispose`
        self._slots_lock = threading.Lock()
        # How long a kept connection was unused (tests give their own).
        self.monotonic: Callable[[], float] = time.monotonic
        # PostgreSQL: what arms the watchdog for one driver call (see `_watch_postgresql`).
        self._watch = self._watch_call if self.backend == "postgresql" else None

        @event.listens_for(self._sessions, "after_flush")
        def _wrote(session: Session, _context: Any) -> None:
            session.info["wrote"] = True

    @property
    def backend(self) -> str:
        """`sqlite` or `postgresql`."""
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A transaction: committed when the block ends, rolled back on any error.

        Connection failures, lock time-outs and a database that cannot write come out as
        `DatabaseUnavailable`, logged once here with their cause.
        """
        with self._turn(), self._unit(self._sessions()) as session:
            yield session

    @contextmanager
    def _turn(self) -> Iterator[None]:
        """This process's writers one at a time (SQLite), waiting at most DATABASE_TIMEOUT."""
        if self._writers is None:
            yield
            return
        if not self._writers.acquire(timeout=self.timeout):
            failure = Failure("busy", "database is locked (by this program's other writers)")
            self._record(failure)
            raise DatabaseUnavailable(failure.cause, failure.kind)
        try:
            yield
        finally:
            self._writers.release()

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A transaction on a plain connection (SQLAlchemy Core, no ORM unit of work), for the
        hot paths that only insert (`log`, the replay record); otherwise as `session()`."""
        with self._turn(), self._failures():
            with self.engine.begin() as connection:
                yield connection
            self.write_failure = None

    def keep_connection(self) -> None:
        """From now on this thread keeps one PostgreSQL connection for its driver transactions
        instead of taking one from the pool each time: for the database worker threads, which
        live as long as their pool (SQLite's writers share one kept connection anyway). The
        connections of worker threads that have ended go back to the pool here and at `dispose`."""
        if self._writers is not None or getattr(self._local, "slot", None) is not None:
            return
        slot = _Slot(threading.current_thread())
        with self._slots_lock:
            ended = [other for other in self._thread_slots if not other.thread.is_alive()]  # type: ignore[union-attr]
            self._thread_slots = [other for other in self._thread_slots if other not in ended]
            self._thread_slots.append(slot)
        for other in ended:
            other.release()
        self._local.slot = slot

    @contextmanager
    def driver_transaction(self) -> Iterator[DriverTransaction]:
        """A transaction for `Prepared` statements (the `log` path), run by the driver itself:
        on SQLite between `BEGIN IMMEDIATE` and `COMMIT`; on PostgreSQL each statement commits
        by itself (one round trip), each call under the watchdog. Failures as `write()`."""
        with self._turn(), self._failures():
            slot = self._shared if self._writers is not None else getattr(self._local, "slot", None)
            if slot is not None and not slot.lock.acquire(blocking=False):
                slot = None  # nested in another: a connection of its own
            try:
                transaction = self._kept(slot) if slot is not None else self._driver_transaction(False)
                failed = True
                try:
                    transaction.begin()
                    yield transaction
                    transaction.commit()
                    failed = False
                finally:
                    transaction.end(failed)
                    if slot is not None:
                        slot.used_at = self.monotonic()
                        if not transaction.fairy.is_valid:
                            slot.kept = None
            finally:
                if slot is not None:
                    slot.lock.release()
            self.write_failure = None

    def _kept(self, slot: _Slot) -> DriverTransaction:
        """The slot's kept transaction (made now if it has none); its lock is held. A PostgreSQL
        connection unused for longer than FRESH_SECONDS is pinged first, as the pool does."""
        kept = slot.kept
        if (
            kept is not None
            and self._writers is None
            and self.monotonic() - slot.used_at > FRESH_SECONDS
            and not kept.answers()
        ):
            kept = slot.kept = None
        if kept is None:
            kept = slot.kept = self._driver_transaction(True)
        return kept

    def _driver_transaction(self, kept: bool) -> DriverTransaction:
        """A driver transaction on a connection from the pool (`kept`: not returned after)."""
        try:
            fairy = self.engine.raw_connection()
        except self.engine.dialect.loaded_dbapi.Error as error:
            raise DBAPIError.instance(None, None, error, self.engine.dialect.loaded_dbapi.Error) from None
        try:
            return DriverTransaction(fairy, self.engine.dialect, self._watch, kept)
        except BaseException:
            fairy.invalidate()
            fairy.close()
            raise

    def _watch_call(self, driver: Any) -> Callable[[], None]:
        token = _WATCHDOG.arm(driver, self.timeout + GRACE_SECONDS)
        return lambda: _WATCHDOG.disarm(token)

    @contextmanager
    def _failures(self) -> Iterator[None]:
        """Driver errors that are the database's fault as `DatabaseUnavailable`, logged."""
        try:
            yield
        except DBAPIError as error:
            failure = describe(error, self.secrets)
            if failure.kind is None:
                raise
            self._record(failure)
            raise DatabaseUnavailable(failure.cause, failure.kind) from None

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A transaction that only reads: on SQLite it never takes nor waits for the write
        lock, so writers go on while it runs (a streamed export, a search)."""
        with self._unit(self._reads()) as session:
            yield session

    @contextmanager
    def _unit(self, session: Session) -> Iterator[Session]:
        try:
            yield session
            session.commit()
            if session.info.get("wrote"):
                self.write_failure = None
        except DBAPIError as error:
            with suppress(DBAPIError):
                session.rollback()
            failure = describe(error, self.secrets)
            if failure.kind is None:
                raise
            self._record(failure)
            raise DatabaseUnavailable(failure.cause, failure.kind) from None
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def _record(self, failure: Failure) -> None:
        # A lasting fault fails every request; one line per kind of fault and minute says it as well.
        now = time.monotonic()
        key = failure.kind
        if self._last_logged.get(key, -LOG_AGAIN_AFTER) + LOG_AGAIN_AFTER <= now:
            self._last_logged[key] = now
            log.error("database %s: %s", failure.kind, failure.cause)
        if failure.kind in {"full", "read-only", "damaged"}:
            self.write_failure = failure

    @contextmanager
    def reading(self) -> Iterator[Any]:
        """A connection for plain reads that takes no lock (SQLite: no BEGIN IMMEDIATE)."""
        with self.engine.connect().execution_options(reading=True) as connection:
            yield connection

    def ping(self) -> bool:
        """True when the database answers a read."""
        try:
            with self.reading() as connection:
                connection.execute(text("SELECT 1"))
            return True
        except DBAPIError:
            return False

    def dispose(self) -> None:
        """Close every pooled connection (and the kept ones not in use)."""
        if self._writers is not None and self._writers.acquire(timeout=self.timeout):
            try:  # (a writer stuck past the timeout keeps it: the process is ending anyway)
                self._shared.release()
            finally:
                self._writers.release()
        with self._slots_lock:
            for slot in self._thread_slots:
                if slot.lock.acquire(blocking=False):  # one in use stays its thread's
                    try:
                        slot.release()
                    finally:
                        slot.lock.release()
        self.engine.dispose()
