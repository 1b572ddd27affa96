"""Digest storage: the upgrade that keeps digests posted before it, and the destinations
coordinators choose from chat."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import bindparam, text
from sqlalchemy.exc import IntegrityError

from storage.database import Database
from storage.destinations import choose_destination, destinations
from storage.digests import DigestStore
from storage.migrate import upgrade
from storage.models import DigestDestination, UTCDateTime

MONDAY = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)


@pytest.fixture
def db(database_url: str):  # noqa: ANN201
    database = Database(database_url)
    yield database
    database.dispose()


def test_a_digest_posted_before_the_upgrade_is_found_afterwards_as_a_slack_record(db: Database) -> None:
    upgrade(db, "0002")
    insert = text(
        "INSERT INTO digests (channel, week, attempt, status, late, created_at, claims, posted_at, ts, "
        "contact_count, chart, reviewed_by, reviewed_at) VALUES ('CDIGEST01', '2026-W47', 0, 'posted', "
        ":late, :created, 1, :posted, '1700000000.000001', 3, 'posted', 'UCOORD', :posted)"
    ).bindparams(
        bindparam("created", type_=UTCDateTime()),
        bindparam("posted", type_=UTCDateTime()),
        bindparam("late", value=False),
    )
    with db.engine.begin() as connection:
        connection.execute(insert, {"created": MONDAY, "posted": MONDAY + timedelta(seconds=5)})

    upgrade(db)

    store = DigestStore(db)
    record = store.find("slack", "CDIGEST01", "2026-W47")
    assert record is not None
    assert (record.platform, record.destination, record.message_ref) == (
        "slack",
        "CDIGEST01",
        "1700000000.000001",
    )
    assert record.status == "posted" and record.sent_at is None and record.contact_count == 3
    assert record.posted_at == MONDAY + timedelta(seconds=5) and record.reviewed_by == "UCOORD"
    # The new unique key holds: the week is not recorded (or posted) again for that channel...
    again, created = store.record("slack", "CDIGEST01", "2026-W47", MONDAY + timedelta(days=1))
    assert (again.id, created) == (record.id, False)
    with pytest.raises(IntegrityError), db.session() as session:
        session.execute(
            text(
                "INSERT INTO digests (platform, destination, week, attempt, status, late, created_at, claims) "
                "VALUES ('slack', 'CDIGEST01', '2026-W47', 0, 'pending', :late, :created, 0)"
            ).bindparams(bindparam("created", type_=UTCDateTime()), bindparam("late", value=False)),
            {"created": MONDAY},
        )
    # ...while another target has its own record of the same week.
    _webhook, created = store.record("webhook", "wh-0123456789ab", "2026-W47", MONDAY)
    assert created
    upgrade(db)  # at head already: nothing to do


def test_choosing_a_destination_keeps_one_active_per_platform(db: Database) -> None:
    upgrade(db)
    first = choose_destination(
        db,
        "teams",
        "19:aaa@thread.tacv2",
        chosen_by="teams:5f2c",
        now=MONDAY,
        service_url="https://smba.trafficmanager.net/emea/",
        tenant_id="tenant-1",
        name="Internationella gruppen",
    )
    assert first.active and first.name == "Internationella gruppen"
    choose_destination(db, "slack", "CDIGEST01", chosen_by="slack:UCOORD", now=MONDAY)
    choose_destination(
        db, "teams", "19:bbb@thread.tacv2", chosen_by="teams:8e1a", now=MONDAY + timedelta(hours=1)
    )
    assert [(d.platform, d.destination) for d in destinations(db)] == [
        ("slack", "CDIGEST01"),
        ("teams", "19:bbb@thread.tacv2"),
    ]
    again = choose_destination(
        db,
        "teams",
        "19:aaa@thread.tacv2",
        chosen_by="teams:8e1a",
        now=MONDAY + timedelta(hours=2),
        name="Nytt namn",
    )
    assert again.id == first.id and again.chosen_by == "teams:8e1a" and again.name == "Nytt namn"
    assert [d.destination for d in destinations(db, "teams")] == ["19:aaa@thread.tacv2"]
    assert len(destinations(db, "teams", active=False)) == 2
    with pytest.raises(IntegrityError), db.session() as session:  # the database itself says one
        session.add(
            DigestDestination(
                platform="teams",
                destination="19:ccc@thread.tacv2",
                chosen_by="x",
                chosen_at=MONDAY,
                active=True,
            )
        )


def test_coordinators_choosing_at_the_same_time_leave_one_active_destination(db: Database) -> None:
    upgrade(db)
    start = threading.Barrier(4)

    def choose(n: int) -> None:
        start.wait()
        choose_destination(db, "teams", f"19:{n}@thread.tacv2", chosen_by=f"teams:{n}", now=MONDAY)

    threads = [threading.Thread(target=choose, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(destinations(db, "teams")) == 1
    assert len(destinations(db, "teams", active=False)) == 4
