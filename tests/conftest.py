"""Shared fixtures: a real database (SQLite file, or PostgreSQL when
CONTACTBOT_TEST_DATABASE_URL is set), a controllable clock, the Slack stand-in and
the real HTTP app on loopback."""

from __future__ import annotations

import itertools
import json
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
import uvicorn
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import create_engine, text

from bot.config import Settings, load_settings
from bot.context import BotContext, open_context
from bot.limits import UVICORN_LIMITS
from bot.server import create_app
from handlers.replies import Caller
from tests.slack_standin import SlackStandIn, start_standin

PG_ENV = "CONTACTBOT_TEST_DATABASE_URL"
SIGNING_SECRET = "test-signing-secret-0123456789abcdef"
BOT_TOKEN = "xoxb-test-0000-secret-token"
COORDINATOR = "UCOORD"
_TRIGGERS = itertools.count(1)


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 26, 9, 30, tzinfo=UTC))


def _postgres_url() -> str | None:
    return os.environ.get(PG_ENV) or None


def pytest_report_header(config: pytest.Config) -> str:
    url = _postgres_url()
    return f"database: {'PostgreSQL ' + url if url else 'SQLite files'}"


def pytest_sessionstart(session: pytest.Session) -> None:
    """With a PostgreSQL URL given, an unreachable server fails the run instead of skipping."""
    url = _postgres_url()
    if url is None:
        return
    engine = create_engine(url, connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # noqa: BLE001
        pytest.exit(f"{PG_ENV} is set but PostgreSQL does not answer: {type(error).__name__}", returncode=3)
    finally:
        engine.dispose()


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database for one test: its own SQLite file or PostgreSQL schema."""
    base = _postgres_url()
    if base is None:
        yield f"sqlite:///{tmp_path / 'contacts.db'}"
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in base else "?"
    try:
        yield f"{base}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def settings(database_url: str, standin: SlackStandIn) -> Settings:
    return load_settings(
        {
            "DATABASE_URL": database_url,
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": standin.api_url,
            "COORDINATORS": COORDINATOR,
            "LANGUAGE": "en",
        },
        env_file=Path("/nonexistent/.env"),
    )


@pytest.fixture
def context(settings: Settings, clock: FakeClock) -> Iterator[BotContext]:
    ctx = open_context(settings, clock=clock)
    yield ctx
    ctx.db.dispose()


@pytest.fixture
def swedish(context: BotContext) -> BotContext:
    """The same bot, answering in Swedish."""
    context.settings = replace(context.settings, language="sv")
    return context


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    server = start_standin()
    yield server
    server.close()


ALICE = Caller("slack", "UALICE", "alice")
BOB = Caller("slack", "UBOB", "bob")
COORD = Caller("slack", COORDINATOR, "coordinator", is_coordinator=True)


@dataclass
class RunningApp:
    """The real HTTP app served by uvicorn on loopback, and a way to talk to it as Slack does."""

    url: str
    context: BotContext
    standin: SlackStandIn
    client: httpx.Client
    secret: str = SIGNING_SECRET

    def signed(self, body: str, timestamp: int | None = None, secret: str | None = None) -> dict[str, str]:
        """Headers that sign `body` exactly as Slack does."""
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        signature = SignatureVerifier(secret or self.secret).generate_signature(timestamp=stamp, body=body)
        return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": signature}

    def post(
        self,
        body: str,
        content_type: str,
        headers: dict[str, str] | None = None,
        timestamp: int | None = None,
    ) -> httpx.Response:
        all_headers = {"Content-Type": content_type}
        all_headers.update(self.signed(body, timestamp) if headers is None else headers)
        return self.client.post(self.url + "/slack/events", content=body.encode(), headers=all_headers)

    def command_body(self, text: str, user: str = "UALICE", name: str = "alice", response: str = "r1") -> str:
        """A slash command as Slack posts it; every invocation has a trigger id of its own, so
        two commands are never one byte-identical (replayed) request."""
        return urlencode(
            {
                "token": "legacy",
                "team_id": "T0001",
                "channel_id": "C0001",
                "user_id": user,
                "user_name": name,
                "command": "/kontakt",
                "text": text,
                "response_url": self.standin.response_url(response),
                "trigger_id": f"1337.42.{next(_TRIGGERS)}",
            }
        )

    def command(
        self, text: str, user: str = "UALICE", name: str = "alice", response: str = "r1"
    ) -> httpx.Response:
        return self.post(self.command_body(text, user, name, response), "application/x-www-form-urlencoded")

    def reply_to(self, text: str, user: str = "UALICE", name: str = "alice", response: str = "r1") -> str:
        """Send a command and wait for the text it sends to the response URL."""
        before = len(self.standin.calls_to(f"/response/{response}"))
        answer = self.command(text, user, name, response)
        assert answer.status_code == 200, answer.text
        calls = self.standin.wait_for(f"/response/{response}", before + 1)
        return calls[before].body["text"]

    def interaction(
        self, payload: dict[str, Any], headers: dict[str, str] | None = None, timestamp: int | None = None
    ) -> httpx.Response:
        """Post an interaction payload, signed now (or at `timestamp`)."""
        body = urlencode({"payload": json.dumps(payload)})
        return self.post(body, "application/x-www-form-urlencoded", headers, timestamp)


def _free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(512)
    return sock


@contextmanager
def serve_app(context: BotContext, standin: SlackStandIn, api: Any = None) -> Iterator[RunningApp]:
    """uvicorn serving the real FastAPI app (or `api`, built from `context`); the socket listens
    before the thread starts, so requests simply queue until the server accepts them."""
    sock = _free_socket()
    api = api if api is not None else create_app(context)
    # With the limits `contactbot run` sets (bot/limits.py), so the tests meet the same server.
    server = uvicorn.Server(uvicorn.Config(api, log_config=None, access_log=False, **UVICORN_LIMITS))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    host, port = sock.getsockname()
    try:
        with httpx.Client(timeout=10) as client:
            yield RunningApp(f"http://{host}:{port}", context, standin, client)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@pytest.fixture
def app(context: BotContext, standin: SlackStandIn) -> Iterator[RunningApp]:
    with serve_app(context, standin) as running:
        yield running


# -- Teams: the stand-in for Microsoft's side, settings aimed at it, the app serving it -----------

from bot.teams.delivery import RetryPolicy  # noqa: E402
from tests.teams_standin import TENANT_ID, TeamsStandIn, start_teams_standin  # noqa: E402

TEAMS_COORDINATOR = "c0000000-0000-4000-8000-00000000c00d"
SLACK_ENVIRONMENT = {
    "SLACK_BOT_TOKEN": BOT_TOKEN,
    "SLACK_SIGNING_SECRET": SIGNING_SECRET,
    "COORDINATORS": COORDINATOR,
}


def teams_environment(teams: TeamsStandIn, credentials: bool = True, **extra: str) -> dict[str, str]:
    """TEAMS_* settings aimed at the stand-in (with credentials, or none for the dev mode)."""
    environment = {
        "TEAMS_OPENID_METADATA_URL": teams.openid_metadata_url,
        "TEAMS_LOGIN_URL": teams.login_url,
        "TEAMS_COORDINATORS": TEAMS_COORDINATOR,
    }
    if credentials:
        environment.update(
            TEAMS_CLIENT_ID=teams.client_id,
            TEAMS_CLIENT_SECRET=teams.client_secret,
            TEAMS_TENANT_ID=TENANT_ID,
        )
    environment.update(extra)
    return environment


@pytest.fixture
def teams_standin() -> Iterator[TeamsStandIn]:
    server = start_teams_standin()
    yield server
    server.close()


@dataclass
class TeamsApp:
    """The real app on loopback, spoken to as the Bot Connector speaks to it."""

    running: RunningApp
    teams: TeamsStandIn
    api: Any

    @property
    def context(self) -> BotContext:
        return self.running.context

    def post(
        self, activity: Any, headers: dict[str, str] | None = None, raw: bytes | None = None
    ) -> httpx.Response:
        """POST to /api/messages, signed for the activity's serviceUrl unless `headers` is given."""
        if headers is None:
            service_url = activity.get("serviceUrl") if isinstance(activity, dict) else None
            headers = self.teams.bearer(service_url)
        content = raw if raw is not None else json.dumps(activity).encode()
        return self.running.client.post(
            self.running.url + "/api/messages",
            content=content,
            headers={"Content-Type": "application/json", **headers},
        )

    def say(self, activity: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
        """Post a message activity; the activity the bot sent back into that conversation (its thread)."""
        path = self.teams.activities_path(threaded_id(activity))
        before = len([c for c in self.teams.calls_to("send") if c.path == path])
        answer = self.post(activity, headers)
        assert answer.status_code == 200, answer.text
        return self.teams.wait_for(path, before + 1)[before]


def threaded_id(activity: dict[str, Any]) -> str:
    """The conversation id a reply to `activity` goes to (a channel message's thread)."""
    conversation = activity["conversation"]
    if conversation.get("conversationType") == "channel" and ";messageid=" not in conversation["id"]:
        return f"{conversation['id']};messageid={activity['id']}"
    return conversation["id"]


@contextmanager
def serve_teams(
    database_url: str,
    clock: FakeClock,
    standin: SlackStandIn,
    teams: TeamsStandIn,
    environment: dict[str, str],
) -> Iterator[TeamsApp]:
    """The real app with `environment` (Slack and/or Teams settings) over a fresh context."""
    settings = load_settings(
        {"DATABASE_URL": database_url, "LANGUAGE": "en", "SLACK_API_URL": standin.api_url, **environment},
        env_file=Path("/nonexistent/.env"),
    )
    context = open_context(settings, clock=clock)
    api = create_app(context)
    if api.state.teams is not None:  # retries without long waits
        api.state.teams.adapter.retry = RetryPolicy(backoff=0.01)
    try:
        with serve_app(context, standin, api) as running:
            yield TeamsApp(running, teams, api)
    finally:
        context.db.dispose()


@pytest.fixture
def teams_app(
    database_url: str, clock: FakeClock, standin: SlackStandIn, teams_standin: TeamsStandIn
) -> Iterator[TeamsApp]:
    """Slack and Teams both configured, as in production."""
    environment = {**SLACK_ENVIRONMENT, **teams_environment(teams_standin)}
    with serve_teams(database_url, clock, standin, teams_standin, environment) as running:
        yield running
