"""What the register says about personal data: the note beside the person and e-mail fields,
the text staff send to a counterpart (GDPR Art. 14), and the register's public description.

The counterpart's name and e-mail address are the only personal data the bot asks for about
people outside the municipality; the texts say so, why they are held (a task in the public
interest, Art. 6(1)(e)), for how long and under which decision, and link the municipality's
privacy notice when PRIVACY_URL is set.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from handlers.fields import FIELDS
from handlers.i18n import _, ngettext, use_language
from handlers.markup import Block, Facts, Heading, Paragraph, Text, plain, say

_PERIOD = re.compile(r"^(\d+)([my])$")


@dataclass(frozen=True)
class RegisterNotice:
    """The settings the register's texts name: PRIVACY_URL, GALLRING_PERSONAL_DATA (`24m`,
    `2y`) and GALLRING_DECISION (the decision's reference); each may be missing."""

    privacy_url: str | None = None
    period: str | None = None
    decision: str | None = None


def personal_data_note() -> str:
    """The note beside the fields that hold personal data."""
    return _("Personal data: fill in only what you need to follow up the contact.")


def privacy_link_text() -> str:
    """The words of the link to the privacy notice."""
    return _("How we handle personal data")


def period_text(period: str) -> str:
    """`24m` -> "24 months", `2y` -> "2 years", in the current language (else as given)."""
    match = _PERIOD.match(period)
    if match is None:
        return period
    count = int(match.group(1))
    if match.group(2) == "m":
        return ngettext("{count} month", "{count} months", count).format(count=count)
    return ngettext("{count} year", "{count} years", count).format(count=count)


def _keeping(notice: RegisterNotice) -> Text:
    """How long the counterpart's name and e-mail are kept, and under which decision."""
    if notice.period and notice.decision:
        return say(
            _(
                "The name and e-mail address are cleared {period} after the contact, under the decision "
                "{decision}. The contact itself is a public record and is kept."
            ),
            period=period_text(notice.period),
            decision=notice.decision,
        )
    return say(
        _(
            "The name and e-mail address are kept until the municipality decides on their disposal "
            "(gallring). The contact itself is a public record and is kept."
        )
    )


def _purpose() -> Text:
    return say(
        _(
            "To keep track of the municipality's international contacts (twin towns, EU projects, school "
            "and youth exchanges), follow them up and report on them, as the municipality's international "
            "strategy asks."
        )
    )


def _legal_basis() -> Text:
    return say(
        _(
            "A task carried out in the public interest (GDPR Article 6(1)(e)): the municipality's "
            "international work."
        )
    )


def _rights(notice: RegisterNotice) -> Text:
    text = say(
        _(
            "You may ask to see what is held about you, have it corrected or erased, or object, and you "
            "may complain to the Swedish Authority for Privacy Protection (IMY). The contact person of the "
            "municipality you are in contact with passes your request on."
        )
    )
    if notice.privacy_url:
        text = text + " " + say(_("More: {url}"), url=notice.privacy_url)
    return text


def _counterpart_paragraphs(notice: RegisterNotice) -> list[Block]:
    """The Art. 14 text in the current language."""
    pairs = (
        (_("Who"), say(_("The municipality (kommunen) holds the data and is responsible for it."))),
        (_("What"), say(_("Your name and e-mail address, noted with our contact with your organisation."))),
        (_("Why"), _purpose()),
        (_("Legal basis"), _legal_basis()),
        (_("How long"), _keeping(notice)),
        (_("Your rights"), _rights(notice)),
    )
    return [Heading(say(_("About your personal data"))), Facts(pairs)]


def counterpart_notice(notice: RegisterNotice) -> list[Block]:
    """`privacy`: the text staff send a counterpart, in Swedish and English whatever the
    bot's language (the counterpart may not read Swedish), after a line saying what it is."""
    intro = Paragraph(
        say(
            _(
                "Send this to the counterpart whose name or e-mail address you log (GDPR Article 14). "
                "It is in Swedish and English."
            )
        )
    )
    blocks: list[Block] = [intro]
    for language in ("sv", "en"):
        with use_language(language):
            blocks += _counterpart_paragraphs(notice)
    return blocks


def register_description(notice: RegisterNotice) -> list[Block]:
    """`contactbot register`: the description of the register a municipality publishes."""
    labels = ", ".join(f.shown_label().lower() for f in FIELDS if not f.personal)
    holds = say(
        _(
            "Each international contact the municipality's staff log: {fields}; who logged it and when. "
            "If given, the counterpart's contact person and e-mail address: the only personal data about "
            "people outside the municipality."
        ),
        fields=labels,
    )
    who = say(
        _(
            "Staff who log contacts see every contact (sharing them is the point) and change their own; "
            "coordinators change any contact, send the weekly digest and export the register; archivists "
            "read everything, including each contact's history of changes, and change nothing. Names and "
            "e-mail addresses of counterparts are shown only in private chats and exports, never in the "
            "weekly digest in a channel. Logged contacts are public records (allmänna handlingar) and may "
            "be released on request after secrecy review."
        )
    )
    pairs: list[tuple[str, Text]] = [
        (_("What it holds"), holds),
        (_("Purpose"), _purpose()),
        (_("Legal basis"), _legal_basis()),
        (_("Who may see what"), who),
        (_("How long personal data is kept"), _keeping(notice)),
    ]
    if notice.decision:
        pairs.append((_("Decision on disposal"), plain(notice.decision)))
    if notice.privacy_url:
        pairs.append((_("Privacy notice"), plain(notice.privacy_url)))
    return [Heading(say(_("The register of international contacts"))), Facts(tuple(pairs))]
