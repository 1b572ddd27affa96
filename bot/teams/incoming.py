"""What a Teams message says, as plain command text, and who sent it from where.

Teams sends message text as HTML-ish markup: `<at>Name</at>` for mentions (each with an entity
naming who is mentioned), `&nbsp;` and other entities, sometimes `<p>` or `<div>`.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

_BREAK = re.compile(r"<\s*(br|/p|/div)\s*/?\s*>", re.IGNORECASE)
_TAG = re.compile(r"<[^<>]*>")
_AT = re.compile(r"<at(\s[^>]*)?>(.*?)</at>", re.IGNORECASE | re.DOTALL)
_SPACES = re.compile(r"[ \t\u00a0\u200b]+")


@dataclass(frozen=True)
class Mention:
    """One `<at>…</at>` of a message and whom it names."""

    id: str
    name: str | None
    text: str | None


def mentions_of(entities: list[Any] | None) -> list[Mention]:
    """The mention entities of an activity (SDK models or plain dicts)."""
    found: list[Mention] = []
    for entity in entities or []:
        data = entity if isinstance(entity, dict) else entity.model_dump(by_alias=True)
        if data.get("type") != "mention":
            continue
        mentioned = data.get("mentioned") or {}
        if isinstance(mentioned, dict) and isinstance(mentioned.get("id"), str):
            found.append(Mention(mentioned["id"], mentioned.get("name"), data.get("text")))
    return found


def is_mentioned(bot_id: str, mentions: list[Mention]) -> bool:
    """Whether the bot itself is among the mentions."""
    return any(m.id == bot_id for m in mentions)


def command_text(text: str | None, bot_id: str, mentions: list[Mention], bot_name: str | None = None) -> str:
    """`text` as the words a person typed: the bot's own mention removed, other mentions as
    the plain name, tags dropped and entities undone. A leading `@bot_name` typed as plain text
    (as the help's examples show it, in a personal chat) goes too."""
    value = text or ""
    for mention in mentions:
        if mention.id == bot_id and mention.text:
            value = value.replace(mention.text, " ")
    # Any other <at> (another person, or the bot without a matching entity text) becomes its name.
    value = _AT.sub(lambda m: " " if _is_bot_tag(m.group(2), bot_id, mentions) else m.group(2), value)
    value = _BREAK.sub("\n", value)
    value = html.unescape(_TAG.sub("", value))
    lines = [_SPACES.sub(" ", line).strip() for line in value.splitlines()]
    value = "\n".join(line for line in lines if line).strip()
    if bot_name:
        value = re.sub(rf"^@{re.escape(bot_name)}(\s+|$)", "", value, flags=re.IGNORECASE)
    return value


def _is_bot_tag(inner: str, bot_id: str, mentions: list[Mention]) -> bool:
    return any(m.id == bot_id and (m.name or "") == html.unescape(inner) for m in mentions)


def audience_of(conversation_type: str | None) -> str:
    """ "private" in a personal chat; "shared" in a channel, group chat or anything unknown."""
    return "private" if conversation_type == "personal" else "shared"
