"""The database tables, in SQLAlchemy 2.0's typed ORM style."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """A moment in time, stored in UTC and always read back time-zone aware
    (SQLite keeps no time zone of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    """Base class of every table."""


class Organisation(Base):
    """A counterpart organisation; `name_key` makes "Rovaniemen kaupunki" and
    "rovaniemen  KAUPUNKI" one organisation."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    contacts: Mapped[list[Contact]] = relationship(back_populates="organisation")


class Contact(Base):
    """One international contact, as logged by a member of staff.

    Withdrawn contacts stay in the table, marked with who withdrew them and when:
    public records are never silently deleted.
    """

    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contact_date: Mapped[date] = mapped_column(Date)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    country: Mapped[str] = mapped_column(String(2))
    city: Mapped[str | None] = mapped_column(String(100))
    person: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    kind: Mapped[str] = mapped_column(String(20))
    youth: Mapped[bool] = mapped_column(Boolean, default=False)
    unit: Mapped[str | None] = mapped_column(String(100))
    summary: Mapped[str] = mapped_column(Text)
    benefit: Mapped[str | None] = mapped_column(Text)
    followup: Mapped[str | None] = mapped_column(Text)
    logged_by: Mapped[str] = mapped_column(String(100))
    logged_by_name: Mapped[str | None] = mapped_column(String(200))
    platform: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawn_by: Mapped[str | None] = mapped_column(String(100))
    withdrawn_by_name: Mapped[str | None] = mapped_column(String(200))
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)
    # The register's own fields (migration 0007): the case, the direction, the people, the funding.
    dnr: Mapped[str | None] = mapped_column(String(100))
    direction: Mapped[str | None] = mapped_column(String(10))
    participants: Mapped[int | None] = mapped_column(Integer)
    young_participants: Mapped[int | None] = mapped_column(Integer)
    programme: Mapped[str | None] = mapped_column(String(20))
    project_ref: Mapped[str | None] = mapped_column(String(100))
    # Folded (lower case, no accents) organisation, person, city and summary, so that
    # "malmo" finds "Malmö" with a plain LIKE on every database.
    search_text: Mapped[str] = mapped_column(Text, default="")
    # Set when a contact comes from a form submission that the platform may resend;
    # unique, so a resent submission finds the contact it already created.
    source_key: Mapped[str | None] = mapped_column(String(200), unique=True)

    organisation: Mapped[Organisation] = relationship(back_populates="contacts", lazy="joined")

    __table_args__ = (
        Index("ix_contacts_created_at", "created_at"),
        Index("ix_contacts_logged_by", "logged_by"),
        # Partial indexes are the migrations' alone, not declared here: a dialect's keyword
        # (`postgresql_where`) makes SQLAlchemy import that dialect, also into a bot on SQLite.
        # Migration 0008 makes `ix_contacts_listing` (contact_date, id WHERE withdrawn_at IS
        # NULL: `list all`, newest meeting first) and the text index for searching.
    )


class ContactMonth(Base):
    """How many active contacts have their contact date in one month (migration 0009).

    Kept by triggers in the same transaction as every change to `contacts`, so that `list
    all` finds page N, and the number of pages, without counting every contact."""

    __tablename__ = "contact_months"

    month: Mapped[date] = mapped_column(Date, primary_key=True)  # the first day of the month
    active: Mapped[int] = mapped_column(Integer)


class UserSetting(Base):
    """What the bot remembers about a user: their default unit."""

    __tablename__ = "user_settings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[str] = mapped_column(String(100))
    unit: Mapped[str | None] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (UniqueConstraint("platform", "user_id", name="uq_user_settings_user"),)


class Digest(Base):
    """One weekly digest for one destination: recorded before it is posted, so it is posted once.

    The key is (platform, destination, week, attempt): each delivery target has its own
    record per week. `destination` is a Slack channel id, a Teams conversation id, or a
    short hash of a webhook URL (never the URL: it is a secret). `attempt` is 0 for the
    week's digest; a coordinator's forced re-post gets 1, 2, …

    `status`: pending (to be posted), posting (claimed by a sender until `claimed_at` +
    lease), posted, skipped (an empty week with DIGEST_SKIP_EMPTY), unclear (the one call
    that posts was started but its answer never came, on a platform whose history the bot
    cannot read: it may be in the channel, so it is not posted again unless forced).
    `sent_at` is set just before that call and cleared when it clearly failed.
    """

    __tablename__ = "digests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))
    destination: Mapped[str] = mapped_column(String(200))
    week: Mapped[str] = mapped_column(String(10))
    attempt: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(12))
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    requested_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claims: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    message_ref: Mapped[str | None] = mapped_column(String(200))
    contact_count: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(200))
    chart: Mapped[str | None] = mapped_column(String(20))
    reviewed_by: Mapped[str | None] = mapped_column(String(100))
    reviewed_by_name: Mapped[str | None] = mapped_column(String(200))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        UniqueConstraint("platform", "destination", "week", "attempt", name="uq_digests_target_week"),
    )


class DigestDestination(Base):
    """Where a coordinator asked, in chat, for the digest to go (`digest here`).

    At most one active destination per platform (a partial unique index says so);
    choosing another one deactivates the previous one, which stays as a record.
    """

    __tablename__ = "digest_destinations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))
    destination: Mapped[str] = mapped_column(String(200))
    service_url: Mapped[str | None] = mapped_column(String(500))
    tenant_id: Mapped[str | None] = mapped_column(String(100))
    name: Mapped[str | None] = mapped_column(String(200))
    chosen_by: Mapped[str] = mapped_column(String(150))
    chosen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    __table_args__ = (
        UniqueConstraint("platform", "destination", name="uq_digest_destinations_destination"),
        # Migration 0003 also makes `uq_digest_destinations_active` (platform WHERE active):
        # one active destination a platform. Partial, so not declared here (see Contact).
    )


class HandledRequest(Base):
    """A signed Slack request that was handled, by a hash of its signature (which covers the
    timestamp and the body): the same request replayed finds its key taken and does nothing.

    Rows older than the signature's five minutes of validity (and a margin) are pruned."""

    __tablename__ = "handled_requests"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (Index("ix_handled_requests_seen_at", "seen_at"),)


class HistoryEvent(Base):
    """One thing done to the records (append-only: the database refuses UPDATE and DELETE).

    `contact_id` is None for actions on the register as a whole (an export, a digest).
    `actor` is platform-qualified (`slack:U012…`, `teams:<id>`, `shell:<login>`,
    `cli:<login>`, `scheduler`); `via` the way in (slack, teams, shell, cli, scheduler).
    `before`/`after` hold the changed fields' values; `note` a reason or a decision.
    """

    __tablename__ = "history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contact_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(30))
    actor: Mapped[str] = mapped_column(String(150))
    via: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    before: Mapped[dict[str, object] | None] = mapped_column(JSON)
    after: Mapped[dict[str, object] | None] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index("ix_history_contact_id", "contact_id"),
        Index("ix_history_at", "at"),
    )
