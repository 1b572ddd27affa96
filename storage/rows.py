"""Many rows into one table at once, in the session's transaction: COPY on PostgreSQL, the
driver's executemany elsewhere, the values stored exactly as SQLAlchemy would store them.

The ORM's and even Core's executemany build and process a dictionary of parameters a row,
which costs more than the database's own work for large imports; here each column's bind
processor (the dialect's, SQLAlchemy's own) is looked up once and the driver is given tuples.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from operator import itemgetter
from typing import Any

from sqlalchemy import JSON, Table
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

BATCH = 1000  # rows an executemany
COPY_ROWS = 10_000  # rows a COPY statement (each well within the statement timeout)


def insert_rows(
    session: Session, table: Table, columns: Sequence[str], rows: Iterable[dict[str, Any]]
) -> None:
    """Insert `rows` (dictionaries holding every one of `columns`) into `table`."""
    if session.get_bind().dialect.name == "postgresql":
        _copy(session, table, columns, rows)
        return
    statement = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    connection = session.connection()
    for batch in batches(tuples(session, table, columns, rows), BATCH):
        connection.exec_driver_sql(statement, batch)  # type: ignore[arg-type]


def tuples(
    session: Session, table: Table, columns: Sequence[str], rows: Iterable[dict[str, Any]]
) -> Iterator[tuple[Any, ...]]:
    """Each row's values in `columns`' order, processed as SQLAlchemy binds them."""
    dialect = session.get_bind().dialect
    values_of = itemgetter(*columns) if len(columns) > 1 else lambda row: (row[columns[0]],)
    processed = []
    for position, name in enumerate(columns):
        kind = table.c[name].type
        process = kind.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            # Only a type that evaluates None (JSON: null) makes anything else of it.
            processed.append((position, process, kind.should_evaluate_none))
    if not processed:
        yield from map(values_of, rows)
        return
    for row in rows:
        values = list(values_of(row))
        for position, process, evaluate_none in processed:
            value = values[position]
            if value is not None or evaluate_none:
                values[position] = process(value)
        yield tuple(values)


def batches(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    """`items` in consecutive lists of at most `size`."""
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def _copy(session: Session, table: Table, columns: Sequence[str], rows: Iterable[dict[str, Any]]) -> None:
    """COPY the rows, COPY_ROWS a statement; JSON columns as SQLAlchemy writes them (json.dumps,
    None as JSON null)."""
    driver: Any = session.connection().connection.dbapi_connection
    as_json = [isinstance(table.c[name].type, JSON) for name in columns]
    statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
    for batch in batches(rows, COPY_ROWS):
        try:
            with driver.cursor() as cursor, cursor.copy(statement) as copy:
                for row in batch:
                    copy.write_row(
                        [
                            json.dumps(row[name]) if is_json else row[name]
                            for name, is_json in zip(columns, as_json, strict=True)
                        ]
                    )
        except driver.Error as error:  # as SQLAlchemy would have wrapped it
            raise DBAPIError.instance(statement, None, error, type(driver).Error) from None
