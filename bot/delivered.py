"""Recording that a file reached the person (an export's history row), for every platform."""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.exc import SQLAlchemyError

from handlers.replies import Attachment
from storage.database import DatabaseUnavailable

log = logging.getLogger(__name__)


async def record_delivery(file: Attachment) -> None:
    """`recorded_delivery(file)` in a thread, outside the bounded work: one write per export,
    and the record of a file handed over must not be turned away as "busy"."""
    await asyncio.to_thread(recorded_delivery, file)


def recorded_delivery(file: Attachment) -> None:
    """`file.deliver()`; a database that cannot write is logged (the person has the file
    either way, and the error says what the archivist's record lacks)."""
    try:
        file.deliver()
    except (DatabaseUnavailable, SQLAlchemyError) as error:
        cause = error.cause if isinstance(error, DatabaseUnavailable) else type(error).__name__
        log.error("a file reached the person, but its history row could not be written: %s", cause)
