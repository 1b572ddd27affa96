"""Contacts as a person reads them in a spreadsheet: headers in their language, real dates,
country names and kinds in words, and a second sheet describing every column.

The columns follow the one field table (handlers/fields.py), so a new field appears here
with no change. What this writes, `contactbot import` reads back (handlers/import_headers.py
knows every header), so export → import → export gives the same table.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

from handlers.countries import country_name
from handlers.fields import FIELDS, Field
from handlers.i18n import _, current_language
from handlers.kinds import KINDS, kind_label
from handlers.register_fields import DIRECTIONS, PROGRAMMES, direction_label, programme_label
from storage.exchange import neutralise
from storage.models import Contact
from storage.xlsx import Column, Table, write_workbook

# Width in characters of a column, by how its field is entered.
_WIDTHS = {"date": 12, "country": 16, "kind": 24, "toggle": 10, "email": 30, "multiline": 60, "text": 28}


@dataclass(frozen=True)
class ExportColumn:
    """A column of the contact sheet: its header, width, description and how a contact fills it."""

    header: str
    width: float
    description: str
    value: Callable[[Contact], Any]


def masked() -> str:
    """What a masked personal detail reads as."""
    return _("[masked]")


def contact_columns(zone: ZoneInfo, mask_personal: bool = False) -> list[ExportColumn]:
    """The contact sheet's columns, in the current language."""
    language = current_language()
    columns = [ExportColumn(_("Id"), 8, _("The contact's number in contactbot."), lambda c: c.id)]
    for f in FIELDS:
        columns.append(
            ExportColumn(
                f.shown_label(),
                max(_WIDTHS.get(f.input, 20), len(f.shown_label()) + 4),
                describe(f),
                _value_of(f, language, mask_personal),
            )
        )
    columns += [
        ExportColumn(
            _("Logged"),
            18,
            _("When the contact was logged ({zone} time).").format(zone=zone.key),
            lambda c: _local(c.created_at, zone),
        ),
        ExportColumn(
            _("Logged by"),
            24,
            _("Who logged the contact."),
            lambda c: c.logged_by_name or c.logged_by,
        ),
        ExportColumn(
            _("Withdrawn"),
            18,
            _("When the contact was withdrawn; empty if it stands."),
            lambda c: _local(c.withdrawn_at, zone),
        ),
    ]
    return columns


def _value_of(f: Field, language: str, mask: bool) -> Callable[[Contact], Any]:
    attribute = f.attribute

    def value(contact: Contact) -> Any:
        raw = contact.organisation.name if attribute == "organisation" else getattr(contact, attribute, None)
        if raw is None or raw == "":
            return None
        if mask and f.personal:
            return masked()
        if f.input == "country":
            return country_name(str(raw), language)
        if f.input == "kind":
            return kind_label(str(raw))
        if f.input == "toggle":
            return _("yes") if raw else _("no")
        if attribute == "direction":
            return direction_label(str(raw))
        if attribute == "programme":
            return programme_label(str(raw))
        return raw

    return value


def describe(f: Field) -> str:
    """What a column holds, for the description sheet."""
    hint = f.shown_hint()
    if hint:
        text = hint
    elif f.input == "country":
        text = _("The country, by its name (a code such as FI is read too).")
    elif f.input == "kind":
        text = _("The kind of contact: {kinds}.").format(kinds=", ".join(kind_label(k) for k in KINDS))
    elif f.input == "direction":
        text = _("One of: {values}.").format(values=", ".join(direction_label(d) for d in DIRECTIONS))
    elif f.input == "programme":
        text = _("One of: {values}.").format(values=", ".join(programme_label(p) for p in PROGRAMMES))
    elif f.input == "date":
        text = _("The date of the contact (empty: the day of logging).")
    elif f.input == "toggle":
        text = _("Yes if the contact concerns children and youth.")
    elif f.input == "email":
        text = _("An e-mail address.")
    else:
        text = _("Free text.")
    if f.required:
        text += " " + _("Required.")
    if f.limit:
        text += " " + _("At most {limit} characters.").format(limit=f.limit)
    if f.personal:
        text += " " + _("Personal data.")
    return text


def _local(moment: datetime | None, zone: ZoneInfo) -> datetime | None:
    if moment is None:
        return None
    return moment.astimezone(zone).replace(tzinfo=None, microsecond=0)


def contact_rows(contacts: Iterable[Contact], columns: list[ExportColumn]) -> Iterator[list[Any]]:
    """One row a contact, produced as the contacts are read."""
    for contact in contacts:
        yield [column.value(contact) for column in columns]


def description_table(columns: list[ExportColumn]) -> Table:
    """The second sheet: every column of the first, and what it holds."""
    return Table(
        _("Fields"),
        [Column(_("Column"), 24), Column(_("Description"), 90)],
        ([c.header, c.description] for c in columns),
        filter=False,
    )


def write_contacts_xlsx(
    contacts: Iterable[Contact],
    out: Path | IO[bytes],
    zone: ZoneInfo,
    mask_personal: bool = False,
    more: Sequence[Table] = (),
) -> int:
    """The workbook: the contacts, their field descriptions, then any `more` sheets; returns how
    many contacts."""
    columns = contact_columns(zone, mask_personal)
    contacts_table = Table(
        _("Contacts"),
        [Column(c.header, c.width) for c in columns],
        contact_rows(contacts, columns),
    )
    return write_workbook([contacts_table, description_table(columns), *more], out)


def write_contacts_excel_csv(
    contacts: Iterable[Contact], out: IO[str], zone: ZoneInfo, mask_personal: bool = False
) -> int:
    """The same table as semicolon-separated text for Swedish Excel (write it with a BOM);
    every cell neutralised against formulas. Returns how many contacts."""
    columns = contact_columns(zone, mask_personal)
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([neutralise(c.header) for c in columns])
    count = 0
    for row in contact_rows(contacts, columns):
        writer.writerow([_csv_text(value) for value in row])
        count += 1
    return count


def cell_text(value: Any) -> str:
    """A cell's value as text: dates as YYYY-MM-DD, times to the minute, nothing as empty."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _csv_text(value: Any) -> str:
    if value is None or isinstance(value, date):  # a datetime is a date too
        return cell_text(value)
    return neutralise(str(value))


def xlsx_file(contacts: Iterable[Contact], zone: ZoneInfo) -> tuple[Path, int]:
    """The workbook written as it is read into a temporary file, whatever its size (to send in
    chat); the caller removes the file. Returns its path and how many contacts it holds."""
    handle, name = tempfile.mkstemp(prefix="contactbot-export-", suffix=".xlsx")
    path = Path(name)
    try:
        with open(handle, "wb") as out:
            count = write_contacts_xlsx(contacts, out, zone)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path, count


def xlsx_bytes(contacts: Iterable[Contact], zone: ZoneInfo) -> tuple[bytes, int]:
    """The workbook as bytes (to send in chat), and how many contacts it holds."""
    buffer = io.BytesIO()
    count = write_contacts_xlsx(contacts, buffer, zone)
    return buffer.getvalue(), count
