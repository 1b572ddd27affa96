"""A stand-in for Slack's Web API and response URLs, served on loopback.

It answers the methods contactbot calls (POST, and GET with query parameters, as
slack_sdk calls some methods), records every request, and can be told to fail a method
a number of times: a status, an error code, a Retry-After header, an HTML outage page
instead of JSON, or taking the request (the message is posted) and then dropping the
connection without an answer, or answering only once the test releases it.
Upload URLs (`/upload/F…`) are all named `upload`, response URLs by their path; `hold`
keeps a method's answers until the test lets them go (a slow Slack).
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse


@dataclass
class Call:
    """One request the stand-in received."""

    path: str
    method: str
    body: dict[str, Any]
    raw: bytes
    headers: dict[str, str]


@dataclass
class Failure:
    """How to answer one request instead of succeeding."""

    status: int = 200
    error: str | None = None
    retry_after: int | None = None
    # An HTML page (what a proxy shows during an outage) instead of Slack's JSON.
    html: bool = False
    content_type: str = "text/html; charset=utf-8"
    # The request is taken (a message is posted), then the connection closes unanswered.
    lost: bool = False
    # The request is taken, and answered only once the test sets this (after the client gave up).
    late: threading.Event | None = None


@dataclass
class SlackStandIn:
    """The server, its address and what it has seen."""

    server: ThreadingHTTPServer
    calls: list[Call] = field(default_factory=list)
    failures: dict[str, list[Failure]] = field(default_factory=dict)
    answers: dict[str, dict[str, Any]] = field(default_factory=dict)
    condition: threading.Condition = field(default_factory=threading.Condition)
    counter: int = 0
    # channel -> messages posted there (oldest first), as conversations.history shows them
    messages: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # method -> an Event its answers wait for (a slow Slack), set by the test to let them go
    holds: dict[str, threading.Event] = field(default_factory=dict)
    # method -> something that happens elsewhere the moment a call to it arrives
    arrivals: dict[str, Callable[[], None]] = field(default_factory=dict)
    # user group id (S…) -> its members' user ids, as usergroups.users.list lists them
    usergroups: dict[str, list[str]] = field(default_factory=dict)

    def hold(self, method: str) -> threading.Event:
        """Hold every answer to `method` until the returned Event is set (also at close)."""
        released = threading.Event()
        self.holds[method] = released
        return released

    def posted(self, channel: str) -> list[dict[str, Any]]:
        """The messages in `channel`."""
        with self.condition:
            return list(self.messages.get(channel, []))

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def api_url(self) -> str:
        return self.base_url + "/api/"

    def response_url(self, name: str = "r1") -> str:
        return f"{self.base_url}/response/{name}"

    def fail(self, method: str, *failures: Failure) -> None:
        """Answer the next calls of `method` with these failures, in order."""
        self.failures.setdefault(method, []).extend(failures)

    def calls_to(self, path: str) -> list[Call]:
        with self.condition:
            return [c for c in self.calls if c.path == path]

    def wait_for(self, path: str, count: int = 1, timeout: float = 10.0) -> list[Call]:
        """Block until `count` calls to `path` have arrived (a Condition, not a sleep)."""
        with self.condition:
            ok = self.condition.wait_for(
                lambda: len([c for c in self.calls if c.path == path]) >= count, timeout
            )
            found = [c for c in self.calls if c.path == path]
        if not ok:
            seen = sorted({c.path for c in self.calls})
            raise AssertionError(f"expected {count} call(s) to {path}, got {len(found)}; saw {seen}")
        return found

    def close(self) -> None:
        for released in self.holds.values():
            released.set()
        self.server.shutdown()
        self.server.server_close()


OUTAGE_PAGE = (
    "<!DOCTYPE html><html><head><title>{status} Service Unavailable</title></head>"
    "<body><h1>{status}</h1><p>The server is temporarily unable to service your request.</p></body></html>"
)


def _parse(raw: bytes, content_type: str) -> dict[str, Any]:
    if "json" in content_type:
        try:
            data = json.loads(raw or b"{}")
            return data if isinstance(data, dict) else {"_": data}
        except json.JSONDecodeError:
            return {}
    if "form-urlencoded" in content_type:
        parsed = {k: v[0] for k, v in parse_qs(raw.decode("utf-8"), keep_blank_values=True).items()}
        for key in ("view", "blocks", "metadata", "options"):
            if key in parsed:
                with contextlib.suppress(json.JSONDecodeError):
                    parsed[key] = json.loads(parsed[key])
        return parsed
    return {}


def start_standin() -> SlackStandIn:
    """Start the stand-in on a free loopback port."""
    standin: SlackStandIn

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # keep test output clean
            pass

        def do_GET(self) -> None:
            self._handle("GET")

        def do_POST(self) -> None:
            self._handle("POST")

        def _handle(self, verb: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            parsed_url = urlparse(self.path)
            path = parsed_url.path
            body = _parse(raw, self.headers.get("Content-Type", ""))
            if parsed_url.query:
                body.update({k: v[0] for k, v in parse_qs(parsed_url.query).items()})
            key = "upload" if path.startswith("/upload/") else path.removeprefix("/api/")
            arrival = standin.arrivals.get(key)
            if arrival is not None:
                arrival()
            held = standin.holds.get(key)
            if held is not None:
                held.wait(timeout=30)
            with standin.condition:
                failures = standin.failures.get(key, [])
                failure = failures.pop(0) if failures else None
                if failure is None:
                    standin.counter += 1
                    number = standin.counter
            if failure is not None and (failure.lost or failure.late is not None):
                self._take_then_fail(failure, path, verb, body, raw)
                return
            if failure is not None:
                # Recorded before the answer goes out: a client that tries again at once must
                # not find its retry recorded before the failure it is retrying.
                with standin.condition:
                    standin.calls.append(Call(path + "#failed", verb, body, raw, dict(self.headers.items())))
                    standin.condition.notify_all()
                self._send_failure(failure)
                return
            answer = self._answer(path, body, number)
            with standin.condition:
                standin.calls.append(Call(path, verb, body, raw, dict(self.headers.items())))
                standin.condition.notify_all()
            payload = json.dumps(answer).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def _take_then_fail(
            self, failure: Failure, path: str, verb: str, body: dict[str, Any], raw: bytes
        ) -> None:
            """Do what was asked (post the message), then drop the connection or answer late."""
            with standin.condition:
                standin.counter += 1
                number = standin.counter
            answer = self._answer(path, body, number)
            outcome = "#lost" if failure.lost else "#late"
            with standin.condition:
                standin.calls.append(Call(path + outcome, verb, body, raw, dict(self.headers.items())))
                standin.condition.notify_all()
            if failure.late is not None:
                failure.late.wait(30)
                with contextlib.suppress(OSError):
                    self._send_json(200, answer)
            self.close_connection = True

        def _send_json(self, status: int, answer: dict[str, Any]) -> None:
            payload = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def _send_failure(self, failure: Failure) -> None:
            payload = json.dumps({"ok": False, "error": failure.error or "fatal_error"}).encode()
            content_type = "application/json; charset=utf-8"
            if failure.html:
                payload = OUTAGE_PAGE.format(status=failure.status).encode()
                content_type = failure.content_type
            self.send_response(failure.status)
            if failure.retry_after is not None:
                self.send_header("Retry-After", str(failure.retry_after))
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def _answer(self, path: str, body: dict[str, Any], number: int) -> dict[str, Any]:
            method = path.removeprefix("/api/")
            if method in standin.answers:
                return standin.answers[method]
            if method == "auth.test":
                return {
                    "ok": True,
                    "url": "https://kommun.slack.com/",
                    "team": "Kommunen",
                    "user": "contactbot",
                    "team_id": "T0001",
                    "user_id": "UBOT",
                    "bot_id": "BBOT",
                }
            if method == "conversations.open":
                return {"ok": True, "channel": {"id": "D0001"}}
            if method == "files.getUploadURLExternal":
                return {
                    "ok": True,
                    "upload_url": f"{standin.base_url}/upload/F{number}",
                    "file_id": f"F{number}",
                }
            if method == "files.completeUploadExternal":
                files = body.get("files")
                if isinstance(files, str):
                    files = json.loads(files)
                return {"ok": True, "files": [{"id": f["id"], "title": f.get("title")} for f in files or []]}
            if method == "chat.postMessage":
                message = {
                    "type": "message",
                    "ts": f"1700000000.{number:06d}",
                    "text": body.get("text"),
                    "blocks": body.get("blocks"),
                    "metadata": body.get("metadata"),
                }
                with standin.condition:
                    standin.messages.setdefault(body.get("channel"), []).append(message)
                return {"ok": True, "channel": body.get("channel"), "ts": message["ts"], "message": message}
            if method == "chat.update":
                with standin.condition:
                    for message in standin.messages.get(body.get("channel"), []):
                        if message["ts"] == body.get("ts"):
                            message.update(text=body.get("text"), blocks=body.get("blocks"))
                return {"ok": True, "channel": body.get("channel"), "ts": body.get("ts")}
            if method == "conversations.history":
                with standin.condition:
                    found = list(reversed(standin.messages.get(body.get("channel"), [])))
                if str(body.get("include_all_metadata")).lower() not in {"true", "1"}:
                    found = [{k: v for k, v in m.items() if k != "metadata"} for m in found]
                return {"ok": True, "messages": found, "has_more": False}
            if method == "usergroups.users.list":
                with standin.condition:
                    members = standin.usergroups.get(body.get("usergroup", ""))
                if members is None:
                    return {"ok": False, "error": "no_such_subteam"}
                return {"ok": True, "users": list(members)}
            return {"ok": True}

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    standin = SlackStandIn(server)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return standin
