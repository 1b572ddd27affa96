"""Signed Slack requests already handled, so that a replayed request does nothing.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

from storage.models import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "handled_requests",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("seen_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_handled_requests_seen_at", "handled_requests", ["seen_at"])


def downgrade() -> None:
    op.drop_index("ix_handled_requests_seen_at", table_name="handled_requests")
    op.drop_table("handled_requests")
