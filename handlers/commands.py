"""The bot's commands: one entry point for every platform and the shell.

Handlers answer with structure (`handlers.markup`); `{c}` in a template is how the
person invokes the bot on their platform (`/kontakt`, `@contactbot`, or nothing in
the shell), so hints show what to type where they are.
"""

from __future__ import annotations

import difflib
import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from handlers.annual_report import report_reply
from handlers.digest import build_digest, destination_label, digest_blocks, shown_cause
from handlers.fields import BY_NAME, field_label, keys_shown
from handlers.formatting import contact_details, contact_table
from handlers.i18n import _, ngettext
from handlers.kinds import kind_names
from handlers.markup import Block, Bullets, Facts, Heading, Paragraph, Text, code, join, plain, say
from handlers.parsing import ParseError, Token, read_fields, tokenize
from handlers.privacy import RegisterNotice, counterpart_notice
from handlers.records import RecordCommands, actor_of, refuse_archivist, shown_value
from handlers.register_fields import (
    direction_names,
    programme_names,
    register_form_values,
    register_values,
)
from handlers.registry import COMMANDS, Command, all_words, find_command, word
from handlers.replies import Attachment, Caller, DigestSend, FormRequest, Reply, reply
from handlers.text import shorten, tidy
from handlers.validation import ContactData, InvalidFields, check_edit, check_fields
from handlers.weeks import Week, local_today
from storage.contacts import COUNT_UP_TO, ContactStore, NewContact, Page
from storage.database import DatabaseUnavailable
from storage.destinations import destinations
from storage.digests import DigestStore
from storage.folding import fold
from storage.history import record_once
from storage.models import Contact
from storage.requests import Once, Replayed

log = logging.getLogger(__name__)

# Words people try for a command that spelling alone would not lead to ("remove" looks most like
# "restore", the opposite); folded, as `fold` writes them.
_MEANT = {
    "remove": "withdraw",
    "delete": "withdraw",
    "erase": "withdraw",
    "radera": "withdraw",
    "makulera": "withdraw",
    "add": "log",
    "new": "log",
    "ny": "log",
    "lagg": "log",
    "find": "search",
    "hitta": "search",
    "leta": "search",
}

CHANNEL_SEARCH_SCAN = 1000  # a channel's search looks at this many of the index's matches

_DIGEST_PREVIEW = frozenset({"preview", "förhandsgranska", "visa"})
_DIGEST_HISTORY = frozenset({"history", "historik"})
_DIGEST_READS = _DIGEST_PREVIEW | _DIGEST_HISTORY  # what archivists may do with the digest

PAGE_SIZE = 15


@dataclass
class Services:
    """What the handlers need from the outside: the store, the time zone, a clock, and how
    the person invokes the bot on their platform."""

    store: ContactStore
    zone: ZoneInfo
    clock: Callable[[], datetime]
    command: str = "/kontakt"
    notice: RegisterNotice = field(default_factory=RegisterNotice)
    twin_towns: tuple[str, ...] = ()


@dataclass
class FormOutcome:
    """The answer to a submitted form: field errors to show on the form, or a reply."""

    errors: dict[str, Text] = field(default_factory=dict)
    reply: Reply | None = None


