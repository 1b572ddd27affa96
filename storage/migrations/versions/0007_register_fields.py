"""The register's own fields: case number (dnr), direction, participants, young participants,
programme and project reference. All may be empty, so contacts logged before keep every value.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

COLUMNS = (
    ("dnr", sa.String(100)),
    ("direction", sa.String(10)),
    ("participants", sa.Integer()),
    ("young_participants", sa.Integer()),
    ("programme", sa.String(20)),
    ("project_ref", sa.String(100)),
)


def upgrade() -> None:
    with op.batch_alter_table("contacts") as batch:
        for name, kind in COLUMNS:
            batch.add_column(sa.Column(name, kind, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("contacts") as batch:
        for name, _kind in reversed(COLUMNS):
            batch.drop_column(name)
