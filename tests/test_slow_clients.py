"""Slow and idle clients can't hold the server: heads have a deadline, and past the connection
limit a request is answered at once instead of waiting."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import uvicorn
from fastapi import FastAPI

from bot.head_timeout import head_timed_protocol
from bot.limits import UVICORN_LIMITS


def _tiny_app() -> FastAPI:
    app = FastAPI()

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


@contextmanager
def _serve(head_seconds: float, concurrency: int) -> Iterator[tuple[str, int]]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    limits = dict(UVICORN_LIMITS, http=head_timed_protocol(head_seconds), limit_concurrency=concurrency)
    server = uvicorn.Server(uvicorn.Config(_tiny_app(), log_config=None, access_log=False, **limits))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        # The socket listens before uvicorn starts: connections queue until it accepts them.
        yield sock.getsockname()
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _closed_by_server(conn: socket.socket) -> bool:
    """Block until the server closes `conn` (True) or 10 s pass (False)."""
    conn.settimeout(10)
    try:
        return conn.recv(1024) == b""
    except TimeoutError:
        return False
    except ConnectionResetError:
        return True


def test_a_request_head_sent_byte_by_byte_is_cut_off() -> None:
    with _serve(head_seconds=0.3, concurrency=50) as (host, port):
        conn = socket.create_connection((host, port))
        conn.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        assert _closed_by_server(conn)
        conn.close()


def test_a_connection_that_never_sends_anything_is_closed() -> None:
    with _serve(head_seconds=0.3, concurrency=50) as (host, port):
        conn = socket.create_connection((host, port))
        assert _closed_by_server(conn)
        conn.close()


def test_a_kept_alive_connection_gets_a_new_deadline_for_its_next_head() -> None:
    with _serve(head_seconds=0.3, concurrency=50) as (host, port):
        conn = socket.create_connection((host, port))
        conn.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        conn.settimeout(10)
        answer = b""
        while b'"ok"' not in answer:  # the head and the body may come in separate reads
            answer += conn.recv(4096)
        assert answer.startswith(b"HTTP/1.1 200 OK")
        conn.sendall(b"GET /healthz HTTP/1.1\r\nHo")  # the next head starts, then stalls
        assert _closed_by_server(conn)
        conn.close()


def test_past_the_connection_limit_health_is_answered_at_once_and_recovers_when_idle_ones_go() -> None:
    with _serve(head_seconds=2.0, concurrency=3) as (host, port):
        idle = [socket.create_connection((host, port)) for _ in range(3)]
        with httpx.Client(timeout=5) as client:
            crowded = client.get(f"http://{host}:{port}/healthz")
            assert crowded.status_code == 503  # refused at once, not left waiting
            for conn in idle:
                assert _closed_by_server(conn)
                conn.close()
            assert client.get(f"http://{host}:{port}/healthz").status_code == 200
