"""How contacts read in replies."""

from __future__ import annotations

from handlers.countries import country_name
from handlers.i18n import _, current_language
from handlers.kinds import kind_label
from handlers.text import escape, shorten
from storage.models import Contact


def contact_line(contact: Contact) -> str:
    """One line: `#12 · 2026-11-20 · Rovaniemen kaupunki (Finland) · Twin town` and the summary."""
    parts = [
        f"*#{contact.id}*",
        contact.contact_date.isoformat(),
        f"{escape(contact.organisation.name)} ({country_name(contact.country, current_language())})",
        kind_label(contact.kind),
    ]
    if contact.youth:
        parts.append(_("children and youth"))
    if contact.unit:
        parts.append(escape(contact.unit))
    return " · ".join(parts) + "\n    " + escape(shorten(contact.summary, 140))


def contact_details(contact: Contact, shared: bool = False) -> str:
    """Every field of one contact, a line each; `shared` (others read along) leaves out the
    contact person and e-mail."""
    language = current_language()
    city = f", {escape(contact.city)}" if contact.city else ""
    lines = [
        _("*Contact #{id}*").format(id=contact.id),
        _("Organisation: {value}").format(value=escape(contact.organisation.name)),
        _("Country: {value}").format(value=country_name(contact.country, language) + city),
        _("Kind: {value}").format(value=kind_label(contact.kind)),
        _("Date: {value}").format(value=contact.contact_date.isoformat()),
        _("Children and youth: {value}").format(value=_("yes") if contact.youth else _("no")),
    ]
    optional = (
        (_("Unit: {value}"), contact.unit),
        (_("Contact person: {value}"), None if shared else contact.person),
        (_("Email: {value}"), None if shared else contact.email),
    )
    lines += [label.format(value=escape(value)) for label, value in optional if value]
    lines.append(_("Summary: {value}").format(value=escape(contact.summary)))
    if contact.benefit:
        lines.append(_("Mutual benefit: {value}").format(value=escape(contact.benefit)))
    if contact.followup:
        lines.append(_("Follow-up: {value}").format(value=escape(contact.followup)))
    who = escape(contact.logged_by_name or contact.logged_by)
    lines.append(_("Logged by {who} on {when}").format(who=who, when=contact.created_at.date().isoformat()))
    if contact.withdrawn_at is not None:
        by = escape(contact.withdrawn_by_name or contact.withdrawn_by or "?")
        line = _("*Withdrawn* by {who} on {when}").format(
            who=by, when=contact.withdrawn_at.date().isoformat()
        )
        if contact.withdrawn_reason:
            line += ": " + escape(contact.withdrawn_reason)
        lines.append(line)
    return "\n".join(lines)
