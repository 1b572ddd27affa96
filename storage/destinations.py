"""Digest destinations chosen from chat (`digest here`): one active per platform."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from storage.database import Database
from storage.models import DigestDestination

TRIES = 5


def choose_destination(
    db: Database,
    platform: str,
    destination: str,
    *,
    chosen_by: str,
    now: datetime,
    service_url: str | None = None,
    tenant_id: str | None = None,
    name: str | None = None,
) -> DigestDestination:
    """Make `destination` the platform's digest destination (insert or update it), and
    deactivate the platform's previous one. `chosen_by` is platform-qualified, e.g.
    `teams:5f2c…`. Two coordinators choosing at once: the database's unique indexes
    decide, and the loser tries again, so the later choice wins and one stays active."""
    for attempt in range(TRIES):
        try:
            with db.session() as session:
                session.execute(
                    update(DigestDestination)
                    .where(
                        DigestDestination.platform == platform,
                        DigestDestination.destination != destination,
                        DigestDestination.active.is_(True),
                    )
                    .values(active=False)
                )
                row = session.scalar(
                    select(DigestDestination).where(
                        DigestDestination.platform == platform, DigestDestination.destination == destination
                    )
                )
                if row is None:
                    row = DigestDestination(platform=platform, destination=destination)
                    session.add(row)
                row.service_url = service_url
                row.tenant_id = tenant_id
                row.name = name
                row.chosen_by = chosen_by
                row.chosen_at = now
                row.active = True
                session.flush()
                return row
        except IntegrityError:
            if attempt == TRIES - 1:
                raise
    raise RuntimeError("unreachable")


def destinations(db: Database, platform: str | None = None, active: bool = True) -> list[DigestDestination]:
    """The chosen destinations (only the active ones unless `active` is False), oldest first."""
    query = select(DigestDestination).order_by(DigestDestination.id)
    if platform is not None:
        query = query.where(DigestDestination.platform == platform)
    if active:
        query = query.where(DigestDestination.active.is_(True))
    with db.session() as session:
        return list(session.scalars(query))
