"""`list all` pages through an index (keyset): every page shows what the plain order shows."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from bot.context import BotContext
from handlers.i18n import use_language
from storage.contacts import NewContact
from tests.conftest import ALICE

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


def test_the_first_pages_of_a_long_list_count_only_so_far(context: BotContext) -> None:
    for n in range(30):
        context.store.add(
            NewContact(date(2026, 11, 1), f"Org-{n:02d}", "SE", "other", "s", "U1", "slack"), NOW
        )
    context.store.list_count_up_to = 20
    with use_language("en"):
        first = context.handler().handle("list all", ALICE).plain()
        second = context.handler().handle("list all 2", ALICE).plain()
    assert "All contacts: more than 20" in first and "Showing 1–15 of more than 20." in first
    assert "Next page: /kontakt list all 2" in first and "Org-29" in first and "Org-15" in first
    assert "All contacts: 30" in second and "Org-14" in second and "Org-00" in second
