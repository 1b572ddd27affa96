"""The bot's outgoing token: OAuth2 client credentials against Microsoft Entra, cached.

Why not the SDK's own: with a client secret the SDK asks MSAL, and MSAL insists on an https
authority and first asks login.microsoftonline.com for "instance discovery"; it cannot be
pointed at a stand-in on loopback. So the SDK gets this provider instead (its `token`
option, TokenCredentials) and never sees the secret: one POST to
`{TEAMS_LOGIN_URL}/{tenant or botframework.com}/oauth2/v2.0/token`, scope
`https://api.botframework.com/.default`, the answer kept until five minutes before it expires.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

log = logging.getLogger(__name__)

BOT_SCOPE = "https://api.botframework.com/.default"
DEFAULT_TENANT = "botframework.com"
REFRESH_MARGIN = 300.0  # seconds before expiry a token is renewed


class TokenTrouble(Exception):
    """The token endpoint refused or could not be reached; the message holds no secret."""


@dataclass(frozen=True)
class AccessToken:
    """An app-only access token, shaped as the SDK's TokenProtocol wants it."""

    value: str = field(repr=False)
    expires_at: float
    app_id: str = ""
    app_display_name: str | None = None
    tenant_id: str | None = None
    service_url: str = ""
    from_: str = "bot"
    from_id: str = ""

    @property
    def expiration(self) -> int:
        return int(self.expires_at * 1000)

    def is_expired(self, buffer_ms: int = 5 * 60 * 1000) -> bool:
        return time.time() + buffer_ms / 1000 >= self.expires_at

    def __str__(self) -> str:
        return self.value


class ClientCredentialsTokens:
    """`get_app_token(scope, tenant)` for the SDK: one request per scope and tenant until expiry."""

    def __init__(
        self,
        login_url: str,
        client_id: str,
        client_secret: str,
        tenant_id: str | None,
        http: httpx.AsyncClient,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.login_url = login_url.rstrip("/")
        self.client_id = client_id
        self._secret = client_secret
        self.tenant_id = tenant_id
        self.http = http
        self.clock = clock
        self._cache: dict[tuple[str, str], AccessToken] = {}
        self._lock = asyncio.Lock()
        self.problem: str | None = None  # why the last request failed (no secret), until one works
        self.refused = False  # the last request's credentials were refused (not an outage)

    def __repr__(self) -> str:
        return f"ClientCredentialsTokens(client_id={self.client_id!r}, tenant_id={self.tenant_id!r})"

    async def get_app_token(self, scope: str | list[str] | None, tenant_id: str | None = None) -> AccessToken:
        """A valid token for `scope` (default: the Bot Connector) in `tenant_id`."""
        scopes = scope if isinstance(scope, str) else " ".join(scope or [BOT_SCOPE])
        tenant = tenant_id or self.tenant_id or DEFAULT_TENANT
        key = (scopes, tenant)
        async with self._lock:
            token = self._cache.get(key)
            if token is None or self.clock() + REFRESH_MARGIN >= token.expires_at:
                token = await self._request(scopes, tenant)
                self._cache[key] = token
            return token

    async def _request(self, scope: str, tenant: str) -> AccessToken:
        url = f"{self.login_url}/{tenant}/oauth2/v2.0/token"
        form = {
            "grant_type": "client_credentials",
            "client_id": self.client_id,
            "client_secret": self._secret,
            "scope": scope,
        }
        try:
            token = await self._ask(url, form, tenant)
        except TokenTrouble as trouble:
            self.problem = str(trouble)
            raise
        self.problem, self.refused = None, False
        log.info(
            "got a Bot Connector token for tenant %s, valid %d s", tenant, token.expires_at - self.clock()
        )
        return token

    async def check(self) -> None:
        """Ask for the Bot Connector's token once at start, so wrong credentials show in the
        log (and in /healthz) before the first person writes."""
        try:
            await self.get_app_token(None)
        except Exception as trouble:  # noqa: BLE001 - a start-up check: one line, never a traceback
            log.warning(
                "Teams: no token for the Bot Connector (%s): %s; messages are saved, but no answer can be sent",
                trouble,
                "check TEAMS_CLIENT_ID, TEAMS_CLIENT_SECRET and TEAMS_TENANT_ID"
                if self.refused
                else "asked again at the next message",
            )

    async def _ask(self, url: str, form: dict[str, str], tenant: str) -> AccessToken:
        try:
            response = await self.http.post(url, data=form, timeout=10)
        except httpx.HTTPError as error:
            self.refused = False  # an outage says nothing of the credentials
            raise TokenTrouble(f"token endpoint unreachable ({type(error).__name__})") from None
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        if response.status_code != 200 or not isinstance(answer, dict) or not answer.get("access_token"):
            code = answer.get("error") if isinstance(answer, dict) else None
            # Entra answers 400 or 401 for a wrong id, secret or tenant; 5xx is its own trouble.
            self.refused = response.status_code in {400, 401, 403}
            raise TokenTrouble(f"token endpoint answered HTTP {response.status_code} ({code or 'no token'})")
        try:
            lifetime = float(answer.get("expires_in") or 3600)
        except (TypeError, ValueError):
            lifetime = 3600.0
        return AccessToken(
            value=str(answer["access_token"]),
            expires_at=self.clock() + lifetime,
            app_id=self.client_id,
            tenant_id=tenant,
        )
