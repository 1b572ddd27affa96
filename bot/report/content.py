"""The annual report as words, tables and charts, in the current language.

The figures (storage/report_figures.py) become a list of sections; each format
(pdf.py, xlsx.py, docx.py) lays the same sections out its own way.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

from babel.numbers import format_percent

from handlers.countries import country_name
from handlers.i18n import N_, _, current_language, ngettext
from handlers.kinds import kind_label
from handlers.text import fold
from storage.report_figures import Compared, Figures, Row

CHART_ROWS = 12

DIRECTIONS = {"incoming": N_("Incoming"), "outgoing": N_("Outgoing"), "digital": N_("Digital")}
PROGRAMMES = {
    "erasmus": "Erasmus+",
    "erasmus+": "Erasmus+",
    "interreg": "Interreg",
    "icld": "ICLD",
    "nordplus": "Nordplus",
    "cerv": "CERV",
}


@dataclass(frozen=True)
class Chart:
    """A chart to draw: bars for this period and the one before, per label."""

    title: str
    labels: list[str]
    now: list[int]
    before: list[int] | None
    now_label: str
    before_label: str = ""

    @property
    def alt(self) -> str:
        """The chart said in words, for a screen reader."""
        if self.before is None:
            values = "; ".join(f"{label}: {now}" for label, now in zip(self.labels, self.now, strict=True))
        else:
            values = "; ".join(
                _("{label}: {now} ({before} in {previous})").format(
                    label=label, now=now, before=before, previous=self.before_label
                )
                for label, now, before in zip(self.labels, self.now, self.before, strict=True)
            )
        return _("Bar chart, {title}: {values}.").format(title=self.title, values=values)


@dataclass(frozen=True)
class Table:
    """A table with a header row; every cell is text."""

    header: list[str]
    rows: list[list[str]]


@dataclass
class Section:
    """One heading with its paragraphs, table and chart."""

    key: str
    heading: str
    paragraphs: list[str] = field(default_factory=list)
    table: Table | None = None
    chart: Chart | None = None


@dataclass
class ReportDocument:
    """The whole report: a title, an introduction and the sections."""

    title: str
    language: str
    introduction: list[str]
    sections: list[Section]
    period: str
    previous: str


def report_document(figures: Figures, made: date) -> ReportDocument:
    """The report of `figures` in the current language."""
    now, before = figures.period.label(), figures.previous.label()
    language = current_language()
    title = _("International contacts {period}").format(period=now)
    introduction = [
        _(
            "The municipality's international contacts in {period}, against {previous}. Made by contactbot on {day}."
        ).format(period=now, previous=before, day=made.isoformat()),
        _("Withdrawn contacts are not counted."),
    ]

    def changed(value: Compared) -> str:
        difference = value.now - value.before
        return f"+{difference}" if difference > 0 else str(difference)

    totals = Section(
        "totals",
        _("In summary"),
        [
            ngettext(
                "{count} contact in {period}, against {before} in {previous}.",
                "{count} contacts in {period}, against {before} in {previous}.",
                figures.contacts.now,
            ).format(count=figures.contacts.now, period=now, before=figures.contacts.before, previous=before)
        ],
        Table(
            [_("What"), now, before, _("Change")],
            [
                [label, str(value.now), str(value.before), changed(value)]
                for label, value in (
                    (_("Contacts"), figures.contacts),
                    (_("Organisations"), figures.organisations),
                    (_("Countries"), figures.countries),
                    (_("Contacts with children and youth"), figures.youth),
                )
            ],
        ),
    )
    sections = [
        totals,
        _grouped("units", _("By administration"), _("Administration"), figures.by_unit, _unit, now, before),
        _grouped("countries", _("By country"), _("Country"), figures.by_country,
                 lambda code: country_name(code or "", language), now, before),
        _grouped("kinds", _("By kind"), _("Kind"), figures.by_kind, lambda k: kind_label(k or ""), now, before),
        _youth(figures, now, before),
        _twin_towns(figures, now),
        _optional("programmes", _("EU and other programmes"), _("Programme"), figures.programmes, _programme,
                  now, before, _("Not recorded: contacts do not record a programme yet.")),
        _optional("visits", _("Incoming and outgoing visits"), _("Direction"), figures.visits,
                  lambda d: _(DIRECTIONS.get(d or "", d or "")), now, before,
                  _("Not recorded: contacts do not record whether a visit was incoming or outgoing yet.")),
        _followups(figures, now),
    ]  # fmt: skip
    return ReportDocument(title, language, introduction, sections, now, before)


def _unit(unit: str | None) -> str:
    return unit or _("No administration given")


def _programme(value: str | None) -> str:
    key = fold(value or "")
    if key == "other":
        return _("Other")
    return PROGRAMMES.get(key, value or "")


def _grouped(
    key: str,
    heading: str,
    column: str,
    rows: Sequence[Row],
    label: Callable[[str | None], str],
    now: str,
    before: str,
) -> Section:
    """A section of counts per group, with a table and a bar chart of the biggest groups."""
    if not rows:
        return Section(
            key, heading, [_("No contacts in {period} or {previous}.").format(period=now, previous=before)]
        )
    named = [(label(row.key), row) for row in rows]
    table = Table([column, now, before], [[name, str(row.now), str(row.before)] for name, row in named])
    shown = named[:CHART_ROWS]
    chart = Chart(
        heading.lower() if current_language() == "en" else heading,
        [name for name, _row in shown],
        [row.now for _name, row in shown],
        [row.before for _name, row in shown],
        now,
        before,
    )
    paragraphs = []
    if len(named) > CHART_ROWS:
        paragraphs.append(
            _("The chart shows the {count} largest; the table shows all.").format(count=CHART_ROWS)
        )
    return Section(key, heading, paragraphs, table, chart)


def _optional(
    key: str,
    heading: str,
    column: str,
    rows: Sequence[Row] | None,
    label: Callable[[str | None], str],
    now: str,
    before: str,
    missing: str,
) -> Section:
    if rows is None:
        return Section(key, heading, [missing])
    return _grouped(key, heading, column, rows, label, now, before)


def _share(part: int, whole: int) -> str:
    return format_percent(part / whole if whole else 0, locale=current_language())


def _youth(figures: Figures, now: str, before: str) -> Section:
    youth, contacts = figures.youth, figures.contacts
    paragraphs = [
        _("{count} of {total} contacts ({share}) concerned children and youth in {period}; "
          "{before} of {total_before} ({share_before}) in {previous}.").format(
            count=youth.now, total=contacts.now, share=_share(youth.now, contacts.now), period=now,
            before=youth.before, total_before=contacts.before,
            share_before=_share(youth.before, contacts.before), previous=before,
        )
    ]  # fmt: skip
    rows = [
        [_("Contacts with children and youth"), str(youth.now), str(youth.before)],
        [_("Share of all contacts"), _share(youth.now, contacts.now), _share(youth.before, contacts.before)],
    ]
    young, everyone = figures.young_participants, figures.participants
    if young is None or everyone is None:
        paragraphs.append(_("Participants: not recorded (contacts do not record participants yet)."))
    else:
        paragraphs.append(
            _("{young} of {total} participants ({share}) were children or young people in {period}.").format(
                young=young.now, total=everyone.now, share=_share(young.now, everyone.now), period=now
            )
        )
        rows += [
            [_("Participants"), str(everyone.now), str(everyone.before)],
            [_("Young participants"), str(young.now), str(young.before)],
            [
                _("Share of participants"),
                _share(young.now, everyone.now),
                _share(young.before, everyone.before),
            ],
        ]
    chart = Chart(
        _("contacts with and without children and youth"),
        [_("Children and youth"), _("Others")],
        [youth.now, contacts.now - youth.now],
        [youth.before, contacts.before - youth.before],
        now,
        before,
    )
    return Section("youth", _("Children and youth"), paragraphs, Table([_("What"), now, before], rows), chart)


def _twin_towns(figures: Figures, now: str) -> Section:
    heading = _("Twin towns")
    towns = figures.twin_towns
    if not towns:
        return Section(
            "twin_towns",
            heading,
            [
                _(
                    "No twin towns: log contacts of the kind twin town, or ask the administrator to name "
                    "the twin towns (the setting TWIN_TOWNS)."
                )
            ],
        )
    how = (
        _("The municipality's twin towns, as the administrator has named them.")
        if figures.twin_towns_named
        else _("The organisations met as twin towns (kind: twin town).")
    )
    table = Table(
        [_("Twin town"), _("Contacts in {period}").format(period=now), _("Last contact")],
        [[t.name, str(t.now), t.last.isoformat() if t.last else _("none")] for t in towns],
    )
    shown = towns[:CHART_ROWS]
    chart = Chart(
        _("contacts per twin town"),
        [t.name for t in shown],
        [t.now for t in shown],
        None,
        now,
    )
    return Section("twin_towns", heading, [how], table, chart)


def _followups(figures: Figures, now: str) -> Section:
    count = figures.open_followups
    paragraphs = [
        ngettext(
            "{count} contact in {period} has a follow-up written down.",
            "{count} contacts in {period} have a follow-up written down.",
            count,
        ).format(count=count, period=now)
    ]
    if count > len(figures.followups):
        paragraphs.append(_("The table lists the {count} latest.").format(count=len(figures.followups)))
    if not figures.followups:
        return Section("followups", _("Open follow-ups"), paragraphs)
    table = Table(
        [_("Contact"), _("Date"), _("Organisation"), _("Follow-up")],
        [[f"#{f.id}", f.contact_date.isoformat(), f.organisation, f.followup] for f in figures.followups],
    )
    return Section("followups", _("Open follow-ups"), paragraphs, table)
