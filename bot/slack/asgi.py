"""slack-bolt served straight from ASGI, for requests the guard (bot/slack/guard.py) has read
and checked already.

bolt's own Starlette adapter wants a Starlette `Request` behind FastAPI's router; behind the
guard that meant reading the body a second time and going through routing, dependency
solving and a `Response` object for every command, about a sixth of a `log`'s CPU
(benchmarks/open_loop.py, profiled with py-spy). Here the guard's bytes become bolt's request
(`AsyncBoltRequest`, bolt's public entry point for adapters) and bolt's answer goes out as ASGI
messages.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import parse_qsl

from slack_bolt.async_app import AsyncApp, AsyncBoltRequest
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.request.async_internals import build_async_context
from starlette.types import Scope, Send

from bot.asgi_body import answer
from bot.slack.trouble import is_slack_trouble, slack_cause

log = logging.getLogger(__name__)


async def serve_bolt(
    app: AsyncApp, scope: Scope, headers: dict[str, str], body: bytes, context: dict[str, Any], send: Send
) -> None:
    """Dispatch one checked request (`body`, UTF-8; `headers` as the guard read them) to `app`,
    with `context` added to bolt's context, and send bolt's answer."""
    try:
        request = bolt_request(
            body.decode("utf-8"), scope.get("query_string", b"").decode("latin-1"), headers
        )
        request.context.update(context)
        response = await app.async_dispatch(request)
    except Exception as error:  # noqa: BLE001 - bolt answers listener errors itself; anything else: one line
        log.error("Slack request failed: %s", slack_cause(error), exc_info=not is_slack_trouble(error))
        await answer(send, 500, "internal error")
        return
    content = response.body.encode("utf-8")
    fields = [
        (k.lower().encode("latin-1"), v.encode("latin-1"))
        for k, v in response.first_headers_without_set_cookie().items()
        if k.lower() != "content-length"
    ]
    fields.append((b"content-length", str(len(content)).encode()))
    await send({"type": "http.response.start", "status": response.status, "headers": fields})
    await send({"type": "http.response.body", "body": content})


def bolt_request(text: str, query: str, headers: dict[str, str]) -> AsyncBoltRequest:
    """bolt's request for `text`; a form whose values merely contain the word "payload" (a
    command's text) is read as the form it is, where bolt would read it as an empty body
    (it looks for an interaction's `payload` field whenever the word appears) and answer
    nobody."""
    request = AsyncBoltRequest(body=text, query=query, headers=headers)
    if (
        request.body
        or "payload" not in text
        or text.startswith("{")
        or request.content_type == "application/json"
    ):
        return request
    fields = dict(parse_qsl(text, keep_blank_values=True))
    if fields and "payload" not in fields:
        request.body = fields
        request.context = build_async_context(AsyncBoltContext(), fields)
    return request
