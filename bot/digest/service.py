"""Posting the weekly digest exactly once per (target, week).

The database, not the scheduler, decides: a digest is recorded under a unique key
(platform, destination, week, attempt) before it is posted, one sender claims it, and
the posted message's reference is stored. Every target has its own records, and the
tick delivers the targets concurrently, each guarded, so one target's outage, error or
slowness neither prevents nor delays another's post.

After an unclear failure (the request went out, no answer came back) a target that can
read its destination's history looks for the post before posting again. A target that
cannot gets `sent_at` set just before its one posting call; a record found with
`sent_at` set and no message reference is marked `unclear` and never posted again
unless a coordinator forces it. APScheduler 3's own FAQ warns that schedulers sharing a
job store run jobs twice, which is why its job store plays no part in this.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from bot.context import BotContext
from bot.digest.targets import Chart, DeliveryError, DeliveryFailed, DeliveryUnclear, DigestTarget
from bot.digest.wiring import digest_targets
from bot.slack.trouble import slack_cause
from handlers.digest import Digest, build_digest, chart_weeks, week_title
from handlers.i18n import _, use_language
from handlers.weeks import Week
from storage.database import DatabaseUnavailable
from storage.digests import POSTED, SKIPPED, UNCLEAR, DigestStore
from storage.models import Digest as DigestRecord
from storage.weekly import counts_by_unit

log = logging.getLogger(__name__)

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]
Targets = Callable[[], Sequence[DigestTarget]]
LEASE = timedelta(minutes=15)
LATE_AFTER = timedelta(minutes=10)
TRIES = 4
MAX_WAIT = 120.0
HINTS = {
    "not_in_channel": ": invite the bot to the channel (/invite @contactbot)",
    "channel_not_found": ": check DIGEST_CHANNEL (a channel id, C…) and invite the bot to it",
    "invalid_auth": ": check SLACK_BOT_TOKEN",
    "missing_scope": ": reinstall the app from manifest.yml so it has the scopes it needs",
    "HTTP 404": ": the destination is gone (was the Workflows flow deleted?)",
    "HTTP 401": ": the destination refused the bot's credentials",
    "HTTP 403": ": the destination refused the bot's credentials",
}


@dataclass
class Outcome:
    """What became of one attempt to deliver a digest to one target."""

    state: str  # posted, found, already, busy, pending, skipped, unclear
    week: str
    platform: str = ""
    destination: str = ""
    ref: str | None = None
    error: str | None = None


class DigestService:
    """Builds, records and delivers digests; `tick` is what the scheduler runs every minute."""

    def __init__(
        self,
        context: BotContext,
        targets: Sequence[DigestTarget] | Targets | None = None,
        sleep: Sleep = asyncio.sleep,
        lease: timedelta = LEASE,
    ) -> None:
        self.context = context
        self.settings = context.settings
        self.store = DigestStore(context.db)
        if targets is None:
            self._targets: Targets = lambda: digest_targets(context)
        elif callable(targets):
            self._targets = targets
        else:
            fixed = list(targets)
            self._targets = lambda: fixed
        self.sleep = sleep
        self.lease = lease
        self._warned: set[tuple[str, str, str]] = set()

    def targets(self) -> list[DigestTarget]:
        """The configured targets, assembled now (some come from the database)."""
        return list(self._targets())

    def target_for(self, record: DigestRecord) -> DigestTarget | None:
        """The configured target a record belongs to."""
        for target in self.targets():
            if (target.platform, target.destination) == (record.platform, record.destination):
                return target
        return None

    def last_complete_week(self) -> Week:
        """The week that ended most recently, in TIMEZONE."""
        now = self.context.clock().astimezone(self.settings.timezone)
        return Week.of(now.date()).previous()

    def build(self, week: Week, late: bool = False) -> Digest:
        """The digest of `week` (read from the database)."""
        return build_digest(self.context.db, week, self.settings.timezone, late, self.settings.slack_command)

    async def _db(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await asyncio.to_thread(function, *args, **kwargs)

    # -- the scheduler's tick ---------------------------------------------------

    async def tick(self) -> list[Outcome]:
        """For every target, concurrently: record the newest due digest if missing (within
        DIGEST_CATCHUP), then deliver its unfinished ones. Safe to run from any number of
        processes at once."""
        now = self.context.clock()
        try:
            targets = await self._db(self.targets)
        except DatabaseUnavailable:
            log.warning("the database did not answer; the digest waits for the next tick")
            return []
        results = await asyncio.gather(*(self._guarded_tick(target, now) for target in targets))
        return [outcome for outcomes in results for outcome in outcomes]

    async def _guarded_tick(self, target: DigestTarget, now: datetime) -> list[Outcome]:
        try:
            return await self._tick_target(target, now)
        except DatabaseUnavailable:
            log.warning("the database did not answer; the digest to %s waits for the next tick", target.label)
        except Exception as error:  # noqa: BLE001 - one target's bug must not hold back the others
            log.error(
                "the digest tick for %s failed (%s: %s); the next minute tries again",
                target.label,
                type(error).__name__,
                getattr(error, "code", "") or "no detail",
            )
        return []

    async def _tick_target(self, target: DigestTarget, now: datetime) -> list[Outcome]:
        schedule, zone = self.settings.digest_schedule, self.settings.timezone
        week = schedule.latest_due_week(now, zone)
        due = schedule.due(week, zone)
        existing = await self._db(self.store.find, target.platform, target.destination, str(week))
        if existing is None:
            if now - due <= self.settings.digest_catchup:
                await self._db(
                    self.store.record,
                    target.platform,
                    target.destination,
                    str(week),
                    now,
                    late=now - due > LATE_AFTER,
                )
            elif (key := (target.platform, target.destination, str(week))) not in self._warned:
                self._warned.add(key)
                # A fresh register (nothing logged before the digest was due) missed nothing.
                if not await self._db(self.context.store.logged_before, due):
                    return await self._deliver_unfinished(target, now)
                log.warning(
                    "the digest for %s to %s was due %s and was not posted; it is older than "
                    "DIGEST_CATCHUP, so it is not posted now. Send it by hand: contactbot digest send --week %s",
                    week,
                    target.label,
                    due.isoformat(timespec="minutes"),
                    week,
                )
        return await self._deliver_unfinished(target, now)

    async def _deliver_unfinished(self, target: DigestTarget, now: datetime) -> list[Outcome]:
        unfinished = await self._db(
            self.store.unfinished, target.platform, target.destination, now, self.lease
        )
        return [await self.deliver(target, record) for record in unfinished]

    # -- sending by hand --------------------------------------------------------

    async def send(
        self,
        week: Week,
        force: bool = False,
        requested_by: str | None = None,
        only: str | None = None,
    ) -> list[Outcome]:
        """Post `week`'s digest to every target (or those whose platform is `only`) unless it
        was posted there; with `force`, post it again (recorded). One outcome per target."""
        targets = [t for t in await self._db(self.targets) if only in (None, t.platform)]
        return list(await asyncio.gather(*(self._send_one(t, week, force, requested_by) for t in targets)))

    async def _send_one(
        self, target: DigestTarget, week: Week, force: bool, requested_by: str | None
    ) -> Outcome:
        now = self.context.clock()
        try:
            if force:
                record = await self._db(
                    self.store.record_forced,
                    target.platform,
                    target.destination,
                    str(week),
                    now,
                    requested_by or "?",
                )
            else:
                record, _created = await self._db(
                    self.store.record,
                    target.platform,
                    target.destination,
                    str(week),
                    now,
                    requested_by=requested_by,
                )
                if record.status in {POSTED, SKIPPED}:
                    return Outcome("already", str(week), *_key(target), record.message_ref)
                if record.status == UNCLEAR:
                    return Outcome("unclear", str(week), *_key(target), error=record.last_error)
            return await self.deliver(target, record)
        except DatabaseUnavailable:
            return Outcome("pending", str(week), *_key(target), error="database")

    # -- delivering one recorded digest -----------------------------------------

    async def deliver(self, target: DigestTarget, record: DigestRecord) -> Outcome:
        """Claim the record, then post it (or find the post an interrupted sender made)."""
        week, label, key = record.week, target.label, _key(target)
        claimed = await self._db(self.store.claim, record.id, self.context.clock(), self.lease)
        if claimed is None:
            current = await self._db(self.store.get, record.id)
            if current is not None and current.status == POSTED:
                return Outcome("already", week, *key, current.message_ref)
            if current is not None and current.status == UNCLEAR:
                return Outcome("unclear", week, *key, error=current.last_error)
            return Outcome("busy", week, *key)
        posted: str | None = None
        try:
            interrupted = claimed.claims > 1 or claimed.sent_at is not None
            if interrupted and target.can_find:
                ref = await self._retrying(target.find, claimed)
                if ref is not None:
                    return await self._found(claimed, target, ref)
            elif claimed.sent_at is not None and claimed.message_ref is None:
                # A sender started the one call that posts and never learnt how it ended.
                return await self._unclear(claimed, target, "interrupted while posting")
            digest = await self._db(self.build, Week.parse(claimed.week), claimed.late)
            if digest.empty and self.settings.digest_skip_empty and claimed.attempt == 0:
                await self._db(self.store.mark_skipped, claimed.id, 0)
                return Outcome("skipped", week, *key)
            ref, found = await self._post(target, claimed, digest)
            if found:
                return await self._found(claimed, target, ref)
            posted = ref
            await self._db(
                self.store.mark_posted, claimed.id, ref, self.context.clock(), digest.figures.total
            )
        except DeliveryUnclear as unclear:
            return await self._unclear(claimed, target, unclear.code)
        except DeliveryError as trouble:
            log.warning(
                "could not post the digest for %s to %s (%s); it stays pending and is tried again each minute%s",
                week,
                label,
                trouble.code,
                HINTS.get(trouble.code, ""),
            )
            await self._db(self.store.release, claimed.id, trouble.code)
            return Outcome("pending", week, *key, error=trouble.code)
        except DatabaseUnavailable:
            if posted is not None:
                # In the channel, not yet in the database: say so, not that the post failed.
                log.warning(
                    "the digest for %s is in %s but the database did not answer to record it", week, label
                )
                state = "unrecorded" if target.can_find else "unrecorded-unclear"
                return Outcome(state, week, *key, posted, error="database")
            log.warning("the database did not answer while posting the digest for %s to %s", week, label)
            return Outcome("pending", week, *key, error="database")
        log.info("posted the digest for %s to %s (%s)", week, label, ref)
        await self.post_chart(target, claimed, digest, ref)
        return Outcome("posted", week, *key, ref)

    async def _post(self, target: DigestTarget, record: DigestRecord, digest: Digest) -> tuple[str, bool]:
        """Post with retries; returns (reference, whether it was found rather than posted).

        For a target that cannot look, `sent_at` is set before each call and cleared after a
        clear failure; an unclear one propagates (the record becomes `unclear`). A target
        that can look waits after an unclear failure (giving the platform time to finish
        what it took), then looks, and posts again only if the post is not there."""
        backoff = 1.0
        look_first = False
        for attempt in range(1, TRIES + 1):
            if look_first:
                ref = await self._retrying(target.find, record)
                if ref is not None:
                    return ref, True
                look_first = False
            if not target.can_find:
                await self._db(self.store.mark_sending, record.id, self.context.clock())
            try:
                return await target.post(record, digest), False
            except DeliveryUnclear as unclear:
                if not target.can_find:
                    raise
                log.warning(
                    "the post of the digest for %s to %s got no answer (%s); looking for it before trying again",
                    record.week,
                    target.label,
                    unclear.code,
                )
                look_first = True
                code, wait, backoff = unclear.code, backoff, backoff * 2
            except DeliveryFailed as failed:
                if not target.can_find:
                    await self._db(self.store.clear_sending, record.id)
                if not failed.retryable:
                    raise
                code = failed.code
                wait, backoff = _wait_after(failed, backoff)
            if attempt == TRIES:
                # Still pending; after an unclear last try the next sender looks first (claims > 1).
                raise DeliveryFailed(code)
            await self.sleep(min(wait, MAX_WAIT))
        raise DeliveryFailed("unreachable")

    async def _retrying(self, method: Callable[..., Awaitable[T]], *args: Any) -> T:
        """Call a target's method that changes nothing visible twice (find, update, chart):
        429 waits as asked, outages back off (1, 2, 4 s); after TRIES attempts, DeliveryFailed."""
        backoff = 1.0
        for attempt in range(1, TRIES + 1):
            try:
                return await method(*args)
            except DeliveryFailed as failed:
                if not failed.retryable:
                    raise
                code = failed.code
                wait, backoff = _wait_after(failed, backoff)
            except DeliveryUnclear as unclear:
                code, wait, backoff = unclear.code, backoff, backoff * 2
            if attempt == TRIES:
                raise DeliveryFailed(code)
            await self.sleep(min(wait, MAX_WAIT))
        raise DeliveryFailed("unreachable")

    async def _found(self, record: DigestRecord, target: DigestTarget, ref: str) -> Outcome:
        await self._db(self.store.mark_posted, record.id, ref, self.context.clock(), None)
        log.info("the digest for %s was already in %s (%s); recorded it", record.week, target.label, ref)
        return Outcome("found", record.week, *_key(target), ref)

    async def _unclear(self, record: DigestRecord, target: DigestTarget, code: str) -> Outcome:
        log.warning(
            "the digest for %s to %s may have been posted: the call that posts it started and no answer "
            "came (%s). It is not posted again by itself; look in the channel, and if it is not there: "
            "contactbot digest send --week %s --force",
            record.week,
            target.label,
            code,
            record.week,
        )
        await self._db(self.store.mark_unclear, record.id, code)
        return Outcome("unclear", record.week, *_key(target), error=code)

    # -- after posting ------------------------------------------------------------

    async def post_chart(self, target: DigestTarget, record: DigestRecord, digest: Digest, ref: str) -> None:
        """Post the 12-week chart next to the digest; a failure is logged, never raised."""
        if not target.can_chart or not self.settings.digest_chart or digest.empty:
            with contextlib.suppress(DatabaseUnavailable):
                await self._db(self.store.set_chart, record.id, "off")
            return
        try:
            week = digest.week
            counts = await self._db(
                counts_by_unit, self.context.db, chart_weeks(week, self.settings.timezone)
            )
            with use_language(self.settings.language):
                title = _("Contacts per week by unit, 12 weeks to {week}").format(week=week_title(week))
                from bot.chart import weekly_chart  # matplotlib: loaded only when a chart is drawn

                png = await asyncio.to_thread(weekly_chart, counts, title, _("other units"), _("no unit"))
            chart = Chart(png, title, f"kontakter-{week}.png")
            await self._retrying(target.attach_chart, record, digest, ref, chart)
            await self._db(self.store.set_chart, record.id, "posted")
        except Exception as error:  # noqa: BLE001 - the chart must never block or undo the digest
            code = error.code if isinstance(error, DeliveryError) else slack_cause(error)
            log.warning("the digest chart for %s to %s was not posted (%s)", record.week, target.label, code)
            with contextlib.suppress(DatabaseUnavailable):
                await self._db(self.store.set_chart, record.id, "failed")

    async def show_review(self, record: DigestRecord) -> bool:
        """Update the posted message to show the record's review; False if it could not."""
        target = await self._db(self.target_for, record)
        if target is None or record.message_ref is None:
            log.warning("the digest for %s has no configured target any more; not updated", record.week)
            return False
        week = Week.parse(record.week)
        assert week is not None
        digest = await self._db(self.build, week, record.late)
        try:
            await self._retrying(target.update, record, digest)
        except DeliveryError as trouble:
            log.warning("could not update the digest message in %s (%s)", target.label, trouble.code)
            return False
        return True


def digest_service(context: BotContext) -> DigestService | None:
    """The digest's delivery, when at least one target is configured (else the digest is off)."""
    service = DigestService(context)
    return service if service.targets() else None


def _wait_after(failed: DeliveryFailed, backoff: float) -> tuple[float, float]:
    """(seconds to wait, the next backoff): as Retry-After says, else the backoff, doubled."""
    if failed.retry_after is not None:
        return failed.retry_after, backoff
    return backoff, backoff * 2


def _key(target: DigestTarget) -> tuple[str, str]:
    return target.platform, target.destination
