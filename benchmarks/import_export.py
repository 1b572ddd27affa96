"""Spreadsheet import and Excel export: time and peak memory, beside plain-csv baselines.

    python benchmarks/import_export.py [--rows 100000] [--export-sizes 100000,1000000]
                                       [--database-url postgresql+psycopg://…]

Each measurement runs in a fresh process (its peak RSS is the process's own):
- import of ROWS rows from a Swedish workbook (.xlsx) and from a semicolon-separated
  Windows-1252 CSV file, through `contactbot import` (headers matched, every row checked,
  duplicates looked for, one transaction), beside a baseline that only reads the same
  CSV file with the csv module;
- export of N contacts with `contactbot export --format xlsx` (streamed, openpyxl's
  write-only mode) and `--format csv --excel`, beside a baseline that writes the same
  contacts' raw columns with the csv module.
Databases are SQLite files by default; with --database-url each size gets a fresh
PostgreSQL schema, dropped afterwards.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HEADERS = ["Datum", "Organisation", "Land", "Typ", "Förvaltning", "Sammanfattning", "Kontaktperson", "E-post",
           "Ungdom"]  # fmt: skip
COUNTRIES = ["Finland", "Estland", "Litauen", "Lettland", "Tyskland", "Polen", "Norge", "Danmark", "FR", "ES"]
KINDS = ["Vänort", "EU-projekt", "skola", "förening", "näringsliv", "studiebesök", "konferens", ""]
CODES = ["FI", "EE", "LT", "LV", "DE", "PL", "NO", "DK", "FR", "ES"]
KIND_CODES = ["twin-town", "eu-project", "school", "association", "business", "visit", "conference", "other"]


def rows(count: int) -> list[list[object]]:
    """`count` realistic rows, no two alike; the first cell a date."""
    rng = random.Random(10)
    start = date(2020, 1, 1)
    out: list[list[object]] = []
    for n in range(count):
        day = start + timedelta(days=rng.randrange(2000))
        person = rng.random() < 0.5
        out.append(
            [
                day,
                f"Organisation {rng.randrange(2000)}",
                rng.choice(COUNTRIES),
                rng.choice(KINDS),
                rng.choice(["Kulturförvaltningen", "Barn- och utbildningsförvaltningen", ""]),
                f"Möte nummer {n} om utbyte, {rng.choice(['skola', 'klimat', 'kultur', 'idrott'])}",
                f"Person {n}" if person else "",
                f"p{n}@example.org" if person else "",
                rng.choice(["ja", "nej", ""]),
            ]
        )
    return out


def write_inputs(folder: Path, count: int) -> tuple[Path, Path]:
    """The same rows as a workbook with date cells and as a Swedish Excel CSV file."""
    from openpyxl import Workbook

    data = rows(count)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Kontakter")
    sheet.append(HEADERS)
    for row in data:
        sheet.append(row)
    xlsx = folder / "kontakter.xlsx"
    book.save(xlsx)
    csv_path = folder / "kontakter.csv"
    with csv_path.open("w", encoding="cp1252", newline="") as out:
        writer = csv.writer(out, delimiter=";")
        writer.writerow(HEADERS)
        for row in data:
            writer.writerow([row[0].strftime("%d/%m/%Y"), *row[1:]])  # type: ignore[union-attr]
    return xlsx, csv_path


def fill(url: str, count: int) -> None:
    """`count` contacts written straight into a fresh database."""
    from sqlalchemy import insert

    from storage.database import Database
    from storage.migrate import upgrade
    from storage.models import Contact, Organisation

    db = Database(url, timeout=60)
    upgrade(db)
    rng = random.Random(11)
    now = datetime.now(UTC)
    with db.engine.begin() as connection:
        connection.execute(
            insert(Organisation),
            [{"id": n + 1, "name": f"Organisation {n}", "name_key": f"organisation {n}", "created_at": now}
             for n in range(2000)],
        )  # fmt: skip
        batch = []
        for n in range(count):
            day = date(2020, 1, 1) + timedelta(days=rng.randrange(2000))
            batch.append(
                {
                    "contact_date": day,
                    "organisation_id": rng.randrange(2000) + 1,
                    "country": rng.choice(CODES),
                    "kind": rng.choice(KIND_CODES),
                    "youth": rng.random() < 0.3,
                    "unit": rng.choice(["Kulturförvaltningen", None]),
                    "summary": f"Möte nummer {n} om utbyte",
                    "person": f"Person {n}" if n % 2 else None,
                    "email": f"p{n}@example.org" if n % 2 else None,
                    "logged_by": "U1",
                    "platform": "slack",
                    "created_at": datetime(day.year, day.month, day.day, 12, tzinfo=UTC),
                    "updated_at": now,
                    "search_text": f"organisation möte nummer {n}",
                }
            )
            if len(batch) == 10_000:
                connection.execute(insert(Contact), batch)
                batch = []
        if batch:
            connection.execute(insert(Contact), batch)
    db.dispose()


def child(task: str, path: str, url: str) -> None:
    """One measurement in this process; prints JSON with seconds and peak RSS."""
    os.environ["DATABASE_URL"] = url
    os.environ["LANGUAGE"] = "sv"
    from bot.cli import main

    started = time.perf_counter()
    if task == "import":
        code = main(["import", path])
    elif task == "read-csv":
        code = _read_csv_baseline(Path(path))
    elif task == "export-xlsx":
        code = main(["export", "--format", "xlsx", "-o", path])
    elif task == "export-excel-csv":
        code = main(["export", "--format", "csv", "--excel", "-o", path])
    elif task == "export-baseline":
        code = _csv_baseline(url, Path(path))
    else:
        raise SystemExit(f"unknown task {task}")
    seconds = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime
    print(json.dumps({"code": code, "seconds": seconds, "cpu": cpu, "peak_mb": usage.ru_maxrss / 1024}))


def _read_csv_baseline(path: Path) -> int:
    with path.open(encoding="cp1252", newline="") as source:
        for _row in csv.reader(source, delimiter=";"):
            pass
    return 0


def _csv_baseline(url: str, path: Path) -> int:
    from storage.contacts import ContactStore
    from storage.database import Database

    db = Database(url, timeout=60)
    columns = ["id", "contact_date", "country", "kind", "youth", "unit", "summary", "person", "email"]
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["organisation", *columns])
        for contact in ContactStore(db).export():
            writer.writerow([contact.organisation.name, *(getattr(contact, c) for c in columns)])
    db.dispose()
    return 0


def measure(task: str, path: Path, url: str) -> dict[str, float]:
    """Run `task` in a fresh process."""
    done = subprocess.run(
        [sys.executable, __file__, "--child", task, str(path), url],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode or not lines:
        raise SystemExit(f"{task} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    result = json.loads(lines[-1])
    if result["code"] != 0:
        raise SystemExit(f"{task} exited {result['code']}:\n{done.stderr[-2000:]}")
    return result


class Databases:
    """A fresh database per use: a SQLite file, or a PostgreSQL schema dropped at the end."""

    def __init__(self, base: str | None, folder: Path) -> None:
        self.base = base
        self.folder = folder
        self.schemas: list[str] = []

    def fresh(self) -> str:
        if self.base is None:
            return f"sqlite:///{self.folder / (uuid.uuid4().hex + '.db')}"
        from sqlalchemy import create_engine, text

        schema = "bench_" + uuid.uuid4().hex[:12]
        engine = create_engine(self.base)
        with engine.begin() as connection:
            connection.execute(text(f"CREATE SCHEMA {schema}"))
        engine.dispose()
        self.schemas.append(schema)
        separator = "&" if "?" in self.base else "?"
        return f"{self.base}{separator}options=-csearch_path%3D{schema}"

    def drop(self) -> None:
        if self.base is None:
            return
        from sqlalchemy import create_engine, text

        engine = create_engine(self.base)
        with engine.begin() as connection:
            for schema in self.schemas:
                connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        engine.dispose()


def _line(what: str, ours: dict[str, float], base: dict[str, float], base_name: str) -> str:
    return (
        f"| {what} | {ours['seconds']:.1f} | {ours['cpu']:.1f} | {ours['peak_mb']:.0f} | {base_name} | "
        f"{base['seconds']:.1f} | {base['cpu']:.1f} | {base['peak_mb']:.0f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--export-sizes", default="100000")
    parser.add_argument("--database-url")
    parser.add_argument("--child", nargs=3, metavar=("TASK", "PATH", "URL"))
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        databases = Databases(args.database_url, folder)
        try:
            print(
                "| what | contactbot s | CPU s | peak RSS MB | baseline | baseline s | CPU s | peak RSS MB |"
            )
            print("| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: |")
            xlsx, csv_path = write_inputs(folder, args.rows)
            reading = measure("read-csv", csv_path, databases.fresh())
            for name, path in (("xlsx", xlsx), ("csv", csv_path)) if args.rows else ():
                ours = measure("import", path, databases.fresh())
                print(_line(f"import {args.rows:,} rows from {name}", ours, reading, "csv.reader, read only"))
            for size in (int(s) for s in args.export_sizes.split(",") if s):
                url = databases.fresh()
                fill(url, size)
                base = measure("export-baseline", folder / "baseline.csv", url)
                for form, task, suffix in (
                    ("xlsx", "export-xlsx", "xlsx"),
                    ("csv --excel", "export-excel-csv", "csv"),
                ):
                    ours = measure(task, folder / f"export.{suffix}", url)
                    print(_line(f"export {size:,} contacts, {form}", ours, base, "csv.writer, raw columns"))
                for leftover in folder.glob("export.*"):
                    leftover.unlink()
        finally:
            databases.drop()


if __name__ == "__main__":
    main()
