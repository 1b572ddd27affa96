"""The weekly digest, free of any platform: when it is due, and what it says."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date

from handlers.countries import country_name
from handlers.i18n import N_, _, current_language, ngettext
from handlers.kinds import kind_label
from handlers.markup import Block, Heading, Paragraph, Text, join, plain, say, strong
from handlers.text import shorten
from handlers.weeks import Week
from storage.database import Database
from storage.models import Contact
from storage.weekly import WeekFigures, week_figures

_DAYS = {
    "mon": 0, "mån": 0, "tue": 1, "tis": 1, "wed": 2, "ons": 2, "thu": 3, "tor": 3,
    "fri": 4, "fre": 4, "sat": 5, "lör": 5, "sun": 6, "sön": 6,
}  # fmt: skip
_SCHEDULE = re.compile(r"^\s*([a-zåäö]{3})[a-zåäö]*\s+(\d{1,2})[:.](\d{2})\s*$")


@dataclass(frozen=True)
class Schedule:
    """When the digest is posted: a weekday and a local time, e.g. Monday 08:00."""

    weekday: int
    at: time

    @classmethod
    def parse(cls, text: str) -> Schedule:
        """`mon 08:00`, `fri 15:30` (Swedish day names work too); ValueError otherwise."""
        match = _SCHEDULE.match(text.casefold())
        if not match or match.group(1) not in _DAYS:
            raise ValueError(text)
        hour, minute = int(match.group(2)), int(match.group(3))
        if hour > 23 or minute > 59:
            raise ValueError(text)
        return cls(_DAYS[match.group(1)], time(hour, minute))

    def due(self, week: Week, zone: ZoneInfo) -> datetime:
        """When `week`'s digest is due: the first scheduled day and time after the week ends."""
        day = week.monday + timedelta(days=7 + self.weekday)
        return datetime.combine(day, self.at, tzinfo=zone).astimezone(UTC)

    def latest_due_week(self, now: datetime, zone: ZoneInfo) -> Week:
        """The newest week whose digest is due at `now`."""
        candidate = Week.of(now.astimezone(zone).date()).previous()
        return candidate if self.due(candidate, zone) <= now else candidate.previous()

    def describe(self) -> str:
        """`mon 08:00`, as the setting is written (for log lines)."""
        names = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        return f"{names[self.weekday]} {self.at:%H:%M}"

    def shown(self) -> str:
        """`måndagar 08:00` / `Mondays 08:00`, in the current language, for people."""
        # 2024-01-01 was a Monday: the weekday's name as the locale writes it.
        day = format_date(date(2024, 1, 1) + timedelta(days=self.weekday), "EEEE", locale=current_language())
        return _("{day}s at {time}").format(day=day, time=f"{self.at:%H:%M}")


def week_title(week: Week) -> str:
    """ "Vecka 47, 16–22 november 2026" in the current language."""
    locale = current_language()
    first, last = week.monday, week.sunday
    if first.year != last.year:
        span = f"{_day_month(first, locale)} {first.year} – {_day_month(last, locale)} {last.year}"
    elif first.month != last.month:
        span = f"{_day_month(first, locale)} – {_day_month(last, locale)} {last.year}"
    else:
        span = f"{first.day}–{_day_month(last, locale)} {last.year}"
    return _("Week {number}, {span}").format(number=week.number, span=span)


def _day_month(day: date, locale: str) -> str:
    return format_date(day, "d MMMM", locale=locale)


