"""The `log` path's statements, compiled once and run with the driver's own cursor.

Every `log` runs the same few statements. Through SQLAlchemy each execution costs more Python
than the database's own work (events, a dictionary of parameters, a result object, a compiled
cache look-up); that was a third of a `log`'s CPU. Here a Core statement is compiled once for
the database's dialect, its values are bound by SQLAlchemy's own bind processors and its results
read by its own result processors, so what is stored and read back is exactly what SQLAlchemy
would store and read; the driver runs it (see `Database.driver_transaction` for transactions,
failures and the PostgreSQL watchdog).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.expression import Executable

Processor = Callable[[Any], Any]


class Prepared:
    """One statement for one dialect: its SQL, how its values are bound, how its rows are read."""

    def __init__(self, statement: Executable, dialect: Dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        if compiled.insert_prefetch or compiled.update_prefetch:  # type: ignore[attr-defined]
            # Python-side column defaults are filled in by SQLAlchemy's execution, not here.
            raise ValueError("a prepared statement must name every column it writes")
        self.sql = compiled.string
        binds = compiled.binds
        self.defaults = {name: bind.value for name, bind in binds.items() if not bind.required}
        self.processors: dict[str, Processor] = {}
        for name, bind in binds.items():
            process = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if process is not None:
                self.processors[name] = process
        # qmark (SQLite) takes the values in order, a name as often as it occurs; pyformat
        # (psycopg) takes them by name.
        self.order: tuple[str, ...] | None = (
            tuple(compiled.positiontup) if compiled.positional and compiled.positiontup else None
        )
        self._plan = (
            None if self.order is None else tuple((name, self.processors.get(name)) for name in self.order)
        )
        columns = getattr(statement, "exported_columns", ())
        self.columns = tuple(column.name for column in columns)
        self.readers: tuple[Processor | None, ...] = tuple(
            column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns
        )

    def parameters(self, values: dict[str, Any]) -> tuple[Any, ...] | dict[str, Any]:
        """The driver's parameters for `values` (a name the statement does not take is ignored).
        Every value goes through its processor, None too, as SQLAlchemy does (a JSON column
        stores None as JSON null)."""
        bound = {**self.defaults, **values} if self.defaults else values
        if self._plan is not None:
            return tuple(
                [bound[name] if process is None else process(bound[name]) for name, process in self._plan]
            )
        processors = self.processors
        return {
            name: value if (process := processors.get(name)) is None else process(value)
            for name, value in bound.items()
        }

    def row(self, values: tuple[Any, ...] | None) -> dict[str, Any] | None:
        """A row the driver returned, by column name, each value read as SQLAlchemy reads it."""
        if values is None:
            return None
        return {
            name: value if read is None else read(value)
            for name, value, read in zip(self.columns, values, self.readers, strict=True)
        }


class DriverTransaction:
    """Prepared statements on one pooled connection, through its driver (made by
    `Database.driver_transaction`, which begins and commits it, and returns the connection to
    the pool, or on SQLite keeps it, `kept`, for the next writer)."""

    def __init__(
        self, fairy: Any, dialect: Dialect, watch: Callable[[Any], Any] | None, kept: bool = False
    ) -> None:
        self.fairy = fairy  # the pool's proxy: returns the connection to the pool on close
        self.kept = kept  # kept for the next transaction: `end` leaves it open
        self.driver = fairy.dbapi_connection
        self.dialect = dialect
        self.sqlite = dialect.name == "sqlite"
        self._error = dialect.loaded_dbapi.Error
        self._watch = watch  # PostgreSQL: arms the watchdog for one call, returns its disarm
        self.cursor: Any = None
        self.cursor = self._call(self.driver.cursor)

    def begin(self) -> None:
        """SQLite: take the write lock now (as every writer does, see `_configure_sqlite`);
        PostgreSQL: each statement commits by itself, one round trip each."""
        if self.sqlite:
            self._call(self.cursor.execute, "BEGIN IMMEDIATE")
        elif not self.driver.autocommit:  # (a kept connection stays in autocommit)
            self._call(setattr, self.driver, "autocommit", True)

    def answers(self) -> bool:
        """One round trip (`SELECT 1`) under the watchdog. False when it fails: the connection
        is then given back to the pool, invalidated (the pool connects anew)."""
        try:
            self._call(self.cursor.execute, "SELECT 1")
        except DBAPIError:
            if self.fairy.is_valid:
                self.fairy.invalidate()
            self.close()
            return False
        return True

    def run(self, prepared: Prepared, values: dict[str, Any]) -> Any:
        """Execute `prepared` with `values`; returns the driver's cursor (rows, lastrowid)."""
        self._call(self.cursor.execute, prepared.sql, prepared.parameters(values))
        return self.cursor

    def commit(self) -> None:
        if self.sqlite:
            self._call(self.driver.commit)

    def end(self, failed: bool) -> None:
        """Roll back (after a failure) and give the connection back to the pool, unless kept
        (and still sound)."""
        if not self.fairy.is_valid:  # lost, and invalidated already: nothing to clean up
            self.fairy.close()
            return
        try:
            if failed and self.sqlite and self.driver.in_transaction:
                self.driver.rollback()
            if self.kept:
                return
            if not self.sqlite:
                self.driver.autocommit = False
        except self._error:
            self.fairy.invalidate()  # the pool opens a new one
        self.close()

    def release(self) -> None:
        """A kept transaction's connection back to the pool, out of autocommit as `end` leaves
        every other (or invalidated when that fails)."""
        self.kept = False
        self.end(failed=False)

    def close(self) -> None:
        """Give the connection back to the pool."""
        try:
            if self.cursor is not None and self.fairy.is_valid:
                self.cursor.close()
        except self._error:
            self.fairy.invalidate()
        finally:
            self.fairy.close()

    def _call(self, function: Callable[..., Any], *arguments: Any) -> Any:
        disarm = self._watch(self.driver) if self._watch is not None else None
        try:
            return function(*arguments)
        except self._error as error:
            lost = self.dialect.is_disconnect(error, self.driver, self.cursor)
            if lost:
                self.fairy.invalidate()
            sql = bool(arguments) and isinstance(arguments[0], str)
            # As SQLAlchemy would have raised it, so its callers tell the fault as before.
            raise DBAPIError.instance(
                arguments[0] if sql else function.__name__,
                arguments[1] if sql and len(arguments) > 1 else None,
                error,
                self._error,
                hide_parameters=True,  # as the engine's: values are people's data
                connection_invalidated=lost,
                dialect=self.dialect,
            ) from None
        finally:
            if disarm is not None:
                disarm()
