"""A person's spreadsheet turned into contacts to store, or every problem by row and column.

Columns are found by their headers (handlers/import_headers.py); each row's values pass
the validator the chat commands use, so an imported contact meets the same rules as a
logged one. Nothing is stored here: `plan_import` says what an import would do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from handlers.fields import FIELDS, REQUIRED, field_label
from handlers.i18n import _, translations
from handlers.import_headers import ID, LOGGED, match_header, normalise
from handlers.kinds import KINDS
from handlers.markup import Text, say
from handlers.spreadsheet_dates import parse_date
from handlers.text import fold
from handlers.validation import InvalidFields, Memo, check_fields
from storage.imports import Key, contact_key
from storage.spreadsheets import Sheet

WITHDRAWN_HEADERS = {normalise(h) for h in ("withdrawn", "återkallad", "withdrawn_at")}


@dataclass
class Problem:
    """What is wrong, and where: a row (as the spreadsheet numbers it) and a column, if known."""

    message: Text
    row: int | None = None
    column: str | None = None

    def text(self) -> Text:
        """`Row 5, column C (Datum): …`, in the current language."""
        if self.row is not None and self.column is not None:
            place = say(_("Row {row}, column {column}: "), row=self.row, column=self.column)
        elif self.row is not None:
            place = say(_("Row {row}: "), row=self.row)
        elif self.column is not None:
            place = say(_("Column {column}: "), column=self.column)
        else:
            return self.message
        return place + self.message


@dataclass
class Incoming:
    """One contact to import: its values by the contact's attribute, from spreadsheet row `row`."""

    row: int
    values: dict[str, Any]
    logged: datetime | None = None

    def key(self) -> Key:
        """What makes two contacts the same: organisation, date and summary, folded."""
        return contact_key(self.values["organisation"], self.values["contact_date"], self.values["summary"])


@dataclass
class Plan:
    """What an import would do: the contacts, the problems, and columns it leaves out."""

    contacts: list[Incoming] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    left_out_columns: list[str] = field(default_factory=list)
    withdrawn: int = 0
    columns: dict[str, str] = field(default_factory=dict)


def column_name(index: int, header: object) -> str:
    """`C (Datum)`: the column's letter and its header."""
    from openpyxl.utils import get_column_letter  # openpyxl only when a file is read

    letter = get_column_letter(index + 1)
    return f"{letter} ({str(header).strip()})" if header not in (None, "") else letter


def looks_like_header(cells: list[Any]) -> bool:
    """Whether a row names at least two contact fields (so a title line above is skipped)."""
    return sum(1 for cell in cells if isinstance(cell, str) and match_header(cell)) >= 2


def plan_import(sheet: Sheet, today: date, zone: ZoneInfo, unit: str | None = None) -> Plan:
    """Every row of `sheet` checked; `unit` fills rows without one."""
    plan = Plan()
    columns: dict[str, int] = {}
    withdrawn_column: int | None = None
    for index, header in enumerate(sheet.headers):
        if header is None or not str(header).strip():
            continue
        name = match_header(header)
        if name is None:
            plan.left_out_columns.append(column_name(index, header))
            continue
        if name == "":
            if normalise(str(header)) in WITHDRAWN_HEADERS:
                withdrawn_column = index
            continue
        if name in columns:
            plan.problems.append(
                Problem(
                    say(
                        _("Columns {first} and {second} both hold {field}; keep one of them."),
                        first=column_name(columns[name], sheet.headers[columns[name]]),
                        second=column_name(index, header),
                        field=_label(name),
                    )
                )
            )
            continue
        columns[name] = index
    plan.columns = {name: column_name(index, sheet.headers[index]) for name, index in columns.items()}
    for name in REQUIRED:
        if name not in columns:
            plan.problems.append(
                Problem(say(_("The file has no column for {field}; add one."), field=field_label(name)))
            )
    if plan.problems:
        return plan
    if not sheet.rows:
        plan.problems.append(Problem(say(_("The file has a header row but no contacts under it."))))
        return plan
    memo: Memo = {}  # each distinct value checked once (see check_fields)
    for number, cells in sheet.rows:
        if withdrawn_column is not None and _cell(cells, withdrawn_column) not in (None, ""):
            plan.withdrawn += 1
            continue
        _plan_row(plan, number, cells, columns, today, zone, unit, memo)
    return plan


def _label(name: str) -> str:
    if name == ID:
        return _("Id")
    if name == LOGGED:
        return _("Logged")
    return field_label(name)


def _cell(cells: list[Any], index: int) -> Any:
    value = cells[index] if index < len(cells) else None
    return value.strip() if isinstance(value, str) else value


def _plan_row(
    plan: Plan,
    number: int,
    cells: list[Any],
    columns: dict[str, int],
    today: date,
    zone: ZoneInfo,
    unit: str | None,
    memo: Memo,
) -> None:
    values: dict[str, str] = {}
    problems: list[Problem] = []
    where = {name: plan.columns[name] for name in columns}
    for name, index in columns.items():
        if name in (ID, LOGGED):
            continue
        value = _cell(cells, index)
        if name == "date" and value not in (None, ""):
            try:
                values[name] = parse_date(value).isoformat()
            except (ValueError, OverflowError):
                problems.append(
                    Problem(
                        say(
                            _("“{value}” is not a date. Write it as YYYY-MM-DD, e.g. {example}."),
                            value=str(value),
                            example=today.isoformat(),
                        ),
                        number,
                        where[name],
                    )
                )
            continue
        values[name] = _kind_code(_as_text(value)) if name == "kind" else _as_text(value)
    if unit and not values.get("unit"):
        values["unit"] = unit
    logged = None
    if LOGGED in columns:
        try:
            logged = _moment(_cell(cells, columns[LOGGED]), zone)
        except (ValueError, OverflowError):
            problems.append(
                Problem(
                    say(
                        _("“{value}” is not a time of logging. Write it as YYYY-MM-DD HH:MM."),
                        value=str(_cell(cells, columns[LOGGED])),
                    ),
                    number,
                    where[LOGGED],
                )
            )
    try:
        data = check_fields(values, today, memo=memo)
    except InvalidFields as invalid:
        for name, message in invalid.errors.items():
            if name in REQUIRED and not values.get(name, "").strip():
                message = say(_("Fill in {field}: it is required."), field=field_label(name))
            problems.append(Problem(message, number, where.get(name)))
        data = None
    if problems or data is None:
        order = list(columns)
        problems.sort(key=lambda p: next((i for i, n in enumerate(order) if where[n] == p.column), 0))
        plan.problems += problems
        return
    stored: dict[str, Any] = {}
    for f in FIELDS:
        value = getattr(data, f.name, None)
        if f.name == "youth":
            value = bool(value)
        elif f.name == "date":
            value = value or today
        elif f.name == "kind":
            value = value or "other"
        stored[f.attribute] = value
    plan.contacts.append(Incoming(number, stored, logged))


@cache
def _kind_labels() -> dict[str, str]:
    """Folded kind label, in English and Swedish -> the kind, for kinds written out in words."""
    labels = {fold(label): kind for kind, label in KINDS.items()}
    labels |= {fold(translations("sv").gettext(label)): kind for kind, label in KINDS.items()}
    return labels


def _kind_code(text: str) -> str:
    """A kind as our export writes it ("Skola eller ungdomsutbyte") as its code; other text as it is."""
    return _kind_labels().get(fold(text), text)


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _moment(value: Any, zone: ZoneInfo) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time(12))
    else:
        moment = datetime.fromisoformat(str(value))
    return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment
