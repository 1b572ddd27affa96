"""One asyncio process serving Slack over HTTP (FastAPI on uvicorn), and Socket Mode if configured."""

from __future__ import annotations

import asyncio
import gc
import logging
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.config import ConfigError, Settings
from bot.context import BotContext, open_context
from bot.digest.service import DigestService, digest_service
from bot.health import HealthCheck
from bot.limits import UVICORN_LIMITS
from bot.scheduler import start_scheduler
from bot.slack.app import REFUSED_TOKEN, build_slack_app
from bot.slack.guard import mount_slack_guard
from bot.slack.trouble import slack_cause
from handlers.i18n import _
from storage.requests import RequestStore

log = logging.getLogger(__name__)


def create_app(
    context: BotContext, identity: dict[str, Any] | None = None, scheduler: bool = False
) -> FastAPI:
    """The HTTP app: `POST /slack/events` for commands, forms and events (when Slack is
    configured), `POST /api/messages` for Teams (when Teams is configured); `GET /healthz`.

    `identity` is the bot's `auth.test` answer when already known; otherwise it is asked
    for in the background (with backoff), and no request waits for it.
    """
    settings = context.settings
    requests = RequestStore(context.db)  # replay keys, shared by the Slack guard and the app
    # Teams-only: no Slack app.
    slack = build_slack_app(context, requests=requests) if settings.slack_enabled else None
    if slack is not None and identity is not None:
        slack.identity.known(identity)  # type: ignore[attr-defined]

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        digest_scheduler = None
        learning = None
        if slack is not None and slack.identity.result is None:  # type: ignore[attr-defined]
            learning = asyncio.create_task(slack.identity.keep_trying())  # type: ignore[attr-defined]
        if teams is not None:  # Teams: the SDK adds its route here
            await teams.start()
        if scheduler:
            # One delivery for every target, shared with the Slack adapter when there is one.
            service = (
                slack.adapter.digest_service()  # type: ignore[attr-defined]
                if slack is not None
                else digest_service(context)
            )
            if service is None and settings.teams_enabled:
                # A Teams channel can be chosen at any time (`@contactbot digest here`); each
                # tick assembles the targets anew, so the scheduler runs from the start.
                service = DigestService(context)
            if service is None:
                log.warning(
                    "no digest destination is set (DIGEST_CHANNEL, TEAMS_DIGEST_WEBHOOK_URL): the weekly digest is off"
                )
            else:
                digest_scheduler = start_scheduler(service)
        socket_mode = None
        if slack is not None and settings.slack_app_token:
            from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

            socket_mode = AsyncSocketModeHandler(slack, settings.slack_app_token)
            await socket_mode.connect_async()
            health.socket_mode = socket_mode
            log.info("connected to Slack over Socket Mode")
        try:
            yield
        finally:
            if learning is not None:
                learning.cancel()
            health.close()
            if socket_mode is not None:
                await socket_mode.close_async()
            if digest_scheduler is not None:
                digest_scheduler.shutdown(wait=False)
            if slack is not None:
                await slack.adapter.close()  # type: ignore[attr-defined]
            if teams is not None:
                await teams.close()

    api = FastAPI(title="contactbot", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    api.state.context = context
    api.state.slack = slack
    teams = None  # unless Teams is configured: /api/messages is then a 404
    if settings.teams_enabled:
        # Imported only then: the Teams SDK and its token checks (PyJWT, cryptography, httpx).
        from bot.teams.app import mount_teams

        teams = mount_teams(api, context)
    api.state.teams = teams
    if slack is not None:  # limits, the signature and replays, before bolt parses anything
        mount_slack_guard(api, "/slack/events", settings.slack_signing_secret or "", requests, slack)
    health = HealthCheck(context, slack, teams)
    api.state.health = health

    @api.post("/slack/events")
    async def slack_events() -> JSONResponse:
        # With Slack configured, the guard serves this path itself and nothing reaches here.
        return JSONResponse({"error": "Slack is not configured"}, status_code=404)

    @api.get("/healthz")
    async def healthz() -> JSONResponse:
        status, report = await health.report()
        return JSONResponse(report, status_code=status)

    return api


def serve(settings: Settings, host: str, port: int, scheduler: bool = True) -> int:
    """Run the bot until stopped; returns the exit status."""
    from bot.logs import configure_logging

    configure_logging(
        [
            settings.slack_bot_token or "",
            settings.slack_signing_secret or "",
            settings.slack_app_token or "",
            settings.teams_client_secret or "",
            settings.teams_digest_webhook_url or "",
        ]
    )
    listener = _bind(host, port)
    identity = check_token(settings) if settings.slack_enabled else None
    context = open_context(settings)
    app = create_app(context, identity, scheduler=scheduler)
    settle_memory()
    share_the_interpreter()
    # Sizes, timeouts and connections uvicorn limits itself: see bot/limits.py for which does what.
    config = uvicorn.Config(app, log_config=None, access_log=False, lifespan="on", **UVICORN_LIMITS)
    server = uvicorn.Server(config)
    port = listener.getsockname()[1]  # the real port, also when 0 asked for any free one
    paths = [
        p
        for p, on in (("/slack/events", settings.slack_enabled), ("/api/messages", settings.teams_enabled))
        if on
    ]
    log.info("serving %s on http://%s:%d (database: %s)", " and ".join(paths), host, port, context.db.backend)
    server.run(sockets=[listener])
    context.db.dispose()
    return 0 if server.started else 1


def share_the_interpreter() -> None:
    """Let a thread that waits for Python's interpreter lock have it after 1 ms, not 5.

    A database thread lets the lock go around every statement and must take it back after;
    with the event loop always busy (past about 300 commands a second), each of those waits
    lasted the whole switch interval, so a `log` of eight driver calls took 40 ms of waiting
    and the bot saved ever fewer commands the more it was sent.
    """
    sys.setswitchinterval(SWITCH_INTERVAL)


SWITCH_INTERVAL = 0.001  # seconds; Python's default is 0.005


def settle_memory() -> None:
    """Collect once, then freeze everything loaded at start-up out of the garbage collector's way.

    Without this, full collections walk every module, ORM mapping and translation loaded at
    start-up, and the pauses (tens of milliseconds) show up as the slowest acknowledgements.
    """
    gc.collect()
    gc.freeze()


def check_token(settings: Settings) -> dict[str, Any] | None:
    """Ask Slack who the bot is; a refused token stops start-up, an unreachable Slack does not
    (the bot then keeps asking in the background, and serves commands meanwhile)."""
    # One attempt, no retry: an unreachable Slack is asked again in the background, so start-up
    # (and /healthz) is not held up by slack_sdk's retry with its one-second wait.
    client = WebClient(
        token=settings.slack_bot_token, base_url=settings.slack_api_url, timeout=5, retry_handlers=[]
    )
    try:
        response = client.auth_test()
    except SlackApiError as error:
        code = slack_cause(error)
        if code in REFUSED_TOKEN:
            raise ConfigError(_("SLACK_BOT_TOKEN was refused by Slack ({code}).").format(code=code)) from None
        log.warning("Slack did not answer auth.test (%s); asking again in the background", code)
        return None
    except OSError as error:
        log.warning("Slack is unreachable (%s); asking again in the background", slack_cause(error))
        return None
    log.info("connected to Slack as %s in %s", response.get("user"), response.get("team"))
    return dict(response.data) if isinstance(response.data, dict) else None


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((host, port))
    except (OSError, OverflowError) as error:
        listener.close()
        reason = error.strerror if isinstance(error, OSError) and error.strerror else None
        reason = reason or _("not a valid address or port")
        raise ConfigError(
            _("cannot listen on {host}:{port} ({reason}): check --host and --port.").format(
                host=host, port=port, reason=reason
            )
        ) from None
    listener.listen(2048)
    listener.set_inheritable(True)
    return listener
