"""APScheduler 3 wiring: one job, every minute at second 0, that runs the digest tick for
every target.

The tick itself decides what is due (see DigestService.tick), so a missed or doubled
firing, a DST switch, a restart or a second replica can neither lose nor double a digest.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

from bot.digest.service import DigestService

log = logging.getLogger(__name__)
JOB_ID = "weekly-digest"
DISPOSAL_JOB_ID = "monthly-disposal"


def start_scheduler(service: DigestService, first_run: datetime | None = None) -> AsyncIOScheduler:
    """Start the scheduler on the running event loop; the first tick runs at once (catch-up)."""
    settings = service.settings
    scheduler = AsyncIOScheduler(timezone=settings.timezone)
    scheduler.add_job(
        _tick,
        # Every minute in UTC: local wall-clock time (and its DST jumps) is the tick's business.
        CronTrigger(second=0, timezone=UTC),
        args=[service],
        id=JOB_ID,
        coalesce=True,
        max_instances=1,
        misfire_grace_time=50,
        next_run_time=first_run or datetime.now(settings.timezone),
    )
    add_disposal(scheduler, service)
    scheduler.start()
    log.info(
        "weekly digest: %s in %s to %s",
        settings.digest_schedule.describe(),
        settings.timezone,
        ", ".join(target.label for target in service.targets()) or "no destination yet",
    )
    return scheduler


def add_disposal(scheduler: AsyncIOScheduler, service: DigestService) -> None:
    """With a disposal decision configured: clear old personal data on the 1st of every month."""
    settings = service.settings
    if settings.gallring_personal_data is None or not settings.gallring_decision:
        return
    scheduler.add_job(
        _dispose,
        CronTrigger(day=1, hour=3, minute=15, timezone=settings.timezone),
        args=[service],
        id=DISPOSAL_JOB_ID,
        coalesce=True,
        max_instances=1,
        misfire_grace_time=24 * 3600,
    )
    log.info("disposal of personal data: monthly, under %s", settings.gallring_decision)


async def _dispose(service: DigestService) -> None:
    from bot.records_cli import scheduled_disposal

    try:
        await asyncio.to_thread(scheduled_disposal, service.context)
    except Exception as error:  # noqa: BLE001 - next month tries again; the log says why
        log.error("disposal of personal data failed (%s)", type(error).__name__)


async def _tick(service: DigestService) -> None:
    try:
        await service.tick()
    except Exception as error:  # noqa: BLE001 - the next minute tries again
        log.error(
            "digest tick failed (%s: %s)", type(error).__name__, getattr(error, "code", "") or "no detail"
        )


async def run_scheduler_alone(service: DigestService) -> None:
    """`contactbot scheduler`: only the digest, until interrupted."""
    scheduler = start_scheduler(service)
    try:
        await asyncio.Event().wait()
    finally:
        scheduler.shutdown(wait=False)
