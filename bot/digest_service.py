"""Posting the weekly digest exactly once per (channel, week).

The database, not the scheduler, decides: a digest is recorded under a unique key
before it is posted, one sender claims it, and the posted message's ts is stored.
The message carries metadata (week, channel, record id), so a sender that finds a
claim left by a crashed one looks in the channel's history before posting again.
APScheduler 3's own FAQ warns that schedulers sharing a job store run jobs twice,
which is why its job store plays no part in this.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.chart import weekly_chart
from bot.context import BotContext
from bot.slack.digest import digest_message, digest_metadata, metadata_matches
from handlers.digest import Digest, build_digest, chart_weeks, week_title
from handlers.i18n import _, use_language
from handlers.weeks import Week
from storage.database import DatabaseUnavailable
from storage.digests import DigestStore
from storage.models import Digest as DigestRecord
from storage.weekly import counts_by_unit

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]
LEASE = timedelta(minutes=15)
LATE_AFTER = timedelta(minutes=10)
TRIES = 4
MAX_WAIT = 120.0
HINTS = {
    "not_in_channel": ": invite the bot to the channel (/invite @contactbot)",
    "channel_not_found": ": check DIGEST_CHANNEL (a channel id, C…) and invite the bot to it",
    "invalid_auth": ": check SLACK_BOT_TOKEN",
    "missing_scope": ": reinstall the app from manifest.yml so it has the scopes it needs",
}


class SlackTrouble(Exception):
    """Slack could not be reached or refused, after retries; `code` says what."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass
class Outcome:
    """What became of one attempt to deliver a digest."""

    state: str  # posted, found, already, busy, pending, skipped
    week: str
    ts: str | None = None
    error: str | None = None


