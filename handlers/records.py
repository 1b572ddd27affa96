"""Commands about the records themselves: a contact's history, restoring a withdrawn contact,
and telling a person their role (`whoami`).

A mixin of CommandHandler: it uses the handler's store, services and helpers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from handlers.countries import country_name
from handlers.fields import FIELDS
from handlers.i18n import N_, _, current_language
from handlers.kinds import kind_label
from handlers.markup import Block, Bullets, Heading, Paragraph, Text, join, say
from handlers.parsing import Token
from handlers.register_fields import direction_label, programme_label
from handlers.replies import Caller, Reply, reply
from handlers.text import tidy
from storage.history import HIDDEN, Actor, contact_history

if TYPE_CHECKING:
    from handlers.commands import CommandHandler

ACTION_LABELS = {
    "create": N_("logged"),
    "edit": N_("changed"),
    "withdraw": N_("withdrawn"),
    "restore": N_("restored"),
    "import": N_("imported"),
    "export": N_("exported"),
    "digest": N_("in a digest"),
    "disposal": N_("personal data cleared by the disposal decision"),
    "personal-data-export": N_("personal data handed out to the person"),
    "personal-data-correction": N_("personal data corrected"),
    "personal-data-erasure": N_("personal data erased"),
}
_BY_ATTRIBUTE = {f.attribute: f for f in FIELDS}
_MAX_EVENTS = 50


def actor_of(caller: Caller) -> Actor:
    """The history's `who` and `through what` for a person in chat or at the shell."""
    return Actor(caller.qualified_id, caller.platform)


def refuse_archivist(caller: Caller) -> Reply | None:
    """Archivists read everything and change nothing: the reply that says so, else None."""
    if not caller.is_archivist:
        return None
    return reply(
        say(
            _(
                "You are an archivist: you can read every contact, its history and the audit trail, "
                "and export, but not log or change anything."
            )
        ),
        ok=False,
    )


class RecordCommands:
    """`history`, `restore` and `whoami`."""

    def history(self: CommandHandler, tokens: list[Token], caller: Caller) -> Reply:
        """`history ID`: what was done to a contact, by whom and when; for its author,
        coordinators and archivists."""
        contact_id = self._contact_id(tokens, "history")
        contact = self.store.get(contact_id)
        if contact is None:
            return reply(say(_("There is no contact #{id}."), id=contact_id), ok=False)
        is_author = contact.platform == caller.platform and contact.logged_by == caller.user_id
        if not (is_author or caller.reads_records):
            return reply(
                say(
                    _(
                        "The history of contact #{id} is for the person who logged it, coordinators and "
                        "archivists. `{c} show {id}` shows the contact itself."
                    ),
                    id=contact_id,
                    c=self.c,
                ),
                ok=False,
            )
        events = contact_history(self.store.db, contact_id)
        items: list[Text] = []
        for event in events[-_MAX_EVENTS:]:
            when = event.at.astimezone(self.services.zone).strftime("%Y-%m-%d %H:%M")
            parts: list[Text | str] = [
                when,
                say(_(ACTION_LABELS.get(event.action, event.action))),
                say(_("by {user} via {via}"), user=event.actor, via=event.via),
            ]
            if event.action in {"edit", "personal-data-correction"}:
                parts.extend(_changes(event.before or {}, event.after or {}))
            if event.note:
                parts.append(say(_("note: {note}"), note=event.note))
            items.append(join(parts))
        blocks: list[Block] = [Heading(say(_("History of contact #{id}"), id=contact_id))]
        if contact.platform == "import" and not any(e.action == "create" for e in events):
            # A file's contacts share one history row, the file's (`contactbot audit`).
            blocks.append(
                Paragraph(
                    say(
                        _("{who}. The file's import is in the audit trail (`contactbot audit`)."),
                        who=contact.logged_by_name or contact.logged_by,
                    )
                )
            )
        if items:
            blocks.append(Bullets(tuple(items)))
        if len(events) > _MAX_EVENTS:
            blocks.append(
                Paragraph(
                    say(
                        _("Showing the last {count} events; `contactbot audit` lists them all."),
                        count=_MAX_EVENTS,
                    )
                )
            )
        return Reply(blocks)

    def restore(self: CommandHandler, tokens: list[Token], caller: Caller) -> Reply:
        """`restore ID [note]`: a coordinator brings back a withdrawn contact (recorded)."""
        contact_id = self._contact_id(tokens, "restore")
        if not caller.is_coordinator:
            return refuse_archivist(caller) or reply(
                say(_("Only coordinators may restore a withdrawn contact.")), ok=False
            )
        contact = self.store.get(contact_id)
        if contact is None:
            return reply(say(_("There is no contact #{id}."), id=contact_id), ok=False)
        if contact.withdrawn_at is None:
            return reply(say(_("Contact #{id} is not withdrawn; nothing to restore."), id=contact_id))
        note = tidy(" ".join(t.text if t.key is None else f"{t.key}={t.text}" for t in tokens[1:]))
        self.store.reinstate(contact_id, self.services.clock(), actor_of(caller), note or None)
        return reply(
            say(_("Restored contact #{id}: it shows in lists, searches and digests again."), id=contact_id),
            contact_id=contact_id,
        )

    def whoami(self: CommandHandler, tokens: list[Token], caller: Caller) -> Reply:
        """`whoami`: the caller's role and what it lets them do."""
        roles = {
            "staff": (
                N_("staff"),
                N_(
                    "You can log contacts, read and search every contact, and change or withdraw the "
                    "contacts you logged, and read their history."
                ),
            ),
            "coordinator": (
                N_("coordinator"),
                N_(
                    "You can log contacts, change or withdraw any contact, restore withdrawn ones, read "
                    "every contact's history, export, and preview and send the weekly digest."
                ),
            ),
            "archivist": (
                N_("archivist"),
                N_(
                    "You can read every contact, its history and the audit trail, preview the weekly "
                    "digest and list the digests, and export; you cannot log or change anything."
                ),
            ),
        }
        name, can = roles[caller.role]
        # The id is what the administrator writes in COORDINATORS or ARCHIVISTS; the name says whose it is.
        user = f"{caller.name} ({caller.qualified_id})" if caller.name else caller.qualified_id
        return reply(
            say(_("You are {user}, with the role *{role}*."), user=user, role=_(name)),
            say(_(can)),
        )


_NAMED: dict[str, Callable[[str], str]] = {
    "kind": kind_label,
    "country": lambda code: country_name(code, current_language()),
    "direction": direction_label,
    "programme": programme_label,
}


def _changes(before: dict[str, Any], after: dict[str, Any]) -> list[Text]:
    changes: list[Text] = []
    for name, new in after.items():
        field = _BY_ATTRIBUTE.get(name)
        label = field.shown_label() if field else name
        old = before.get(name)
        if (field is not None and field.personal) or HIDDEN in (old, new):
            # The history never holds personal data (storage/history.py): only that it changed.
            changes.append(say(_("{field} changed"), field=label))
            continue
        changes.append(
            say(
                _("{field}: “{old}” → “{new}”"),
                field=label,
                old=shown_value(old, name),
                new=shown_value(new, name),
            )
        )
    return changes


def shown_value(value: object, name: str = "") -> str:
    """A stored value as people read it: a kind, a country, a direction or a programme by its
    name in the reply's language, not its code."""
    if value is None or value == "":
        return "–"
    if isinstance(value, str) and name in _NAMED:
        return _NAMED[name](value)
    if value is True:
        return _("yes")
    if value is False:
        return _("no")
    return str(value)
