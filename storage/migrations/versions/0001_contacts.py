"""Contacts, organisations and user settings.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

from storage.models import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "organisations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("name_key", sa.String(200), nullable=False, unique=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "contacts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("contact_date", sa.Date(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), sa.ForeignKey("organisations.id"), nullable=False),
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("city", sa.String(100)),
        sa.Column("person", sa.String(200)),
        sa.Column("email", sa.String(254)),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("youth", sa.Boolean(), nullable=False),
        sa.Column("unit", sa.String(100)),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("benefit", sa.Text()),
        sa.Column("followup", sa.Text()),
        sa.Column("logged_by", sa.String(100), nullable=False),
        sa.Column("logged_by_name", sa.String(200)),
        sa.Column("platform", sa.String(20), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("withdrawn_at", UTCDateTime()),
        sa.Column("withdrawn_by", sa.String(100)),
        sa.Column("withdrawn_by_name", sa.String(200)),
        sa.Column("withdrawn_reason", sa.Text()),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("source_key", sa.String(200), unique=True),
    )
    op.create_index("ix_contacts_created_at", "contacts", ["created_at"])
    op.create_index("ix_contacts_logged_by", "contacts", ["logged_by"])
    op.create_table(
        "user_settings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("platform", sa.String(20), nullable=False),
        sa.Column("user_id", sa.String(100), nullable=False),
        sa.Column("unit", sa.String(100)),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("platform", "user_id", name="uq_user_settings_user"),
    )


def downgrade() -> None:
    op.drop_table("user_settings")
    op.drop_index("ix_contacts_logged_by", "contacts")
    op.drop_index("ix_contacts_created_at", "contacts")
    op.drop_table("contacts")
    op.drop_table("organisations")
