"""The annual report over a year of 50,000 contacts (and 50,000 the year before).

    python benchmarks/annual_report.py [--database-url URL] [--per-year 50000]

Fills a fresh database (a SQLite file by default; for PostgreSQL a new schema that is dropped
afterwards), then, each in a fresh process:
- figures: the report's figures for 2026 against 2025 as contactbot counts them (grouped
  queries in the database), and the baseline: every contact of both years loaded into Python
  and counted there; median of five;
- pdf, xlsx, docx: the whole report file (figures, words, charts, layout); median of three.
Prints the median time, tracemalloc's peak and the process's peak RSS for each.
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
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.ack_latency import fresh_database  # noqa: E402

UNITS = [f"Förvaltning {n}" for n in range(12)] + [None]
KINDS = ["twin-town", "eu-project", "school", "association", "business", "visit", "conference", "other"]
COUNTRIES = ["FI", "EE", "LT", "LV", "DE", "PL", "NO", "DK", "FR", "ES", "IT", "UA"]
WAYS = ("figures", "baseline", "pdf", "xlsx", "docx")


def fill(url: str, per_year: int) -> None:
    """`per_year` contacts in 2026 and as many in 2025, over 2,000 organisations."""
    from sqlalchemy import insert

    from storage.database import Database
    from storage.migrate import upgrade
    from storage.models import Contact, Organisation

    db = Database(url, timeout=60)
    upgrade(db)
    rng = random.Random(2026)
    now = datetime.now(UTC)
    with db.engine.begin() as connection:
        connection.execute(
            insert(Organisation),
            [{"id": n + 1, "name": f"Organisation {n}", "name_key": f"organisation {n}", "created_at": now}
             for n in range(2000)],
        )  # fmt: skip
        batch: list[dict[str, object]] = []
        for n in range(2 * per_year):
            year = 2026 if n < per_year else 2025
            day = date(year, 1, 1) + timedelta(days=rng.randrange(365))
            organisation = rng.randrange(2000) + 1
            batch.append(
                {
                    "contact_date": day,
                    "organisation_id": organisation,
                    "country": rng.choice(COUNTRIES),
                    "kind": "twin-town" if organisation <= 8 else rng.choice(KINDS[1:]),
                    "youth": rng.random() < 0.3,
                    "unit": rng.choice(UNITS),
                    "summary": "Möte om utbyte " * rng.randrange(1, 20),
                    "followup": "Följ upp i mars" if rng.random() < 0.2 else None,
                    "logged_by": f"U{rng.randrange(300)}",
                    "platform": "slack",
                    "created_at": now,
                    "updated_at": now,
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


def in_python(db: object) -> dict[str, object]:
    """The baseline: every contact of both years comes into Python and is counted there."""
    from sqlalchemy import select

    from storage.models import Contact

    with db.session() as session:  # type: ignore[attr-defined]
        contacts = session.scalars(
            select(Contact).where(
                Contact.contact_date.between(date(2025, 1, 1), date(2026, 12, 31)),
                Contact.withdrawn_at.is_(None),
            )
        ).all()
        now = [c for c in contacts if c.contact_date.year == 2026]
        before = [c for c in contacts if c.contact_date.year == 2025]
        twins = {c.organisation_id for c in contacts if c.kind == "twin-town"}
        in_year: Counter[int] = Counter(c.organisation_id for c in now if c.organisation_id in twins)
        last: dict[int, date] = {}
        for c in contacts:
            if c.organisation_id in twins and c.contact_date > last.get(c.organisation_id, date.min):
                last[c.organisation_id] = c.contact_date
        return {
            "contacts": (len(now), len(before)),
            "organisations": (
                len({c.organisation_id for c in now}),
                len({c.organisation_id for c in before}),
            ),
            "by_unit": (Counter(c.unit for c in now), Counter(c.unit for c in before)),
            "by_country": (Counter(c.country for c in now), Counter(c.country for c in before)),
            "by_kind": (Counter(c.kind for c in now), Counter(c.kind for c in before)),
            "youth": (sum(c.youth for c in now), sum(c.youth for c in before)),
            "twin_towns": {t: (in_year[t], last[t]) for t in twins},
            "followups": sorted((c for c in now if c.followup), key=lambda c: c.contact_date)[-50:],
        }


def measure(url: str, way: str) -> dict[str, float]:
    """Run `way` in this process; median time, tracemalloc peak, peak RSS."""
    import resource
    import tracemalloc

    from bot.report.build import build_report
    from handlers.i18n import use_language
    from storage.database import Database
    from storage.report_figures import Period, report_figures

    db = Database(url, timeout=60)
    period = Period.year(2026)
    size = 0

    def run() -> None:
        nonlocal size
        if way == "figures":
            assert report_figures(db, period).contacts.now > 0
        elif way == "baseline":
            assert in_python(db)["contacts"][0] > 0  # type: ignore[index]
        else:
            with use_language("sv"):
                size = len(build_report(db, period, way, date(2027, 1, 15)).content)

    run()  # warm imports, caches and connections; not counted
    tracemalloc.start()
    times = []
    for _ in range(5 if way in {"figures", "baseline"} else 3):
        began = time.perf_counter()
        run()
        times.append(time.perf_counter() - began)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "seconds": statistics.median(times),
        "python_peak_mb": peak / 1e6,
        "rss_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "kb": size / 1024,
    }


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--measure":
        print(json.dumps(measure(sys.argv[2], sys.argv[3])))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url", help="PostgreSQL URL (a schema is made and dropped); default SQLite"
    )
    parser.add_argument("--per-year", type=int, default=50_000)
    options = parser.parse_args()
    folder = tempfile.TemporaryDirectory(prefix="contactbot-bench-")
    postgresql = options.database_url if (options.database_url or "").startswith("postgresql") else None
    url, drop = fresh_database(postgresql, folder.name)
    try:
        began = time.perf_counter()
        fill(url, options.per_year)
        print(
            f"filled {2 * options.per_year} contacts in {time.perf_counter() - began:.1f} s", file=sys.stderr
        )
        print("| what | median s | tracemalloc peak MB | peak RSS MB | file KB |")
        print("| --- | ---: | ---: | ---: | ---: |")
        for way in WAYS:
            out = subprocess.run(
                [sys.executable, __file__, "--measure", url, way], capture_output=True, text=True, check=True
            ).stdout
            result = json.loads(out)
            print(
                f"| {way} | {result['seconds']:.3f} | {result['python_peak_mb']:.1f} | "
                f"{result['rss_peak_mb']:.0f} | {result['kb']:.0f} |"
            )
    finally:
        drop()
        folder.cleanup()


if __name__ == "__main__":
    main()
