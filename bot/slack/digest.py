"""The digest as a Slack message (Block Kit), kept inside Slack's limits.

Limits (Slack's Block Kit reference): at most 50 blocks, a section's text at most
3000 characters, at most 10 fields of at most 2000 characters, a header at most 150;
messages over about 12,000 characters in all are cut by clients, so we stay well under.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from bot.slack.render import escape, mrkdwn
from bot.slack.views import shorten_block
from handlers.digest import Digest, entry_lines, followup_items
from handlers.i18n import _
from handlers.markup import join

MAX_BLOCKS = 50
SECTION_LIMIT = 3000
FIELD_LIMIT = 2000
FIELDS_MAX = 10
HEADER_LIMIT = 150
TOTAL_BUDGET = 11_000
REVIEW_ACTION = "digest_reviewed"
METADATA_EVENT = "contactbot_digest"


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": shorten_block(text, SECTION_LIMIT)}}


def block_chars(blocks: list[dict[str, Any]]) -> int:
    """The characters of text in `blocks`, as counted against the message budget."""
    total = 0

    def walk(value: Any) -> None:
        nonlocal total
        if isinstance(value, dict):
            for key, item in value.items():
                if key == "text" and isinstance(item, str):
                    total += len(item)
                else:
                    walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(blocks)
    return total


def review_block(
    digest_id: int | None, reviewed_by: str | None, reviewed_at: datetime | None
) -> dict[str, Any]:
    """The "Reviewed at meeting" button, or who reviewed it and when."""
    if reviewed_by is not None and reviewed_at is not None:
        text = _("✅ Reviewed at the meeting by {who} on {day}").format(
            who=escape(reviewed_by), day=reviewed_at.date().isoformat()
        )
        return {"type": "context", "block_id": "review", "elements": [{"type": "mrkdwn", "text": text}]}
    return {
        "type": "actions",
        "block_id": "review",
        "elements": [
            {
                "type": "button",
                "action_id": REVIEW_ACTION,
                "text": {"type": "plain_text", "text": _("Reviewed at meeting")},
                "value": str(digest_id or 0),
                "style": "primary",
            }
        ],
    }


def digest_message(
    digest: Digest,
    digest_id: int | None,
    reviewed_by: str | None = None,
    reviewed_at: datetime | None = None,
) -> tuple[str, list[dict[str, Any]]]:
    """(fallback text, blocks) of the digest message."""
    title = shorten_block(digest.title(), HEADER_LIMIT)
    header = {"type": "header", "text": {"type": "plain_text", "text": title, "emoji": True}}
    if digest.empty:
        blocks = [header, _section(escape(_("No contacts were logged this week.")))]
        return title, blocks

    fields = [f"*{escape(name)}*\n{count}" for name, count in digest.priorities()]
    fields += [
        f"*{escape(label)}*\n{escape(digest.counts(which, limit))}"
        for label, which, limit in (
            (_("By unit"), "unit", 12),
            (_("By country"), "country", 12),
            (_("By kind"), "kind", 8),
        )
    ]
    summary = {
        "type": "section",
        "text": {"type": "mrkdwn", "text": shorten_block(mrkdwn(digest.totals_line()), SECTION_LIMIT)},
        "fields": [{"type": "mrkdwn", "text": shorten_block(f, FIELD_LIMIT)} for f in fields[:FIELDS_MAX]],
    }
    head = [header, summary, {"type": "divider"}]
    tail: list[dict[str, Any]] = []
    followups = followup_items(digest)
    if followups:
        lines = [f"• {mrkdwn(item)}" for item in followups]
        tail.append(_section("*" + escape(_("Follow-ups")) + "*\n" + "\n".join(lines)))
    review = review_block(digest_id, reviewed_by, reviewed_at)

    entries: list[dict[str, Any]] = []
    shown = 0
    # Leave room for the "and N more" line and the review block.
    budget = TOTAL_BUDGET - block_chars(head + tail + [review]) - 300
    room = MAX_BLOCKS - len(head) - len(tail) - 2
    for contact in digest.figures.entries:
        block = _section(mrkdwn(join(entry_lines(contact), "\n")))
        size = block_chars([block])
        if len(entries) >= room or size > budget:
            break
        entries.append(block)
        budget -= size
        shown += 1
    more: list[dict[str, Any]] = []
    if digest.figures.total > shown:
        more = [
            {"type": "context", "elements": [{"type": "mrkdwn", "text": mrkdwn(digest.more_hint(shown))}]}
        ]
    blocks = head + entries + more + tail + [review]
    return f"{title}: {digest.figures.total}", blocks


def digest_metadata(channel: str, week: str, digest_id: int, attempt: int) -> dict[str, Any]:
    """Message metadata that lets the bot find its own post again after a crash."""
    return {
        "event_type": METADATA_EVENT,
        "event_payload": {"week": week, "channel": channel, "digest_id": digest_id, "attempt": attempt},
    }


def metadata_matches(message: dict[str, Any], digest_id: int) -> bool:
    """Whether a message from the channel's history is the post of digest `digest_id`."""
    metadata = message.get("metadata") or {}
    if isinstance(metadata, str):
        try:
            metadata = json.loads(metadata)
        except json.JSONDecodeError:
            return False
    payload = metadata.get("event_payload") or {}
    return metadata.get("event_type") == METADATA_EVENT and payload.get("digest_id") == digest_id
