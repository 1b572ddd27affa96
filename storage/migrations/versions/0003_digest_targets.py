"""Digests per delivery target (platform, destination), and destinations chosen from chat.

Existing digests were all posted to Slack: they become platform `slack`, their channel
the destination and their ts the message reference.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

from storage.models import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # batch mode: SQLite cannot alter a table in place, so Alembic copies it (no-op elsewhere).
    with op.batch_alter_table("digests") as batch:
        batch.add_column(sa.Column("platform", sa.String(20), nullable=False, server_default="slack"))
        batch.add_column(sa.Column("sent_at", UTCDateTime()))
        batch.alter_column(
            "channel", new_column_name="destination", existing_type=sa.String(40), type_=sa.String(200)
        )
        batch.alter_column(
            "ts", new_column_name="message_ref", existing_type=sa.String(40), type_=sa.String(200)
        )
        batch.drop_constraint("uq_digests_week", type_="unique")
    # A second pass: created in the same pass as the renames, SQLite's copy of the table lost
    # the new unique key (the migration test checks that it is there).
    with op.batch_alter_table("digests") as batch:
        # Every row now has its platform; new rows always name theirs.
        batch.alter_column(
            "platform", existing_type=sa.String(20), existing_nullable=False, server_default=None
        )
        batch.create_unique_constraint(
            "uq_digests_target_week", ["platform", "destination", "week", "attempt"]
        )

    op.create_table(
        "digest_destinations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("platform", sa.String(20), nullable=False),
        sa.Column("destination", sa.String(200), nullable=False),
        sa.Column("service_url", sa.String(500)),
        sa.Column("tenant_id", sa.String(100)),
        sa.Column("name", sa.String(200)),
        sa.Column("chosen_by", sa.String(150), nullable=False),
        sa.Column("chosen_at", UTCDateTime(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.UniqueConstraint("platform", "destination", name="uq_digest_destinations_destination"),
    )
    op.create_index(
        "uq_digest_destinations_active",
        "digest_destinations",
        ["platform"],
        unique=True,
        sqlite_where=sa.text("active"),
        postgresql_where=sa.text("active"),
    )


def downgrade() -> None:
    op.drop_index("uq_digest_destinations_active", table_name="digest_destinations")
    op.drop_table("digest_destinations")
    op.execute("DELETE FROM digests WHERE platform <> 'slack'")
    with op.batch_alter_table("digests") as batch:
        batch.drop_constraint("uq_digests_target_week", type_="unique")
        batch.alter_column(
            "message_ref", new_column_name="ts", existing_type=sa.String(200), type_=sa.String(40)
        )
        batch.alter_column(
            "destination", new_column_name="channel", existing_type=sa.String(200), type_=sa.String(40)
        )
        batch.drop_column("sent_at")
        batch.drop_column("platform")
        batch.create_unique_constraint("uq_digests_week", ["channel", "week", "attempt"])
