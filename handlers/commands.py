"""The `/kontakt` command: one entry point for every platform and the shell."""

from __future__ import annotations

import difflib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from handlers.digest import build_digest, digest_text
from handlers.formatting import contact_details, contact_line
from handlers.i18n import _, ngettext
from handlers.parsing import ParseError, Token, read_fields, tokenize
from handlers.replies import Attachment, Caller, DigestSend, FormRequest, Reply
from handlers.text import escape, tidy
from handlers.validation import ContactData, InvalidFields, check_fields, field_label
from handlers.weeks import Week, local_today
from storage.contacts import ContactStore, NewContact, Page
from storage.database import DatabaseUnavailable
from storage.digests import DigestStore
from storage.exchange import csv_bytes
from storage.models import Contact

log = logging.getLogger(__name__)

PAGE_SIZE = 15

# Subcommand as typed -> the method that answers it.
SUBCOMMANDS: dict[str, str] = {
    "help": "help",
    "hjälp": "help",
    "hjalp": "help",
    "log": "log",
    "logga": "log",
    "list": "list",
    "lista": "list",
    "show": "show",
    "visa": "show",
    "search": "search",
    "sök": "search",
    "sok": "search",
    "edit": "edit",
    "ändra": "edit",
    "andra": "edit",
    "withdraw": "withdraw",
    "ta-bort": "withdraw",
    "unit": "unit",
    "enhet": "unit",
    "export": "export",
    "exportera": "export",
    "digest": "digest",
    "sammanställning": "digest",
}

# Form and inline field names -> the contact's attribute.
_ATTRIBUTE = {"org": "organisation", "date": "contact_date"}


@dataclass
class Services:
    """What the handlers need from the outside: the store, the time zone and a clock."""

    store: ContactStore
    zone: ZoneInfo
    clock: Callable[[], datetime]
    command: str = "/kontakt"


@dataclass
class FormOutcome:
    """The answer to a submitted form: field errors to show on the form, or a reply."""

    errors: dict[str, str] = field(default_factory=dict)
    reply: Reply | None = None


