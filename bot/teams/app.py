"""The Teams SDK app, mounted on contactbot's FastAPI app (never a server of its own).

`mount_teams(api, context)` returns None when Teams is not configured (then `POST
/api/messages` is simply not a route: 404). Otherwise it builds the SDK `App` with every
option given explicitly, so that nothing comes from the SDK's own environment variables
(CLIENT_ID, CLIENT_SECRET, TENANT_ID, MANAGED_IDENTITY_CLIENT_ID, SERVICE_URL, CLOUD,
OAUTH_URL, DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS), and puts `ActivityGuard` in front of
the messaging endpoint. The lifespan calls `start()` (the SDK's `initialize()`, which adds the
route) and `close()`.

Authentication:
- TEAMS_CLIENT_ID + TEAMS_CLIENT_SECRET: every request needs a valid Bot Framework JWT
  (checked by the guard, then again by the SDK); replies carry a token from our
  client-credentials provider (bot/teams/tokens.py), which the SDK gets as its `token`.
- TEAMS_DEV_UNAUTHENTICATED=true without credentials: requests need no token and replies carry
  none. With credentials it is ignored: credentials win.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import FastAPI

from bot.context import BotContext
from bot.teams.auth import BotFrameworkVerifier
from bot.teams.guard import ActivityGuard
from bot.teams.tokens import ClientCredentialsTokens

log = logging.getLogger(__name__)

MESSAGING_ENDPOINT = "/api/messages"
# Only for messages the bot starts itself (app.send); replies go to each activity's serviceUrl.
DEFAULT_SERVICE_URL = "https://smba.trafficmanager.net/teams"


@dataclass
class TeamsMount:
    """The mounted Teams app and what its lifespan must start and close."""

    app: Any  # microsoft_teams.apps.App
    adapter: Any  # bot.teams.adapter.TeamsAdapter
    http: httpx.AsyncClient
    unauthenticated: bool
    tokens: ClientCredentialsTokens | None = None
    checking: asyncio.Task[None] | None = field(default=None, init=False)  # the start-up token check

    async def start(self) -> None:
        """Register the messaging endpoint (the SDK's `initialize`; never `start`)."""
        await self.app.initialize()
        if self.unauthenticated:
            log.warning(
                "TEAMS_DEV_UNAUTHENTICATED is on: %s accepts requests without a token and replies "
                "carry none. For local testing only.",
                MESSAGING_ENDPOINT,
            )
        log.info("serving Teams on %s", MESSAGING_ENDPOINT)
        if self.tokens is not None:  # in the background: start-up waits for no network
            self.checking = asyncio.create_task(self.tokens.check())

    async def close(self) -> None:
        """Close the worker threads and HTTP connections."""
        if self.checking is not None:
            self.checking.cancel()
        await self.adapter.close()
        await self.http.aclose()


def mount_teams(api: FastAPI, context: BotContext) -> TeamsMount | None:
    """Mount Teams on `api` when configured; None when not."""
    settings = context.settings
    if not settings.teams_enabled:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the SDK warns about its preview features on import
        from microsoft_teams.api import ApiClientSettings, TokenCredentials
        from microsoft_teams.api.auth.cloud_environment import PUBLIC, with_overrides
        from microsoft_teams.apps import App, FastAPIAdapter
        from microsoft_teams.common import ClientOptions, LocalStorage

        from bot.teams.adapter import TeamsAdapter
        from bot.teams.channel_digest import TeamsDigestHooks
        from bot.teams.files import FileHandOver

    class ExplicitApp(App):
        """The SDK's App with exactly our credentials. `App._init_credentials` falls back to
        CLIENT_ID, CLIENT_SECRET, TENANT_ID and MANAGED_IDENTITY_CLIENT_ID from the environment
        whenever an option is None, which would switch a dev set-up to real auth or our token
        provider to MSAL; tests/test_teams_http.py checks that those variables change nothing."""

        def __init__(self, credentials: Any, **options: Any) -> None:
            self._explicit_credentials = credentials
            super().__init__(**options)

        def _init_credentials(self) -> Any:
            return self._explicit_credentials

    http = httpx.AsyncClient(timeout=10)
    client_id = settings.teams_client_id
    unauthenticated = client_id is None  # teams_enabled: credentials, or the dev flag alone
    if client_id and settings.teams_dev_unauthenticated:
        log.warning(
            "TEAMS_DEV_UNAUTHENTICATED is ignored: TEAMS_CLIENT_ID is set, so every request needs a token"
        )
    tokens = None
    credentials = None
    if client_id:
        assert settings.teams_client_secret is not None
        tokens = ClientCredentialsTokens(
            settings.teams_login_url, client_id, settings.teams_client_secret, settings.teams_tenant_id, http
        )
        credentials = TokenCredentials(client_id=client_id, tenant_id=settings.teams_tenant_id, token=tokens)
    cloud = with_overrides(
        PUBLIC,
        openid_metadata_url=settings.teams_openid_metadata_url,
        login_endpoint=settings.teams_login_url,
    )
    app = ExplicitApp(
        credentials,
        client_id=client_id,
        client_secret=None,  # never given to the SDK: our token provider holds it
        tenant_id=settings.teams_tenant_id,
        token=tokens,
        managed_identity_client_id=None,
        application_id_uri=None,
        dangerously_allow_unauthenticated_requests=unauthenticated,
        skip_auth=None,
        cloud=cloud,
        service_url=DEFAULT_SERVICE_URL,
        api_client_settings=ApiClientSettings(oauth_url=cloud.token_service_url),
        client=ClientOptions(timeout=10),
        storage=LocalStorage(),
        state=False,
        plugins=[],
        fetch_user_token=False,
        default_connection_name=None,
        telemetry={"agent365": False},
        http_server_adapter=FastAPIAdapter(app=api),
        messaging_endpoint=MESSAGING_ENDPOINT,
    )
    adapter = TeamsAdapter(context)
    adapter.files = FileHandOver(context, http, settings.language)
    adapter.digests = TeamsDigestHooks(context, adapter.in_thread)
    adapter.register(app)
    verifier = (
        None
        if unauthenticated
        else BotFrameworkVerifier(client_id or "", settings.teams_openid_metadata_url, http)
    )
    api.add_middleware(
        ActivityGuard, path=MESSAGING_ENDPOINT, verifier=verifier, tenant=settings.teams_tenant_id
    )
    return TeamsMount(app=app, adapter=adapter, http=http, unauthenticated=unauthenticated, tokens=tokens)
