"""The platform-neutral commands against a real database."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.context import BotContext
from handlers.i18n import use_language
from handlers.replies import Caller
from tests.conftest import ALICE, BOB, COORD, FakeClock

LOG = 'log org="Rovaniemen kaupunki" country=FI kind=twin-town youth=yes date=2026-11-20 summary="Planning a youth football exchange"'


def ask(context: BotContext, text: str, caller: Caller = ALICE, language: str = "en") -> str:
    with use_language(language):
        reply = context.handler().handle(text, caller)
    assert "Something went wrong" not in reply.plain() and "Något gick fel" not in reply.plain()
    return reply.plain()


def test_organisations_match_case_insensitively(context: BotContext) -> None:
    ask(context, LOG)
    ask(context, 'log org="rovaniemen  KAUPUNKI" country=FI summary="Second meeting"')
    first, second = context.store.get(1), context.store.get(2)
    assert first and second and first.organisation_id == second.organisation_id
    assert second.organisation.name == "Rovaniemen kaupunki"


def test_free_text_becomes_the_summary_and_defaults_fill_in(context: BotContext) -> None:
    text = ask(context, "log org=Tallinn country=Estonia Met the youth council")
    contact = context.store.get(1)
    assert contact and contact.summary == "Met the youth council"
    assert contact.contact_date.isoformat() == "2026-11-26" and contact.kind == "other" and not contact.youth
    assert "Kind was set to “other”" in text and "unit NAME" in text


def test_default_unit_is_remembered_and_reused(context: BotContext) -> None:
    ask(context, 'log org=A country=SE summary=s unit="Kultur- och fritidsförvaltningen"')
    ask(context, "log org=B country=SE summary=t")
    assert context.store.get(2).unit == "Kultur- och fritidsförvaltningen"
    assert "Your unit is now Barn" in ask(context, "unit Barn och utbildning")
    ask(context, "log org=C country=SE summary=u")
    assert context.store.get(3).unit == "Barn och utbildning"
    # Another spelling of a known unit takes the known spelling.
    ask(context, "unit BARN OCH UTBILDNING", caller=BOB)
    assert "Your unit is Barn och utbildning" in ask(context, "unit", caller=BOB)


def test_list_mine_week_and_all(context: BotContext, clock: FakeClock) -> None:
    ask(context, LOG)
    ask(context, "log org=Bobs country=NO summary=x", caller=BOB)
    mine = ask(context, "list")
    assert "Rovaniemen" in mine and "Bobs" not in mine
    assert "Bobs" in ask(context, "lista alla") and "Rovaniemen" in ask(context, "list all")
    assert ": 2" in ask(context, "list week")
    clock.now = datetime(2026, 12, 2, 10, tzinfo=UTC)
    assert "No contacts were logged in week 49" in ask(context, "list week")
    assert ": 2" in ask(context, "list week 2026-W48")
    assert "takes mine, week" in ask(context, "list everything")


def test_list_pages(context: BotContext) -> None:
    for n in range(20):
        ask(context, f"log org=Org{n} country=SE summary=s{n}")
    first = ask(context, "list")
    assert "Showing 1–15 of 20" in first and "Next page: /kontakt list mine 2" in first
    second = ask(context, "list mine 2")
    assert "Org0 " in second and "Showing" not in second
    assert "There is no page 9" in ask(context, "list mine 9")


def test_search_is_case_and_accent_insensitive(context: BotContext) -> None:
    ask(context, 'log org="Malmö stad" country=SE city=Malmö summary="Nordiskt samarbete"')
    ask(context, 'log org="Oulu" country=FI summary="Ishockey för unga"')
    assert "Malmö stad" in ask(context, "search malmo")
    assert "Oulu" in ask(context, "sök ISHOCKEY unga")
    assert "No contacts match “100%_”" in ask(context, "search 100%_")
    assert "Write what to look for" in ask(context, "search")


def test_edit_inline_changes_only_the_given_fields(context: BotContext, clock: FakeClock) -> None:
    ask(context, LOG)
    clock.advance(hours=1)
    text = ask(context, 'edit 1 followup="Call in March" country=Sverige')
    assert "Updated contact #1" in text
    contact = context.store.get(1)
    assert contact.followup == "Call in March" and contact.country == "SE" and contact.youth
    assert contact.updated_at > contact.created_at
    assert "The summary is missing" in ask(context, 'edit 1 summary=""')
    assert "There is no contact #99" in ask(context, "edit 99 summary=x")
    assert "Give the contact's number" in ask(context, "edit abc")


def test_withdrawn_contacts_are_kept_marked_and_hidden(context: BotContext) -> None:
    ask(context, LOG)
    ask(context, "withdraw 1 logged twice")
    assert "No contacts to show: none logged yet" in ask(context, "list all")
    shown = ask(context, "show 1")
    assert "Withdrawn: by alice" in shown and "logged twice" in shown
    assert "withdrawn and can no longer be changed" in ask(context, "edit 1 summary=x")
    exported = list(context.store.export())
    assert len(exported) == 1 and exported[0].withdrawn_reason == "logged twice"


def test_coordinator_may_edit_anyones_contact(context: BotContext) -> None:
    ask(context, LOG)
    edited = ask(context, "edit 1 kind=skola", caller=COORD)
    assert "Updated contact #1:" in edited and "Kind: School or youth exchange" in edited
    assert "Nothing to change" in ask(context, "edit 1 kind=school", caller=COORD)


def test_unknown_commands_get_a_suggestion(context: BotContext) -> None:
    assert "Did you mean /kontakt list?" in ask(context, "lsit")
    assert ask(context, "").startswith("Log international contacts")
    # Words that look like another command lead to the one that was meant.
    for word in ("remove", "delete", "Radera"):
        assert "Did you mean /kontakt withdraw?" in ask(context, f"{word} 1 dubblett"), word
    assert "Menade du /kontakt ta-bort?" in ask(context, "radera 1 dubblett", language="sv")
    assert "Did you mean /kontakt search?" in ask(context, "find malmö")


def test_an_unknown_command_echoes_at_most_40_characters_of_it(context: BotContext) -> None:
    answer = ask(context, "y" * 5000)
    assert "y" * 39 + "…" in answer and "y" * 41 not in answer


def test_swedish_is_the_default_language_of_replies(context: BotContext) -> None:
    assert "Kontakt #1 är sparad" in ask(context, LOG, language="sv")
    assert "Inget sparades" in ask(context, "log org=A", language="sv")
    assert ask(context, "hjälp", language="sv").startswith("Logga internationella kontakter")


def test_oversize_and_emoji_everywhere(context: BotContext) -> None:
    assert "3500 characters long" in ask(context, "log org=A country=SE summary=" + "å" * 3500)
    text = ask(
        context,
        'log org="Åbo 🎓 Akademi" country=FI city=Åbo summary="Utbyte 🎉 för elever" person="Åsa Öberg"',
    )
    assert "Saved contact #1" in text and "Åbo 🎓 Akademi" in text
    # The city on a line of its own, under its own label (not after the country, as "Country").
    assert "Country: Finland\n" in text and "City: Åbo\n" in text


@given(st.text(max_size=200))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_no_input_makes_a_command_fail(context: BotContext, typed: str) -> None:
    for prefix in ("", "log ", "edit 1 ", "list ", "search ", "show ", "unit "):
        reply = ask(context, prefix + typed)
        assert reply


def test_the_days_a_contact_was_logged_and_withdrawn_are_the_municipalitys_not_utcs(
    context: BotContext, clock: FakeClock
) -> None:
    clock.now = datetime(2026, 11, 26, 23, 30, tzinfo=UTC)  # already 27 November in Stockholm
    logged = ask(context, "log org=Oulu country=FI summary=Met the youth council")
    assert "Date: 2026-11-27" in logged and "Logged: by alice on 2026-11-27" in logged
    ask(context, "withdraw 1 logged twice")
    shown = ask(context, "show 1")
    assert "Logged: by alice on 2026-11-27" in shown and "Withdrawn: by alice on 2026-11-27" in shown


def test_help_for_one_command_shows_that_command_and_an_unknown_topic_says_so(context: BotContext) -> None:
    one = ask(context, "help log")
    assert one.startswith('/kontakt log org="…" country=… summary="…" – log a contact on one line')
    assert "Fields:" in one and "/kontakt list" not in one
    assert ask(context, "hjälp visa", language="sv").startswith("/kontakt visa 12 – alla fält för en kontakt")
    unknown = ask(context, "help frobnicate")
    assert unknown.startswith("There is no command “frobnicate”; here is every command.")
    assert "/kontakt list" in unknown
    assert ask(context, "help help") == ask(context, "help")


def test_an_export_asked_for_in_another_format_says_chat_sends_a_workbook(context: BotContext) -> None:
    assert "CSV or JSON the administrator can make with contactbot export --format csv" in ask(
        context, "export csv", caller=COORD
    )
    assert "always an Excel workbook" not in ask(context, "export", caller=COORD)
    assert "always an Excel workbook" not in ask(context, "export alla", caller=COORD)


def test_an_edit_value_with_spaces_but_no_quotes_is_shown_with_its_quotes(context: BotContext) -> None:
    ask(context, "log org=Tartu country=EE summary=x")
    said = ask(context, "ändra 1 program=Europa för medborgarna", language="sv", caller=COORD)
    assert 'skrivs inom citattecken: /kontakt ändra 1 program="Europa för medborgarna"' in said
    assert "Updated contact #1:" in ask(context, 'edit 1 program="Europa för medborgarna"', caller=COORD)
    assert context.store.get(1).programme is not None
