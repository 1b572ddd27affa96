"""A database of N generated contacts (default 1,000,000), made fast: executemany on SQLite,
COPY on PostgreSQL, into the schema as of 0005; then the upgrade to the newest schema builds
the indexes over the full table (as an existing installation's upgrade would).

    python benchmarks/generate.py sqlite:////tmp/contacts-1m.db [--contacts 1000000]
    python benchmarks/generate.py postgresql+psycopg://postgres@127.0.0.1/test?options=-csearch_path%3Dbench

Words: "samarbete" is in about a third of the summaries (a common word); "zebrafink" in 10
contacts (a rare word); organisations are 5,000 names with Swedish and Finnish letters.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import sys
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from storage.database import Database  # noqa: E402
from storage.folding import fold  # noqa: E402
from storage.migrate import upgrade  # noqa: E402

COMMON, RARE = "samarbete", "zebrafink"
WORDS = [
    "möte",
    "skola",
    "ungdom",
    "vänort",
    "kultur",
    "idrott",
    "miljö",
    "klimat",
    "näringsliv",
    "turism",
    "utbyte",
    "studiebesök",
    "projekt",
    "ansökan",
    "Erasmus",
    "Interreg",
    "fotboll",
    "musik",
    "konst",
    "teater",
    "bibliotek",
    "äldreomsorg",
    "hamn",
    "energi",
]
PLACES = [
    "Malmö",
    "Göteborg",
    "Åbo",
    "Tammerfors",
    "Rovaniemi",
    "Tartu",
    "Riga",
    "Vilnius",
    "Gdańsk",
    "Łódź",
    "Kiel",
    "Aarhus",
    "Bergen",
]
COLUMNS = (
    "id, contact_date, organisation_id, country, city, person, email, kind, youth, unit, summary, "
    "benefit, followup, logged_by, logged_by_name, platform, created_at, updated_at, withdrawn_at, "
    "withdrawn_by, withdrawn_by_name, withdrawn_reason, search_text, source_key"
)
KINDS = ("twin-town", "eu-project", "school", "association", "business", "visit", "conference", "other")


def organisations(count: int) -> list[tuple[int, str, str]]:
    chance = random.Random(1)
    names = []
    for n in range(1, count + 1):
        name = (
            f"{chance.choice(PLACES)} {chance.choice(('stad', 'kommun', 'kaupunki', 'gymnasium', 'AB'))} {n}"
        )
        names.append((n, name, fold(name)))
    return names


def contacts(count: int, orgs: list[tuple[int, str, str]]) -> Iterator[tuple[object, ...]]:
    chance = random.Random(2)
    rare = set(chance.sample(range(1, count + 1), 10))
    start = date(2016, 1, 1)
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    for n in range(1, count + 1):
        org_id, org_name, _key = orgs[chance.randrange(len(orgs))]
        words = chance.sample(WORDS, 6)
        if chance.random() < 0.33:
            words.append(COMMON)
        if n in rare:
            words.append(RARE)
        summary = " ".join(words).capitalize()
        city = chance.choice(PLACES)
        person = f"Person {chance.randrange(50_000)}"
        created = moment - timedelta(minutes=count - n)
        withdrawn = created if chance.random() < 0.01 else None
        yield (
            n,
            start + timedelta(days=chance.randrange(3650)),
            org_id,
            "FI",
            city,
            person,
            None,
            chance.choice(KINDS),
            chance.random() < 0.2,
            f"Enhet {chance.randrange(12)}",
            summary,
            None,
            None,
            f"U{chance.randrange(300)}",
            None,
            "slack",
            created,
            created,
            withdrawn,
            "U1" if withdrawn else None,
            None,
            None,
            fold(" ".join((org_name, person, city, summary))),
            None,
        )


def _sqlite_value(value: object) -> object:
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return value


def generate(url: str, count: int) -> None:
    db = Database(url, timeout=600)
    began = time.perf_counter()
    upgrade(db, "0005")
    orgs = organisations(5000)
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        if db.backend == "sqlite":
            cursor.execute("BEGIN")
            cursor.executemany(
                "INSERT INTO organisations (id, name, name_key, created_at) VALUES (?, ?, ?, '2016-01-01 00:00:00')",
                orgs,
            )
            marks = ", ".join("?" * 24)
            rows = (tuple(_sqlite_value(v) for v in row) for row in contacts(count, orgs))
            cursor.executemany(f"INSERT INTO contacts ({COLUMNS}) VALUES ({marks})", rows)
            cursor.execute("COMMIT")
        else:
            cursor.execute("SET statement_timeout = 0")
            with cursor.copy("COPY organisations (id, name, name_key, created_at) FROM STDIN") as copy:
                for row in orgs:
                    copy.write_row((*row, datetime(2016, 1, 1, tzinfo=UTC)))
            with cursor.copy(f"COPY contacts ({COLUMNS}) FROM STDIN") as copy:
                for row in contacts(count, orgs):
                    copy.write_row(row)
            cursor.execute("SELECT setval(pg_get_serial_sequence('contacts', 'id'), %s)", (count,))
            cursor.execute("SELECT setval(pg_get_serial_sequence('organisations', 'id'), 5000)")
            raw.commit()
    finally:
        raw.close()
    loaded = time.perf_counter()
    upgrade(db)
    if db.backend == "postgresql":
        raw = db.engine.raw_connection()
        try:
            # VACUUM runs outside a transaction; the pool's connection arrives inside one.
            raw.dbapi_connection.rollback()
            raw.dbapi_connection.autocommit = True
            cursor = raw.cursor()
            cursor.execute("SET statement_timeout = 0")
            cursor.execute("VACUUM ANALYZE contacts")
            raw.dbapi_connection.autocommit = False
        finally:
            raw.close()
    else:
        # Its own connection in autocommit: SQLite refuses a checkpoint inside a transaction.
        connection = sqlite3.connect(str(db.engine.url.database), isolation_level=None)
        try:
            connection.execute("ANALYZE")
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            connection.close()
    db.dispose()
    done = time.perf_counter()
    print(f"{count} contacts: loaded in {loaded - began:.1f} s, indexes built in {done - loaded:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--contacts", type=int, default=1_000_000)
    options = parser.parse_args()
    generate(options.url, options.contacts)


if __name__ == "__main__":
    main()
