"""The weekly digest in a Teams channel: posted through the Bot Connector with the app's token.

A coordinator chooses the channel by writing `@contactbot digest here` in it; the channel's
conversation id, serviceUrl and tenant are stored (storage/destinations.py). The Bot API
cannot read a channel's history, so this target cannot find an earlier post: the digest
service marks `sent_at` just before the one HTTP call that posts, and an answer that is
lost makes the record `unclear` instead of posting again (see README, "The weekly digest").
"""

from __future__ import annotations

import dataclasses
import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from bot.context import BotContext
from bot.digest.targets import Chart, DeliveryFailed, DeliveryUnclear
from bot.teams.digest import digest_card
from bot.teams.render import attachment
from handlers.digest import Digest, destination_label, outcome_text
from handlers.i18n import _, use_language
from handlers.markup import Block, Paragraph, say
from handlers.replies import Caller, DigestSend, Reply, reply
from handlers.weeks import Week
from storage.destinations import choose_destination, destinations
from storage.digests import DigestStore
from storage.models import Digest as DigestRecord

log = logging.getLogger(__name__)

Token = Callable[[], Awaitable[str | None]]


class TeamsChannelTarget:
    """Posts the digest card into a Teams channel and updates it after the review."""

    platform = "teams"
    can_find = False
    can_chart = False

    def __init__(
        self,
        service_url: str,
        conversation_id: str,
        name: str | None,
        token: Token,
        language: str,
        timeout: float = 30.0,
    ) -> None:
        self.service_url = service_url.rstrip("/")
        self.destination = conversation_id
        self.label = destination_label("teams", conversation_id, name)
        self.token = token
        self.language = language
        self.timeout = timeout

    def _card(self, record: DigestRecord, digest: Digest) -> dict[str, Any]:
        with use_language(self.language):
            return teams_digest_card(digest, record)

    async def _call(self, method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        url = f"{self.service_url}/v3/conversations/{path}"
        token = await self.token()
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        try:
            async with httpx.AsyncClient(timeout=self.timeout) as http:
                response = await http.request(method, url, json=body, headers=headers)
        except (httpx.ConnectError, httpx.ConnectTimeout):
            raise DeliveryFailed("connection refused") from None
        except httpx.TransportError as error:  # sent, and no answer: it may have been posted
            raise DeliveryUnclear(f"no answer ({type(error).__name__})") from None
        if response.status_code == 429:
            retry = response.headers.get("Retry-After")
            raise DeliveryFailed("HTTP 429", retry_after=float(retry) if retry and retry.isdigit() else None)
        if response.status_code >= 300:
            code = f"HTTP {response.status_code}"
            raise DeliveryFailed(code, retryable=response.status_code >= 500 or response.status_code == 408)
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        return answer if isinstance(answer, dict) else {}

    async def post(self, record: DigestRecord, digest: Digest) -> str:
        """Post the card; the activity id is the message reference."""
        activity = {"type": "message", "attachments": [attachment(self._card(record, digest))]}
        answer = await self._call("POST", f"{self.destination}/activities", activity)
        return str(answer.get("id") or f"{self.destination}:{record.id}")

    async def find(self, record: DigestRecord) -> str | None:
        """The Bot API cannot read a channel's history."""
        return None

    async def update(self, record: DigestRecord, digest: Digest) -> None:
        """Replace the posted card with one that shows the review."""
        if not record.message_ref:
            return
        activity = {
            "type": "message",
            "id": record.message_ref,
            "attachments": [attachment(self._card(record, digest))],
        }
        await self._call("PUT", f"{self.destination}/activities/{record.message_ref}", activity)

    async def attach_chart(self, record: DigestRecord, digest: Digest, ref: str, chart: Chart) -> None:
        """No chart in Teams: a bot can post an image only as a file or a public URL."""


def teams_digest_card(digest: Digest, record: DigestRecord, review: bool = True) -> dict[str, Any]:
    """The digest card for Teams: its hints name `@contactbot`, as people write it there."""
    digest = dataclasses.replace(digest, command="@contactbot")
    return digest_card(
        digest, record.id, record.reviewed_by_name or record.reviewed_by, record.reviewed_at, review
    )


def teams_channels(context: BotContext) -> list[TeamsChannelTarget]:
    """The Teams channel chosen with `digest here`, if Teams is configured and one was chosen."""
    settings = context.settings
    if not settings.teams_enabled:
        return []
    return [
        TeamsChannelTarget(
            chosen.service_url or "", chosen.destination, chosen.name, _token(context), settings.language
        )
        for chosen in destinations(context.db, "teams")
        if chosen.service_url
    ]


def _token(context: BotContext) -> Token:
    """The app's Bot Connector token (none in TEAMS_DEV_UNAUTHENTICATED mode)."""
    settings = context.settings

    async def token() -> str | None:
        if not settings.teams_client_id or not settings.teams_client_secret:
            return None
        from bot.teams.tokens import ClientCredentialsTokens

        async with httpx.AsyncClient(timeout=10) as http:
            tokens = ClientCredentialsTokens(
                settings.teams_login_url,
                settings.teams_client_id,
                settings.teams_client_secret,
                settings.teams_tenant_id,
                http,
            )
            return (await tokens.get_app_token(None)).value

    return token


class TeamsDigestHooks:
    """What the Teams adapter does for `digest here`, `digest send` and the review button."""

    def __init__(self, context: BotContext, in_thread: Callable[..., Awaitable[Any]]) -> None:
        self.context = context
        self.in_thread = in_thread
        self.language = context.settings.language

    async def choose_here(self, activity: Any, caller: Caller) -> Reply:
        """Store this channel as the digest's destination (coordinators; the handler checked)."""
        conversation = activity.conversation
        if getattr(conversation, "conversation_type", None) != "channel":
            return reply(
                say(_("Write this in the channel where the digest should go, not in a chat.")), ok=False
            )
        channel_id = conversation.id.split(";messageid=")[0]
        data = getattr(activity, "channel_data", None)
        channel = getattr(data, "channel", None)
        name = getattr(channel, "name", None) or getattr(conversation, "name", None)
        tenant = getattr(getattr(data, "tenant", None), "id", None) or getattr(
            conversation, "tenant_id", None
        )
        choose = functools.partial(
            choose_destination,
            self.context.db,
            "teams",
            channel_id,
            chosen_by=caller.qualified_id,
            now=self.context.clock(),
            service_url=activity.service_url,
            tenant_id=tenant,
            name=name,
        )
        await self.in_thread(choose)
        schedule = self.context.settings.digest_schedule.shown()
        return reply(
            say(
                _("Done: the weekly digest will be posted in this channel ({schedule}, {zone})."),
                schedule=schedule,
                zone=str(self.context.settings.timezone),
            )
        )

    async def send_now(self, request: DigestSend, caller: Caller) -> Reply:
        """Post a week's digest now to every destination (once; `--force` again)."""
        from bot.digest.service import digest_service

        service = await self.in_thread(digest_service, self.context)
        if service is None:
            return reply(
                say(
                    _(
                        "The digest has no destination yet: write @contactbot digest here in the coordinators' channel."
                    )
                ),
                ok=False,
            )
        week = Week.parse(request.week)
        assert week is not None
        outcomes = await service.send(week, force=request.force, requested_by=caller.qualified_id)
        blocks: list[Block] = [
            Paragraph(outcome_text(o.state, o.week, destination_label(o.platform, o.destination), o.error))
            for o in outcomes
        ]
        return Reply(blocks, ok=all(o.state not in {"pending", "unclear"} for o in outcomes))

    async def reviewed(self, data: Any, caller: Caller) -> dict[str, Any]:
        """A coordinator's click: record who and when, and show the card with that line."""
        try:
            digest_id = int(data.get("digest_id")) if isinstance(data, dict) else 0
        except (TypeError, ValueError):
            digest_id = 0
        store = DigestStore(self.context.db)
        record = await self.in_thread(
            store.mark_reviewed, digest_id, caller.qualified_id, caller.name, self.context.clock()
        )
        if record is None:
            with use_language(self.language):
                return _card_message(_("I could not find that digest any more."))
        from bot.digest.service import DigestService

        week = Week.parse(record.week)
        assert week is not None
        digest = await self.in_thread(DigestService(self.context, targets=[]).build, week, record.late)
        with use_language(self.language):
            card = teams_digest_card(digest, record)
        return {"statusCode": 200, "type": "application/vnd.microsoft.card.adaptive", "value": card}


def _card_message(text: str) -> dict[str, Any]:
    return {"statusCode": 200, "type": "application/vnd.microsoft.activity.message", "value": text}
