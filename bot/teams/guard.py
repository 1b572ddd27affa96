"""An ASGI middleware in front of the SDK's messaging endpoint.

The SDK's FastAPI route parses the body before it checks the token, and answers anything it
cannot parse with a 500 and a traceback in the log. This guard looks first: the token (when
credentials are configured), then that the body is a JSON object with a `type`, then that the
token's `serviceurl` is the activity's, and that it comes from the municipality's own tenant
(when TEAMS_TENANT_ID is one). Anything else gets a 4xx here and never reaches the SDK.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from pydantic import ValidationError
from starlette.types import ASGIApp, Receive, Scope, Send

from bot.asgi_body import Refused, answer, read_body, replay_body
from bot.config import GUID
from bot.teams.auth import BotFrameworkVerifier, KeysUnavailable, service_url_matches

log = logging.getLogger(__name__)


MAX_BODY = 1024 * 1024  # Teams activities are far smaller
READ_TIMEOUT = 10.0  # seconds for the whole body, once the head has arrived


class ActivityGuard:
    """Refuses unauthenticated or malformed requests to `path` before the SDK sees them."""

    def __init__(
        self, app: ASGIApp, path: str, verifier: BotFrameworkVerifier | None, tenant: str | None = None
    ) -> None:
        self.app = app
        self.path = path
        self.verifier = verifier
        # The municipality's own tenant (a GUID): activities from any other are refused. Bot
        # Framework signs activities from every tenant the app is installed in.
        self.tenant = tenant.lower() if tenant and GUID.fullmatch(tenant) else None
        if tenant and self.tenant is None:
            log.warning(
                "TEAMS_TENANT_ID is a domain, not the tenant's id: activities are not checked against "
                "the tenant (give the id, Entra admin center → Overview → Tenant ID, to check them)"
            )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != self.path or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        claims: dict[str, Any] | None = None
        if self.verifier is not None:
            try:
                claims = await self.verifier.claims(headers.get("authorization", ""))
            except KeysUnavailable:
                await answer(send, 503, "cannot verify requests just now")
                return
            if claims is None:
                await answer(send, 401, "unauthorized")
                return
        try:
            body = await read_body(receive, MAX_BODY, READ_TIMEOUT)
        except Refused as refused:
            log.warning("Teams request refused: %s", refused.reason)
            await answer(
                send, refused.status, "request too large" if refused.status == 413 else "request too slow"
            )
            return
        activity, problem = _activity(body)
        if activity is None:
            log.warning("Teams request refused: %s", problem)
            await answer(send, 400, "not an activity")
            return
        if claims is not None and not service_url_matches(claims, activity.get("serviceUrl")):
            log.warning("Teams request refused: the token was issued for another serviceUrl")
            await answer(send, 401, "unauthorized")
            return
        if self.tenant is not None and (
            activity.get("channelId") != "msteams" or _tenant_of(activity) != self.tenant
        ):
            # Another tenant, or none (Web Chat, Direct Line): who sent it is not vouched for.
            log.warning("Teams request refused: the activity does not come from this tenant's Teams")
            await answer(send, 403, "forbidden")
            return
        await self.app(scope, replay_body(body, receive), send)


def _tenant_of(activity: dict[str, Any]) -> str | None:
    """The tenant an activity says it comes from (Teams puts it in both places), lower case."""
    channel = activity.get("channelData")
    conversation = activity.get("conversation")
    for found in (
        channel.get("tenant", {}).get("id")
        if isinstance(channel, dict) and isinstance(channel.get("tenant"), dict)
        else None,
        conversation.get("tenantId") if isinstance(conversation, dict) else None,
    ):
        if isinstance(found, str) and found:
            return found.lower()
    return None


def _activity(body: bytes) -> tuple[dict[str, Any] | None, str]:
    """The activity in `body`, or None and why not (for the log: no values in it)."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None, "the body is not an activity"
    if not isinstance(data, dict) or not isinstance(data.get("type"), str) or not data["type"]:
        return None, "the body is not an activity"
    problem = _unreadable(data)
    if problem is not None:
        return None, f"the SDK cannot read this {data['type'][:40]} activity ({problem})"
    return data, ""


def _unreadable(data: dict[str, Any]) -> str | None:
    """Where the SDK's own models refuse `data` (a `message` without `from`, an invoke without
    its `value`), or None. The SDK validates only after answering nothing else, so such an
    activity got a 500 and a traceback; validated here the same way, it gets a 400."""
    # The SDK is loaded by then (bot/teams/app.py, which hushes its preview warnings on import).
    from microsoft_teams.api.activities import ActivityTypeAdapter
    from microsoft_teams.apps.events import CoreActivity

    try:
        core = CoreActivity.model_validate(data)
        ActivityTypeAdapter.validate_python(core.model_dump(by_alias=True, exclude_none=True))
    except ValidationError as error:
        first = error.errors()[0] if error.error_count() else {}
        # The field's place, never its value: values are what people wrote.
        place = ".".join(str(part) for part in first.get("loc", ())[-3:]) or "?"
        return f"{first.get('type', 'invalid')} at {place}"
    return None
