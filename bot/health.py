"""What `GET /healthz` reports: can the bot do its job right now, and if not, why.

The database is asked in a thread of its own, read-only (on SQLite no write lock is
taken), and waited for at most HEALTH_TIMEOUT: the event loop that acknowledges Slack
never waits for it. One check runs at a time; a check still stuck answers "unreachable".
"""

from __future__ import annotations

import asyncio
import os
import shutil
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from bot.context import BotContext
from bot.digest.wiring import digest_targets
from storage.database import Database
from storage.faults import describe
from storage.models import Digest

HEALTH_TIMEOUT = 2.0
SLOW_AFTER = 0.5  # seconds for a read that should take a millisecond
DIGEST_GRACE = timedelta(minutes=15)  # a digest not posted this long after it was due is overdue
LOW_DISK_BYTES = 1 << 20


@dataclass
class DatabaseFacts:
    """What one read of the database found."""

    state: str  # ok, slow, read-only, full, damaged, unreachable
    seconds: float | None = None
    cause: str | None = None
    last_posted: dict[str, Any] = field(default_factory=dict)  # platform -> week, posted_at
    unfinished: list[dict[str, Any]] = field(default_factory=list)
    due_week_missing: list[str] = field(default_factory=list)  # platforms


def read_database(db: Database, destinations: list[tuple[str, str]], due_week: str | None) -> DatabaseFacts:
    """Ping the database and read the digest records, taking no lock (runs in a thread)."""
    started = time.monotonic()
    try:
        with db.reading() as connection:
            connection.execute(text("SELECT 1"))
            state = _writable(db, connection)
            facts = DatabaseFacts(state)
            if destinations:
                _read_digests(connection, destinations, due_week, facts)
    except SQLAlchemyError as error:
        return DatabaseFacts("unreachable", cause=describe(error, _secrets(db)).cause)
    facts.seconds = round(time.monotonic() - started, 3)
    if facts.state == "ok" and facts.seconds > SLOW_AFTER:
        facts.state = "slow"
    if facts.state == "ok" and db.write_failure is not None and db.write_failure.kind:
        facts.state, facts.cause = db.write_failure.kind, db.write_failure.cause
    return facts


def _writable(db: Database, connection: Any) -> str:
    if db.backend == "postgresql":
        read_only = connection.execute(text("SELECT current_setting('transaction_read_only')")).scalar()
        return "read-only" if read_only == "on" else "ok"
    path = make_url(db.url).database
    if not path or path == ":memory:":
        return "ok"
    file = Path(path)
    if not os.access(file, os.W_OK) or not os.access(file.parent, os.W_OK):
        return "read-only"
    if shutil.disk_usage(file.parent).free < LOW_DISK_BYTES:
        return "full"
    return "ok"


def _read_digests(
    connection: Any, destinations: list[tuple[str, str]], due_week: str | None, facts: DatabaseFacts
) -> None:
    try:
        for platform, destination in destinations:
            mine = (Digest.platform == platform) & (Digest.destination == destination)
            last = connection.execute(
                select(Digest.week, Digest.posted_at)
                .where(mine, Digest.status == "posted")
                .order_by(Digest.posted_at.desc())
                .limit(1)
            ).first()
            if last is not None:
                facts.last_posted[platform] = {"week": last.week, "posted_at": last.posted_at.isoformat()}
            facts.unfinished += [
                {
                    "platform": platform,
                    "week": row.week,
                    "status": row.status,
                    "since": row.created_at.isoformat(),
                    "error": row.last_error,
                }
                for row in connection.execute(
                    select(Digest.week, Digest.status, Digest.created_at, Digest.last_error)
                    .where(mine, Digest.status.in_(("pending", "posting", "unclear")))
                    .order_by(Digest.id)
                )
            ]
            if due_week is not None:
                done = connection.execute(
                    select(Digest.id).where(
                        mine, Digest.week == due_week, Digest.status.in_(("posted", "skipped"))
                    )
                ).first()
                if done is None:
                    facts.due_week_missing.append(platform)
    except SQLAlchemyError:
        connection.rollback()


def _secrets(db: Database) -> list[str]:
    password = make_url(db.url).password
    return [password] if password else []