@dataclass
class Digest:
    """A week's digest, ready for any platform to render."""

    week: Week
    figures: WeekFigures
    late: bool = False
    command: str = "/kontakt"

    @property
    def empty(self) -> bool:
        """No contacts were logged that week."""
        return self.figures.total == 0

    def title(self) -> str:
        """The header line, marked when posted late."""
        title = week_title(self.week)
        return title + " " + _("(late)") if self.late else title

    def nothing_logged(self) -> str:
        """What an empty digest says (naming its week: "this week" read as the current one)."""
        return _("No contacts were logged in week {number}.").format(number=self.week.number)

    def totals_line(self) -> Text:
        """ "12 contacts logged (previous week 9, +3)"."""
        figures = self.figures
        change = figures.total - figures.previous_total
        return say(
            ngettext(
                "*{count} contact* logged (previous week {previous}, {change:+d})",
                "*{count} contacts* logged (previous week {previous}, {change:+d})",
                figures.total,
            ),
            count=figures.total,
            previous=figures.previous_total,
            change=change,
        )

    def priorities(self) -> list[tuple[str, int]]:
        """The strategy's priorities, counted: children and youth, twin towns, EU projects."""
        return [
            (_("Children and youth"), self.figures.youth),
            (_("Twin towns"), self.figures.kind_count("twin-town")),
            (_("EU projects"), self.figures.kind_count("eu-project")),
        ]

    def people(self) -> list[tuple[str, int]]:
        """The register's figures: participants and young participants, visits here and trips there."""
        people = self.figures.people
        return [
            (_("Participants"), people.participants),
            (_("Young participants"), people.young_participants),
            (_("Incoming visits"), people.incoming),
            (_("Outgoing visits"), people.outgoing),
        ]

    def counts(self, which: str, limit: int = 8) -> str:
        """ "Kultur 5 · Skola 3 · other 2" for `unit`, `country` or `kind`."""
        language = current_language()
        rows = {
            "unit": self.figures.by_unit,
            "country": self.figures.by_country,
            "kind": self.figures.by_kind,
        }[which]
        names = []
        for key, count in rows:
            if which == "unit":
                name = key if key else _("no unit")
            elif which == "country":
                name = country_name(str(key), language)
            else:
                name = kind_label(str(key))
            names.append(f"{name} {count}")
        shown = " · ".join(names[:limit])
        if len(names) > limit:
            shown += " · " + _("{count} more").format(count=len(names) - limit)
        return shown

    def more_hint(self, shown: int) -> Text:
        """How many entries are left out, and how to see them all."""
        return say(
            _("…and {count} more. See them all with `{c} list week {week}` or `contactbot export`."),
            count=self.figures.total - shown,
            c=self.command,
            week=self.week,
        )


def entry_lines(contact: Contact, summary_limit: int = 280) -> list[Text]:
    """One contact as the digest lists it: a head line, the summary, the follow-up.

    The digest is posted in a channel, so the counterpart's name and e-mail never show."""
    language = current_language()
    head: list[Text | str] = [
        strong(contact.organisation.name) + f" ({country_name(contact.country, language)})"
    ]
    head.append(kind_label(contact.kind))
    if contact.unit:
        head.append(contact.unit)
    head.append(contact.contact_date.isoformat())
    if contact.youth:
        head.append(_("children and youth"))
    head.append(say(_("logged by {who}"), who=contact.logged_by_name or contact.logged_by))
    lines = [join(head), plain(shorten(contact.summary, summary_limit))]
    if contact.followup:
        lines.append(say(_("Follow-up: {value}"), value=shorten(contact.followup, 200)))
    return lines


def followup_items(digest: Digest) -> list[Text]:
    """The week's follow-ups: organisation and next step."""
    return [
        strong(c.organisation.name) + ": " + shorten(c.followup or "", 200) for c in digest.figures.followups
    ]


def digest_blocks(digest: Digest, entry_limit: int = 25) -> list[Block]:
    """The digest as reply blocks (previews in chat and in the terminal)."""
    if digest.empty:
        return [Heading(plain(digest.title())), Paragraph(plain(digest.nothing_logged()))]
    blocks: list[Block] = [Heading(plain(digest.title())), Paragraph(digest.totals_line())]
    blocks.append(Paragraph(plain(" · ".join(f"{name}: {count}" for name, count in digest.priorities()))))
    blocks.append(Paragraph(plain(" · ".join(f"{name}: {count}" for name, count in digest.people()))))
    blocks.append(Paragraph(say(_("By unit: {counts}"), counts=digest.counts("unit"))))
    blocks.append(Paragraph(say(_("By country: {counts}"), counts=digest.counts("country"))))
    blocks.append(Paragraph(say(_("By kind: {counts}"), counts=digest.counts("kind"))))
    entries = digest.figures.entries[:entry_limit]
    for contact in entries:
        lines = entry_lines(contact)
        blocks.append(Paragraph(join(lines, "\n")))
    if digest.figures.total > len(entries):
        blocks.append(Paragraph(digest.more_hint(len(entries))))
    return blocks


