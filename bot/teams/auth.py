"""Checks the Bot Framework JWT on every request to the messaging endpoint.

Issuer `https://api.botframework.com`, audience our client id, RS256 signed by a key from the
Bot Framework's key set, not expired (five minutes' clock skew, as the SDK allows), and a
`serviceurl` claim equal to the activity's serviceUrl. The key set's address is derived from
TEAMS_OPENID_METADATA_URL exactly as the SDK derives it (…/openidconfiguration → …/keys), so
this check and the SDK's own one behind it use the same keys.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Callable
from typing import Any

import httpx
import jwt

log = logging.getLogger(__name__)

BOT_FRAMEWORK_ISSUER = "https://api.botframework.com"
LEEWAY = 300  # seconds of clock skew, as the SDK's validator allows
REFETCH_AFTER = 60.0  # an unknown key id fetches the key set again at most this often


class KeysUnavailable(Exception):
    """The key set could not be fetched; nothing can be verified just now."""


def keys_url(openid_metadata_url: str) -> str:
    """The JWKS address the SDK uses for `openid_metadata_url`."""
    return re.sub(r"/openidconfiguration$", "/keys", openid_metadata_url)


class BotFrameworkVerifier:
    """Verifies bearer tokens; keys are fetched on first use and when an unknown key id shows up."""

    def __init__(
        self,
        client_id: str,
        openid_metadata_url: str,
        http: httpx.AsyncClient,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client_id = client_id
        self.jwks_url = keys_url(openid_metadata_url)
        self.http = http
        self.clock = clock
        self._keys: dict[str, Any] = {}
        self._fetched_at: float | None = None
        self._lock = asyncio.Lock()

    async def claims(self, authorization: str) -> dict[str, Any] | None:
        """The verified claims of `Authorization: Bearer …`, or None (the reason is logged)."""
        if not authorization.startswith("Bearer ") or not authorization[7:].strip():
            log.warning("Teams request refused: no bearer token")
            return None
        token = authorization[7:].strip()
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            log.warning("Teams request refused: the token is not a JWT")
            return None
        if header.get("alg") != "RS256":
            log.warning("Teams request refused: the token is not signed with RS256")
            return None
        key = await self._key(str(header.get("kid") or ""))
        if key is None:
            log.warning("Teams request refused: the token's signing key is not in the Bot Framework key set")
            return None
        try:
            return jwt.decode(
                token,
                key,
                algorithms=["RS256"],
                audience=self.client_id,
                issuer=BOT_FRAMEWORK_ISSUER,
                leeway=LEEWAY,
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.PyJWTError as error:
            log.warning("Teams request refused: %s", type(error).__name__)
            return None

    async def _key(self, kid: str) -> Any | None:
        async with self._lock:
            stale = self._fetched_at is None or self.clock() - self._fetched_at >= REFETCH_AFTER
            if kid not in self._keys and stale:
                self._keys = await self._fetch()
                self._fetched_at = self.clock()
            return self._keys.get(kid)

    async def _fetch(self) -> dict[str, Any]:
        try:
            response = await self.http.get(self.jwks_url, timeout=10)
            response.raise_for_status()
            keys = jwt.PyJWKSet.from_dict(response.json())
        except (httpx.HTTPError, ValueError, jwt.PyJWTError) as error:
            status = error.response.status_code if isinstance(error, httpx.HTTPStatusError) else None
            cause = f"HTTP {status}" if status else type(error).__name__
            log.warning("cannot fetch the Bot Framework key set (%s)", cause)
            raise KeysUnavailable from None
        return {key.key_id: key.key for key in keys.keys if key.key_id}


def service_url_matches(claims: dict[str, Any], service_url: object) -> bool:
    """Whether the token was issued for the activity's serviceUrl (trailing slashes ignored)."""
    claimed = claims.get("serviceurl")
    if not isinstance(claimed, str) or not isinstance(service_url, str):
        return False
    return claimed.rstrip("/") == service_url.rstrip("/")
