"""Reading a request's body under limits before the app sees it, and short answers.

Both platform guards (bot/slack/guard.py, bot/teams/guard.py) check a request before the
framework behind them parses anything; they read the body here, with a size and a time
limit, and hand it on unchanged.
"""

from __future__ import annotations

import asyncio
import json

from starlette.types import Message, Receive, Send


class Refused(Exception):
    """The request is answered here with `status`; `reason` goes to the log (never the body)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


async def read_body(receive: Receive, limit: int, timeout: float) -> bytes:
    """The whole body, at most `limit` bytes (else Refused 413) within `timeout` seconds (408)."""
    chunks: list[bytes] = []
    size = 0
    try:
        async with asyncio.timeout(timeout):
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    break
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > limit:
                    raise Refused(413, f"the body is over {limit} bytes")
                chunks.append(chunk)
                if not message.get("more_body", False):
                    break
    except TimeoutError:
        raise Refused(408, f"the body did not arrive within {timeout:g} seconds") from None
    return b"".join(chunks)


def replay_body(body: bytes, receive: Receive) -> Receive:
    """A `receive` that gives the app the body already read, then the connection's own events."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def answer(send: Send, status: int, error: str | None) -> None:
    """A short JSON answer (empty for `error` None); a refusal also closes the connection, so
    that the rest of a body that was not read is never read."""
    payload = json.dumps({"error": error}).encode() if error is not None else b""
    headers = [(b"content-length", str(len(payload)).encode())]
    if error is not None:
        headers += [(b"content-type", b"application/json"), (b"connection", b"close")]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})