class CommandHandler:
    """Answers the text that follows the command, for one caller at a time."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.store = services.store

    # -- entry points -----------------------------------------------------------

    def handle(self, text: str, caller: Caller) -> Reply:
        """The reply to `text` (what follows `/kontakt`). Never raises."""
        try:
            return self._dispatch(text, caller)
        except ParseError as problem:
            return Reply(str(problem), ok=False)
        except DatabaseUnavailable:
            return Reply(_database_message(), ok=False)
        except Exception:
            log.exception("command failed")
            return Reply(
                _(
                    "Something went wrong on our side and nothing was saved. Please try again; "
                    "if it keeps happening, tell the coordinator."
                ),
                ok=False,
            )

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
                data = check_fields(values, self._today())
                return FormOutcome(reply=self._save_new(data, caller, source_key))
            contact = self.store.get(contact_id)
            refusal = self._refuse_change(contact, contact_id, caller)
            if refusal is not None or contact is None:
                return FormOutcome(reply=refusal)
            data = check_fields(values, self._today(), partial=True)
            return FormOutcome(reply=self._save_edit(contact, data, values))
        except InvalidFields as invalid:
            return FormOutcome(errors=invalid.errors)
        except DatabaseUnavailable:
            return FormOutcome(errors={"summary": _database_message()})

    # -- dispatch ---------------------------------------------------------------

    def _dispatch(self, text: str, caller: Caller) -> Reply:
        tokens = tokenize(text)
        if not tokens:
            return self.help()
        first = tokens[0]
        if first.key is not None:
            return self.log(tokens, caller)
        name = first.text.casefold()
        method = SUBCOMMANDS.get(name)
        if method is None:
            return self._unknown_command(first.text)
        rest = tokens[1:]
        if method == "help":
            return self.help()
        return getattr(self, method)(rest, caller)

    def _unknown_command(self, word: str) -> Reply:
        close = difflib.get_close_matches(word.casefold(), list(SUBCOMMANDS), n=1, cutoff=0.6)
        text = _("I don't know the command “{word}”.").format(word=escape(word))
        if close:
            text += " " + _("Did you mean `{command} {suggestion}`?").format(
                command=self.services.command, suggestion=close[0]
            )
        text += " " + _("Write `{command} help` to see what I can do.").format(command=self.services.command)
        return Reply(text, ok=False)

    # -- help -------------------------------------------------------------------

    def help(self) -> Reply:
        """What the bot does, and every command with an example."""
        c = self.services.command
        text = _(
            "*Log international contacts* (twin towns, EU projects, school and youth exchanges, "
            "associations, business, study visits) so that they reach the coordinator and "
            "the international group.\n"
            "\n"
            "`{c} log` opens a form. Or write it on one line:\n"
            '`{c} log org="Rovaniemen kaupunki" country=FI kind=twin-town youth=yes '
            'date=2026-11-20 summary="Planning a youth football exchange"`\n'
            "Fields: org, country (code or name), kind, date (YYYY-MM-DD, default today), "
            "youth (yes/no), unit, city, person, email, summary (required), benefit (the mutual "
            "benefit), followup (next step). Swedish names work too: land, typ, datum, ungdom, "
            "enhet, ort, epost, sammanfattning, nytta, uppföljning.\n"
            "Kinds: twin-town, eu-project, school, association, business, visit, conference, other.\n"
            "\n"
            "`{c} list` your contacts · `{c} list week` this week's · `{c} list all` everyone's\n"
            "`{c} show 12` one contact · `{c} search Rovaniemi` search\n"
            '`{c} edit 12 followup="Call in March"` change a contact (`{c} edit 12` opens the form)\n'
            "`{c} withdraw 12 duplicate` withdraw a contact (it is kept, marked withdrawn)\n"
            "`{c} unit Kultur- och fritidsförvaltningen` set your unit, used when you log\n"
            "`{c} export` all contacts as a CSV file (coordinators)"
        ).format(c=c)
        return Reply(text)

    # -- log --------------------------------------------------------------------

    def log(self, tokens: list[Token], caller: Caller) -> Reply:
        """`log key=value… free text`, or a form when nothing follows."""
        if not tokens:
            values = {"date": self._today().isoformat()}
            unit = self.store.default_unit(caller.platform, caller.user_id)
            if unit:
                values["unit"] = unit
            return Reply(
                _(
                    'Write the contact on one line, e.g. `{c} log org="Name" country=FI '
                    'summary="What it was about"`. Write `{c} help` for every field.'
                ).format(c=self.services.command),
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
            return Reply(_fields_message(invalid.errors, saved=False), ok=False)
        return self._save_new(data, caller, None)

    def _save_new(self, data: ContactData, caller: Caller, source_key: str | None) -> Reply:
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
                logged_by=caller.user_id,
                logged_by_name=caller.name,
                platform=caller.platform,
            ),
            self.services.clock(),
            source_key,
        )
        contact = added.contact
        lines = [
            _("Saved contact #{id}:").format(id=contact.id)
            if added.created
            else _("Contact #{id} was already saved:").format(id=contact.id),
            contact_line(contact),
        ]
        if added.unit_remembered and contact.unit:
            lines.append(
                _("{unit} is now your unit; your next contacts get it too.").format(unit=escape(contact.unit))
            )
        elif not contact.unit:
            lines.append(
                _("Tip: set your unit once with `{c} unit NAME` and it is added to every contact.").format(
                    c=self.services.command
                )
            )
        if data.kind is None:
            lines.append(
                _("Kind was set to “other”; change it with `{c} edit {id} kind=…`.").format(
                    c=self.services.command, id=contact.id
                )
            )
        lines.append(
            _("Change it with `{c} edit {id}`, withdraw it with `{c} withdraw {id}`.").format(
                c=self.services.command, id=contact.id
            )
        )
        return Reply("\n".join(lines))

    # -- edit and withdraw ------------------------------------------------------

    def edit(self, tokens: list[Token], caller: Caller) -> Reply:
        """`edit ID key=value…`, or the prefilled form when only the id is given."""
        contact_id = self._contact_id(tokens, "edit")
        contact = self.store.get(contact_id)
        refusal = self._refuse_change(contact, contact_id, caller)
        if refusal is not None or contact is None:
            return refusal or Reply("", ok=False)
        fields = read_fields(tokens[1:])
        if fields.free_text:
            return Reply(
                _('Give changes as key=value, e.g. `{c} edit {id} summary="New text"`.').format(
                    c=self.services.command, id=contact_id
                ),
                ok=False,
            )
        if not fields.values:
            return Reply(
                _('Write the changes as key=value, e.g. `{c} edit {id} followup="Call in March"`.').format(
                    c=self.services.command, id=contact_id
                ),
                form=FormRequest(mode="edit", values=form_values(contact), contact_id=contact_id),
            )
        try:
            data = check_fields(fields.values, self._today(), partial=True)
        except InvalidFields as invalid:
            return Reply(_fields_message(invalid.errors, saved=False), ok=False)
        return self._save_edit(contact, data, fields.values)

    def _save_edit(self, contact: Contact, data: ContactData, values: dict[str, str]) -> Reply:
        changes: dict[str, object] = {}
        changed: list[str] = []
        for name in values:
            value = getattr(data, name)
            if name == "youth":
                value = bool(value)
            if name == "kind" and value is None:
                value = "other"
            attribute = _ATTRIBUTE.get(name, name)
            current = contact.organisation.name if name == "org" else getattr(contact, attribute)
            if value == current:
                continue
            changes[attribute] = value
            changed.append(name)
        if not changes:
            return Reply(_("Nothing to change: contact #{id} already says that.").format(id=contact.id))
        updated = self.store.update(contact.id, changes, self.services.clock())
        if updated is None:
            return Reply(_not_found(contact.id), ok=False)
        names = ", ".join(field_label(n) for n in changed)
        return Reply(
            _("Updated contact #{id} ({fields}):").format(id=updated.id, fields=names)
            + "\n"
            + contact_line(updated)
        )

    def withdraw(self, tokens: list[Token], caller: Caller) -> Reply:
        """`withdraw ID [reason]`: marks the contact withdrawn; it is kept."""
        contact_id = self._contact_id(tokens, "withdraw")
        contact = self.store.get(contact_id)
        refusal = self._refuse_change(contact, contact_id, caller)
        if refusal is not None:
            return refusal
        reason = tidy(" ".join(t.text if t.key is None else f"{t.key}={t.text}" for t in tokens[1:]))
        withdrawn = self.store.withdraw(
            contact_id, caller.user_id, caller.name, reason or None, self.services.clock()
        )
        if withdrawn is None:
            return Reply(_not_found(contact_id), ok=False)
        return Reply(
            _(
                "Withdrew contact #{id}. It is kept in the records, marked withdrawn, and no longer "
                "shows in lists, searches or digests."
            ).format(id=contact_id)
        )

    def _refuse_change(self, contact: Contact | None, contact_id: int, caller: Caller) -> Reply | None:
        if contact is None:
            return Reply(_not_found(contact_id), ok=False)
        if contact.withdrawn_at is not None:
            return Reply(
                _("Contact #{id} is withdrawn and can no longer be changed.").format(id=contact_id),
                ok=False,
            )
        is_author = contact.platform == caller.platform and contact.logged_by == caller.user_id
        if not (is_author or caller.is_coordinator):
            return Reply(
                _(
                    "Only the person who logged contact #{id}, or a coordinator, may change or withdraw it."
                ).format(id=contact_id),
                ok=False,
            )
        return None

    def _contact_id(self, tokens: list[Token], command: str) -> int:
        text = tokens[0].text.lstrip("#") if tokens and tokens[0].key is None else ""
        if not text.isascii() or not text.isdigit() or len(text) > 9:
            raise ParseError(
                _("Give the contact's number, e.g. `{c} {command} 12`. `{c} list` shows the numbers.").format(
                    c=self.services.command, command=command
                )
            )
        return int(text)

    # -- reading ----------------------------------------------------------------

    def show(self, tokens: list[Token], caller: Caller) -> Reply:
        """`show ID`: every field of one contact."""
        contact_id = self._contact_id(tokens, "show")
        contact = self.store.get(contact_id)
        if contact is None:
            return Reply(_not_found(contact_id), ok=False)
        return Reply(contact_details(contact, shared=caller.audience == "shared"))

    def list(self, tokens: list[Token], caller: Caller) -> Reply:
        """`list [mine|week [YYYY-Www]|all] [page]`."""
        words = [t.text.casefold() for t in tokens]
        page = 1
        if words and words[-1].isdigit() and words[-1].isascii():
            page = max(1, min(int(words.pop()), 100000))
        scope = words.pop(0) if words else "mine"
        offset = (page - 1) * PAGE_SIZE
        c = self.services.command
        if scope in {"mine", "mina", "my", "mitt"} and not words:
            result = self.store.by_user(caller.platform, caller.user_id, PAGE_SIZE, offset)
            title = _("Your contacts")
            empty = _("You have not logged any contacts yet. Try `{c} log`.").format(c=c)
            more = f"{c} list mine"
        elif scope in {"week", "vecka"} and len(words) <= 1:
            week = Week.parse(words[0]) if words else Week.of(self._today())
            if week is None:
                raise ParseError(
                    _("Write the week as YYYY-Www, e.g. `{c} list week {example}`.").format(
                        c=c, example=Week.of(self._today())
                    )
                )
            start, end = week.bounds(self.services.zone)
            result = self.store.logged_between(start, end, PAGE_SIZE, offset)
            title = _("Contacts logged in week {number} ({week})").format(number=week.number, week=week)
            empty = _("No contacts were logged in week {number}.").format(number=week.number)
            more = f"{c} list week {week}"
        elif scope in {"all", "alla"} and not words:
            result = self.store.everything(PAGE_SIZE, offset)
            title = _("All contacts")
            empty = _("No contacts have been logged yet. Try `{c} log`.").format(c=c)
            more = f"{c} list all"
        else:
            raise ParseError(
                _(
                    "`{c} list` takes mine, week (optionally a week like {example}) or all, "
                    "and a page number."
                ).format(c=c, example=Week.of(self._today()))
            )
        return Reply(_page_text(result, title, empty, page, more))

    def search(self, tokens: list[Token], caller: Caller) -> Reply:
        """`search WORDS`: contacts matching every word."""
        words = [tidy(t.text) for t in tokens if tidy(t.text)]
        if not words:
            raise ParseError(
                _("Write what to look for, e.g. `{c} search Rovaniemi`.").format(c=self.services.command)
            )
        words = [w[:100] for w in words[:10]]
        result = self.store.search(words, PAGE_SIZE, 0)
        shown = escape(" ".join(words))
        title = _("Contacts matching “{words}”").format(words=shown)
        empty = _("No contacts match “{words}”.").format(words=shown)
        return Reply(_page_text(result, title, empty, 1, None))

    # -- settings and export ----------------------------------------------------

    def unit(self, tokens: list[Token], caller: Caller) -> Reply:
        """`unit NAME` sets the caller's default unit; `unit` alone shows it."""
        name = tidy(" ".join(t.text for t in tokens if t.key is None))
        c = self.services.command
        if not name:
            current = self.store.default_unit(caller.platform, caller.user_id)
            if current:
                return Reply(
                    _("Your unit is {unit}. Change it with `{c} unit NAME`.").format(
                        unit=escape(current), c=c
                    )
                )
            return Reply(
                _(
                    "You have no unit yet. Set it with `{c} unit NAME`, e.g. "
                    "`{c} unit Barn- och utbildningsförvaltningen`."
                ).format(c=c)
            )
        if len(name) > 100:
            return Reply(
                _("A unit name fits at most 100 characters; this one has {length}.").format(length=len(name)),
                ok=False,
            )
        unit = self.store.set_default_unit(caller.platform, caller.user_id, name, self.services.clock())
        return Reply(
            _("Your unit is now {unit}. Contacts you log get it unless you give another.").format(
                unit=escape(unit)
            )
        )

    def export(self, tokens: list[Token], caller: Caller) -> Reply:
        """`export`: every contact as CSV, for coordinators."""
        if not caller.is_coordinator:
            return Reply(_("Only coordinators may export the contacts."), ok=False)
        if caller.audience == "shared":
            return Reply(
                _("Everyone here would see the export: write `export` to me in a personal chat."), ok=False
            )
        content, count = csv_bytes(self.store.export())
        day = self._today().isoformat()
        return Reply(
            ngettext("Export of {count} contact (CSV).", "Export of {count} contacts (CSV).", count).format(
                count=count
            ),
            attachment=Attachment(
                filename=f"kontakter-{day}.csv", content=content, title=_("Contacts {day}").format(day=day)
            ),
        )

    # -- the weekly digest -------------------------------------------------------

    def digest(self, tokens: list[Token], caller: Caller) -> Reply:
        """`digest preview|send|history [YYYY-Www] [--force]`, for coordinators."""
        c = self.services.command
        if not caller.is_coordinator:
            return Reply(_("Only coordinators may preview, send or list the digests."), ok=False)
        words = [t.text for t in tokens]
        action = words.pop(0).casefold() if words else "preview"
        force = "--force" in words
        words = [w for w in words if w != "--force"]
        week = Week.of(self._today()).previous()
        if words:
            parsed = Week.parse(words[0])
            if parsed is None or len(words) > 1:
                raise ParseError(
                    _("Write the week as YYYY-Www, e.g. `{c} digest preview {example}`.").format(
                        c=c, example=week
                    )
                )
            week = parsed
        if action in {"preview", "förhandsgranska", "visa"}:
            digest = build_digest(self.store.db, week, self.services.zone, command=c)
            return Reply(digest_text(digest))
        if action in {"send", "skicka"}:
            return Reply(
                _("Posting the digest for {week}…").format(week=week),
                digest_send=DigestSend(str(week), force),
            )
        if action in {"history", "historik"}:
            return Reply(self._digest_history())
        raise ParseError(
            _("`{c} digest` takes preview, send or history, and optionally a week like {example}.").format(
                c=c, example=week
            )
        )

    def _digest_history(self) -> str:
        records = DigestStore(self.store.db).history(10)
        if not records:
            return _("No digests have been recorded yet.")
        states = {
            "pending": _("waiting to be posted"),
            "posting": _("being posted"),
            "posted": _("posted"),
            "skipped": _("skipped (empty week)"),
        }
        lines = [_("*Recent digests*")]
        for record in records:
            parts = [f"{record.week}", states.get(record.status, record.status)]
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
                    _("reviewed by {who} on {day}").format(
                        who=escape(record.reviewed_by_name or record.reviewed_by or "?"),
                        day=record.reviewed_at.date().isoformat(),
                    )
                )
            if record.status == "pending" and record.last_error:
                parts.append(_("last error: {error}").format(error=escape(record.last_error)))
            lines.append(" · ".join(parts))
        return "\n".join(lines)

    # -- helpers ----------------------------------------------------------------

    def _today(self):  # noqa: ANN202 - a date
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
    }
    values.update({k: v for k, v in optional.items() if v})
    return values


def _page_text(result: Page, title: str, empty: str, page: int, more: str | None) -> str:
    if result.total == 0:
        return empty
    if not result.contacts:
        return _("There is no page {page}; the last one is {last}.").format(
            page=page, last=(result.total - 1) // PAGE_SIZE + 1
        )
    first = (page - 1) * PAGE_SIZE + 1
    last = first + len(result.contacts) - 1
    lines = [f"*{title}* ({result.total})"]
    lines += [contact_line(c) for c in result.contacts]
    if result.total > last:
        lines.append(
            _("Showing {first}–{last} of {total}.").format(first=first, last=last, total=result.total)
        )
        if more:
            lines[-1] += " " + _("Next page: `{command} {page}`").format(command=more, page=page + 1)
    return "\n".join(lines)


def _fields_message(errors: dict[str, str], saved: bool) -> str:
    header = _("Nothing was saved. Please fix:") if not saved else ""
    return "\n".join([header] + [f"• {message}" for message in errors.values()])


def _not_found(contact_id: int) -> str:
    return _("There is no contact #{id}.").format(id=contact_id)


def _database_message() -> str:
    return _(
        "Not saved: the database did not answer in time. Nothing was changed; please try again in a minute."
    )
