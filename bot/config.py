"""Settings from the environment and an optional `.env` file.

A missing or malformed setting stops start-up with one line naming it (ConfigError);
secrets are never part of any message.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.people import Period, people
from bot.register_settings import register_settings
from handlers.digest import Schedule
from handlers.i18n import LANGUAGES, _

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
DEFAULT_DATABASE_URL = "sqlite:///contactbot.db"
DEFAULT_TEAMS_OPENID_METADATA_URL = "https://login.botframework.com/v1/.well-known/openidconfiguration"
DEFAULT_TEAMS_LOGIN_URL = "https://login.microsoftonline.com"
GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


class ConfigError(Exception):
    """A setting is missing or malformed; the message names it and says what is expected."""


@dataclass(frozen=True)
class Settings:
    """Every setting contactbot reads."""

    database_url: str = DEFAULT_DATABASE_URL
    database_timeout: float = 2.0
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Europe/Stockholm"))
    language: str = "sv"
    # Platform-qualified user ids (`slack:U012…`, `teams:<AAD object id>`).
    coordinators: frozenset[str] = frozenset()
    archivists: frozenset[str] = frozenset()
    slack_coordinator_group: str | None = None
    # Disposal of counterparts' personal data, only by a decision (see storage/disposal.py).
    gallring_personal_data: Period | None = None
    gallring_decision: str | None = None
    slack_bot_token: str | None = field(default=None, repr=False)
    slack_signing_secret: str | None = field(default=None, repr=False)
    slack_app_token: str | None = field(default=None, repr=False)
    slack_api_url: str = DEFAULT_SLACK_API_URL
    slack_command: str = "/kontakt"
    digest_channel: str | None = None
    digest_schedule: Schedule = field(default_factory=lambda: Schedule.parse("mon 08:00"))
    digest_catchup: timedelta = timedelta(days=3)
    digest_skip_empty: bool = False
    digest_chart: bool = True
    # Organisation names of the twin towns, for the annual report (TWIN_TOWNS, `;`-separated).
    twin_towns: tuple[str, ...] = ()
    # -- Teams (see bot/teams/) --
    teams_client_id: str | None = None
    teams_client_secret: str | None = field(default=None, repr=False)
    teams_tenant_id: str | None = None
    teams_coordinators: frozenset[str] = frozenset()
    teams_openid_metadata_url: str = DEFAULT_TEAMS_OPENID_METADATA_URL
    teams_login_url: str = DEFAULT_TEAMS_LOGIN_URL
    teams_dev_unauthenticated: bool = False
    teams_digest_webhook_url: str | None = field(
        default=None, repr=False
    )  # a secret: anyone with it can post
    # -- the register's privacy notice (see bot/register_settings.py) --
    privacy_url: str | None = None

    @property
    def slack_enabled(self) -> bool:
        """Whether any Slack setting is given (then all that Slack needs must be)."""
        return bool(self.slack_bot_token or self.slack_signing_secret or self.slack_app_token)

    @property
    def teams_enabled(self) -> bool:
        """Whether to serve Teams: with credentials, or unauthenticated for local testing."""
        return bool(self.teams_client_id) or self.teams_dev_unauthenticated

    def require_platform(self) -> None:
        """Raise ConfigError unless Slack or Teams (or both) can be served."""
        if self.slack_enabled:
            self.require_slack()
        elif not self.teams_enabled:
            raise ConfigError(
                _(
                    "No chat platform is configured: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET for Slack, "
                    "or TEAMS_CLIENT_ID and TEAMS_CLIENT_SECRET for Teams."
                )
            )

    def require_slack(self) -> None:
        """Raise ConfigError unless the settings needed to serve Slack are there."""
        if not self.slack_bot_token:
            raise ConfigError(_("SLACK_BOT_TOKEN is not set: give the bot token (xoxb-…) of the Slack app."))
        if not self.slack_bot_token.startswith("xoxb-"):
            raise ConfigError(
                _("SLACK_BOT_TOKEN does not look like a bot token: it should start with xoxb-.")
            )
        if not self.slack_signing_secret:
            raise ConfigError(
                _(
                    "SLACK_SIGNING_SECRET is not set: copy the signing secret from the Slack app's Basic Information page."
                )
            )
        if self.slack_app_token and not self.slack_app_token.startswith("xapp-"):
            raise ConfigError(
                _("SLACK_APP_TOKEN does not look like an app-level token: it should start with xapp-.")
            )


def language_of(environ: Mapping[str, str] | None = None, env_file: Path | None = None) -> str:
    """The LANGUAGE setting as far as it can be read (for messages before the settings load)."""
    values = _raw(environ, env_file)
    try:
        return _language(values.get("LANGUAGE") or "sv")
    except ConfigError:
        return "sv"


def _raw(environ: Mapping[str, str] | None, env_file: Path | None) -> dict[str, str]:
    values: dict[str, str] = {}
    dotenv = env_file if env_file is not None else Path(".env")
    if dotenv.is_file():
        values.update({k: v for k, v in dotenv_values(dotenv).items() if v is not None})
    values.update(os.environ if environ is None else environ)
    return values


def load_settings(environ: Mapping[str, str] | None = None, env_file: Path | None = None) -> Settings:
    """Read settings from `environ` (default: the process environment) over `.env`."""
    values = _raw(environ, env_file)

    def get(name: str) -> str | None:
        value = values.get(name)
        return value.strip() if value and value.strip() else None

    return Settings(
        database_url=_database_url(get("DATABASE_URL") or DEFAULT_DATABASE_URL),
        database_timeout=_positive_number("DATABASE_TIMEOUT", get("DATABASE_TIMEOUT"), 2.0),
        timezone=_zone(get("TIMEZONE") or "Europe/Stockholm"),
        language=_language(get("LANGUAGE") or "sv"),
        coordinators=people("COORDINATORS", get("COORDINATORS")),
        archivists=people("ARCHIVISTS", get("ARCHIVISTS")),
        slack_coordinator_group=_user_group(get("SLACK_COORDINATOR_GROUP")),
        gallring_personal_data=_period(get("GALLRING_PERSONAL_DATA")),
        gallring_decision=get("GALLRING_DECISION"),
        slack_bot_token=get("SLACK_BOT_TOKEN"),
        slack_signing_secret=get("SLACK_SIGNING_SECRET"),
        slack_app_token=get("SLACK_APP_TOKEN"),
        slack_api_url=_api_url(get("SLACK_API_URL") or DEFAULT_SLACK_API_URL),
        slack_command=_command(get("SLACK_COMMAND") or "/kontakt"),
        digest_channel=_channel(get("DIGEST_CHANNEL")),
        digest_schedule=_schedule(get("DIGEST_SCHEDULE") or "mon 08:00"),
        digest_catchup=_duration("DIGEST_CATCHUP", get("DIGEST_CATCHUP") or "3d"),
        digest_skip_empty=_flag("DIGEST_SKIP_EMPTY", get("DIGEST_SKIP_EMPTY"), False),
        digest_chart=_flag("DIGEST_CHART", get("DIGEST_CHART"), True),
        twin_towns=_names(get("TWIN_TOWNS")),
        **_teams_settings(get),
        **_register(get),
    )


def _register(get: Callable[[str], str | None]) -> dict[str, Any]:
    try:
        return register_settings(get)
    except ValueError as problem:
        raise ConfigError(str(problem)) from None


def _names(value: str | None) -> tuple[str, ...]:
    """`Rovaniemen kaupunki; Kauno miestas` (commas separate when no `;` is used)."""
    separator = ";" if value and ";" in value else ","
    return tuple(part.strip() for part in (value or "").split(separator) if part.strip())


def _teams_settings(get: Callable[[str], str | None]) -> dict[str, Any]:
    """The TEAMS_* settings; client id and secret come together or not at all."""
    client_id = get("TEAMS_CLIENT_ID")
    secret = get("TEAMS_CLIENT_SECRET")
    if client_id is not None and not GUID.fullmatch(client_id):
        raise ConfigError(
            _(
                "TEAMS_CLIENT_ID must be the bot's Microsoft App ID, a GUID like 00000000-0000-0000-0000-000000000000."
            )
        )
    if client_id is not None and secret is None:
        raise ConfigError(
            _("TEAMS_CLIENT_SECRET is not set: give the client secret of the bot's app registration.")
        )
    if secret is not None and client_id is None:
        raise ConfigError(
            _("TEAMS_CLIENT_ID is not set: give the bot's Microsoft App ID with TEAMS_CLIENT_SECRET.")
        )
    tenant = get("TEAMS_TENANT_ID")
    if tenant is not None and not (
        GUID.fullmatch(tenant) or re.fullmatch(r"[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+", tenant)
    ):
        raise ConfigError(
            _("TEAMS_TENANT_ID must be a tenant id (a GUID) or a domain like kommun.onmicrosoft.com.")
        )
    coordinators = [
        part.strip()
        for part in (get("TEAMS_COORDINATORS") or "").replace(";", ",").split(",")
        if part.strip()
    ]
    for part in coordinators:
        if not GUID.fullmatch(part):
            raise ConfigError(
                _("TEAMS_COORDINATORS must be Microsoft Entra object ids (GUIDs), not {value}.").format(
                    value=repr(part[:40])
                )
            )
    return {
        "teams_client_id": client_id.lower() if client_id else None,
        "teams_client_secret": secret,
        "teams_tenant_id": tenant,
        "teams_coordinators": frozenset(part.lower() for part in coordinators),
        "teams_openid_metadata_url": _http_url(
            "TEAMS_OPENID_METADATA_URL", get("TEAMS_OPENID_METADATA_URL") or DEFAULT_TEAMS_OPENID_METADATA_URL
        ),
        "teams_login_url": _http_url(
            "TEAMS_LOGIN_URL", get("TEAMS_LOGIN_URL") or DEFAULT_TEAMS_LOGIN_URL
        ).rstrip("/"),
        "teams_dev_unauthenticated": _flag(
            "TEAMS_DEV_UNAUTHENTICATED", get("TEAMS_DEV_UNAUTHENTICATED"), False
        ),
        "teams_digest_webhook_url": (
            _http_url("TEAMS_DIGEST_WEBHOOK_URL", webhook)
            if (webhook := get("TEAMS_DIGEST_WEBHOOK_URL"))
            else None
        ),
    }


def _user_group(value: str | None) -> str | None:
    if value is None:
        return None
    if not re.fullmatch(r"S[A-Z0-9]{6,20}", value):
        raise ConfigError(
            _("SLACK_COORDINATOR_GROUP must be a Slack user group id like S0123ABCD, not a name.")
        )
    return value


def _period(value: str | None) -> Period | None:
    if value is None:
        return None
    period = Period.parse(value)
    if period is None:
        raise ConfigError(
            _("GALLRING_PERSONAL_DATA must be a number of months or years, e.g. 24m, 36m or 2y.")
        )
    return period


def _http_url(name: str, value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.hostname or any(ch.isspace() for ch in value):
        raise ConfigError(_("{name} must be an http(s) URL.").format(name=name))
    return value


def _channel(value: str | None) -> str | None:
    if value is None:
        return None
    channel = value.lstrip("#")
    if not re.fullmatch(r"[CG][A-Z0-9]{6,20}", channel):
        raise ConfigError(
            _(
                "DIGEST_CHANNEL must be a channel id like C0123ABCD (channel name → About → Channel ID), not a name."
            )
        )
    return channel


def _schedule(value: str) -> Schedule:
    try:
        return Schedule.parse(value)
    except ValueError:
        raise ConfigError(
            _("DIGEST_SCHEDULE must be a weekday and a time, e.g. mon 08:00 or fri 15:30.")
        ) from None


def _duration(name: str, value: str) -> timedelta:
    text = value.strip().casefold()
    unit = text[-1] if text[-1:] in {"d", "h"} else "d"
    number = text[:-1] if text[-1:] in {"d", "h"} else text
    try:
        amount = float(number)
    except ValueError:
        raise ConfigError(
            _("{name} must be a number of days or hours, e.g. 3d or 12h.").format(name=name)
        ) from None
    if not 0 <= amount <= 10_000:
        raise ConfigError(_("{name} must be between 0 and 10000.").format(name=name))
    return timedelta(days=amount) if unit == "d" else timedelta(hours=amount)


def _flag(name: str, value: str | None, default: bool) -> bool:
    if value is None:
        return default
    text = value.casefold()
    if text in {"true", "yes", "1", "on", "ja"}:
        return True
    if text in {"false", "no", "0", "off", "nej"}:
        return False
    raise ConfigError(_("{name} must be true or false.").format(name=name))


def _database_url(value: str) -> str:
    try:
        url = make_url(value)
    except ArgumentError:
        raise ConfigError(
            _(
                "DATABASE_URL is not a database URL: use sqlite:///contactbot.db or postgresql+psycopg://user@host/dbname."
            )
        ) from None
    if url.get_backend_name() not in {"sqlite", "postgresql"}:
        raise ConfigError(
            _("DATABASE_URL must point at SQLite (sqlite:///…) or PostgreSQL (postgresql+psycopg://…).")
        )
    if url.get_backend_name() == "postgresql" and url.get_driver_name() not in {"psycopg", "psycopg2"}:
        raise ConfigError(_("DATABASE_URL: use the psycopg driver, postgresql+psycopg://…"))
    if url.get_backend_name() == "postgresql" and url.get_driver_name() == "psycopg2":
        raise ConfigError(_("DATABASE_URL: use the psycopg driver, postgresql+psycopg://…"))
    if url.get_backend_name() == "postgresql" and not url.database:
        raise ConfigError(
            _("DATABASE_URL names no database: add it after the host, e.g. …@localhost/contactbot.")
        )
    return value


def _positive_number(name: str, value: str | None, default: float) -> float:
    if value is None:
        return default
    try:
        number = float(value)
    except ValueError:
        raise ConfigError(_("{name} must be a number of seconds, e.g. 2.").format(name=name)) from None
    if not 0 < number <= 600:
        raise ConfigError(_("{name} must be more than 0 and at most 600 seconds.").format(name=name))
    return number


def _zone(value: str) -> ZoneInfo:
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            _("TIMEZONE is not a time zone name: use one like Europe/Stockholm, not {value}.").format(
                value=repr(value[:40])
            )
        ) from None


def _language(value: str) -> str:
    """`sv` or `en`; also read as gettext's list (`fi:sv`, `sv_SE.UTF-8:en`): its first of them."""
    for entry in value.split(":"):
        language = entry.strip().casefold().split(".")[0].split("@")[0].split("_")[0].split("-")[0]
        if language in LANGUAGES:
            return language
    raise ConfigError(_("LANGUAGE must be one of {languages}.").format(languages=", ".join(LANGUAGES)))


def _api_url(value: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise ConfigError(_("SLACK_API_URL must be an http(s) URL, e.g. https://slack.com/api/."))
    return value if value.endswith("/") else value + "/"


def _command(value: str) -> str:
    command = value if value.startswith("/") else "/" + value
    if len(command) < 2 or len(command) > 32 or any(ch.isspace() for ch in command):
        raise ConfigError(_("SLACK_COMMAND must be one word starting with /, e.g. /kontakt."))
    return command
