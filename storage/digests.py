"""Digest records: created under a unique key before posting, claimed by one sender at a time."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError

from storage.database import Database
from storage.models import Digest


class DigestStore:
    """Reads and writes digest records."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def get(self, digest_id: int) -> Digest | None:
        """One digest record by id."""
        with self.db.session() as session:
            return session.get(Digest, digest_id)

    def find(self, channel: str, week: str, attempt: int = 0) -> Digest | None:
        """The record of `week`'s digest in `channel`, if there is one."""
        with self.db.session() as session:
            return session.scalar(
                select(Digest).where(
                    Digest.channel == channel, Digest.week == week, Digest.attempt == attempt
                )
            )

    def record(
        self,
        channel: str,
        week: str,
        now: datetime,
        *,
        late: bool = False,
        requested_by: str | None = None,
    ) -> tuple[Digest, bool]:
        """Record the week's digest, or find the record another sender made first.

        Returns the record and whether this call created it. The unique key
        (channel, week, attempt 0) is what makes the weekly post happen once.
        """
        try:
            with self.db.session() as session:
                digest = _new_record(channel, week, 0, now, late=late, requested_by=requested_by)
                session.add(digest)
                session.flush()
                return digest, True
        except IntegrityError:
            found = self.find(channel, week)
            if found is None:
                raise
            return found, False

    def record_forced(self, channel: str, week: str, now: datetime, requested_by: str) -> Digest:
        """A coordinator's deliberate re-post: a new record with the next attempt number."""
        for _ in range(5):
            try:
                with self.db.session() as session:
                    highest = session.scalar(
                        select(func.max(Digest.attempt)).where(Digest.channel == channel, Digest.week == week)
                    )
                    attempt = (highest if highest is not None else -1) + 1
                    digest = _new_record(channel, week, attempt, now, requested_by=requested_by)
                    session.add(digest)
                    session.flush()
                    return digest
            except IntegrityError:
                continue
        raise RuntimeError("could not record a forced digest")

    def claim(self, digest_id: int, now: datetime, lease: timedelta) -> Digest | None:
        """Take the digest for posting; None if it is posted, skipped, or another sender holds it."""
        with self.db.session() as session:
            result = session.execute(
                update(Digest)
                .where(
                    Digest.id == digest_id,
                    or_(
                        Digest.status == "pending",
                        (Digest.status == "posting") & (Digest.claimed_at < now - lease),
                    ),
                )
                .values(status="posting", claimed_at=now, claims=Digest.claims + 1)
            )
            if result.rowcount != 1:
                return None
            return session.get(Digest, digest_id, populate_existing=True)

    def mark_posted(self, digest_id: int, ts: str, now: datetime, contact_count: int | None) -> None:
        """The message is in the channel: remember its ts."""
        with self.db.session() as session:
            session.execute(
                update(Digest)
                .where(Digest.id == digest_id)
                .values(status="posted", ts=ts, posted_at=now, contact_count=contact_count, last_error=None)
            )

    def release(self, digest_id: int, error: str) -> None:
        """Posting failed: back to pending, to be tried on the next tick."""
        with self.db.session() as session:
            session.execute(
                update(Digest).where(Digest.id == digest_id).values(status="pending", last_error=error[:200])
            )

    def mark_skipped(self, digest_id: int, contact_count: int) -> None:
        """An empty week that is not posted (DIGEST_SKIP_EMPTY)."""
        with self.db.session() as session:
            session.execute(
                update(Digest)
                .where(Digest.id == digest_id)
                .values(status="skipped", contact_count=contact_count)
            )

    def set_chart(self, digest_id: int, state: str) -> None:
        """How the chart upload went: posted, failed or off."""
        with self.db.session() as session:
            session.execute(update(Digest).where(Digest.id == digest_id).values(chart=state))

    def mark_reviewed(self, digest_id: int, by: str, by_name: str | None, now: datetime) -> Digest | None:
        """A coordinator reviewed the digest at the group's meeting."""
        with self.db.session() as session:
            digest = session.get(Digest, digest_id)
            if digest is None:
                return None
            if digest.reviewed_at is None:
                digest.reviewed_by, digest.reviewed_by_name, digest.reviewed_at = by, by_name, now
            return digest

    def unfinished(self, now: datetime, lease: timedelta) -> list[Digest]:
        """Pending digests, and claimed ones whose sender has been silent past the lease."""
        with self.db.session() as session:
            return list(
                session.scalars(
                    select(Digest)
                    .where(
                        or_(
                            Digest.status == "pending",
                            (Digest.status == "posting") & (Digest.claimed_at < now - lease),
                        )
                    )
                    .order_by(Digest.id)
                )
            )

    def history(self, limit: int = 10) -> list[Digest]:
        """The newest digest records first."""
        with self.db.session() as session:
            return list(session.scalars(select(Digest).order_by(Digest.id.desc()).limit(limit)))


def _new_record(
    channel: str,
    week: str,
    attempt: int,
    now: datetime,
    *,
    late: bool = False,
    requested_by: str | None = None,
) -> Digest:
    return Digest(
        channel=channel,
        week=week,
        attempt=attempt,
        status="pending",
        late=late,
        requested_by=requested_by,
        created_at=now,
        claims=0,
    )
