"""The append-only history of every contact: who did what, when, through what, and why.

On PostgreSQL and SQLite a trigger refuses UPDATE and DELETE on the table, so not even the
bot's own database user (which often owns the table) can rewrite the record.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

from storage.models import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_REFUSAL = "history rows are never changed or deleted"


def upgrade() -> None:
    op.create_table(
        "history",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(30), nullable=False),
        sa.Column("actor", sa.String(150), nullable=False),
        sa.Column("via", sa.String(20), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
    )
    op.create_index("ix_history_contact_id", "history", ["contact_id"])
    op.create_index("ix_history_at", "history", ["at"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION history_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN RAISE EXCEPTION '{_REFUSAL}'; END $$"
        )
        op.execute(
            "CREATE TRIGGER history_append_only BEFORE UPDATE OR DELETE ON history "
            "FOR EACH ROW EXECUTE FUNCTION history_is_append_only()"
        )
        op.execute(
            "CREATE TRIGGER history_no_truncate BEFORE TRUNCATE ON history "
            "FOR EACH STATEMENT EXECUTE FUNCTION history_is_append_only()"
        )
    else:
        for statement in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER history_no_{statement.lower()} BEFORE {statement} ON history "
                f"BEGIN SELECT RAISE(ABORT, '{_REFUSAL}'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER history_no_truncate ON history")
        op.execute("DROP TRIGGER history_append_only ON history")
        op.execute("DROP FUNCTION history_is_append_only()")
    op.drop_index("ix_history_at", table_name="history")
    op.drop_index("ix_history_contact_id", table_name="history")
    op.drop_table("history")
