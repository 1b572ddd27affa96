"""A minimal HTTP server that answers every request with `{"ok": true}`: stands in for
Slack's response URLs during the benchmark, cheaply, in a process of its own.

    python benchmarks/sink.py   (prints its base URL, then serves until killed)
"""

from __future__ import annotations

import asyncio
import json

_ANSWER = b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{"ok":true}'
# Replies seen, and those saying the contact was not saved (GET /count tells).
COUNTS = {"replies": 0, "not_saved": 0}
_NOT_SAVED = (b"Inte sparat", b"Not saved", b"Inget sparades", b"Nothing was saved")
# "busy, try again" (bot/workload.py), in either language: ASCII parts only, as JSON escapes å, ä, ö.
_BUSY = (b"mycket att g", b"I am busy right now")


async def _serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            body = await reader.readexactly(length) if length else b""
            if head.startswith(b"GET /count"):
                payload = json.dumps(COUNTS).encode()
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(payload), payload))
                await writer.drain()
                continue
            COUNTS["replies"] += 1
            if any(marker in json.loads(body or b"{}").get("text", "").encode() for marker in _NOT_SAVED):
                COUNTS["not_saved"] += 1
            writer.write(_ANSWER)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
        pass
    finally:
        writer.close()


async def main() -> None:
    server = await asyncio.start_server(_serve, "127.0.0.1", 0)
    host, port = server.sockets[0].getsockname()[:2]
    print(f"http://{host}:{port}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
