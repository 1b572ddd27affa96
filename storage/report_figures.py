"""The annual report's figures: a period against the one before, counted in SQL.

Every figure is one grouped query over the contacts of both periods (withdrawn contacts
left out); nothing loads contacts into Python except the short list of open follow-ups.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.sql.elements import ColumnElement

from storage.database import Database
from storage.folding import fold
from storage.models import Contact, Organisation

FOLLOW_UPS_LISTED = 50


# -- the fields issue 9 adds ----------------------------------------------------------
# The ONE place that decides whether a figure can be computed: a field counts as recorded
# when the Contact model has its column. Once participants, programme and direction are
# on the model (and migrated), the report computes them; until then it says "not recorded".
def recorded(attribute: str) -> bool:
    """Whether contacts record `attribute` (participants, young_participants, programme, direction)."""
    return attribute in Contact.__table__.columns


def _column(attribute: str) -> Any:
    return Contact.__table__.columns[attribute]


@dataclass(frozen=True)
class Period:
    """From `start` to `end`, both days included."""

    start: date
    end: date

    @classmethod
    def year(cls, year: int) -> Period:
        """One calendar year."""
        return cls(date(year, 1, 1), date(year, 12, 31))

    @property
    def whole_year(self) -> int | None:
        """The year, when the period is exactly one calendar year."""
        if self.start == date(self.start.year, 1, 1) and self.end == date(self.start.year, 12, 31):
            return self.start.year
        return None

    def before(self) -> Period:
        """The period just before: the previous year for a year, as many whole months before
        for whole months (January–June → July–December), else as many days before."""
        if self.whole_year is not None:
            return Period.year(self.whole_year - 1)
        if self.start.day == 1 and (self.end + timedelta(days=1)).day == 1:
            first = self.start.year * 12 + self.start.month - 1
            months = self.end.year * 12 + self.end.month - first
            begin = first - months
            if begin >= 12:  # not before year 1
                return Period(date(begin // 12, begin % 12 + 1, 1), self.start - timedelta(days=1))
        days = (self.end - self.start).days
        end = self.start - timedelta(days=1)
        return Period(end - timedelta(days=days), end)

    def label(self) -> str:
        """`2026`, or `2026-01-01–2026-06-30`."""
        year = self.whole_year
        return str(year) if year is not None else f"{self.start.isoformat()}–{self.end.isoformat()}"


@dataclass(frozen=True)
class Compared:
    """A count in this period and in the one before."""

    now: int
    before: int


@dataclass(frozen=True)
class Row:
    """One group (a unit, a country code, a kind, a programme, a direction) and its counts."""

    key: str | None
    now: int
    before: int


@dataclass(frozen=True)
class TwinTown:
    """A twin town: its contacts this period and its last contact up to the period's end."""

    name: str
    now: int
    last: date | None


@dataclass(frozen=True)
class FollowUp:
    """A contact of the period with a follow-up written down."""

    id: int
    contact_date: date
    organisation: str
    followup: str


@dataclass(frozen=True)
class Figures:
    """Everything the annual report shows. None means "not recorded" (the field does not exist)."""

    period: Period
    previous: Period
    contacts: Compared
    organisations: Compared
    countries: Compared
    by_unit: list[Row]
    by_country: list[Row]
    by_kind: list[Row]
    youth: Compared
    participants: Compared | None
    young_participants: Compared | None
    twin_towns: list[TwinTown]
    twin_towns_named: bool
    programmes: list[Row] | None
    visits: list[Row] | None
    open_followups: int
    followups: list[FollowUp] = field(default_factory=list)


