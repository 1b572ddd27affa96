"""The setting of the register's privacy notice (its address). How long personal data is kept
and under which decision are GALLRING_* (bot/config.py, bot/people.py's Period)."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from handlers.i18n import _


def register_settings(get: Callable[[str], str | None]) -> dict[str, str | None]:
    """PRIVACY_URL, GALLRING_PERSONAL_DATA and GALLRING_DECISION; ValueError names a bad one."""
    url = get("PRIVACY_URL")
    if url is not None:
        parts = urlsplit(url)
        if parts.scheme not in {"http", "https"} or not parts.hostname or any(ch.isspace() for ch in url):
            raise ValueError(
                _(
                    "PRIVACY_URL must be the http(s) address of the privacy notice, e.g. https://kommun.se/integritet."
                )
            )
    return {"privacy_url": url}
