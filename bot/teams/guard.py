"""An ASGI middleware in front of the SDK's messaging endpoint.

The SDK's FastAPI route parses the body before it checks the token, and answers anything it
cannot parse with a 500 and a traceback in the log. This guard looks first: the token (when
credentials are configured), then that the body is a JSON object with a `type`, then that the
token's `serviceurl` is the activity's. Anything else gets a 4xx here and never reaches the SDK.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from bot.asgi_body import Refused, answer, read_body, replay_body
from bot.teams.auth import BotFrameworkVerifier, KeysUnavailable, service_url_matches

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024  # Teams activities are far smaller
READ_TIMEOUT = 10.0  # seconds for the whole body, once the head has arrived


class ActivityGuard:
    """Refuses unauthenticated or malformed requests to `path` before the SDK sees them."""

    def __init__(self, app: ASGIApp, path: str, verifier: BotFrameworkVerifier | None) -> None:
        self.app = app
        self.path = path
        self.verifier = verifier

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
        activity = _activity(body)
        if activity is None:
            log.warning("Teams request refused: the body is not an activity")
            await answer(send, 400, "not an activity")
            return
        if claims is not None and not service_url_matches(claims, activity.get("serviceUrl")):
            log.warning("Teams request refused: the token was issued for another serviceUrl")
            await answer(send, 401, "unauthorized")
            return
        await self.app(scope, replay_body(body, receive), send)


def _activity(body: bytes) -> dict[str, Any] | None:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("type"), str) or not data["type"]:
        return None
    return data