def report_figures(db: Database, period: Period, twin_towns: tuple[str, ...] = ()) -> Figures:
    """The figures of `period` against the period before; `twin_towns` names the twin towns
    (TWIN_TOWNS), otherwise organisations with twin-town contacts are the twin towns."""
    previous = period.before()
    now = Contact.contact_date.between(period.start, period.end)
    before = Contact.contact_date.between(previous.start, previous.end)
    live = Contact.withdrawn_at.is_(None)
    both = and_(live, Contact.contact_date.between(previous.start, period.end))
    with db.session() as session:

        def grouped(key: Any, where: ColumnElement[bool] = both) -> list[Row]:
            statement = (
                select(key, _count(now), _count(before)).where(where).group_by(key).order_by(key.nulls_last())
            )
            rows = [Row(k, int(a or 0), int(b or 0)) for k, a, b in session.execute(statement)]
            return sorted(rows, key=lambda r: (-r.now, -r.before, r.key is None, r.key or ""))

        # The totals of both periods in one pass over the contacts.
        totals = [
            _count(now), _count(before),
            _distinct(now, Contact.organisation_id), _distinct(before, Contact.organisation_id),
            _distinct(now, Contact.country), _distinct(before, Contact.country),
            _count(and_(now, Contact.youth)), _count(and_(before, Contact.youth)),
        ]  # fmt: skip
        if recorded("participants"):
            totals += [_sum(now, _column("participants")), _sum(before, _column("participants"))]
        if recorded("young_participants"):
            totals += [_sum(now, _column("young_participants")), _sum(before, _column("young_participants"))]
        values = [int(v or 0) for v in session.execute(select(*totals).where(both)).one()]
        pairs = [Compared(values[i], values[i + 1]) for i in range(0, len(values), 2)]
        contacts, organisations, countries, youth = pairs[:4]
        extra = iter(pairs[4:])
        participants = next(extra) if recorded("participants") else None
        young = next(extra) if recorded("young_participants") else None
        programmes = None
        if recorded("programme"):
            programme = _column("programme")
            chosen = and_(both, programme.is_not(None), programme != "", programme != "none")
            programmes = grouped(programme, chosen)
        visits = None
        if recorded("direction"):
            direction = _column("direction")
            visits = grouped(direction, and_(both, direction.is_not(None), direction != ""))
        towns = _twin_towns(session, period, twin_towns)
        open_count = int(session.scalar(select(func.count()).where(live, now, _has_followup())) or 0)
        listed = session.execute(
            select(Contact.id, Contact.contact_date, Organisation.name, Contact.followup)
            .join(Organisation, Contact.organisation_id == Organisation.id)
            .where(live, now, _has_followup())
            .order_by(Contact.contact_date.desc(), Contact.id.desc())
            .limit(FOLLOW_UPS_LISTED)
        ).all()
        return Figures(
            period=period,
            previous=previous,
            contacts=contacts,
            organisations=organisations,
            countries=countries,
            by_unit=grouped(Contact.unit),
            by_country=grouped(Contact.country),
            by_kind=grouped(Contact.kind),
            youth=youth,
            participants=participants,
            young_participants=young,
            twin_towns=towns,
            twin_towns_named=bool(twin_towns),
            programmes=programmes,
            visits=visits,
            open_followups=open_count,
            followups=[FollowUp(i, d, name, text or "") for i, d, name, text in listed],
        )


def _twin_towns(session: Any, period: Period, names: tuple[str, ...]) -> list[TwinTown]:
    """Per twin town: contacts in the period and the last contact up to its end."""
    live = Contact.withdrawn_at.is_(None)
    if names:
        keys = {fold(name)[:200]: name.strip() for name in names if name.strip()}
        which: ColumnElement[bool] = Organisation.name_key.in_(list(keys))
    else:
        keys = {}
        twin = select(Contact.organisation_id).where(
            live, Contact.kind == "twin-town", Contact.contact_date <= period.end
        )
        which = Organisation.id.in_(twin)
    in_period = and_(live, Contact.contact_date.between(period.start, period.end))
    statement = (
        select(
            Organisation.name_key,
            Organisation.name,
            _count(in_period),
            func.max(case((and_(live, Contact.contact_date <= period.end), Contact.contact_date))),
        )
        .select_from(Organisation)
        .outerjoin(Contact, Contact.organisation_id == Organisation.id)
        .where(which)
        .group_by(Organisation.id, Organisation.name_key, Organisation.name)
    )
    found = {
        key: TwinTown(name, int(count or 0), last) for key, name, count, last in session.execute(statement)
    }
    towns = list(found.values()) + [TwinTown(name, 0, None) for key, name in keys.items() if key not in found]
    return sorted(towns, key=lambda t: (-t.now, fold(t.name)))


def _count(condition: ColumnElement[bool]) -> Any:
    return func.sum(case((condition, 1), else_=0))


def _sum(condition: ColumnElement[bool], column: Any) -> Any:
    return func.sum(case((condition, func.coalesce(column, 0)), else_=0))


def _distinct(condition: ColumnElement[bool], column: Any) -> Any:
    return func.count(func.distinct(case((condition, column))))


def _has_followup() -> ColumnElement[bool]:
    return and_(Contact.followup.is_not(None), func.trim(Contact.followup) != "")
