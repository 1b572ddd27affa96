"""Digest records: one per (platform, destination, week, attempt), created before posting,
claimed by one sender at a time."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage import history
from storage.database import Database
from storage.history import SCHEDULER, Actor
from storage.models import Digest

# The states a record can be in (see storage.models.Digest).
PENDING, POSTING, POSTED, SKIPPED, UNCLEAR = "pending", "posting", "posted", "skipped", "unclear"


class DigestStore:
    """Reads and writes digest records."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def get(self, digest_id: int) -> Digest | None:
        """One digest record by id."""
        with self.db.session() as session:
            return session.get(Digest, digest_id)

    def find(self, platform: str, destination: str, week: str, attempt: int = 0) -> Digest | None:
        """The record of `week`'s digest for one destination, if there is one."""
        with self.db.session() as session:
            return session.scalar(
                select(Digest).where(
                    Digest.platform == platform,
                    Digest.destination == destination,
                    Digest.week == week,
                    Digest.attempt == attempt,
                )
            )

    def record(
        self,
        platform: str,
        destination: str,
        week: str,
        now: datetime,
        *,
        late: bool = False,
        requested_by: str | None = None,
    ) -> tuple[Digest, bool]:
        """Record the week's digest for a destination, or find the record another sender made first.

        Returns the record and whether this call created it. The unique key
        (platform, destination, week, attempt 0) is what makes the weekly post happen once.
        """
        try:
            with self.db.session() as session:
                digest = _new_record(
                    platform, destination, week, 0, now, late=late, requested_by=requested_by
                )
                session.add(digest)
                session.flush()
                return digest, True
        except IntegrityError:
            found = self.find(platform, destination, week)
            if found is None:
                raise
            return found, False

    def record_forced(
        self, platform: str, destination: str, week: str, now: datetime, requested_by: str
    ) -> Digest:
        """A coordinator's deliberate re-post: a new record with the next attempt number."""
        for _ in range(5):
            try:
                with self.db.session() as session:
                    highest = session.scalar(
                        select(func.max(Digest.attempt)).where(
                            Digest.platform == platform,
                            Digest.destination == destination,
                            Digest.week == week,
                        )
                    )
                    attempt = (highest if highest is not None else -1) + 1
                    digest = _new_record(platform, destination, week, attempt, now, requested_by=requested_by)
                    session.add(digest)
                    session.flush()
                    return digest
            except IntegrityError:
                continue
        raise RuntimeError("could not record a forced digest")

    def claim(self, digest_id: int, now: datetime, lease: timedelta) -> Digest | None:
        """Take the digest for posting; None if it is finished or another sender holds it."""
        with self.db.session() as session:
            result = session.execute(
                update(Digest)
                .where(Digest.id == digest_id, _claimable(now, lease))
                .values(status=POSTING, claimed_at=now, claims=Digest.claims + 1)
            )
            if result.rowcount != 1:
                return None
            return session.get(Digest, digest_id, populate_existing=True)

    def mark_sending(self, digest_id: int, now: datetime) -> None:
        """The one call that posts is about to start: from here on, a lost answer is unclear."""
        with self.db.session() as session:
            session.execute(update(Digest).where(Digest.id == digest_id).values(sent_at=now))

    def clear_sending(self, digest_id: int) -> None:
        """The call clearly failed (refused, or answered with an error): nothing was posted."""
        with self.db.session() as session:
            session.execute(update(Digest).where(Digest.id == digest_id).values(sent_at=None))

    def mark_posted(self, digest_id: int, message_ref: str, now: datetime, contact_count: int | None) -> None:
        """The message is at its destination: remember its reference."""
        with self.db.session() as session:
            session.execute(
                update(Digest)
                .where(Digest.id == digest_id)
                .values(
                    status=POSTED,
                    message_ref=message_ref,
                    posted_at=now,
                    contact_count=contact_count,
                    last_error=None,
                )
            )
            posted = session.get(Digest, digest_id)
            if posted is not None:
                _record_posted(session, posted, now)

    def mark_unclear(self, digest_id: int, error: str) -> None:
        """The post may have gone out, and the bot cannot look: never posted again unless forced."""
        with self.db.session() as session:
            session.execute(
                update(Digest).where(Digest.id == digest_id).values(status=UNCLEAR, last_error=error[:200])
            )

    def release(self, digest_id: int, error: str) -> None:
        """Posting failed: back to pending, to be tried on the next tick."""
        with self.db.session() as session:
            session.execute(
                update(Digest).where(Digest.id == digest_id).values(status=PENDING, last_error=error[:200])
            )

    def mark_skipped(self, digest_id: int, contact_count: int) -> None:
        """An empty week that is not posted (DIGEST_SKIP_EMPTY)."""
        with self.db.session() as session:
            session.execute(
                update(Digest)
                .where(Digest.id == digest_id)
                .values(status=SKIPPED, contact_count=contact_count)
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

    def unfinished(self, platform: str, destination: str, now: datetime, lease: timedelta) -> list[Digest]:
        """One destination's pending digests, and claimed ones whose sender has been silent
        past the lease."""
        with self.db.session() as session:
            return list(
                session.scalars(
                    select(Digest)
                    .where(
                        Digest.platform == platform,
                        Digest.destination == destination,
                        _claimable(now, lease),
                    )
                    .order_by(Digest.id)
                )
            )

    def history(self, limit: int = 10) -> list[Digest]:
        """The newest digest records first."""
        with self.db.session() as session:
            return list(session.scalars(select(Digest).order_by(Digest.id.desc()).limit(limit)))


def _claimable(now: datetime, lease: timedelta):  # noqa: ANN202 - an SQL expression
    return or_(
        Digest.status == PENDING,
        (Digest.status == POSTING) & (Digest.claimed_at < now - lease),
    )


def _new_record(
    platform: str,
    destination: str,
    week: str,
    attempt: int,
    now: datetime,
    *,
    late: bool = False,
    requested_by: str | None = None,
) -> Digest:
    return Digest(
        platform=platform,
        destination=destination,
        week=week,
        attempt=attempt,
        status=PENDING,
        late=late,
        requested_by=requested_by,
        created_at=now,
        claims=0,
    )


def _record_posted(session: Session, digest: Digest, now: datetime) -> None:
    """A posted digest, in the history: by the scheduler, or by whoever asked for it."""
    by = digest.requested_by
    actor = SCHEDULER if by is None else Actor(by, by.split(":", 1)[0] if ":" in by else "unknown")
    note = f"{digest.week} {digest.platform}:{digest.destination}"
    if digest.attempt:
        note += f" (again, {digest.attempt})"
    history.record(session, contact_id=None, action="digest", actor=actor, at=now, note=note)