class DigestService:
    """Builds, records and posts digests; `tick` is what the scheduler runs every minute."""

    def __init__(
        self,
        context: BotContext,
        client: AsyncWebClient | None = None,
        sleep: Sleep = asyncio.sleep,
        lease: timedelta = LEASE,
    ) -> None:
        settings = context.settings
        self.context = context
        self.settings = settings
        self.store = DigestStore(context.db)
        self.client = client or AsyncWebClient(
            token=settings.slack_bot_token, base_url=settings.slack_api_url, timeout=30
        )
        # Retries are ours (below), with an injectable sleep; slack_sdk's own would sleep for real.
        self.client.retry_handlers = []
        self.sleep = sleep
        self.lease = lease
        self._warned: set[str] = set()

    @property
    def channel(self) -> str:
        """The coordinator channel (DIGEST_CHANNEL)."""
        if not self.settings.digest_channel:
            raise SlackTrouble("no DIGEST_CHANNEL set")
        return self.settings.digest_channel

    def last_complete_week(self) -> Week:
        """The week that ended most recently, in TIMEZONE."""
        now = self.context.clock().astimezone(self.settings.timezone)
        return Week.of(now.date()).previous()

    def build(self, week: Week, late: bool = False) -> Digest:
        """The digest of `week` (read from the database)."""
        return build_digest(self.context.db, week, self.settings.timezone, late, self.settings.slack_command)

    async def _db(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return await asyncio.to_thread(function, *args, **kwargs)

    # -- the scheduler's tick ---------------------------------------------------

    async def tick(self) -> list[Outcome]:
        """Record the newest due digest if missing (within DIGEST_CATCHUP), then deliver
        every pending one. Safe to run from any number of processes at once."""
        now = self.context.clock()
        schedule, zone = self.settings.digest_schedule, self.settings.timezone
        week = schedule.latest_due_week(now, zone)
        due = schedule.due(week, zone)
        try:
            existing = await self._db(self.store.find, self.channel, str(week))
            if existing is None:
                if now - due <= self.settings.digest_catchup:
                    await self._db(
                        self.store.record, self.channel, str(week), now, late=now - due > LATE_AFTER
                    )
                elif str(week) not in self._warned:
                    self._warned.add(str(week))
                    log.warning(
                        "the digest for %s was due %s and was not posted; it is older than DIGEST_CATCHUP, "
                        "so it is not posted now. Send it by hand: contactbot digest send --week %s",
                        week,
                        due.isoformat(timespec="minutes"),
                        week,
                    )
            unfinished = await self._db(self.store.unfinished, now, self.lease)
        except DatabaseUnavailable:
            log.warning("the database did not answer; the digest waits for the next tick")
            return []
        return [await self.deliver(record) for record in unfinished]

    # -- sending by hand --------------------------------------------------------

    async def send(self, week: Week, force: bool = False, requested_by: str | None = None) -> Outcome:
        """Post `week`'s digest now unless it was posted; with `force`, post it again (recorded)."""
        now = self.context.clock()
        if force:
            record = await self._db(
                self.store.record_forced, self.channel, str(week), now, requested_by or "?"
            )
        else:
            record, _created = await self._db(
                self.store.record, self.channel, str(week), now, requested_by=requested_by
            )
            if record.status in {"posted", "skipped"}:
                return Outcome("already", str(week), record.ts)
        return await self.deliver(record)

    # -- delivering one recorded digest -----------------------------------------

    async def deliver(self, record: DigestRecord) -> Outcome:
        """Claim the record, then post it (or find the post a crashed sender made)."""
        claimed = await self._db(self.store.claim, record.id, self.context.clock(), self.lease)
        if claimed is None:
            current = await self._db(self.store.get, record.id)
            if current is not None and current.status == "posted":
                return Outcome("already", record.week, current.ts)
            return Outcome("busy", record.week)
        try:
            if claimed.claims > 1:
                ts = await self.find_post(claimed)
                if ts is not None:
                    await self._db(self.store.mark_posted, claimed.id, ts, self.context.clock(), None)
                    log.info("digest %s was already in the channel (ts %s); recorded it", claimed.week, ts)
                    return Outcome("found", claimed.week, ts)
            digest = await self._db(self.build, Week.parse(claimed.week), claimed.late)
            if digest.empty and self.settings.digest_skip_empty and claimed.attempt == 0:
                await self._db(self.store.mark_skipped, claimed.id, 0)
                return Outcome("skipped", claimed.week)
            ts = await self.post_message(claimed, digest)
            await self._db(self.store.mark_posted, claimed.id, ts, self.context.clock(), digest.figures.total)
        except SlackTrouble as trouble:
            log.warning(
                "could not post the digest for %s (%s); it stays pending and is tried again each minute%s",
                claimed.week,
                trouble.code,
                HINTS.get(trouble.code, ""),
            )
            await self._db(self.store.release, claimed.id, trouble.code)
            return Outcome("pending", claimed.week, error=trouble.code)
        except DatabaseUnavailable:
            log.warning("the database did not answer while posting the digest for %s", claimed.week)
            return Outcome("pending", claimed.week, error="database")
        log.info("posted the digest for %s to %s (ts %s)", claimed.week, claimed.channel, ts)
        await self.post_chart(claimed, digest, ts)
        return Outcome("posted", claimed.week, ts)

    async def post_message(self, record: DigestRecord, digest: Digest) -> str:
        """Post the digest message (with its metadata); returns its ts."""
        with use_language(self.settings.language):
            text, blocks = digest_message(digest, record.id)
        response = await self.call(
            self.client.chat_postMessage,
            channel=record.channel,
            text=text,
            blocks=blocks,
            metadata=digest_metadata(record.channel, record.week, record.id, record.attempt),
            unfurl_links=False,
        )
        return str(response["ts"])

    async def find_post(self, record: DigestRecord) -> str | None:
        """The ts of this digest's message in the channel's history, if a sender posted it."""
        oldest = f"{record.created_at.timestamp() - 60:.6f}"
        cursor: str | None = None
        for _page in range(10):
            response = await self.call(
                self.client.conversations_history,
                channel=record.channel,
                oldest=oldest,
                include_all_metadata=True,
                limit=200,
                cursor=cursor,
            )
            for message in response.get("messages") or []:
                if metadata_matches(message, record.id):
                    return str(message.get("ts"))
            cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return None
        return None

    async def post_chart(self, record: DigestRecord, digest: Digest, ts: str) -> None:
        """Upload the 12-week chart into the digest's thread; a failure is logged, never raised."""
        if not self.settings.digest_chart or digest.empty:
            await self._db(self.store.set_chart, record.id, "off")
            return
        try:
            week = digest.week
            counts = await self._db(
                counts_by_unit, self.context.db, chart_weeks(week, self.settings.timezone)
            )
            with use_language(self.settings.language):
                title = _("Contacts per week by unit, 12 weeks to {week}").format(week=week_title(week))
                png = await asyncio.to_thread(weekly_chart, counts, title, _("other units"), _("no unit"))
            await self.call(
                self.client.files_upload_v2,
                channel=record.channel,
                thread_ts=ts,
                content=png,
                filename=f"kontakter-{week}.png",
                title=title,
            )
            await self._db(self.store.set_chart, record.id, "posted")
        except Exception as error:  # noqa: BLE001 - the chart must never block or undo the digest
            code = error.code if isinstance(error, SlackTrouble) else type(error).__name__
            log.warning("the digest chart for %s was not uploaded (%s)", record.week, code)
            with contextlib.suppress(DatabaseUnavailable):
                await self._db(self.store.set_chart, record.id, "failed")

    # -- talking to Slack -------------------------------------------------------

    async def call(self, method: Callable[..., Awaitable[Any]], **kwargs: Any) -> Any:
        """Call a Web API method; 429 waits as Retry-After says, 5xx and connection errors
        back off (1, 2, 4 s); after TRIES attempts, SlackTrouble."""
        backoff = 1.0
        for attempt in range(1, TRIES + 1):
            try:
                return await method(**kwargs)
            except SlackApiError as error:
                status = error.response.status_code
                code = str(error.response.get("error") or f"HTTP {status}")
                if status == 429:
                    wait = _retry_after(error.response.headers)
                elif status >= 500:
                    wait, backoff = backoff, backoff * 2
                else:
                    raise SlackTrouble(code) from None
            except (TimeoutError, aiohttp.ClientError, OSError) as error:
                code = type(error).__name__
                wait, backoff = backoff, backoff * 2
            if attempt == TRIES:
                raise SlackTrouble(code)
            await self.sleep(min(wait, MAX_WAIT))
        raise SlackTrouble("unreachable")


def _retry_after(headers: Any) -> float:
    for key, value in (headers or {}).items():
        if key.lower() == "retry-after":
            try:
                return max(0.0, float(value if isinstance(value, str) else value[0]))
            except (TypeError, ValueError, IndexError):
                return 1.0
    return 1.0