class HealthCheck:
    """Builds `/healthz`'s answer; `socket_mode` is the Socket Mode handler once connected."""

    def __init__(self, context: BotContext, slack: Any, teams: Any, timeout: float = HEALTH_TIMEOUT) -> None:
        self.context = context
        self.slack = slack
        self.teams = teams
        self.timeout = timeout
        self.socket_mode: Any = None
        # (platform, destination) of every digest target: a Slack channel, a webhook's hash.
        self.destinations = [(t.platform, t.destination) for t in digest_targets(context)]
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="contactbot-health")
        self._running: Future[DatabaseFacts] | None = None

    async def report(self) -> tuple[int, dict[str, Any]]:
        """The status code (200 only when the bot can do its job, else 503) and the report."""
        settings = self.context.settings
        now = self.context.clock()
        due_week, due_at = None, None
        if self.destinations:
            week = settings.digest_schedule.latest_due_week(now, settings.timezone)
            due_week, due_at = str(week), settings.digest_schedule.due(week, settings.timezone)
        facts = await self._read(self.destinations, due_week)
        body: dict[str, Any] = {"database": facts.state, "database_seconds": facts.seconds}
        if facts.cause:
            body["database_problem"] = facts.cause
        working = facts.state in {"ok", "slow"}
        if self.slack is not None:
            body["slack"] = await self._slack()
            working = working and body["slack"]["token"] != "refused"
            working = working and body["slack"]["socket_mode"] != "disconnected"
        else:
            body["slack"] = "off"
        body["teams"] = "configured" if self.teams is not None else "off"
        tokens = getattr(self.teams, "tokens", None)
        if tokens is not None and tokens.problem:
            body["teams_problem"] = tokens.problem
            working = working and not tokens.refused  # replies cannot be sent until fixed
        body["digest"] = _digest(bool(self.destinations), facts, now, due_week, due_at)
        body = {"status": "ok" if working else "degraded", **body}
        return (200 if working else 503), body

    async def _read(self, destinations: list[tuple[str, str]], due_week: str | None) -> DatabaseFacts:
        if self._running is not None and not self._running.done():
            return DatabaseFacts("unreachable", cause="the previous check has not finished")
        self._running = self._executor.submit(read_database, self.context.db, destinations, due_week)
        try:
            return await asyncio.wait_for(asyncio.wrap_future(self._running), self.timeout)
        except TimeoutError:
            return DatabaseFacts("unreachable", cause=f"no answer within {self.timeout:g} s")

    async def _slack(self) -> dict[str, Any]:
        identity = self.slack.identity
        answer: dict[str, Any] = {"token": identity.token}
        if identity.problem and identity.token != "accepted":
            answer["problem"] = identity.problem
        if not self.context.settings.slack_app_token:
            answer["socket_mode"] = "off"
        elif self.socket_mode is not None and await self.socket_mode.client.is_connected():
            answer["socket_mode"] = "connected"
        else:
            answer["socket_mode"] = "disconnected"
        return answer

    def close(self) -> None:
        """Stop the checking thread (a stuck check is left to end on its own)."""
        self._executor.shutdown(wait=False, cancel_futures=True)


def _digest(
    configured: bool, facts: DatabaseFacts, now: datetime, due_week: str | None, due_at: datetime | None
) -> dict[str, Any] | str:
    if not configured:
        return "off"
    overdue = [
        f"{row['platform']} {row['week']} ({row['status']})"
        for row in facts.unfinished
        if row["status"] == "unclear" or _older(row["since"], now)
    ]
    if due_at is not None and now - due_at > DIGEST_GRACE:
        when = due_at.isoformat(timespec="minutes")
        overdue[:0] = [
            f"{platform} {due_week} (not posted, due {when})" for platform in facts.due_week_missing
        ]
    answer: dict[str, Any] = {"last_posted": facts.last_posted, "overdue": overdue}
    errors = [row["error"] for row in facts.unfinished if row.get("error")]
    if errors:
        answer["last_error"] = errors[-1]
    return answer


def _older(since: str, now: datetime) -> bool:
    return now - datetime.fromisoformat(since) > DIGEST_GRACE
