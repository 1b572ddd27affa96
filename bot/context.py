"""The running bot's shared parts: settings, database, store, handlers and clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from bot.config import ConfigError, Settings
from bot.roles import SlackGroup, role_of
from bot.workload import PENDING_LIMIT
from handlers.commands import CommandHandler, Services
from handlers.i18n import _
from handlers.privacy import RegisterNotice
from handlers.replies import Role
from storage.contacts import ContactStore
from storage.database import Database
from storage.faults import describe
from storage.migrate import upgrade

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """Now, in UTC."""
    return datetime.now(UTC)


@dataclass
class BotContext:
    """Everything a platform adapter needs to answer users."""

    settings: Settings
    db: Database
    store: ContactStore
    clock: Clock
    _slack_group: SlackGroup | None = field(default=None, init=False, repr=False)
    # Commands running or waiting for the database threads before more are turned away busy.
    pending_limit: int = PENDING_LIMIT

    def handler(self, command: str | None = None) -> CommandHandler:
        """A command handler; hints show `command`, how the bot is invoked on the asking
        platform (default: the Slack slash command)."""
        services = Services(
            store=self.store,
            zone=self.settings.timezone,
            clock=self.clock,
            command=self.settings.slack_command if command is None else command,
            notice=register_notice(self.settings),
            twin_towns=self.settings.twin_towns,
        )
        return CommandHandler(services)

    def is_coordinator(self, user_id: str) -> bool:
        """Whether the Slack user `user_id` coordinates."""
        return self.role_of("slack", user_id) == "coordinator"

    def role_of(self, platform: str, user_id: str) -> Role:
        """The role of a user (see bot/roles.py); may ask Slack for the coordinators' group."""
        group = self.settings.slack_coordinator_group
        if group and self.settings.slack_bot_token and self._slack_group is None:
            self._slack_group = SlackGroup(
                group, self.settings.slack_bot_token, self.settings.slack_api_url, self.clock
            )
        return role_of(self.settings, platform, user_id, self._slack_group if group else None)


def register_notice(settings: Settings) -> RegisterNotice:
    """What the register's texts about personal data name: the privacy notice, the period, the decision."""
    period = settings.gallring_personal_data
    months = f"{period.months}m" if period else None
    return RegisterNotice(settings.privacy_url, months, settings.gallring_decision)


def open_context(settings: Settings, clock: Clock = system_clock, migrate: bool = True) -> BotContext:
    """Connect to the database (creating or upgrading its schema) and build the context."""
    db = Database(settings.database_url, settings.database_timeout)
    if migrate:
        try:
            upgrade(db)
        except DBAPIError as error:
            db.dispose()
            if "locked" in str(error.orig).casefold() or "busy" in str(error.orig).casefold():
                raise ConfigError(
                    _(
                        "The database is busy: another program is writing to it. Try again in a moment, "
                        "or close the program that holds it."
                    )
                ) from None
            raise ConfigError(
                _(
                    "DATABASE_URL: cannot open the database ({error}); check the URL and that the server runs."
                ).format(error=describe(error, _password(settings.database_url)).cause)
            ) from None
    store = ContactStore(db)
    if migrate:
        store.search_index  # noqa: B018 - looked up now, so a missing index is said at start
    return BotContext(settings=settings, db=db, store=store, clock=clock)


def _password(url: str) -> list[str]:
    password = make_url(url).password
    return [password] if password else []
