"""An ASGI middleware in front of `/slack/events`: limits, the signature, replays.

slack-bolt parses a request before it checks its signature, so an unsigned request with a body
it cannot parse got a 500 and a traceback, and bolt logs every body it refuses. This guard
looks first, in this order, and answers with one log line and no body in it:

1. a `Content-Length` over `max_body`: 413, before anything is read;
2. the timestamp: ASCII digits within five minutes of now, else 401;
3. the body, read with a size cap (chunked bodies too: 413) and a deadline (408);
4. the `v0=` HMAC-SHA256 of `v0:{timestamp}:{body}` with the signing secret, compared in
   constant time: else 401;
5. that bolt can parse it (UTF-8; JSON or a `payload` that is a JSON object): else 400;
6. that this exact signed request was not handled before, decided by the database (so it
   holds across instances): a replay gets an empty 200, which Slack reads as an ack, and
   nothing else happens. A slash command's key is claimed by the command itself, in the same
   trip to the database threads as its work (bot/slack/app.py), after its ack: the guard only
   hands the key on (`PendingClaim` in bolt's context, as `REPLAY_STATE`).

Then it hands the checked bytes to slack-bolt itself (bot/slack/asgi.py): FastAPI's router
behind it never sees a Slack request.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple
from urllib.parse import parse_qsl

from fastapi import FastAPI
from slack_bolt.async_app import AsyncApp
from starlette.types import ASGIApp, Receive, Scope, Send

from bot.asgi_body import Refused, answer, read_body
from bot.slack.asgi import serve_bolt
from storage.database import DatabaseUnavailable
from storage.requests import RequestStore

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024  # Slack's payloads are a few kilobytes; a full modal well under 100 KB
READ_TIMEOUT = 10.0  # seconds for the whole body, once the head has arrived
MAX_SKEW = 5 * 60  # seconds a signature's timestamp may be from now, as Slack advises


@dataclass
class GuardPolicy:
    """What the guard checks against; tests replace the clock or the timeout before the first
    request (the middleware reads these on every request)."""

    signing_secret: str
    requests: RequestStore
    clock: Callable[[], float] = time.time
    max_body: int = MAX_BODY
    read_timeout: float = READ_TIMEOUT
    max_skew: int = MAX_SKEW


def mount_slack_guard(
    api: FastAPI, path: str, signing_secret: str, requests: RequestStore, slack: AsyncApp
) -> GuardPolicy:
    """Serve `slack` at `path` behind the guard; returns its policy (also `api.state.slack_guard`)."""
    policy = GuardPolicy(signing_secret, requests)
    api.add_middleware(SlackGuard, path=path, policy=policy, slack=slack)
    api.state.slack_guard = policy
    # bolt logs the whole body of a request whose signature it refuses, at INFO. The guard
    # refuses those first; should bolt still refuse one, its line keeps the reason, not the body.
    logging.getLogger("slack_bolt.RequestVerification").addFilter(_NO_BODY)
    return policy


class _WithoutBody(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.getMessage().startswith("Invalid request signature detected"):
            record.msg, record.args = "Invalid request signature detected", None
        return True


_NO_BODY = _WithoutBody()


_ERRORS = {
    400: "malformed request",
    401: "invalid request",
    408: "request timeout",
    413: "request too large",
}


class SlackGuard:
    """Refuses oversized, slow, unsigned, malformed and replayed requests to `path`, and hands
    the rest to the bolt app `slack`."""

    def __init__(self, app: ASGIApp, path: str, policy: GuardPolicy, slack: AsyncApp) -> None:
        self.app = app
        self.path = path
        self.policy = policy
        self.slack = slack

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != self.path or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        # One value per header, the last one; bolt is given the same, so a repeated
        # Content-Type cannot mean one thing here and another there.
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        context: dict[str, Any] = {}
        try:
            body = await self._check(headers, receive, context)
        except Refused as refused:
            log.warning("Slack request refused (%d): %s", refused.status, refused.reason)
            await answer(send, refused.status, _ERRORS[refused.status])
            return
        if body is None:
            log.info("Slack request ignored: the same signed request was handled before")
            await answer(send, 200, None)
            return
        await serve_bolt(self.slack, scope, headers, body, context, send)

    async def _check(
        self, headers: dict[str, str], receive: Receive, context: dict[str, Any]
    ) -> bytes | None:
        """The body of a request to pass on (and in `context`, what bolt's context gets); None
        for a replay; or `Refused`."""
        policy = self.policy
        length = headers.get("content-length", "")
        if length.isascii() and length.isdigit() and int(length) > policy.max_body:
            raise Refused(413, f"Content-Length {int(length)} is over {policy.max_body} bytes")
        timestamp = headers.get("x-slack-request-timestamp", "")
        if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
            raise Refused(401, "no timestamp, or not one")
        if abs(policy.clock() - int(timestamp)) > policy.max_skew:
            raise Refused(401, "the timestamp is more than five minutes from now")
        signature = headers.get("x-slack-signature", "")
        if not signature.startswith("v0="):
            raise Refused(401, "no v0 signature")
        body = await read_body(receive, policy.max_body, policy.read_timeout)
        expected = (
            "v0="
            + hmac.new(
                policy.signing_secret.encode(), b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256
            ).hexdigest()
        )
        if not hmac.compare_digest(expected.encode(), signature.encode("latin-1")):
            raise Refused(401, "the signature does not match")
        problem = parse_problem(body, headers.get("content-type"))
        if problem is not None:
            raise Refused(400, problem)
        key = hashlib.sha256(signature.encode("latin-1")).hexdigest()
        now = datetime.fromtimestamp(policy.clock(), UTC)
        if _is_slash_command(body, headers.get("content-type")):
            # Claimed with the command's own work: one trip to the database threads, not two.
            context[REPLAY_STATE] = PendingClaim(key, now)
            return body
        try:
            # Bounded: Slack wants its acknowledgement within 3 s, and a busy database must
            # not hold every request up for DATABASE_TIMEOUT (asyncio.timeout: no task of its
            # own, unlike wait_for).
            async with asyncio.timeout(CLAIM_WAIT):
                first = await asyncio.to_thread(policy.requests.claim, key, now)
        except TimeoutError:
            log.warning("Slack request let through unrecorded: the database was busy")
            return body
        except DatabaseUnavailable:
            # The command will meet the same database and answer "not saved, try again", which
            # helps the person more than Slack's own error for a 503; nothing can be stored
            # twice while the database cannot store at all.
            log.warning("Slack request let through unrecorded: the database did not answer")
            return body
        return body if first else None


class PendingClaim(NamedTuple):
    """A slash command's replay key, for the command to claim (`REPLAY_STATE` in bolt's context)."""

    key: str
    at: datetime


REPLAY_STATE = "slack_replay"
CLAIM_WAIT = 1.0  # seconds to wait for the replay record before acting without it


def _is_slash_command(body: bytes, content_type: str | None) -> bool:
    """A slash command's form (`command=/…` among its fields); interactions come as `payload=`."""
    if content_type == "application/json" or body.startswith(b"{") or body.startswith(b"payload="):
        return False  # read as JSON, or an interaction, as bolt reads them
    return body.startswith(b"command=") or b"&command=" in body


def parse_problem(body: bytes, content_type: str | None) -> str | None:
    """Why slack-bolt could not parse `body` (mirroring `slack_bolt.request.internals.parse_body`),
    or None when it can."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return "the body is not UTF-8"
    if not text:
        return None
    if content_type == "application/json" or text.startswith("{"):
        return _json_object_problem(text, "the body")
    if "payload" in text:
        payload = dict(parse_qsl(text, keep_blank_values=True)).get("payload")
        if payload is not None:
            return _json_object_problem(payload, "the payload")
    return None


def _json_object_problem(text: str, what: str) -> str | None:
    try:
        value = json.loads(text)
    except ValueError:
        return f"{what} is not JSON"
    return None if isinstance(value, dict) else f"{what} is not a JSON object"
