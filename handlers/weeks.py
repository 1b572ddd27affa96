"""ISO weeks in the municipality's time zone."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

_WEEK = re.compile(r"^(\d{4})-?[Ww](\d{1,2})$")


@dataclass(frozen=True, order=True)
class Week:
    """An ISO week: Monday 00:00 to the next Monday 00:00, local time."""

    year: int
    number: int

    @classmethod
    def of(cls, day: date) -> Week:
        """The week `day` falls in."""
        iso = day.isocalendar()
        return cls(iso.year, iso.week)

    @classmethod
    def parse(cls, text: str) -> Week | None:
        """`2026-W47` (or `2026W47`, `2026-w47`), else None."""
        match = _WEEK.match(text.strip())
        if not match:
            return None
        year, number = int(match.group(1)), int(match.group(2))
        try:
            date.fromisocalendar(year, number, 1)
        except ValueError:
            return None
        return cls(year, number)

    @property
    def monday(self) -> date:
        """The first day of the week."""
        return date.fromisocalendar(self.year, self.number, 1)

    @property
    def sunday(self) -> date:
        """The last day of the week."""
        return self.monday + timedelta(days=6)

    def previous(self) -> Week:
        """The week before."""
        return Week.of(self.monday - timedelta(days=7))

    def next(self) -> Week:
        """The week after."""
        return Week.of(self.monday + timedelta(days=7))

    def bounds(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        """[start, end) in UTC of Monday 00:00 to next Monday 00:00 in `zone`."""
        start = datetime.combine(self.monday, time(0), tzinfo=zone)
        end = datetime.combine(self.monday + timedelta(days=7), time(0), tzinfo=zone)
        return start.astimezone(UTC), end.astimezone(UTC)

    def __str__(self) -> str:
        return f"{self.year}-W{self.number:02d}"


def local_today(now: datetime, zone: ZoneInfo) -> date:
    """The date it is in `zone` at the moment `now`."""
    return now.astimezone(zone).date()
