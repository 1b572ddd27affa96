"""Connections to the database: SQLite (the embedded default) or PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_TIMEOUT_SECONDS = 2.0


class DatabaseUnavailable(Exception):
    """The database could not be reached, or stayed locked past the timeout.

    Nothing was written: the transaction was rolled back.
    """


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
        connect_args["connect_timeout"] = max(1, int(timeout + 0.999))
        options = f"-c lock_timeout={millis}"
        if "options" in parsed.query:
            options = f"{parsed.query['options']} {options}"
            parsed = parsed.difference_update_query(["options"])
        connect_args["options"] = options
        # A server restart drops pooled connections; a ping on checkout finds that out.
        engine_args["pool_pre_ping"] = True
        engine_args["pool_size"] = 10
        engine_args["max_overflow"] = 20
        engine_args["pool_timeout"] = timeout
    engine = create_engine(parsed, connect_args=connect_args, **engine_args)
    if parsed.get_backend_name() == "sqlite":
        _configure_sqlite(engine)
    return engine


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
        connection.exec_driver_sql("BEGIN IMMEDIATE")


class Database:
    """The engine and a session factory; every unit of work goes through `session()`."""

    def __init__(self, url: str, timeout: float = DEFAULT_TIMEOUT_SECONDS) -> None:
        self.url = url
        self.engine = make_engine(url, timeout)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def backend(self) -> str:
        """`sqlite` or `postgresql`."""
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A transaction: committed when the block ends, rolled back on any error.

        Connection failures and lock time-outs come out as `DatabaseUnavailable`.
        """
        session = self._sessions()
        try:
            yield session
            session.commit()
        except DBAPIError as error:
            with suppress(DBAPIError):
                session.rollback()
            if _is_unavailable(error):
                raise DatabaseUnavailable(type(error.orig).__name__) from None
            raise
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def ping(self) -> bool:
        """True when the database answers."""
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            return True
        except DBAPIError:
            return False

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def _is_unavailable(error: DBAPIError) -> bool:
    from sqlalchemy.exc import IntegrityError, OperationalError

    if isinstance(error, IntegrityError):
        return False
    if isinstance(error, OperationalError) or error.connection_invalidated:
        return True
    # psycopg raises LockNotAvailable (a subclass of OperationalError in DB-API terms,
    # but SQLAlchemy maps some lock errors to DBAPIError generically).
    name = type(error.orig).__name__
    return name in {"LockNotAvailable", "QueryCanceled", "AdminShutdown", "OperationalError"}
