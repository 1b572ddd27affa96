"""Indexes for searching and listing at any size.

- `ix_contacts_listing`: active contacts in the order `list` shows them (newest meeting first).
- SQLite: `contacts_search`, an FTS5 table with the trigram tokenizer over the folded
  `search_text`, kept in step with `contacts` by triggers: parts of words are found
  through the index.
- PostgreSQL: a `pg_trgm` GIN index on `search_text`, which `LIKE '%…%'` uses. Where the
  extension cannot be created (no right to), the index is left out and searches scan;
  the bot says so once at start (`storage.search.SearchIndex`).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26
"""

import logging

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

log = logging.getLogger(__name__)

SQLITE_UP = (
    "CREATE VIRTUAL TABLE contacts_search USING fts5("
    "search_text, content='contacts', content_rowid='id', tokenize='trigram')",
    "INSERT INTO contacts_search(contacts_search) VALUES ('rebuild')",
    "CREATE TRIGGER contacts_search_insert AFTER INSERT ON contacts BEGIN "
    "INSERT INTO contacts_search(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER contacts_search_delete AFTER DELETE ON contacts BEGIN "
    "INSERT INTO contacts_search(contacts_search, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER contacts_search_update AFTER UPDATE OF search_text ON contacts BEGIN "
    "INSERT INTO contacts_search(contacts_search, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO contacts_search(rowid, search_text) VALUES (new.id, new.search_text); END",
)
SQLITE_DOWN = (
    "DROP TRIGGER IF EXISTS contacts_search_update",
    "DROP TRIGGER IF EXISTS contacts_search_delete",
    "DROP TRIGGER IF EXISTS contacts_search_insert",
    "DROP TABLE IF EXISTS contacts_search",
)


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        # Building indexes on a large table takes longer than a request's statement timeout.
        op.execute("SET LOCAL statement_timeout = 0")
        op.execute("SET LOCAL lock_timeout = 0")
    op.create_index(
        "ix_contacts_listing",
        "contacts",
        ["contact_date", "id"],
        sqlite_where=sa.text("withdrawn_at IS NULL"),
        postgresql_where=sa.text("withdrawn_at IS NULL"),
    )
    if bind.dialect.name == "sqlite":
        for statement in SQLITE_UP:
            op.execute(statement)
    elif bind.dialect.name == "postgresql":
        schema = _trigram_schema(bind)
        if schema is not None:
            op.execute(
                "CREATE INDEX ix_contacts_search_trgm ON contacts "
                f'USING gin (search_text "{schema}".gin_trgm_ops)'
            )


def _trigram_schema(bind: sa.Connection) -> str | None:
    """The schema holding pg_trgm, creating the extension if it is missing; None if refused."""
    find = sa.text(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
        "WHERE e.extname = 'pg_trgm'"
    )
    schema = bind.scalar(find)
    if schema is not None:
        return str(schema)
    try:
        with bind.begin_nested():
            # In public (not the first schema of the search path), so that dropping one
            # application schema never drops the extension under another.
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public"))
    except sa.exc.DBAPIError as error:
        log.warning("pg_trgm cannot be created (%s): searches will scan", type(error.orig).__name__)
        return None
    return str(bind.scalar(find))


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for statement in SQLITE_DOWN:
            op.execute(statement)
    elif bind.dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_contacts_search_trgm")
    op.drop_index("ix_contacts_listing", table_name="contacts")