def build_digest(
    db: Database, week: Week, zone: ZoneInfo, late: bool = False, command: str = "/kontakt"
) -> Digest:
    """The digest of `week`, its figures aggregated by the database."""
    start, end = week.bounds(zone)
    previous_start, _previous_end = week.previous().bounds(zone)
    return Digest(week, week_figures(db, start, end, previous_start), late, command)


def chart_weeks(week: Week, zone: ZoneInfo, count: int = 12) -> list[tuple[str, datetime, datetime]]:
    """(label, start, end) of the `count` weeks up to and including `week`, oldest first."""
    weeks = [week]
    while len(weeks) < count:
        weeks.append(weeks[-1].previous())
    return [(f"v{w.number}", *w.bounds(zone)) for w in reversed(weeks)]


def destination_label(platform: str, destination: str, name: str | None = None) -> str:
    """Where a digest goes, for people: "Slack channel C0123ABCD", "Teams channel Koordinatorer"."""
    if platform == "slack":
        return _("Slack channel {channel}").format(channel=destination)
    if platform == "teams":
        return _("Teams channel {channel}").format(channel=name or destination)
    if platform == "webhook":
        return _("Teams channel via webhook {hash}").format(hash=destination)
    return f"{platform} {destination}"


# The causes a delivery records (bot/slack/digest.py, bot/teams/…), as people read them, longest
# first; anything else (Slack's own error codes, HTTP statuses) is shown as recorded.
_CAUSES = (
    ("no answer within the time-out", N_("no answer in time")),
    ("connection closed without an answer", N_("the connection broke without an answer")),
    ("connection lost without an answer", N_("the connection broke without an answer")),
    ("connection timed out", N_("the connection timed out")),
    ("connection refused", N_("the connection was refused")),
    ("no connection", N_("no connection")),
    ("no answer", N_("no answer")),
    ("unreachable", N_("could not be reached")),
)


def shown_cause(code: str) -> str:
    """A delivery's recorded cause in the reader's language, where it is one of ours."""
    for prefix, words in _CAUSES:
        if code.startswith(prefix):
            return _(words)
    return code


def outcome_text(state: str, week: str, destination: str, error: str | None = None) -> Text:
    """What became of a request to post `week`'s digest to one destination, for the person who asked."""
    texts = {
        "posted": _("Posted the digest for {week} to {destination}."),
        "found": _("The digest for {week} was already in {destination}; recorded it."),
        "already": _(
            "The digest for {week} was already posted to {destination}. Add --force to post it again."
        ),
        "busy": _("The digest for {week} is being posted to {destination} right now."),
        "skipped": _("The week {week} had no contacts; the digest was skipped (DIGEST_SKIP_EMPTY)."),
        "pending": _("{destination} did not take the digest for {week} ({error}); it will be tried again."),
        "unrecorded": _(
            "Posted the digest for {week} to {destination}, but the database did not answer when it was to be "
            "recorded. It will be recorded when the database answers again; it is not posted twice."
        ),
        "unrecorded-unclear": _(
            "Posted the digest for {week} to {destination}, but the database did not answer when it was to be "
            "recorded. It will show as posted-or-not (unclear) in the digest history; do not post it again."
        ),
        "unclear": _(
            "The digest for {week} may have been posted to {destination}: the answer to the post never came "
            "({error}), so it is not posted again by itself. Look in the channel; if it is not there, "
            "`digest send {week} --force` posts it again."
        ),
    }
    return say(texts[state], week=week, destination=destination, error=shown_cause(error or ""))
