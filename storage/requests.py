"""Requests already handled, claimed once in the database so that a replay does nothing.

The database decides, so the rule holds across every instance of the bot that shares it:
the first `claim` of a key inserts it and wins; any later one hits the primary key and loses.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import CTE, ColumnElement, Connection, Insert, bindparam, delete, select
from sqlalchemy.exc import SQLAlchemyError

from storage.database import Database, DatabaseUnavailable
from storage.models import HandledRequest
from storage.prepared import DriverTransaction, Prepared

log = logging.getLogger(__name__)

# A signature is accepted for five minutes either side of its timestamp; keys are kept
# for twice that, so a request is always remembered for as long as it could be replayed.
KEEP = timedelta(minutes=10)
PRUNE_EVERY = timedelta(minutes=1)
_TABLE = HandledRequest.__table__


_PRUNE = delete(_TABLE).where(_TABLE.c.seen_at < bindparam("before", type_=_TABLE.c.seen_at.type))


class Replayed(Exception):
    """This request was handled before (its key was claimed): nothing of it was done again."""


def _claim_statement(backend: str, prefix: str = "", condition: ColumnElement[bool] | None = None) -> Insert:
    """One statement, no error for a key already there: on PostgreSQL it runs in autocommit,
    so claiming costs one round trip. Only the database's own dialect is imported (the
    statement names both columns, as `Prepared` needs). Its values are named `prefix` + the
    column; with `condition`, the key is claimed only where it holds."""
    if backend == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    values = {name: bindparam(prefix + name, type_=_TABLE.c[name].type) for name in ("key", "seen_at")}
    statement = (
        insert(_TABLE).values(values)
        if condition is None
        else insert(_TABLE).from_select(list(values), select(*values.values()).where(condition))
    )
    return statement.on_conflict_do_nothing().returning(_TABLE.c.key)


def claim_cte(condition: ColumnElement[bool] | None = None) -> CTE:
    """PostgreSQL: the claim as a common table expression (`claim`, one row when this claim won)
    for a statement that writes only if it won; its values are `claim_key` and `claim_seen_at`
    (`Once.values`). Every sub-statement of a WITH runs in the one statement's transaction, so
    the claim and the write are one round trip and stand or fall together. With `condition`,
    the key is claimed only where it holds."""
    return _claim_statement("postgresql", "claim_", condition).cte("claim")


class RequestStore:
    """Claims request keys; prunes old ones about once a minute (per instance)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._pruned_at: datetime | None = None
        self._statement = _claim_statement(db.backend)
        self._prepared = Prepared(self._statement, db.engine.dialect)
        self._prepared_prune = Prepared(_PRUNE, db.engine.dialect)

    def claim(self, key: str, now: datetime) -> bool:
        """True the first time `key` is claimed; False for every later claim, by any instance."""
        with self.db.driver_transaction() as transaction:  # every request: through the driver
            return self.claim_in(transaction, key, now)

    def claim_in(self, transaction: DriverTransaction, key: str, now: datetime) -> bool:
        """As `claim`, in a driver transaction that goes on to write (storage/prepared.py)."""
        self.prune_in(transaction, now)
        return transaction.run(self._prepared, {"key": key, "seen_at": now}).fetchone() is not None

    def claim_on(self, connection: Connection, key: str, now: datetime) -> bool:
        """As `claim`, on a SQLAlchemy connection in a transaction that goes on to write."""
        if self._due(now):
            connection.execute(_PRUNE, {"before": now - KEEP})
        return connection.execute(self._statement, {"key": key, "seen_at": now}).first() is not None

    def once(self, key: str, now: datetime) -> Once:
        """`key`, to be claimed by the command's own write (`Once`)."""
        return Once(self, key, now)

    def prune(self, now: datetime) -> int:
        """Forget keys older than `KEEP`; returns how many."""
        with self.db.session() as session:
            result = session.execute(_PRUNE, {"before": now - KEEP})
        self._pruned_at = now
        return result.rowcount or 0

    def prune_in(self, transaction: DriverTransaction, now: datetime) -> None:
        """`prune` about once a minute, in a transaction that claims a key: no wait of its own
        for the database (should that transaction fail, the next one a minute later prunes)."""
        if self._due(now):
            transaction.run(self._prepared_prune, {"before": now - KEEP})

    def _due(self, now: datetime) -> bool:
        """True about once a minute (and then counted as done)."""
        if self._pruned_at is not None and now - self._pruned_at < PRUNE_EVERY:
            return False
        self._pruned_at = now
        return True


class Once:
    """A request to be carried out once: its key is claimed in the same transaction as the
    command's write (a `log`: `ContactStore.add`), or by `take` before a command that does
    anything else. Either way a second claim of the key raises `Replayed` with nothing done.
    A `log` that fails stores nothing and leaves its key unclaimed: the same request again
    may store it.

    Claiming with the write saves a `log` a transaction of its own: on PostgreSQL a round trip
    and a commit, a fifth of its database work (benchmarks/open_loop.py)."""

    def __init__(self, store: RequestStore, key: str, at: datetime) -> None:
        self.store = store
        self.key = key
        self.at = at
        self.taken = False  # claimed, by `take` or with a write that committed
        self.unrecorded = False  # `take` found the database not answering: not tried again

    def take(self) -> None:
        """Claim the key now, in its own transaction (once); `Replayed` if it was claimed before.
        A database that does not answer lets the request through unrecorded (logged): the
        command meets the same database, and a command without it (help) still gets its answer."""
        if self.taken or self.unrecorded:
            return
        try:
            first = self.store.claim(self.key, self.at)
        except (DatabaseUnavailable, SQLAlchemyError):
            log.warning("request handled unrecorded: the database did not answer")
            self.unrecorded = True
            return
        if not first:
            raise Replayed
        self.taken = True

    def values(self) -> dict[str, Any]:
        """The values of `claim_cte`."""
        return {"claim_key": self.key, "claim_seen_at": self.at}

    def prune_in(self, transaction: DriverTransaction) -> None:
        """Forget old keys in a driver transaction about to claim this one (when due)."""
        self.store.prune_in(transaction, self.at)

    def claim_in(self, transaction: DriverTransaction) -> None:
        """Claim the key in a driver transaction about to write; `Replayed` if it was claimed
        before (the transaction then rolls back). The caller sets `taken` once it committed."""
        if not self.store.claim_in(transaction, self.key, self.at):
            raise Replayed

    def claim_on(self, connection: Connection) -> None:
        """As `claim_in`, on a SQLAlchemy connection in a transaction about to write."""
        if not self.store.claim_on(connection, self.key, self.at):
            raise Replayed
