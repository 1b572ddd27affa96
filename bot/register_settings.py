"""The settings of the register's public description and its personal data: the privacy
notice's address, and how long personal data is kept under which decision (gallring)."""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urlsplit

from handlers.i18n import _

_PERIOD = re.compile(r"^(\d{1,3})\s*([my])$")


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
    period = get("GALLRING_PERSONAL_DATA")
    if period is not None:
        match = _PERIOD.match(period.casefold().replace("å", "y"))
        if match is None or int(match.group(1)) == 0:
            raise ValueError(_("GALLRING_PERSONAL_DATA must be a period like 24m (months) or 2y (years)."))
        period = match.group(1) + match.group(2)
    return {
        "privacy_url": url,
        "gallring_personal_data": period,
        "gallring_decision": get("GALLRING_DECISION"),
    }
