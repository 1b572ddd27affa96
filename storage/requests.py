"""Requests already handled, claimed once in the database so that a replay does nothing.

The database decides, so the rule holds across every instance of the bot that shares it:
the first `claim` of a key inserts it and wins; any later one hits the primary key and loses.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Insert, bindparam, delete

from storage.database import Database
from storage.models import HandledRequest
from storage.prepared import Prepared

# A signature is accepted for five minutes either side of its timestamp; keys are kept
# for twice that, so a request is always remembered for as long as it could be replayed.
KEEP = timedelta(minutes=10)
PRUNE_EVERY = timedelta(minutes=1)
_TABLE = HandledRequest.__table__


def _claim_statement(backend: str) -> Insert:
    """One statement, no error for a key already there: on PostgreSQL it runs in autocommit,
    so claiming costs one round trip. Only the database's own dialect is imported (the
    statement names both columns, as `Prepared` needs)."""
    if backend == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    values = {name: bindparam(name, type_=_TABLE.c[name].type) for name in ("key", "seen_at")}
    return insert(_TABLE).values(values).on_conflict_do_nothing().returning(_TABLE.c.key)


class RequestStore:
    """Claims request keys; prunes old ones about once a minute (per instance)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._pruned_at: datetime | None = None
        self._claim = Prepared(_claim_statement(db.backend), db.engine.dialect)

    def claim(self, key: str, now: datetime) -> bool:
        """True the first time `key` is claimed; False for every later claim, by any instance."""
        if self._pruned_at is None or now - self._pruned_at >= PRUNE_EVERY:
            self.prune(now)
        with self.db.driver_transaction() as transaction:  # every request: through the driver
            claimed = transaction.run(self._claim, {"key": key, "seen_at": now}).fetchone()
        return claimed is not None

    def prune(self, now: datetime) -> int:
        """Forget keys older than `KEEP`; returns how many."""
        with self.db.session() as session:
            result = session.execute(delete(HandledRequest).where(HandledRequest.seen_at < now - KEEP))
        self._pruned_at = now
        return result.rowcount or 0
