"""A stand-in for a Teams Workflows webhook ("When a Teams webhook request is received"),
served on loopback: it records each card it is given (as the channel would show it) and
answers 202, or fails as told (see tests.slack_standin.Failure: a status with an HTML
page, a lost answer after taking the post, an answer held until the test releases it)."""

from __future__ import annotations

import contextlib
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.slack_standin import OUTAGE_PAGE, Failure

SECRET_PATH = "/workflows/6f1c2e/triggers/manual/paths/invoke?api-version=1&sig=s3cr3t-signature-value"


@dataclass
class WebhookStandIn:
    """The server, the cards posted to the channel, and the failures still to give."""

    server: ThreadingHTTPServer
    posts: list[dict[str, Any]] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    requests: int = 0
    condition: threading.Condition = field(default_factory=threading.Condition)

    @property
    def url(self) -> str:
        """The webhook's URL, with a signature like a real flow's (it is a secret)."""
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}{SECRET_PATH}"

    def fail(self, *failures: Failure) -> None:
        """Answer the next posts with these failures, in order."""
        with self.condition:
            self.failures.extend(failures)

    def posted(self) -> list[dict[str, Any]]:
        """The cards in the channel, oldest first."""
        with self.condition:
            return list(self.posts)

    def wait_for(self, count: int, timeout: float = 10.0) -> None:
        """Block until `count` cards are in the channel (a Condition, not a sleep)."""
        with self.condition:
            if not self.condition.wait_for(lambda: len(self.posts) >= count, timeout):
                raise AssertionError(f"expected {count} post(s), got {len(self.posts)}")

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def start_webhook_standin() -> WebhookStandIn:
    """Start the stand-in on a free loopback port."""
    standin: WebhookStandIn

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            with standin.condition:
                standin.requests += 1
                failure = standin.failures.pop(0) if standin.failures else None
            taken = failure is None or failure.lost or failure.late is not None
            if taken:
                with standin.condition:
                    standin.posts.append(body)
                    standin.condition.notify_all()
            if failure is not None and failure.lost:
                self.close_connection = True
                return
            if failure is not None and failure.late is not None:
                failure.late.wait(30)
                with contextlib.suppress(OSError):
                    self._answer(202, b"", "text/plain")
                self.close_connection = True
                return
            if failure is not None:
                page = OUTAGE_PAGE.format(status=failure.status).encode()
                self._answer(failure.status, page, "text/html; charset=utf-8", failure.retry_after)
                return
            self._answer(202, b"", "text/plain")

        def _answer(
            self, status: int, payload: bytes, content_type: str, retry_after: int | None = None
        ) -> None:
            self.send_response(status)
            if retry_after is not None:
                self.send_header("Retry-After", str(retry_after))
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    standin = WebhookStandIn(server)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return standin
