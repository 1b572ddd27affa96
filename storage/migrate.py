"""Creates or upgrades the database schema with Alembic, without an alembic.ini."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from storage.database import Database

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(db: Database) -> Config:
    """An Alembic configuration pointing at the packaged migrations."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", db.url.replace("%", "%%"))
    return config


def upgrade(db: Database, revision: str = "head") -> None:
    """Bring the schema up to `revision` (the newest by default).

    Safe to call at every start and from several processes: on PostgreSQL an advisory
    lock lets one process migrate while the others wait; on SQLite the write lock does.
    """
    config = alembic_config(db)
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql("SELECT pg_advisory_xact_lock(4714227001)")
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
