"""A week's figures for the digest, aggregated by the database."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from storage.database import Database
from storage.models import Contact

PRIORITY_KINDS = ("twin-town", "eu-project", "school")


@dataclass(frozen=True)
class WeekPeople:
    """The register's figures of a week: people taking part, and visits each way."""

    participants: int
    young_participants: int
    incoming: int
    outgoing: int


def _people(session: Session, where: object) -> WeekPeople:
    row = session.execute(
        select(
            func.coalesce(func.sum(Contact.participants), 0),
            func.coalesce(func.sum(Contact.young_participants), 0),
            func.count(case((Contact.direction == "incoming", Contact.id))),
            func.count(case((Contact.direction == "outgoing", Contact.id))),
        ).where(where)
    ).one()
    return WeekPeople(*(int(value or 0) for value in row))


@dataclass
class WeekFigures:
    """What happened in one week (contacts logged, withdrawn ones left out)."""

    total: int
    previous_total: int
    youth: int
    by_kind: list[tuple[str, int]]
    by_unit: list[tuple[str | None, int]]
    by_country: list[tuple[str, int]]
    entries: list[Contact] = field(default_factory=list)
    followups: list[Contact] = field(default_factory=list)
    people: WeekPeople = field(default_factory=lambda: WeekPeople(0, 0, 0, 0))

    def kind_count(self, kind: str) -> int:
        """How many contacts of `kind`."""
        return dict(self.by_kind).get(kind, 0)


def _logged(start: datetime, end: datetime) -> object:
    return (Contact.created_at >= start) & (Contact.created_at < end) & Contact.withdrawn_at.is_(None)


def _grouped(session: Session, column: object, where: object) -> list[tuple]:
    count = func.count(Contact.id)
    rows = session.execute(select(column, count).where(where).group_by(column).order_by(count.desc(), column))
    return [tuple(row) for row in rows]


def week_figures(
    db: Database,
    start: datetime,
    end: datetime,
    previous_start: datetime,
    entry_limit: int = 25,
    followup_limit: int = 10,
) -> WeekFigures:
    """Totals, counts by kind, unit and country, and the most important entries of [start, end)."""
    where = _logged(start, end)
    with db.read() as session:
        total = session.scalar(select(func.count(Contact.id)).where(where)) or 0
        previous = session.scalar(select(func.count(Contact.id)).where(_logged(previous_start, start))) or 0
        youth = session.scalar(select(func.count(Contact.id)).where(where, Contact.youth.is_(True))) or 0
        importance = case(
            (Contact.youth.is_(True), 0),
            (Contact.kind.in_(PRIORITY_KINDS), 1),
            else_=2,
        )
        entries = session.scalars(
            select(Contact)
            .where(where)
            .order_by(importance, Contact.contact_date.desc(), Contact.id)
            .limit(entry_limit)
        ).all()
        followups = session.scalars(
            select(Contact)
            .where(where, Contact.followup.is_not(None), Contact.followup != "")
            .order_by(Contact.contact_date, Contact.id)
            .limit(followup_limit)
        ).all()
        return WeekFigures(
            total=total,
            previous_total=previous,
            youth=youth,
            by_kind=_grouped(session, Contact.kind, where),
            by_unit=_grouped(session, Contact.unit, where),
            by_country=_grouped(session, Contact.country, where),
            entries=list(entries),
            followups=list(followups),
            people=_people(session, where),
        )


def counts_by_unit(
    db: Database, weeks: list[tuple[str, datetime, datetime]]
) -> dict[str, dict[str | None, int]]:
    """Label -> unit -> contacts logged, for each (label, start, end) week: the chart's data."""
    result: dict[str, dict[str | None, int]] = {}
    with db.read() as session:
        for label, start, end in weeks:
            result[label] = dict(_grouped(session, Contact.unit, _logged(start, end)))
    return result
