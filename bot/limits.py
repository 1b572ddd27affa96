"""The limits uvicorn itself enforces for `contactbot run`, in one place.

Which setting does what (uvicorn 0.29+ with its h11 protocol):

- `http`: uvicorn's pure-Python h11 protocol, chosen explicitly so the h11 limit below applies
  even where httptools is installed (uvicorn would pick that instead, without this limit),
  with a deadline for each request head (`bot.head_timeout`, `HEAD_SECONDS`).
- `h11_max_incomplete_event_size`: a request head (line and headers) still unfinished when
  this much has arrived is answered 400 and the connection closed, so no head is buffered
  without bound.
- `timeout_keep_alive`: a kept-alive connection idle this many seconds after a response is closed.
- `limit_concurrency`: with this many connections or requests open, a further request gets 503
  at once instead of queueing (this also bounds slow connections that hold a place).
- `timeout_graceful_shutdown`: on stop, requests in flight get this long to finish.

uvicorn itself has no timeout for a request head that trickles in byte by byte, nor for a body:
heads get `HEAD_SECONDS` here; the body is read under `bot.slack.guard.READ_TIMEOUT` (and
`MAX_BODY`) for `/slack/events` and under the Teams guard's limits for `/api/messages`.
"""

from __future__ import annotations

from typing import Any

from bot.head_timeout import head_timed_protocol

HEAD_LIMIT = 16 * 1024
KEEP_ALIVE_SECONDS = 5
MAX_CONCURRENCY = 200
SHUTDOWN_SECONDS = 10
HEAD_SECONDS = 10

UVICORN_LIMITS: dict[str, Any] = {
    "http": head_timed_protocol(HEAD_SECONDS),
    "h11_max_incomplete_event_size": HEAD_LIMIT,
    "timeout_keep_alive": KEEP_ALIVE_SECONDS,
    "limit_concurrency": MAX_CONCURRENCY,
    "timeout_graceful_shutdown": SHUTDOWN_SECONDS,
}
