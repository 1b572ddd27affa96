"""Rebuild the folded keys with transliteration, so `lodz` finds Łódź and `tromso` Tromsø.

Organisations whose names now fold to the same key (`Lodz` and `Łódź`) become one: the
contacts of the later one move to the earlier one, and the later, now empty, row goes.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

from collections import defaultdict

import sqlalchemy as sa
from alembic import op

from storage.folding import fold

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

BATCH = 5000


def upgrade() -> None:
    connection = op.get_bind()
    organisations = sa.table("organisations", sa.column("id"), sa.column("name"), sa.column("name_key"))
    contacts = sa.table(
        "contacts",
        sa.column("id"),
        sa.column("organisation_id"),
        sa.column("person"),
        sa.column("city"),
        sa.column("summary"),
        sa.column("search_text"),
    )
    names = dict(connection.execute(sa.select(organisations.c.id, organisations.c.name)).all())
    by_key: dict[str, list[int]] = defaultdict(list)
    for organisation_id in sorted(names):
        by_key[fold(names[organisation_id])[:200]].append(organisation_id)
    for ids in by_key.values():
        keeper, *merged = ids
        if merged:
            connection.execute(
                contacts.update().where(contacts.c.organisation_id.in_(merged)).values(organisation_id=keeper)
            )
            connection.execute(organisations.delete().where(organisations.c.id.in_(merged)))
    # Two steps, so that no two rows ever share a key on the way (the key is unique).
    connection.execute(
        organisations.update().values(name_key=sa.literal("~") + sa.cast(organisations.c.id, sa.String))
    )
    for key, ids in by_key.items():
        connection.execute(organisations.update().where(organisations.c.id == ids[0]).values(name_key=key))

    last = 0
    while True:
        rows = connection.execute(
            sa.select(
                contacts.c.id,
                contacts.c.organisation_id,
                contacts.c.person,
                contacts.c.city,
                contacts.c.summary,
            )
            .where(contacts.c.id > last)
            .order_by(contacts.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        connection.execute(
            contacts.update()
            .where(contacts.c.id == sa.bindparam("row_id"))
            .values(search_text=sa.bindparam("text")),
            [
                {
                    "row_id": row.id,
                    "text": fold(
                        " ".join(
                            p
                            for p in (names.get(row.organisation_id), row.person, row.city, row.summary)
                            if p
                        )
                    ),
                }
                for row in rows
            ],
        )
        last = rows[-1].id


def downgrade() -> None:
    """The keys stay as they are: folding without transliteration would find less, not differently."""
