"""Where contactbot's replies land during benchmarks/command_path.py, in a process of its own:
Slack's response URLs and Web API, and Microsoft's side of Teams (OpenID metadata, key set,
Entra token endpoint, Bot Connector). Cheap on purpose: raw HTTP/1.1 on asyncio, like sink.py.

    python benchmarks/reply_sink.py JWK_JSON   (prints its base URL, then serves until killed)

JWK_JSON is the public key that signs the benchmark's activity tokens (it is served as the
Bot Framework key set). Routes:

- `POST /response/{key}`: a Slack response URL; `POST /api/{method}`: the Slack Web API
  (`auth.test` answers with a bot identity, everything else `{"ok": true}`);
- `GET …/openidconfiguration`, `GET …/keys`, `POST /login/{tenant}/oauth2/v2.0/token`;
- `POST /amer/v3/conversations/{id}/activities`: a Bot Connector send, answered with an id;
- `GET /watch`: the connection becomes a stream of one line per reply received,
  `{key}\\t{time.monotonic()}\\t{ok|not_saved|busy}` (key: the response URL's key, or the conversation id);
- `GET /count`: replies and Web API calls seen, as JSON.

time.monotonic() is CLOCK_MONOTONIC on Linux, one clock for every process on the machine, so
the benchmark can subtract its own send times from these arrival times.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any
from urllib.parse import unquote

from sink import _BUSY, _NOT_SAVED  # the same markers as the acknowledgement benchmark

COUNTS: dict[str, Any] = {
    "slack": 0,
    "teams": 0,
    "not_saved": 0,
    "busy": 0,
    "tokens": 0,
    "keys": 0,
    "api": {},
    "other": 0,
}
# The answers to a command that failed (nothing saved) without saying "not saved". ASCII parts
# only: the replies arrive as JSON, where å, ä and ö are escaped.
_FAILED = (
    b"kunde jag inte svara just nu",
    b"gick fel hos oss",
    b"Sorry, I could not",
    b"Something went wrong",
)
WATCHERS: list[asyncio.StreamWriter] = []
BASE_URL = ""
JWK: dict[str, Any] = {}
_activity_number = 0


def _response(status: int, payload: dict[str, Any]) -> bytes:
    body = json.dumps(payload).encode()
    reason = {200: "OK", 404: "Not Found"}.get(status, "OK")
    return b"HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (
        status,
        reason.encode(),
        len(body),
        body,
    )


def _notify(key: str, body: bytes) -> None:
    flag = "not_saved" if any(marker in body for marker in (*_NOT_SAVED, *_FAILED)) else "ok"
    if any(marker in body for marker in _BUSY):
        flag = "busy"  # turned away at once by a bot past its capacity (bot/workload.py)
    COUNTS["not_saved"] += flag == "not_saved"
    COUNTS["busy"] += flag == "busy"
    line = f"{key}\t{time.monotonic()!r}\t{flag}\n".encode()
    for watcher in WATCHERS:
        watcher.write(line)


def _answer(method: str, path: str, body: bytes) -> bytes:
    global _activity_number
    parts = path.strip("/").split("/")
    if method == "POST" and parts[0] == "response":
        COUNTS["slack"] += 1
        _notify(parts[-1], body)
        return _response(200, {"ok": True})
    if method == "POST" and parts[0] == "api":
        name = parts[-1]
        COUNTS["api"][name] = COUNTS["api"].get(name, 0) + 1
        if name == "auth.test":
            identity = {"user_id": "UBOT", "bot_id": "BBOT", "team_id": "T1", "user": "contactbot"}
            return _response(200, {"ok": True, "team": "Bench", **identity})
        return _response(200, {"ok": True})
    if (
        method == "POST"
        and len(parts) == 5
        and parts[1:3] == ["v3", "conversations"]
        and parts[4] == "activities"
    ):
        COUNTS["teams"] += 1
        _activity_number += 1
        _notify(parts[3], body)
        return _response(200, {"id": f"1700{_activity_number:09d}"})
    if method == "GET" and path.endswith("/openidconfiguration"):
        return _response(
            200,
            {
                "issuer": "https://api.botframework.com",
                "jwks_uri": BASE_URL + path.rsplit("/", 1)[0] + "/keys",
                "id_token_signing_alg_values_supported": ["RS256"],
            },
        )
    if method == "GET" and path.endswith("/keys"):
        COUNTS["keys"] += 1
        return _response(200, {"keys": [JWK]})
    if method == "POST" and parts[0] == "login" and parts[-1] == "token":
        COUNTS["tokens"] += 1
        # An opaque bearer for the connector: the sink does not check it.
        return _response(200, {"token_type": "Bearer", "expires_in": 3599, "access_token": "bench-outgoing"})
    if method == "GET" and path == "/count":
        return _response(200, COUNTS)
    COUNTS["other"] += 1
    return _response(404, {"error": "not found"})


async def _read_body(reader: asyncio.StreamReader, head: bytes) -> bytes:
    length, chunked = 0, False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if not chunked:
        return await reader.readexactly(length) if length else b""
    chunks = []
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        chunk = await reader.readexactly(size + 2)
        if size == 0:
            return b"".join(chunks)
        chunks.append(chunk[:-2])


async def _serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            method, target = head.split(b" ", 2)[:2]
            path = unquote(target.decode().split("?", 1)[0])
            body = await _read_body(reader, head)
            if path == "/watch":
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n")
                WATCHERS.append(writer)
                await writer.drain()
                await reader.read()  # until the watcher hangs up
                WATCHERS.remove(writer)
                return
            writer.write(_answer(method.decode(), path, body))
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
        pass
    finally:
        writer.close()


async def main() -> None:
    global BASE_URL
    JWK.update(json.loads(sys.argv[1]))
    server = await asyncio.start_server(_serve, "127.0.0.1", 0)
    host, port = server.sockets[0].getsockname()[:2]
    BASE_URL = f"http://{host}:{port}"
    print(BASE_URL, flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
