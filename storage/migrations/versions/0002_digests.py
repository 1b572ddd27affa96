"""Weekly digests, recorded before they are posted.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

from storage.models import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "digests",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("channel", sa.String(40), nullable=False),
        sa.Column("week", sa.String(10), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("requested_by", sa.String(100)),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("claimed_at", UTCDateTime()),
        sa.Column("claims", sa.Integer(), nullable=False),
        sa.Column("posted_at", UTCDateTime()),
        sa.Column("ts", sa.String(40)),
        sa.Column("contact_count", sa.Integer()),
        sa.Column("last_error", sa.String(200)),
        sa.Column("chart", sa.String(20)),
        sa.Column("reviewed_by", sa.String(100)),
        sa.Column("reviewed_by_name", sa.String(200)),
        sa.Column("reviewed_at", UTCDateTime()),
        sa.UniqueConstraint("channel", "week", "attempt", name="uq_digests_week"),
    )


def downgrade() -> None:
    op.drop_table("digests")
