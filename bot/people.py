"""Parsing the settings that name people and periods: platform-qualified user ids
(`slack:U012…,teams:<AAD object id>`) and disposal periods (`24m`, `2y`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from handlers.i18n import _

PLATFORMS = ("slack", "teams", "shell", "cli")


def people(name: str, value: str | None) -> frozenset[str]:
    """`slack:U012,teams:<id>,U034` as qualified ids; a bare id is a Slack user's."""
    from bot.config import ConfigError

    found: set[str] = set()
    for part in (value or "").replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        platform, _colon, user = part.rpartition(":")
        platform = platform.casefold() or "slack"
        if platform not in PLATFORMS or not user or any(ch.isspace() for ch in user):
            raise ConfigError(
                _(
                    "{name} takes user ids with their platform, e.g. slack:U0123ABCD or "
                    "teams:00000000-0000-0000-0000-000000000000, not {value}."
                ).format(name=name, value=repr(part[:60]))
            )
        found.add(f"{platform}:{user.lower() if platform == 'teams' else user}")
    return frozenset(found)


@dataclass(frozen=True)
class Period:
    """A number of months (years are 12 months)."""

    months: int

    @classmethod
    def parse(cls, text: str) -> Period | None:
        """`24m`, `36 mån`, `2y`, `2 år`; None when it is none of these."""
        match = re.fullmatch(
            r"\s*(\d{1,3})\s*(m|mån|man|månader|manader|months?|y|år|ar|years?)\s*", text.casefold()
        )
        if match is None:
            return None
        number = int(match.group(1))
        months = number * 12 if match.group(2)[0] in {"y", "å", "a"} else number
        return cls(months) if 0 < months <= 1200 else None

    def before(self, today: date) -> date:
        """The first day not older than the period: contacts dated before it are older."""
        month = today.year * 12 + today.month - 1 - self.months
        year, month = divmod(month, 12)
        month += 1
        day = min(today.day, _days_in(year, month))
        return date(year, month, day)

    def __str__(self) -> str:
        return f"{self.months // 12}y" if self.months % 12 == 0 else f"{self.months}m"


def _days_in(year: int, month: int) -> int:
    following = date(year + month // 12, month % 12 + 1, 1)
    return (following - date(year, month, 1)).days
