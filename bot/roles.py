"""Who has which role: COORDINATORS, ARCHIVISTS (platform-qualified ids), TEAMS_COORDINATORS,
and the members of a Slack user group (SLACK_COORDINATOR_GROUP), read with the Web API's
`usergroups.users.list`, kept for ten minutes, and kept as last known when Slack fails."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.config import Settings
from handlers.replies import Role

log = logging.getLogger(__name__)

REFRESH = timedelta(minutes=10)
RETRY = timedelta(minutes=1)


class SlackGroup:
    """The members of one Slack user group, refreshed every ten minutes by the injected clock."""

    def __init__(self, group: str, token: str, api_url: str, clock: Callable[[], datetime]) -> None:
        from slack_sdk import WebClient  # only with a Slack user group configured

        self.group = group
        self.client = WebClient(token=token, base_url=api_url, timeout=5)
        self.clock = clock
        self._members: frozenset[str] = frozenset()
        self._due: datetime | None = None
        self._failing = False
        self._lock = threading.Lock()

    def members(self) -> frozenset[str]:
        """The members as last read; read again when ten minutes have passed."""
        with self._lock:
            now = self.clock()
            if self._due is None or now >= self._due:
                self._due = now + (RETRY if self._read() is False else REFRESH)
            return self._members

    def _read(self) -> bool:
        from slack_sdk.errors import SlackApiError, SlackClientError

        try:
            response = self.client.usergroups_users_list(usergroup=self.group)
            users = response.get("users") or []
        except SlackApiError as error:
            cause = str(error.response.get("error") or error.response.status_code)
        except (SlackClientError, OSError, ValueError) as error:
            cause = type(error).__name__
        else:
            self._members = frozenset(str(user) for user in users)
            if self._failing:
                log.info("the coordinators' user group %s can be read again", self.group)
            self._failing = False
            return True
        if not self._failing:
            log.warning(
                "cannot read the coordinators' user group %s (%s); keeping the %d members last known",
                self.group,
                cause,
                len(self._members),
            )
        self._failing = True
        return False


def role_of(settings: Settings, platform: str, user_id: str, group: SlackGroup | None) -> Role:
    """The role of `platform:user_id`: a coordinator where any list names them, else an archivist
    where ARCHIVISTS does, else staff."""
    qualified = f"{platform}:{user_id.lower() if platform == 'teams' else user_id}"
    if qualified in settings.coordinators:
        return "coordinator"
    if platform == "teams" and user_id.lower() in settings.teams_coordinators:
        return "coordinator"
    if platform == "slack" and group is not None and user_id in group.members():
        return "coordinator"
    if qualified in settings.archivists:
        return "archivist"
    return "staff"
