"""How contacts read in replies, as structure each platform renders."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from handlers.countries import country_name
from handlers.fields import field_label
from handlers.i18n import _, current_language
from handlers.kinds import kind_label
from handlers.markup import Block, ContactRow, ContactTable, Facts, Heading, Text, plain, say
from handlers.register_fields import register_facts
from handlers.text import shorten
from storage.models import Contact


def contact_row(contact: Contact) -> ContactRow:
    """One contact as a list row: number, date, organisation (country), kind, … and the summary."""
    return ContactRow(
        id=contact.id,
        day=contact.contact_date,
        organisation=contact.organisation.name,
        country=country_name(contact.country, current_language()),
        kind=kind_label(contact.kind),
        summary=shorten(contact.summary, 140),
        youth=_("children and youth") if contact.youth else None,
        unit=contact.unit,
    )


def contact_table(contacts: list[Contact]) -> ContactTable:
    """Contacts as a table of rows."""
    return ContactTable(tuple(contact_row(c) for c in contacts))


def contact_details(contact: Contact, zone: ZoneInfo, shared: bool = False) -> list[Block]:
    """Every field of one contact, a line each, the days it was logged and withdrawn as they
    were in `zone` (the municipality's). `shared`: the reply is seen by a whole channel, so
    the counterpart's name and e-mail (personal data) are left out."""
    language = current_language()
    pairs: list[tuple[str, Text]] = [
        (field_label("org"), plain(contact.organisation.name)),
        (field_label("country"), plain(country_name(contact.country, language))),
        *([(field_label("city"), plain(contact.city))] if contact.city else []),
        (field_label("kind"), plain(kind_label(contact.kind))),
        (field_label("date"), plain(contact.contact_date.isoformat())),
        (field_label("youth"), plain(_("yes") if contact.youth else _("no"))),
    ]
    pairs += [(field_label(name), plain(value)) for name, value in register_facts(contact)]
    optional = [("unit", contact.unit)]
    if not shared:
        optional += [("person", contact.person), ("email", contact.email)]
    pairs += [(field_label(name), plain(value)) for name, value in optional if value]
    pairs.append((field_label("summary"), plain(contact.summary)))
    pairs += [
        (field_label(name), plain(value))
        for name, value in (("benefit", contact.benefit), ("followup", contact.followup))
        if value
    ]
    who = contact.logged_by_name or contact.logged_by
    when = _day(contact.created_at, zone)
    if contact.platform == "import":
        # `who` says "…, imported from FILE": the day is when it was logged, not read in.
        pairs.append((_("Logged"), say(_("{when}, by {who}"), who=who, when=when)))
    else:
        pairs.append((_("Logged"), say(_("by {who} on {when}"), who=who, when=when)))
    if contact.withdrawn_at is not None:
        by = contact.withdrawn_by_name or contact.withdrawn_by or "?"
        text = say(_("by {who} on {when}"), who=by, when=_day(contact.withdrawn_at, zone))
        if contact.withdrawn_reason:
            text = text + ": " + contact.withdrawn_reason
        pairs.append((_("Withdrawn"), text))
    if shared and (contact.person or contact.email):
        pairs.append((_("Contact person"), plain(_("shown only in a private chat"))))
    return [Heading(say(_("Contact #{id}"), id=contact.id)), Facts(tuple(pairs))]


def _day(moment: datetime, zone: ZoneInfo) -> str:
    """The day of `moment` (stored in UTC) where the municipality is."""
    return moment.astimezone(zone).date().isoformat()
