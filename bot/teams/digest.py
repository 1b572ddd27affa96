"""The weekly digest as one Adaptive Card for Teams, kept under a size limit.

Teams refuses bot messages over 40 KB (counted as UTF-16) and Workflows webhooks take
less, so the card is held to 20 KB of compact UTF-8 JSON: the head (totals, priorities,
counts) and the follow-ups come first, then the week's contacts, most important first,
as many as fit, and a line saying how many more there are and how to see them all.
The digest is posted in a channel, so it never shows a counterpart's name or e-mail.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from bot.teams.render import card, escape, inline, text_block
from handlers.digest import Digest, entry_lines, followup_items
from handlers.i18n import _
from handlers.text import shorten

CARD_LIMIT = 20_000  # bytes of compact UTF-8 JSON
REVIEW_VERB = "digestReviewed"
_FOLLOWUP_SHARE = CARD_LIMIT * 3 // 10  # head and follow-ups leave most of the room to the contacts
_MORE_RESERVE = 300  # bytes kept for the "…and N more" line


def card_size(content: dict[str, Any]) -> int:
    """The card's size as sent: compact JSON, UTF-8."""
    return len(json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode())


def digest_card(
    digest: Digest,
    digest_id: int | None,
    reviewed_by: str | None,
    reviewed_at: datetime | None,
    review: bool = True,
) -> dict[str, Any]:
    """The digest as one card; with `review`, a "Reviewed at meeting" button until it is reviewed."""
    head = [text_block(escape(digest.title()), size="Large", weight="Bolder")]
    reviewed, actions = _review(digest_id, reviewed_by, reviewed_at, review)
    if digest.empty:
        return card([*head, text_block(escape(digest.nothing_logged()))] + reviewed, actions)
    head += [text_block(inline(digest.totals_line(), card=True)), _figures(digest)]

    followups: list[dict[str, Any]] = []
    items = [f"- {inline(item, card=True)}" for item in followup_items(digest)]
    while items:
        followups = [
            text_block(escape(_("Follow-ups")), weight="Bolder", separator=True),
            text_block("\n".join(items)),
        ]
        if card_size(card(head + followups + reviewed, actions)) <= _FOLLOWUP_SHARE:
            break
        items.pop()
        followups = []

    entries: list[dict[str, Any]] = []
    used = card_size(card(head + followups + reviewed, actions)) + _MORE_RESERVE
    for contact in digest.figures.entries:
        entry = _entry(digest, contact)
        size = card_size(entry) + 1  # and a comma
        if used + size > CARD_LIMIT:
            break
        entries.append(entry)
        used += size
    more: list[dict[str, Any]] = []
    if digest.figures.total > len(entries):
        more = [text_block(inline(digest.more_hint(len(entries)), card=True), isSubtle=True)]
    return card(head + entries + more + followups + reviewed, actions)


def _figures(digest: Digest) -> dict[str, Any]:
    """The priorities counted, and the counts by unit, country and kind, as facts."""
    facts = [
        {"title": escape(name), "value": str(count)} for name, count in digest.priorities() + digest.people()
    ]
    for label, which, limit in (
        (_("By unit"), "unit", 12),
        (_("By country"), "country", 12),
        (_("By kind"), "kind", 8),
    ):
        facts.append({"title": escape(label), "value": escape(shorten(digest.counts(which, limit), 1000))})
    return {"type": "FactSet", "facts": facts}


def _entry(digest: Digest, contact: Any) -> dict[str, Any]:
    """One contact: head line, summary, follow-up (never the counterpart's name or e-mail)."""
    lines = entry_lines(contact)
    items = [text_block(inline(lines[0], card=True))]
    items += [text_block(inline(line, card=True), isSubtle=True, spacing="Small") for line in lines[1:]]
    return {"type": "Container", "separator": True, "items": items}


def _review(
    digest_id: int | None, reviewed_by: str | None, reviewed_at: datetime | None, review: bool
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(body elements, actions): who reviewed the digest and when, or the button to say so."""
    if reviewed_by is not None and reviewed_at is not None:
        text = _("✅ Reviewed at the meeting by {who} on {day}").format(
            who=shorten(reviewed_by, 100), day=reviewed_at.date().isoformat()
        )
        return [text_block(escape(text), separator=True)], []
    if not review:
        return [], []
    button = {
        "type": "Action.Execute",
        "title": _("Reviewed at meeting"),
        "verb": REVIEW_VERB,
        "data": {"digest_id": digest_id},
    }
    return [], [button]
