"""`list all` pages through an index (keyset): every page shows what the plain order shows."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.context import BotContext
from handlers.i18n import use_language
from storage.contacts import ContactStore, NewContact
from storage.database import Database
from storage.history import Actor
from storage.migrate import upgrade
from tests.conftest import ALICE
from tests.test_bulk_import import _record as exported

NOW = datetime(2026, 11, 26, 10, tzinfo=UTC)


def test_every_page_of_list_all_follows_the_newest_first_order(context: BotContext) -> None:
    chance = random.Random(11)
    for n in range(47):
        day = date(2026, 11, 1) + timedelta(days=chance.randrange(5))  # many on the same day
        new = NewContact(day, f"Org-{n:02d}", "SE", "other", "s", "U1", "slack")
        context.store.add(new, NOW)
    for withdrawn in (3, 17, 30):
        context.store.withdraw(withdrawn, "U1", None, None, NOW)
    expected = sorted(
        (c for c in context.store.export() if c.withdrawn_at is None),
        key=lambda c: (c.contact_date, c.id),
        reverse=True,
    )
    pages = [context.store.everything(10, offset) for offset in range(0, 50, 10)]
    assert [c.id for page in pages for c in page.contacts] == [c.id for c in expected]
    assert {page.total for page in pages} == {44}
    assert context.store.everything(10, 44).contacts == []
    with use_language("en"):
        third = context.handler().handle("list all 3", ALICE).plain()
        beyond = context.handler().handle("lista alla 9", ALICE).plain()
    shown = [c.organisation.name for c in expected if c.organisation.name in third]
    assert shown == [c.organisation.name for c in expected[30:]]
    assert "There is no page 9; the last one is 3." in beyond


def test_a_long_list_says_exactly_how_many_contacts_and_pages_it_has(context: BotContext) -> None:
    for n in range(30):
        context.store.add(
            NewContact(date(2026, 11, 1), f"Org-{n:02d}", "SE", "other", "s", "U1", "slack"), NOW
        )
    with use_language("en"):
        first = context.handler().handle("list all", ALICE).plain()
        second = context.handler().handle("list all 2", ALICE).plain()
    assert "All contacts: 30" in first and "Showing 1–15 of 30." in first
    assert "Next page: /kontakt list all 2" in first and "Org-29" in first and "Org-15" in first
    assert "All contacts: 30" in second and "Org-14" in second and "Org-00" in second


OPERATION = st.one_of(
    st.tuples(st.just("log"), st.integers(0, 500)),
    st.tuples(st.just("withdraw"), st.integers(0, 40)),
    st.tuples(st.just("restore"), st.integers(0, 40)),
    st.tuples(st.just("redate"), st.integers(0, 40), st.integers(0, 500)),
    st.tuples(st.just("import"), st.lists(st.tuples(st.integers(0, 500), st.booleans()), max_size=5)),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=st.lists(OPERATION, max_size=12))
def test_the_count_of_contacts_per_month_follows_every_change_and_every_page_follows_the_order(
    context: BotContext, operations: list[tuple[Any, ...]]
) -> None:
    # Whatever happens to contacts (logged, withdrawn, restored, given another date,
    # imported active or withdrawn), `list all` counts and pages exactly as the plain order.
    first = date(2025, 12, 1)
    actor = Actor("slack:U1", "slack")
    for operation in operations:
        ids = [c.id for c in context.store.export()]
        pick = (
            ids[operation[1] % len(ids)]
            if ids and operation[0] in {"withdraw", "restore", "redate"}
            else None
        )
        if operation[0] == "log":
            day = first + timedelta(days=operation[1])
            context.store.add(NewContact(day, "Åbo stad", "FI", "other", "s", "U1", "slack"), NOW)
        elif operation[0] == "withdraw" and pick is not None:
            context.store.withdraw(pick, "U1", None, "fel", NOW)
        elif operation[0] == "restore" and pick is not None:
            context.store.reinstate(pick, NOW, actor)
        elif operation[0] == "redate" and pick is not None:
            context.store.update(pick, {"contact_date": first + timedelta(days=operation[2])}, NOW)
        elif operation[0] == "import" and operation[1]:
            start = max(ids, default=0) + 1
            context.store.restore(
                [
                    _record(start + n, first + timedelta(days=d), withdrawn)
                    for n, (d, withdrawn) in enumerate(operation[1])
                ]
            )
    expected = sorted(
        (c for c in context.store.export() if c.withdrawn_at is None),
        key=lambda c: (c.contact_date, c.id),
        reverse=True,
    )
    pages = [context.store.everything(4, offset) for offset in range(0, len(expected) + 4, 4)]
    assert [c.id for page in pages for c in page.contacts] == [c.id for c in expected]
    assert {page.total for page in pages} == {len(expected)}


def _record(number: int, day: date, withdrawn: bool) -> dict[str, Any]:
    """An exported contact as `restore` takes it, on `day`, withdrawn or not."""
    record = exported(number) | {"contact_date": day, "organisation": "Tammerfors stad"}
    if withdrawn:
        record |= {"withdrawn_at": NOW, "withdrawn_by": "U1", "withdrawn_reason": "fel"}
    return record


def test_contacts_stored_before_the_upgrade_are_counted_and_listed_after_it(database_url: str) -> None:
    db = Database(database_url)
    try:
        upgrade(db, "0008")  # the revision before the counts per month
        store = ContactStore(db)
        for day, name in (
            (date(2026, 9, 3), "Åbo stad"),
            (date(2026, 10, 9), "Tartu linn"),
            (date(2026, 10, 2), "Riga"),
        ):
            store.add(NewContact(day, name, "FI", "other", "s", "U1", "slack"), NOW)
        store.withdraw(3, "U1", None, "dubblett", NOW)
        upgrade(db)
        page = ContactStore(db).everything(10, 0)
        assert page.total == 2
        assert [c.organisation.name for c in page.contacts] == ["Tartu linn", "Åbo stad"]
    finally:
        db.dispose()
