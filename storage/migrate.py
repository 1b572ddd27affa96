"""Creates or upgrades the database schema with Alembic, without an alembic.ini."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from storage.database import Database

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")
_REVISION = re.compile(r"^revision\s*=\s*['\"]([^'\"]+)['\"]", re.MULTILINE)
_DOWN = re.compile(r"^down_revision\s*=\s*(.+)$", re.MULTILINE)
_NAME = re.compile(r"['\"]([^'\"]+)['\"]")


def alembic_config(db: Database) -> Config:
    """An Alembic configuration pointing at the packaged migrations."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", db.url.replace("%", "%%"))
    return config


def upgrade(db: Database, revision: str = "head") -> None:
    """Bring the schema up to `revision` (the newest by default).

    Safe to call at every start and from several processes: on PostgreSQL an advisory
    lock lets one process migrate while the others wait; on SQLite the write lock does.
    A database already at the newest revision is left alone without loading Alembic
    (a quicker start).
    """
    if revision == "head" and _at_head(db):
        return
    from alembic import command

    config = alembic_config(db)
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql("SELECT pg_advisory_xact_lock(4714227001)")
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def heads() -> set[str]:
    """The newest revisions among the migration files (one, in a linear history), read from
    the files' `revision` and `down_revision` lines."""
    revisions: set[str] = set()
    replaced: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        found = _REVISION.search(source)
        if found is None:
            continue
        revisions.add(found.group(1))
        down = _DOWN.search(source)
        if down is not None:
            replaced.update(_NAME.findall(down.group(1)))
    return revisions - replaced


def _at_head(db: Database) -> bool:
    newest = heads()
    try:
        with db.reading() as connection:
            stored = set(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())
    except DBAPIError:
        return False  # no schema yet
    return len(newest) == 1 and stored == newest
