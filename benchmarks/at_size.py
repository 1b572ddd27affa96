"""Search, list pages, exports and import on a large database, each beside the old way in
the same run (made with benchmarks/generate.py).

    python benchmarks/at_size.py search DATABASE_URL      # p95 of `sök`: rare and common word
    python benchmarks/at_size.py list DATABASE_URL        # `lista alla` pages, keyset vs OFFSET
    python benchmarks/at_size.py export DATABASE_URL      # peak memory of CSV/JSON exports
    python benchmarks/at_size.py import DATABASE_URL      # 100,000 rows from a CSV file

The old ways are the statements and code as they were before issue 11: a LIKE scan counted
in full, OFFSET paging, exports built in memory, and an import flushing once a row.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from bot.config import load_settings  # noqa: E402
from bot.context import BotContext, open_context  # noqa: E402
from handlers.i18n import use_language  # noqa: E402
from handlers.replies import Caller  # noqa: E402
from storage.models import Contact  # noqa: E402
from storage.search import scan  # noqa: E402

CALLER = Caller("slack", "UBENCH", "bench", is_coordinator=True)


def context_for(url: str) -> BotContext:
    settings = load_settings({"DATABASE_URL": url, "LANGUAGE": "sv"}, env_file=Path("/nonexistent"))
    return open_context(settings)


def timed(action: Callable[[], object], runs: int) -> list[float]:
    action()  # warm
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        action()
        times.append((time.perf_counter() - began) * 1000)
    return times


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def old_page(context: BotContext, condition: Any, offset: int) -> int:
    """The page as it was read before: a full count, then ORDER BY … OFFSET."""
    active = Contact.withdrawn_at.is_(None)
    with context.db.read() as session:
        total = session.scalar(select(func.count(Contact.id)).where(active, condition)) or 0
        rows = session.scalars(
            select(Contact)
            .where(active, condition)
            .order_by(Contact.contact_date.desc(), Contact.id.desc())
            .limit(15)
            .offset(offset)
        ).all()
        return total + len(rows)


def bench_search(url: str, runs: int) -> None:
    context = context_for(url)
    print(f"sök over {count(context):,} contacts, {runs} runs each, ms")
    print(f"{'word':<22} {'indexed p50':>12} {'indexed p95':>12} {'LIKE scan p50':>14} {'LIKE scan p95':>14}")
    for word in ("zebrafink", "samarbete", "malmo samarbete", "ÅBO", "ri"):

        def command(word: str = word) -> None:
            with use_language("sv"):
                context.handler().handle(f"sök {word}", CALLER)

        def baseline(word: str = word) -> None:
            old_page(context, scan(word.split()), 0)

        new, old = timed(command, runs), timed(baseline, max(3, runs // 4))
        print(
            f"{word:<22} {statistics.median(new):12.1f} {p95(new):12.1f} "
            f"{statistics.median(old):14.1f} {p95(old):14.1f}"
        )


def count(context: BotContext) -> int:
    with context.db.read() as session:
        return session.scalar(select(func.count()).select_from(Contact)) or 0


def bench_list(url: str, runs: int) -> None:
    context = context_for(url)
    total = context.store.everything(15, 15).total
    last = (total - 1) // 15 + 1
    print(f"lista alla over {total:,} active contacts, {runs} runs each, ms")
    print(f"{'page':>8} {'keyset p50':>11} {'keyset p95':>11} {'OFFSET p50':>11} {'OFFSET p95':>11}")
    for page in (1, 10, 1000, last // 4, last // 2, last):

        def command(page: int = page) -> None:
            with use_language("sv"):
                context.handler().handle(f"lista alla {page}", CALLER)

        def baseline(page: int = page) -> None:
            old_page(context, Contact.id.is_not(None), (page - 1) * 15)

        new, old = timed(command, runs), timed(baseline, max(3, runs // 4))
        print(
            f"{page:>8} {statistics.median(new):11.1f} {p95(new):11.1f} {statistics.median(old):11.1f} {p95(old):11.1f}"
        )


def export_child(url: str, way: str, limit: int) -> None:
    """One export in this process; prints its peak RSS in MB and its seconds."""
    from itertools import islice

    from storage.exchange import csv_bytes, to_record, write_csv, write_json

    context = context_for(url)
    began = time.perf_counter()
    contacts = islice(context.store.export(), limit)
    if way == "chat file (temporary file)":
        with use_language("sv"):
            answer = context.handler().handle("exportera", CALLER)
        assert answer.attachment is not None
        answer.attachment.discard()
    elif way == "chat file (in memory, old)":
        content, _n = csv_bytes(contacts)
    elif way == "CLI JSON (streamed)":
        with open("/dev/null", "w", encoding="utf-8") as out:
            write_json(contacts, out)
    elif way == "CLI JSON (in memory, old)":
        with open("/dev/null", "w", encoding="utf-8") as out:
            json.dump({"contacts": [to_record(c) for c in contacts]}, out, ensure_ascii=False, indent=2)
    elif way == "CLI CSV (streamed)":
        with open("/dev/null", "w", encoding="utf-8") as out:
            write_csv(contacts, out)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"peak_mb": peak, "seconds": time.perf_counter() - began}))


EXPORT_WAYS = (
    "chat file (temporary file)",
    "chat file (in memory, old)",
    "CLI JSON (streamed)",
    "CLI JSON (in memory, old)",
    "CLI CSV (streamed)",
)


def bench_export(url: str, sizes: list[int], options_old_limit: int) -> None:
    print("export: peak RSS of the whole process (MB) and seconds")
    print(f"{'way':<28} " + " ".join(f"{f'{n:,} MB':>12} {'s':>6}" for n in sizes))
    for way in EXPORT_WAYS:
        cells = []
        for size in sizes:
            if way.startswith("chat file (temporary") and size != sizes[-1]:
                cells.append(f"{'':>12} {'':>6}")  # the chat export always takes everything
                continue
            if "(in memory, old)" in way and size > options_old_limit:
                cells.append(f"{'-':>12} {'-':>6}")  # gigabytes and minutes: see --old-up-to
                continue
            result = subprocess.run(
                [sys.executable, __file__, "export-child", url, way, str(size)],
                capture_output=True,
                text=True,
                check=True,
            )
            figures = json.loads(result.stdout.strip().splitlines()[-1])
            cells.append(f"{figures['peak_mb']:12.0f} {figures['seconds']:6.1f}")
        print(f"{way:<28} " + " ".join(cells))


def bench_import(url: str, rows: int) -> None:
    """The CLI's import of `rows` rows (a CSV export of the big database) into an empty one,
    beside the old row-by-row way, each into its own fresh SQLite file or schema."""
    from itertools import islice

    from benchmarks.ack_latency import fresh_database
    from storage.exchange import write_csv

    source = context_for(url)
    work = tempfile.mkdtemp(prefix="contactbot-import-")
    path = Path(work) / "contacts.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        write_csv(islice(source.store.export(), rows), out)
    source.db.dispose()
    print(f"import of {rows:,} rows from CSV ({path.stat().st_size / 1e6:.0f} MB): wall and CPU seconds")
    base = None if url.startswith("sqlite") else url.split("?")[0]
    for way in ("batched (contactbot import)", "row by row (old)"):
        target, drop = fresh_database(base, tempfile.mkdtemp(prefix="contactbot-import-"))
        try:
            result = subprocess.run(
                [sys.executable, __file__, "import-child", target, way, str(path)],
                capture_output=True,
                text=True,
            )
            print(f"{way:<30} {result.stdout.strip() or result.stderr.strip()[-500:]}")
        finally:
            drop()


def import_child(url: str, way: str, path: str) -> None:
    from handlers.importing import check_records
    from storage.exchange import read_rows

    context = context_for(url)
    began, cpu = time.perf_counter(), time.process_time()
    records, places = read_rows(Path(path).read_text(encoding="utf-8-sig"))
    problems = check_records(records, [str(n) for _w, n in places], context.clock().date())
    assert not problems, problems[:3]
    if way.startswith("batched"):
        context.store.restore(records)
    else:
        old_restore(context, records)
    print(f"{time.perf_counter() - began:8.1f} s, CPU {time.process_time() - cpu:.1f} s (this process)")


def old_restore(context: BotContext, records: list[dict[str, Any]]) -> None:
    """The import as it was: one flush a row (and, on PostgreSQL, every id in one IN)."""
    from storage.contacts import _search_text

    store = context.store
    with context.db.session() as session:
        for record in records:
            values = dict(record)
            name = str(values.pop("organisation"))
            contact = Contact(**values)
            contact.organisation = store._organisation(session, name, values["created_at"])
            contact.search_text = _search_text(contact)
            session.add(contact)
            session.flush()


def main() -> None:
    if sys.argv[1] == "export-child":
        export_child(sys.argv[2], sys.argv[3], int(sys.argv[4]))
        return
    if sys.argv[1] == "import-child":
        import_child(sys.argv[2], sys.argv[3], sys.argv[4])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=("search", "list", "export", "import"))
    parser.add_argument("url")
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--sizes", default="100000,1000000", help="export sizes")
    parser.add_argument("--old-up-to", type=int, default=10**9, help="largest export the old ways make")
    parser.add_argument("--rows", type=int, default=100_000, help="rows to import")
    options = parser.parse_args()
    if options.what == "search":
        bench_search(options.url, options.runs)
    elif options.what == "list":
        bench_list(options.url, options.runs)
    elif options.what == "export":
        bench_export(options.url, [int(n) for n in options.sizes.split(",")], options.old_up_to)
    else:
        bench_import(options.url, options.rows)


if __name__ == "__main__":
    main()
