"""The digest as a Slack message (Block Kit), kept inside Slack's limits, and the Slack
channel as a digest target.

Limits (Slack's Block Kit reference): at most 50 blocks, a section's text at most
3000 characters, at most 10 fields of at most 2000 characters, a header at most 150;
messages over about 12,000 characters in all are cut by clients, so we stay well under.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.digest.targets import Chart, DeliveryFailed, DeliveryUnclear
from bot.slack.render import escape, mrkdwn
from bot.slack.views import shorten_block
from handlers.digest import Digest, entry_lines, followup_items
from handlers.i18n import _, ngettext, use_language
from handlers.markup import join
from storage.models import Digest as DigestRecord

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
        blocks = [header, _section(escape(digest.nothing_logged()))]
        return title, blocks

    fields = [f"*{escape(name)}*\n{count}" for name, count in digest.priorities() + digest.people()]
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
    count = ngettext("{count} contact", "{count} contacts", digest.figures.total).format(
        count=digest.figures.total
    )
    return f"{title}: {count}", blocks


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


# -- delivering it: the Slack channel as a digest target ---------------------------------

# Slack's own words for "something broke on our side, part of it may have happened".
_UNCLEAR_CODES = {"fatal_error", "internal_error"}


class SlackChannelTarget:
    """The digest in a Slack channel: Block Kit with message metadata, so the bot can find
    its own post in the channel's history; the review button; the chart in the thread."""

    platform = "slack"
    can_find = True
    can_chart = True

    def __init__(self, client: AsyncWebClient, channel: str, language: str) -> None:
        self.client = client
        # Retries are the digest service's, with an injectable sleep; slack_sdk's would sleep for real.
        self.client.retry_handlers = []
        self.destination = channel
        self.language = language
        self.label = f"Slack {channel}"

    @classmethod
    def from_settings(
        cls, token: str | None, api_url: str, channel: str, language: str, timeout: float = 30
    ) -> SlackChannelTarget:
        """A target with its own Web API client."""
        return cls(AsyncWebClient(token=token, base_url=api_url, timeout=timeout), channel, language)  # type: ignore[arg-type]

    async def post(self, record: DigestRecord, digest: Digest) -> str:
        """`chat.postMessage` with the digest and its metadata; returns the message's ts."""
        with use_language(self.language):
            text, blocks = digest_message(digest, record.id)
        response = await self._call(
            self.client.chat_postMessage,
            sends=True,
            channel=self.destination,
            text=text,
            blocks=blocks,
            metadata=digest_metadata(self.destination, record.week, record.id, record.attempt),
            unfurl_links=False,
        )
        return str(response["ts"])

    async def find(self, record: DigestRecord) -> str | None:
        """The ts of this record's message in the channel's history (its metadata names the record)."""
        oldest = f"{record.created_at.timestamp() - 60:.6f}"
        cursor: str | None = None
        for _page in range(10):
            response = await self._call(
                self.client.conversations_history,
                channel=self.destination,
                oldest=oldest,
                include_all_metadata=True,
                limit=200,
                cursor=cursor,
            )
            for message in response.get("messages") or []:
                if metadata_matches(message, record.id):
                    return str(message.get("ts"))
            cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return None
        return None

    async def update(self, record: DigestRecord, digest: Digest) -> None:
        """`chat.update`: the review button becomes who reviewed it and when."""
        with use_language(self.language):
            text, blocks = digest_message(
                digest, record.id, record.reviewed_by_name or record.reviewed_by, record.reviewed_at
            )
        await self._call(
            self.client.chat_update, channel=self.destination, ts=record.message_ref, text=text, blocks=blocks
        )

    async def attach_chart(self, record: DigestRecord, digest: Digest, ref: str, chart: Chart) -> None:
        """The chart, uploaded into the message's thread."""
        await self._call(
            self.client.files_upload_v2,
            channel=self.destination,
            thread_ts=ref,
            content=chart.png,
            filename=chart.filename,
            title=chart.title,
        )

    async def _call(self, method: Callable[..., Awaitable[Any]], sends: bool = False, **kwargs: Any) -> Any:
        try:
            return await method(**kwargs)
        except SlackApiError as error:
            raise slack_trouble(error, sends) from None
        except aiohttp.ClientConnectorError as error:  # nothing was sent
            # The kind of failure only: the system's text names addresses and is not for people.
            raise DeliveryFailed(f"no connection ({type(error).__name__})") from None
        except aiohttp.ConnectionTimeoutError:  # nothing was sent
            raise DeliveryFailed("connection timed out") from None
        except (TimeoutError, aiohttp.ClientError, OSError) as error:
            # Sent, and no answer (dropped, or later than the time-out): Slack may have taken it.
            raise DeliveryUnclear(_transport_code(error)) from None


def slack_trouble(error: SlackApiError, sends: bool = False) -> DeliveryFailed | DeliveryUnclear:
    """What a Web API error means: a clear refusal, a retryable outage, or (for a call that
    posts) an unclear one. A proxy's HTML outage page gives slack_sdk an aiohttp response
    instead of its own, so the status is read from either."""
    response = error.response
    status = getattr(response, "status_code", None) or getattr(response, "status", None) or 0
    data = getattr(response, "data", None)
    code = str(data.get("error")) if isinstance(data, dict) and data.get("error") else f"HTTP {status}"
    if sends and code in _UNCLEAR_CODES:
        return DeliveryUnclear(code)
    if status == 429:
        return DeliveryFailed(code, retry_after=_retry_after(getattr(response, "headers", None)))
    if status >= 500 or code in _UNCLEAR_CODES or code == "ratelimited":
        return DeliveryFailed(code)
    return DeliveryFailed(code, retryable=False)


def _transport_code(error: BaseException) -> str:
    if isinstance(error, TimeoutError):
        return "no answer within the time-out"
    if isinstance(error, aiohttp.ServerDisconnectedError):
        return "connection closed without an answer"
    return type(error).__name__


def _retry_after(headers: Any) -> float:
    for key, value in (headers or {}).items():
        if key.lower() == "retry-after":
            try:
                return max(0.0, float(value if isinstance(value, str) else value[0]))
            except (TypeError, ValueError, IndexError):
                return 1.0
    return 1.0
