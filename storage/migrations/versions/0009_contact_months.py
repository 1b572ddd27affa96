"""How many active contacts each month holds, kept by the database itself.

`list all` shows pages of active contacts, newest meeting first. To find page N without
stepping over every contact before it, and to say how many pages there are without counting
every contact, `contact_months` holds the number of active (not withdrawn) contacts per
month of their contact date. Triggers keep it in step with `contacts` in the same
transaction as each change: a new contact, a withdrawal or restoration, a changed date, a
disposal. On PostgreSQL they are statement triggers over transition tables, so a bulk COPY
updates each month once; on SQLite, row triggers.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

SQLITE_MONTH = "strftime('%Y-%m-01', {row}.contact_date)"
SQLITE_UP = (
    "CREATE TRIGGER contact_months_insert AFTER INSERT ON contacts WHEN new.withdrawn_at IS NULL BEGIN "
    f"INSERT INTO contact_months (month, active) VALUES ({SQLITE_MONTH.format(row='new')}, 1) "
    "ON CONFLICT (month) DO UPDATE SET active = active + 1; END",
    "CREATE TRIGGER contact_months_delete AFTER DELETE ON contacts WHEN old.withdrawn_at IS NULL BEGIN "
    f"UPDATE contact_months SET active = active - 1 WHERE month = {SQLITE_MONTH.format(row='old')}; END",
    "CREATE TRIGGER contact_months_update AFTER UPDATE OF contact_date, withdrawn_at ON contacts "
    "WHEN (old.withdrawn_at IS NULL) <> (new.withdrawn_at IS NULL) OR old.contact_date <> new.contact_date "
    "BEGIN "
    f"UPDATE contact_months SET active = active - 1 WHERE old.withdrawn_at IS NULL "
    f"AND month = {SQLITE_MONTH.format(row='old')}; "
    f"INSERT INTO contact_months (month, active) SELECT {SQLITE_MONTH.format(row='new')}, 1 "
    "WHERE new.withdrawn_at IS NULL ON CONFLICT (month) DO UPDATE SET active = active + 1; END",
)
SQLITE_DOWN = (
    "DROP TRIGGER IF EXISTS contact_months_update",
    "DROP TRIGGER IF EXISTS contact_months_delete",
    "DROP TRIGGER IF EXISTS contact_months_insert",
)

# PostgreSQL: one function per event, each adding the changed rows' months at once, in month
# order (two transactions touching the same months lock them in the same order).
_ADD = (
    "INSERT INTO contact_months (month, active) "
    "SELECT month, sum(n) FROM ({rows}) AS changed GROUP BY month HAVING sum(n) <> 0 ORDER BY month "
    "ON CONFLICT (month) DO UPDATE SET active = contact_months.active + excluded.active"
)
_ROWS = "SELECT date_trunc('month', contact_date)::date AS month, {n} AS n FROM {table} WHERE withdrawn_at IS NULL"
PG_FUNCTIONS = {
    "contact_months_added": _ADD.format(rows=_ROWS.format(n=1, table="added")),
    "contact_months_removed": _ADD.format(rows=_ROWS.format(n=-1, table="removed")),
    "contact_months_changed": _ADD.format(
        rows=_ROWS.format(n=-1, table="removed") + " UNION ALL " + _ROWS.format(n=1, table="added")
    ),
}
PG_TRIGGERS = (
    ("contact_months_insert", "INSERT", "NEW TABLE AS added", "contact_months_added"),
    ("contact_months_delete", "DELETE", "OLD TABLE AS removed", "contact_months_removed"),
    ("contact_months_update", "UPDATE", "OLD TABLE AS removed NEW TABLE AS added", "contact_months_changed"),
)


def upgrade() -> None:
    bind = op.get_bind()
    op.create_table(
        "contact_months",
        sa.Column("month", sa.Date(), primary_key=True),
        sa.Column("active", sa.Integer(), nullable=False),
    )
    if bind.dialect.name == "sqlite":
        op.execute(
            f"INSERT INTO contact_months (month, active) SELECT {SQLITE_MONTH.format(row='contacts')}, "
            "count(*) FROM contacts WHERE withdrawn_at IS NULL GROUP BY 1"
        )
        for statement in SQLITE_UP:
            op.execute(statement)
    elif bind.dialect.name == "postgresql":
        op.execute("SET LOCAL statement_timeout = 0")
        op.execute(
            "INSERT INTO contact_months (month, active) SELECT date_trunc('month', contact_date)::date, "
            "count(*) FROM contacts WHERE withdrawn_at IS NULL GROUP BY 1"
        )
        for function, body in PG_FUNCTIONS.items():
            op.execute(
                f"CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$ "
                f"BEGIN {body}; RETURN NULL; END $$"
            )
        for trigger, event, tables, function in PG_TRIGGERS:
            op.execute(
                f"CREATE TRIGGER {trigger} AFTER {event} ON contacts REFERENCING {tables} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
            )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for statement in SQLITE_DOWN:
            op.execute(statement)
    elif bind.dialect.name == "postgresql":
        for trigger, _event, _tables, _function in PG_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {trigger} ON contacts")
        for function in PG_FUNCTIONS:
            op.execute(f"DROP FUNCTION IF EXISTS {function}()")
    op.drop_table("contact_months")