class CommandHandler(RecordCommands):
    """Answers the text that follows the command, for one caller at a time."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.store = services.store
        self.c = services.command

    # -- entry points -----------------------------------------------------------

    def handle(
        self, text: str, caller: Caller, source_key: str | None = None, once: Once | None = None
    ) -> Reply:
        """The reply to `text` (what follows `/kontakt`). Never raises, except `Replayed`.

        `source_key` names the message `text` came in (a platform that may deliver it again):
        a contact logged by it is stored once, and a redelivery answers that it was already saved.
        `once` is a signed request that must be carried out once (a Slack slash command): a
        `log` claims it with the contact it stores, any other command before it does anything.
        A request claimed before raises `Replayed`, with nothing done.
        """
        try:
            answer = self._dispatch(text, caller, source_key, once)
        except Replayed:
            raise
        except ParseError as problem:
            answer = reply(problem.text, ok=False)
        except DatabaseUnavailable as trouble:
            return reply(_database_message(trouble), ok=False)
        except Exception:
            log.exception("command failed")
            return reply(
                say(
                    _(
                        "Something went wrong on our side and nothing was saved. Please try again; "
                        "if it keeps happening, tell the coordinator."
                    )
                ),
                ok=False,
            )
        if once is not None and not once.taken:
            # A `log` that stored nothing (a mistake in it, a form to fill in): claimed now,
            # so that its replay is answered by nobody, as every other replay is.
            once.take()
        return answer

    def submit_form(
        self,
        values: dict[str, str],
        caller: Caller,
        contact_id: int | None = None,
        source_key: str | None = None,
    ) -> FormOutcome:
        """Check and store a submitted form: a new contact, or an edit of `contact_id`."""
        try:
            if contact_id is None:
                refusal = refuse_archivist(caller)
                if refusal is not None:
                    return FormOutcome(reply=refusal)
                data = check_fields(values, self._today(), form=True)
                return FormOutcome(reply=self._save_new(data, caller, source_key))
            contact = self.store.get(contact_id)
            refusal = self._refuse_change(contact, contact_id, caller)
            if refusal is not None or contact is None:
                return FormOutcome(reply=refusal)
            data = check_fields(values, self._today(), partial=True, form=True)
            check_edit(contact.participants, contact.young_participants, data, values)
            return FormOutcome(reply=self._save_edit(contact, data, values, caller))
        except InvalidFields as invalid:
            return FormOutcome(errors=invalid.errors)
        except DatabaseUnavailable as trouble:
            return FormOutcome(errors={"summary": _database_message(trouble)})

    # -- dispatch ---------------------------------------------------------------

    def _dispatch(
        self, text: str, caller: Caller, source_key: str | None = None, once: Once | None = None
    ) -> Reply:
        tokens = tokenize(text)
        if tokens and tokens[0].key is not None:
            return self.log(tokens, caller, source_key, once)
        command = find_command(tokens[0].text) if tokens else None
        if once is not None and (command is None or command.name != "log"):
            once.take()  # before the command does anything (a `log` claims with its contact)
        if not tokens:
            return self.help(caller)
        first = tokens[0]
        rest = tokens[1:]
        if (
            first.text.casefold() == "ta"
            and rest
            and rest[0].key is None
            and rest[0].text.casefold() == "bort"
        ):
            first, rest = Token("ta-bort"), rest[1:]  # `ta bort 12`, as it is written in Swedish
            command = find_command(first.text)
        if command is None:
            return self._unknown_command(first.text)
        if command.name == "help":
            return self.help(caller, rest[0].text if rest else None)
        if command.name == "log":
            return self.log(rest, caller, source_key, once)
        return getattr(self, command.name)(rest, caller)

    def _unknown_command(self, typed: str) -> Reply:
        meant = _MEANT.get(fold(typed))
        close = (
            [meant] if meant else difflib.get_close_matches(typed.casefold(), all_words(), n=1, cutoff=0.6)
        )
        text = say(_("I don't know the command “{word}”."), word=shorten(typed, 40))
        if close:
            suggestion = find_command(close[0])
            assert suggestion is not None
            text = (
                text
                + " "
                + say(
                    _("Did you mean `{command} {suggestion}`?"), command=self.c, suggestion=suggestion.word()
                )
            )
        text = text + " " + say(_("Write `{command} help` to see what I can do."), command=self.c)
        return reply(text, ok=False)

    # -- help -------------------------------------------------------------------

    def help(self, caller: Caller | None = None, topic: str | None = None) -> Reply:
        """What the bot does, and every command with an example: generated from the registry;
        with `topic`, a command's word, that command alone."""
        c = self.c
        if topic is not None:
            found = find_command(topic)
            if found is not None and found.name == "help":
                return self.help(caller)
            if found is not None:
                return self._help_for(found, caller)
            everything = self.help(caller)
            unknown = say(_("There is no command “{word}”; here is every command."), word=shorten(topic, 40))
            return Reply([Paragraph(unknown), *everything.blocks])
        intro = say(
            _(
                "*Log international contacts* (twin towns, EU projects, school and youth exchanges, "
                "associations, business, study visits) so that they reach the coordinator and "
                "the international group."
            )
        )
        example = say(
            _(
                'Example: `{c} log org="Rovaniemen kaupunki" country=FI kind=twin-town youth=yes '
                'date=2026-11-20 summary="Planning a youth football exchange"`'
            ),
            c=c,
        )
        lines: list[Text] = []
        archivist = caller is not None and caller.is_archivist
        for command in COMMANDS:
            hidden = caller is not None and not caller.is_coordinator
            archivists_read = command.archivists_too or bool(command.archivists_usage)
            if command.coordinators_only and hidden and not (archivists_read and archivist):
                continue
            line = self._command_line(command, archivist)
            if command.archivists_too or (archivist and command.archivists_usage):
                line = line + " " + say(_("(coordinators and archivists)"))
            elif command.coordinators_only:
                line = line + " " + say(_("(coordinators)"))
            lines.append(line)
        fields = _fields_text()
        register = say(
            _("Directions: {directions}. Programmes: {programmes}."),
            directions=direction_names(),
            programmes=programme_names(),
        )
        return reply(intro, Bullets(tuple(lines)), example, fields, register)

    def _help_for(self, command: Command, caller: Caller | None) -> Reply:
        """One command's line of the help, with the fields for those that take them."""
        parts = [self._command_line(command, caller is not None and caller.is_archivist)]
        if command.name in {"log", "edit"}:
            parts.append(_fields_text())
        parts.append(say(_("Write `{command} help` to see what I can do."), command=self.c))
        return reply(*parts)

    def _command_line(self, command: Command, archivist: bool) -> Text:
        """`/kontakt visa 12 – every field of one contact`: what to type, and what it does."""
        typed = " ".join(part for part in (self.c, command.word(), command.shown_usage(archivist)) if part)
        return code(typed) + " – " + _(command.description)

    # -- log --------------------------------------------------------------------

    def log(
        self, tokens: list[Token], caller: Caller, source_key: str | None = None, once: Once | None = None
    ) -> Reply:
        """`log key=value… free text`, or a form when nothing follows; `source_key` and `once` as
        in `handle`."""
        refusal = refuse_archivist(caller)
        if refusal is not None:
            return refusal
        if not tokens:
            values = {"date": self._today().isoformat()}
            unit = self.store.default_unit(caller.platform, caller.user_id)
            if unit:
                values["unit"] = unit
            return reply(
                say(
                    _(
                        'Write the contact on one line, e.g. `{c} log org="Name" country=FI '
                        'summary="What it was about"`. Write `{c} help` for every field.'
                    ),
                    c=self.c,
                ),
                form=FormRequest(mode="log", values=values),
            )
        fields = read_fields(tokens)
        values = dict(fields.values)
        if fields.free_text:
            given = values.get("summary", "")
            values["summary"] = f"{given} {fields.free_text}".strip()
        try:
            data = check_fields(values, self._today())
        except InvalidFields as invalid:
            return _fields_reply(invalid.errors)
        return self._save_new(data, caller, source_key, once)

    def _save_new(
        self, data: ContactData, caller: Caller, source_key: str | None, once: Once | None = None
    ) -> Reply:
        assert data.org and data.country and data.summary
        added = self.store.add(
            NewContact(
                contact_date=data.date or self._today(),
                organisation=data.org,
                country=data.country,
                kind=data.kind or "other",
                summary=data.summary,
                youth=bool(data.youth),
                city=data.city,
                person=data.person,
                email=data.email,
                unit=data.unit,
                benefit=data.benefit,
                followup=data.followup,
                **register_values(data),
                logged_by=caller.user_id,
                logged_by_name=caller.name,
                platform=caller.platform,
            ),
            self.services.clock(),
            source_key,
            actor_of(caller),
            once,
        )
        contact = added.contact
        c = self.c
        head = (
            say(_("Saved contact #{id}:"), id=contact.id)
            if added.created
            else say(_("Contact #{id} was already saved:"), id=contact.id)
        )
        # Every field as stored, so nothing that was saved is a surprise.
        blocks: list[Block] = [
            Paragraph(head),
            *contact_details(contact, self.services.zone, shared=caller.audience == "shared")[1:],
        ]
        if added.unit_remembered and contact.unit:
            blocks.append(
                Paragraph(
                    say(_("{unit} is now your unit; your next contacts get it too."), unit=contact.unit)
                )
            )
        elif not contact.unit:
            blocks.append(
                Paragraph(
                    say(
                        _("Tip: set your unit once with `{c} unit NAME` and it is added to every contact."),
                        c=c,
                    )
                )
            )
        if data.kind is None:
            blocks.append(
                Paragraph(
                    say(
                        _("Kind was set to “other”; change it with `{c} edit {id} kind=…`."),
                        c=c,
                        id=contact.id,
                    )
                )
            )
        blocks.append(
            Paragraph(
                say(
                    _("Change it with `{c} edit {id}`, withdraw it with `{c} withdraw {id} REASON`."),
                    c=c,
                    id=contact.id,
                )
            )
        )
        return Reply(blocks, contact_id=contact.id)

    # -- edit and withdraw ------------------------------------------------------

    def edit(self, tokens: list[Token], caller: Caller) -> Reply:
        """`edit ID key=value…`, or the prefilled form when only the id is given."""
        contact_id = self._contact_id(tokens, "edit")
        contact = self.store.get(contact_id)
        refusal = self._refuse_change(contact, contact_id, caller)
        if refusal is not None or contact is None:
            return refusal or reply(ok=False)
        fields = read_fields(tokens[1:])
        if fields.free_text:
            rest = tokens[1:]
            first_free = next((i for i, t in enumerate(rest) if t.key is None), 0)
            before = rest[first_free - 1] if first_free > 0 else None
            if before is not None and before.key is not None and not before.quoted:
                # `program=Europa för medborgarna`: a value with spaces, written without quotes.
                words = " ".join(t.text for t in rest[first_free:] if t.key is None)
                return reply(
                    say(
                        _('A value with spaces goes in quotes: `{c} edit {id} {key}="{value}"`.'),
                        c=self.c,
                        id=contact_id,
                        key=before.key,
                        value=shorten(f"{before.text} {words}", 80),
                    ),
                    ok=False,
                )
            return reply(
                say(
                    _('Give changes as key=value, e.g. `{c} edit {id} summary="New text"`.'),
                    c=self.c,
                    id=contact_id,
                ),
                ok=False,
            )
        if not fields.values:
            return reply(
                say(
                    _('Write the changes as key=value, e.g. `{c} edit {id} followup="Call in March"`.'),
                    c=self.c,
                    id=contact_id,
                ),
                form=FormRequest(mode="edit", values=form_values(contact), contact_id=contact_id),
            )
        try:
            data = check_fields(fields.values, self._today(), partial=True)
            check_edit(contact.participants, contact.young_participants, data, fields.values)
        except InvalidFields as invalid:
            return _fields_reply(invalid.errors)
        return self._save_edit(contact, data, fields.values, caller)

    def _save_edit(
        self, contact: Contact, data: ContactData, values: dict[str, str], caller: Caller
    ) -> Reply:
        changes: dict[str, object] = {}
        changed: list[str] = []
        followed = ["youth"] if data.young is not None and "youth" not in values else []
        for name in [*values, *followed]:
            value = getattr(data, name)
            if name == "youth":
                value = bool(value)
            if name == "kind" and value is None:
                value = "other"
            attribute = BY_NAME[name].attribute
            current = contact.organisation.name if name == "org" else getattr(contact, attribute)
            if value == current:
                continue
            changes[attribute] = value
            changed.append(name)
        if not changes:
            return reply(say(_("Nothing to change: contact #{id} already says that."), id=contact.id))
        updated = self.store.update(contact.id, changes, self.services.clock(), actor_of(caller))
        if updated is None:
            return reply(_not_found(contact.id), ok=False)
        # Each changed field as it now reads (a counterpart's name or e-mail only privately).
        facts = []
        for name in changed:
            field = BY_NAME[name]
            if field.personal and caller.audience == "shared":
                facts.append((field_label(name), say(_("changed"))))
                continue
            value = updated.organisation.name if name == "org" else getattr(updated, field.attribute)
            facts.append((field_label(name), plain(shown_value(value, field.attribute))))
        blocks: list[Block] = [
            Paragraph(say(_("Updated contact #{id}:"), id=updated.id)),
            Facts(tuple(facts)),
            contact_table([updated]),
        ]
        if "organisation" in changes and updated.organisation_id == contact.organisation_id:
            count = self.store.organisation_size(updated.organisation_id)
            blocks.append(
                Paragraph(
                    say(
                        ngettext(
                            "The organisation is now spelled {name}, on {count} contact.",
                            "The organisation is now spelled {name}, on all {count} contacts that carry it.",
                            count,
                        ),
                        name=updated.organisation.name,
                        count=count,
                    )
                )
            )
        return Reply(blocks, contact_id=updated.id)

    def withdraw(self, tokens: list[Token], caller: Caller) -> Reply:
        """`withdraw ID REASON`: marks the contact withdrawn, with the reason; it is kept."""
        contact_id = self._contact_id(tokens, "withdraw")
        contact = self.store.get(contact_id)
        refusal = self._refuse_change(contact, contact_id, caller)
        if refusal is not None:
            return refusal
        reason = tidy(" ".join(t.text if t.key is None else f"{t.key}={t.text}" for t in tokens[1:]))
        if not reason:
            return reply(
                say(
                    _(
                        "Nothing was withdrawn: say why after the number, e.g. `{c} {command} {id} duplicate of #9`. "
                        "The reason is kept in the contact's history."
                    ),
                    c=self.c,
                    command=word("withdraw"),
                    id=contact_id,
                ),
                ok=False,
            )
        withdrawn = self.store.withdraw(
            contact_id, caller.user_id, caller.name, reason[:1000], self.services.clock(), actor_of(caller)
        )
        if withdrawn is None:
            return reply(_not_found(contact_id), ok=False)
        return reply(
            say(
                _(
                    "Withdrew contact #{id}. It is kept in the records, marked withdrawn, and no longer "
                    "shows in lists, searches or digests."
                ),
                id=contact_id,
            )
        )

    def _refuse_change(self, contact: Contact | None, contact_id: int, caller: Caller) -> Reply | None:
        if contact is None:
            return reply(_not_found(contact_id), ok=False)
        archivist = refuse_archivist(caller)
        if archivist is not None:
            return archivist
        if contact.withdrawn_at is not None:
            return reply(
                say(_("Contact #{id} is withdrawn and can no longer be changed."), id=contact_id), ok=False
            )
        is_author = contact.platform == caller.platform and contact.logged_by == caller.user_id
        if not (is_author or caller.is_coordinator):
            return reply(
                say(
                    _(
                        "Only the person who logged contact #{id}, or a coordinator, may change or withdraw it."
                    ),
                    id=contact_id,
                ),
                ok=False,
            )
        return None

    def _contact_id(self, tokens: list[Token], command: str) -> int:
        text = tokens[0].text.lstrip("#") if tokens and tokens[0].key is None else ""
        if text.isascii() and text.isdigit() and len(text) > 9:
            raise ParseError(_not_found(int(text)))  # larger than any contact number
        if not text.isascii() or not text.isdigit():
            raise ParseError(
                say(
                    _("Give the contact's number, e.g. `{c} {command} 12`. `{c} list` shows the numbers."),
                    c=self.c,
                    command=word(command),
                )
            )
        return int(text)

    # -- reading ----------------------------------------------------------------

    def show(self, tokens: list[Token], caller: Caller) -> Reply:
        """`show ID`: every field of one contact."""
        contact_id = self._contact_id(tokens, "show")
        contact = self.store.get(contact_id)
        if contact is None:
            return reply(_not_found(contact_id), ok=False)
        return Reply(contact_details(contact, self.services.zone, shared=caller.audience == "shared"))

    def list(self, tokens: list[Token], caller: Caller) -> Reply:
        """`list [mine|week [YYYY-Www]|all] [page]`."""
        words = [t.text.casefold() for t in tokens]
        page = 1
        if words and words[-1].isdigit() and words[-1].isascii():
            page = max(1, min(int(words.pop()), 100000))
        scope = words.pop(0) if words else "mine"
        offset = (page - 1) * PAGE_SIZE
        c = self.c
        listing = word("list")
        if scope in {"mine", "mina", "my", "mitt"} and not words:
            result = self.store.by_user(caller.platform, caller.user_id, PAGE_SIZE, offset)
            title = say(_("Your contacts"))
            empty = say(_("You have not logged any contacts yet. Try `{c} log`."), c=c)
            more = " ".join((c, listing, _("mine")))
        elif scope in {"week", "vecka"} and len(words) <= 1:
            week = Week.parse(words[0]) if words else Week.of(self._today())
            if week is None:
                raise ParseError(
                    say(
                        _("Write the week as YYYY-Www, e.g. `{c} list week {example}`."),
                        c=c,
                        example=Week.of(self._today()),
                    )
                )
            start, end = week.bounds(self.services.zone)
            result = self.store.logged_between(start, end, PAGE_SIZE, offset)
            title = say(_("Contacts logged in week {number} ({week})"), number=week.number, week=week)
            empty = say(_("No contacts were logged in week {number}."), number=week.number)
            more = " ".join((c, listing, _("week"), str(week)))
        elif scope in {"all", "alla"} and not words:
            result = self.store.everything(PAGE_SIZE, offset)
            title = say(_("All contacts"))
            empty = say(_("No contacts to show: none logged yet, or all withdrawn. Try `{c} log`."), c=c)
            more = " ".join((c, listing, _("all")))
        else:
            raise ParseError(
                say(
                    _(
                        "`{c} list` takes mine, week (optionally a week like {example}) or all, and a page number."
                    ),
                    c=c,
                    example=Week.of(self._today()),
                )
            )
        return _page_reply(result, title, empty, page, more)

    def search(self, tokens: list[Token], caller: Caller) -> Reply:
        """`search WORDS`: contacts matching every word."""
        words = [tidy(t.text) for t in tokens if tidy(t.text)]
        if not words:
            raise ParseError(say(_("Write what to look for, e.g. `{c} search Rovaniemi`."), c=self.c))
        words = [w[:100] for w in words[:10]]
        if caller.audience == "shared":
            result = self._search_without_personal_data(words)
        else:
            result = self.store.search(words, PAGE_SIZE, 0)
        shown = " ".join(words)
        title = say(_("Contacts matching “{words}”"), words=shown)
        empty = say(_("No contacts match “{words}”."), words=shown)
        return _page_reply(result, title, empty, 1, None)

    def _search_without_personal_data(self, words: list[str]) -> Page:
        """A search whose answer a whole channel sees: a contact found only by its counterpart's
        name or e-mail would tell everyone whom that person works with, so only matches in the
        organisation, the city or the summary count (checked on the index's first
        CHANNEL_SEARCH_SCAN matches, newest first)."""
        found = self.store.search(words, CHANNEL_SEARCH_SCAN, 0)
        folded = [fold(word) for word in words]
        kept = [
            contact
            for contact in found.contacts
            if all(
                word
                in fold(" ".join(p for p in (contact.organisation.name, contact.city, contact.summary) if p))
                for word in folded
            )
        ]
        # Past the matches looked at there may be more; below them, the count is exact.
        capped = len(kept) > COUNT_UP_TO or len(found.contacts) >= CHANNEL_SEARCH_SCAN
        return Page(kept[:PAGE_SIZE], min(len(kept), COUNT_UP_TO), capped)

    # -- settings and export ----------------------------------------------------

    def unit(self, tokens: list[Token], caller: Caller) -> Reply:
        """`unit NAME` sets the caller's default unit; `unit` alone shows it."""
        name = tidy(" ".join(t.text for t in tokens if t.key is None))
        c = self.c
        if not name:
            current = self.store.default_unit(caller.platform, caller.user_id)
            if current:
                return reply(
                    say(_("Your unit is {unit}. Change it with `{c} unit NAME`."), unit=current, c=c)
                )
            return reply(
                say(
                    _(
                        "You have no unit yet. Set it with `{c} unit NAME`, e.g. "
                        "`{c} unit Barn- och utbildningsförvaltningen`."
                    ),
                    c=c,
                )
            )
        if len(name) > 100:
            return reply(
                say(_("A unit name fits at most 100 characters; this one has {length}."), length=len(name)),
                ok=False,
            )
        unit = self.store.set_default_unit(caller.platform, caller.user_id, name, self.services.clock())
        return reply(
            say(_("Your unit is now {unit}. Contacts you log get it unless you give another."), unit=unit)
        )

    def export(self, tokens: list[Token], caller: Caller) -> Reply:
        """`export`: every contact as an Excel workbook, for coordinators and archivists, in a private chat."""
        if not caller.reads_records:
            return reply(say(_("Only coordinators and archivists may export the contacts.")), ok=False)
        if caller.audience == "shared":
            return reply(
                say(
                    _(
                        "The export holds personal data, so I only send it in a private chat. "
                        "Write `{c} export` to me in a personal chat."
                    ),
                    c=self.c,
                ),
                ok=False,
            )
        # Imported here: openpyxl (with numpy, lxml, PIL) is only needed once a file is asked for.
        from handlers.spreadsheet_export import xlsx_file

        path, count = xlsx_file(self.store.export(), self.services.zone)
        # Recorded when the file reaches the person (Teams first offers it; Slack may refuse it).
        delivered = functools.partial(
            record_once,
            self.store.db,
            contact_id=None,
            action="export",
            actor=actor_of(caller),
            at=self.services.clock(),
            note=f"xlsx, {count}",
        )
        day = self._today().isoformat()
        said = [
            say(
                ngettext("Export of {count} contact (Excel).", "Export of {count} contacts (Excel).", count),
                count=count,
            )
        ]
        if any(t.text.casefold().lstrip(".") in {"csv", "json", "xlsx", "excel"} for t in tokens):
            said.append(
                say(
                    _(
                        "In chat the export is always an Excel workbook; CSV or JSON the administrator "
                        "can make with `contactbot export --format csv` (or `json`)."
                    )
                )
            )
        return reply(
            *said,
            attachment=Attachment(
                filename=f"kontakter-{day}.xlsx",
                path=path,
                title=_("Contacts {day}").format(day=day),
                delivered=delivered,
            ),
        )

    def privacy(self, tokens: list[Token], caller: Caller) -> Reply:
        """`privacy`: the text about personal data to send a counterpart (GDPR Art. 14)."""
        return Reply(counterpart_notice(self.services.notice))

    def report(self, tokens: list[Token], caller: Caller) -> Reply:
        """`report [YYYY] [pdf|xlsx|docx]`: the annual report, for coordinators, in a private chat."""
        return report_reply(self.store.db, tokens, caller, self._today(), self.c, self.services.twin_towns)

    # -- the weekly digest -------------------------------------------------------

    def digest(self, tokens: list[Token], caller: Caller) -> Reply:
        """`digest preview|send|history|here [YYYY-Www] [--force]`, for coordinators; archivists
        may preview and list (they read everything and change nothing)."""
        c = self.c
        words = [t.text for t in tokens]
        action = words.pop(0).casefold() if words else "preview"
        if not caller.is_coordinator:
            if not caller.is_archivist:
                return reply(
                    say(
                        _(
                            "Coordinators and archivists may preview and list the digests; only coordinators send them "
                            "and choose their channel."
                        )
                    ),
                    ok=False,
                )
            if action not in _DIGEST_READS:
                return reply(
                    say(
                        _(
                            "As an archivist you can preview the digest (`{c} digest preview`) and list "
                            "the digests (`{c} digest history`); only coordinators send it or set its channel."
                        ),
                        c=c,
                    ),
                    ok=False,
                )
        force = "--force" in words
        words = [w for w in words if w != "--force"]
        if action in {"here", "här", "har"} and not words:
            return reply(say(_("Setting the digest's channel…")), digest_here=True)
        week = Week.of(self._today()).previous()
        if words:
            parsed = Week.parse(words[0])
            if parsed is None or len(words) > 1:
                raise ParseError(
                    say(
                        _("Write the week as YYYY-Www, e.g. `{c} digest preview {example}`."),
                        c=c,
                        example=week,
                    )
                )
            week = parsed
        if action in _DIGEST_PREVIEW:
            digest = build_digest(self.store.db, week, self.services.zone, command=c)
            return Reply(digest_blocks(digest))
        if action in {"send", "skicka"}:
            return reply(
                say(_("Posting the digest for {week}…"), week=week),
                digest_send=DigestSend(str(week), force),
            )
        if action in _DIGEST_HISTORY:
            return self._digest_history()
        raise ParseError(
            say(
                _("`{c} digest` takes preview, send, history or here, and optionally a week like {example}."),
                c=c,
                example=week,
            )
        )

    def _digest_history(self) -> Reply:
        records = DigestStore(self.store.db).history(10)
        if not records:
            return reply(say(_("No digests have been recorded yet.")))
        names = {(d.platform, d.destination): d.name for d in destinations(self.store.db, active=False)}
        states = {
            "pending": _("waiting to be posted"),
            "posting": _("being posted"),
            "posted": _("posted"),
            "skipped": _("skipped (empty week)"),
            "unclear": _("may have been posted (the answer never came)"),
        }
        items: list[Text] = []
        for record in records:
            where = destination_label(
                record.platform, record.destination, names.get((record.platform, record.destination))
            )
            parts: list[Text | str] = [f"{record.week}", where, states.get(record.status, record.status)]
            if record.posted_at is not None:
                parts.append(record.posted_at.astimezone(self.services.zone).strftime("%Y-%m-%d %H:%M"))
            if record.attempt:
                parts.append(_("posted again on request"))
            if record.late:
                parts.append(_("late"))
            if record.contact_count is not None:
                parts.append(
                    ngettext("{count} contact", "{count} contacts", record.contact_count).format(
                        count=record.contact_count
                    )
                )
            if record.reviewed_at is not None:
                parts.append(
                    say(
                        _("reviewed by {who} on {day}"),
                        who=record.reviewed_by_name or record.reviewed_by or "?",
                        day=record.reviewed_at.date().isoformat(),
                    )
                )
            if record.status == "pending" and record.last_error:
                parts.append(say(_("last error: {error}"), error=shown_cause(record.last_error)))
            if record.status == "unclear":
                parts.append(
                    say(
                        _("look in the channel; `{c} digest send {week} --force` posts it again"),
                        c=self.c,
                        week=record.week,
                    )
                )
            items.append(join(parts))
        return reply(Heading(say(_("Recent digests"))), Bullets(tuple(items)))

    # -- helpers ----------------------------------------------------------------

    def _today(self) -> date:
        return local_today(self.services.clock(), self.services.zone)


