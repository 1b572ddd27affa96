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

from slack_bolt.async_app import AsyncApp, AsyncBoltRequest
from starlette.types import Scope, Send

from bot.asgi_body import answer

log = logging.getLogger(__name__)


async def serve_bolt(app: AsyncApp, scope: Scope, body: bytes, context: dict[str, Any], send: Send) -> None:
    """Dispatch one checked request (`body`, UTF-8) to `app`, with `context` added to bolt's
    context, and send bolt's answer."""
    headers: dict[str, list[str]] = {}
    for name, value in scope["headers"]:
        headers.setdefault(name.decode("latin-1").lower(), []).append(value.decode("latin-1"))
    request = AsyncBoltRequest(
        body=body.decode("utf-8"), query=scope.get("query_string", b"").decode("latin-1"), headers=headers
    )
    request.context.update(context)
    try:
        response = await app.async_dispatch(request)
    except Exception as error:  # noqa: BLE001 - bolt answers listener errors itself; anything else: one line
        log.error("Slack request failed in slack-bolt: %s", type(error).__name__)
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
