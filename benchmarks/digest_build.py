"""Digest build time and peak memory: a week of 5,000 contacts in a database of 1,000,000.

    python benchmarks/digest_build.py [--database-url URL] [--total 1000000] [--week-size 5000]

Fills a fresh database (a SQLite file by default; for PostgreSQL a new schema that is
dropped afterwards), then, each in a fresh process, builds week 2026-W47's digest and
its Slack message five times:
- contactbot: the database aggregates (GROUP BY, COUNT, ORDER BY … LIMIT), as the bot does;
- baseline: the week's contacts loaded into Python and aggregated there.
Prints the median build time, tracemalloc's peak and the process's peak RSS for both.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.ack_latency import fresh_database  # noqa: E402

ZONE = ZoneInfo("Europe/Stockholm")
WEEK = "2026-W47"
UNITS = [f"Förvaltning {n}" for n in range(12)] + [None]
KINDS = ["twin-town", "eu-project", "school", "association", "business", "visit", "conference", "other"]
COUNTRIES = ["FI", "EE", "LT", "LV", "DE", "PL", "NO", "DK", "FR", "ES", "IT", "UA"]


def fill(url: str, total: int, week_size: int) -> None:
    """Write `total` contacts; `week_size` of them logged in WEEK, the rest over the 199 weeks before."""
    from sqlalchemy import insert

    from handlers.weeks import Week
    from storage.database import Database
    from storage.migrate import upgrade
    from storage.models import Contact, Organisation

    db = Database(url, timeout=60)
    upgrade(db)
    week = Week.parse(WEEK)
    assert week is not None
    start, end = week.bounds(ZONE)
    first = start - timedelta(weeks=199)
    rng = random.Random(47)
    now = datetime.now(UTC)
    with db.engine.begin() as connection:
        connection.execute(
            insert(Organisation),
            [
                {"id": n + 1, "name": f"Organisation {n}", "name_key": f"organisation {n}", "created_at": now}
                for n in range(2000)
            ],
        )
        batch: list[dict[str, object]] = []
        for n in range(total):
            if n < week_size:
                created = start + (end - start) * rng.random()
            else:
                created = first + (start - first) * rng.random()
            batch.append(
                {
                    "contact_date": created.date() - timedelta(days=rng.randrange(30)),
                    "organisation_id": rng.randrange(2000) + 1,
                    "country": rng.choice(COUNTRIES),
                    "kind": rng.choice(KINDS),
                    "youth": rng.random() < 0.3,
                    "unit": rng.choice(UNITS),
                    "summary": "Möte om utbyte " * rng.randrange(1, 20),
                    "followup": "Följ upp i mars" if rng.random() < 0.2 else None,
                    "logged_by": f"U{rng.randrange(300)}",
                    "logged_by_name": f"user{rng.randrange(300)}",
                    "platform": "slack",
                    "created_at": created,
                    "updated_at": created,
                    "search_text": "",
                }
            )
            if len(batch) == 20_000:
                connection.execute(insert(Contact), batch)
                batch = []
        if batch:
            connection.execute(insert(Contact), batch)
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql("ANALYZE contacts")
    db.dispose()


def measure(url: str, way: str) -> dict[str, float]:
    """Build the digest five times in this process; time, tracemalloc peak, peak RSS."""
    import resource
    import tracemalloc

    from bot.slack.digest import digest_message
    from handlers.digest import Digest, build_digest
    from handlers.weeks import Week
    from storage.database import Database
    from storage.models import Contact

    db = Database(url, timeout=60)
    week = Week.parse(WEEK)
    assert week is not None

    def in_python() -> Digest:
        # The baseline: every contact of the week comes into Python and is counted here.
        from sqlalchemy import select

        from storage.weekly import WeekFigures

        start, end = week.bounds(ZONE)
        previous_start, _ = week.previous().bounds(ZONE)
        with db.session() as session:
            rows = session.scalars(
                select(Contact).where(
                    Contact.created_at >= previous_start,
                    Contact.created_at < end,
                    Contact.withdrawn_at.is_(None),
                )
            ).all()
            this = [c for c in rows if c.created_at >= start]
            ranked = sorted(
                this,
                key=lambda c: (
                    0 if c.youth else 1 if c.kind in {"twin-town", "eu-project", "school"} else 2,
                    -c.contact_date.toordinal(),
                    c.id,
                ),
            )
            figures = WeekFigures(
                total=len(this),
                previous_total=len(rows) - len(this),
                youth=sum(c.youth for c in this),
                by_kind=Counter(c.kind for c in this).most_common(),
                by_unit=Counter(c.unit for c in this).most_common(),
                by_country=Counter(c.country for c in this).most_common(),
                entries=ranked[:25],
                followups=[c for c in this if c.followup][:10],
            )
            for contact in figures.entries + figures.followups:
                _ = contact.organisation.name
        return Digest(week, figures)

    def by_database() -> Digest:
        return build_digest(db, week, ZONE)

    build = by_database if way == "contactbot" else in_python
    build()  # warm caches and connections; not counted
    tracemalloc.start()
    times = []
    for _ in range(5):
        began = time.perf_counter()
        digest = build()
        digest_message(digest, 1)
        times.append(time.perf_counter() - began)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert digest.figures.total > 0
    return {
        "seconds": statistics.median(times),
        "python_peak_mb": peak / 1e6,
        "rss_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "total": digest.figures.total,
    }


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--measure":
        print(json.dumps(measure(sys.argv[2], sys.argv[3])))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url", help="PostgreSQL URL (a schema is made and dropped); default SQLite"
    )
    parser.add_argument("--total", type=int, default=1_000_000)
    parser.add_argument("--week-size", type=int, default=5_000)
    options = parser.parse_args()
    postgresql = options.database_url if (options.database_url or "").startswith("postgresql") else None
    url, drop = fresh_database(postgresql, tempfile.mkdtemp(prefix="contactbot-digest-"))
    try:
        began = time.perf_counter()
        fill(url, options.total, options.week_size)
        filled = time.perf_counter() - began
        results = {}
        for way in ("contactbot", "baseline"):
            out = subprocess.run(
                [sys.executable, __file__, "--measure", url, way],
                capture_output=True,
                text=True,
                check=True,
                cwd=ROOT,
            )
            results[way] = json.loads(out.stdout.strip().splitlines()[-1])
    finally:
        drop()
    backend = url.split(":", 1)[0]
    print(
        f"digest of {WEEK}: {options.week_size} contacts that week, {options.total} in the database ({backend}; "
        f"filled in {filled:.0f} s)"
    )
    print(f"{'build':<28} {'median s':>9} {'python peak MB':>15} {'process peak RSS MB':>20}")
    labels = {"contactbot": "contactbot (database counts)", "baseline": "baseline (Python counts)"}
    for way, figures in results.items():
        print(
            f"{labels[way]:<28} {figures['seconds']:9.3f} {figures['python_peak_mb']:15.1f} "
            f"{figures['rss_peak_mb']:20.1f}"
        )


if __name__ == "__main__":
    main()