def form_values(contact: Contact) -> dict[str, str]:
    """A contact's fields as the form shows them."""
    values = {
        "org": contact.organisation.name,
        "country": contact.country,
        "kind": contact.kind,
        "date": contact.contact_date.isoformat(),
        "youth": "yes" if contact.youth else "no",
        "summary": contact.summary,
    }
    optional = {
        "city": contact.city,
        "person": contact.person,
        "email": contact.email,
        "unit": contact.unit,
        "benefit": contact.benefit,
        "followup": contact.followup,
        **register_form_values(contact),
    }
    values.update({k: v for k, v in optional.items() if v})
    return values


def _page_reply(result: Page, title: Text, empty: Text, page: int, more: str | None) -> Reply:
    if result.total == 0:
        return reply(empty)
    if not result.contacts:
        return reply(
            say(
                _("There is no page {page}; the last one is {last}."),
                page=page,
                last=(result.total - 1) // PAGE_SIZE + 1,
            )
        )
    first = (page - 1) * PAGE_SIZE + 1
    last = first + len(result.contacts) - 1
    total = _("more than {count}").format(count=result.total) if result.capped else str(result.total)
    blocks: list[Block] = [Heading(title + ": " + total), contact_table(result.contacts)]
    if result.capped or result.total > last:
        footer = say(_("Showing {first}–{last} of {total}."), first=first, last=last, total=total)
        if more:
            footer = footer + " " + say(_("Next page: `{command} {page}`"), command=more, page=page + 1)
        blocks.append(Paragraph(footer))
    return Reply(blocks)


def _fields_text() -> Text:
    """The help's line on fields: every key, the required ones, and the kinds."""
    required = ", ".join(field_label(name) for name in ("org", "country", "summary"))
    return say(
        _("Fields: {keys}. Required: {required}. Kinds: {kinds}."),
        keys=keys_shown(),
        required=required,
        kinds=kind_names(),
    )


def _fields_reply(errors: dict[str, Text]) -> Reply:
    return reply(say(_("Nothing was saved. Please fix:")), Bullets(tuple(errors.values())), ok=False)


def _not_found(contact_id: int) -> Text:
    return say(_("There is no contact #{id}."), id=contact_id)


def _database_message(trouble: DatabaseUnavailable) -> Text:
    """What the person is told: a database that cannot write is not "busy"."""
    if trouble.lasting:
        return say(
            _(
                "Not saved: the database cannot store anything right now (it is full, read-only or "
                "damaged). Nothing was changed. The error is logged for the administrator; trying "
                "again will not help until it is fixed, so please tell the coordinator."
            )
        )
    return say(
        _(
            "Not saved: the database did not answer in time. Nothing was changed; please try again in a minute."
        )
    )
