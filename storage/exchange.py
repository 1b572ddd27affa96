"""Export and import of contacts as CSV or JSON, with the same field names as the database."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from datetime import date, datetime
from typing import IO, Any

from storage.models import Contact

FIELDS = (
    "id",
    "contact_date",
    "organisation",
    "country",
    "city",
    "person",
    "email",
    "kind",
    "youth",
    "unit",
    "summary",
    "benefit",
    "followup",
    "logged_by",
    "logged_by_name",
    "platform",
    "created_at",
    "updated_at",
    "withdrawn_at",
    "withdrawn_by",
    "withdrawn_by_name",
    "withdrawn_reason",
)
_DATES = {"contact_date"}
_MOMENTS = {"created_at", "updated_at", "withdrawn_at"}
_REQUIRED = (
    "id",
    "contact_date",
    "organisation",
    "country",
    "kind",
    "summary",
    "logged_by",
    "platform",
    "created_at",
    "updated_at",
)


def N_(message: str) -> str:
    """Marks a message for the translation catalog; the CLI translates it where it is shown."""
    return message


class ImportProblem(Exception):
    """The file cannot be imported; the message says where and why.

    `template` is the English message (a catalog id), `params` fill it in.
    """

    def __init__(self, template: str, **params: object) -> None:
        super().__init__(template.format(**params))
        self.template = template
        self.params = params


def to_record(contact: Contact) -> dict[str, Any]:
    """A contact as a flat dict of JSON-ready values (dates in ISO 8601)."""
    record: dict[str, Any] = {}
    for name in FIELDS:
        value = contact.organisation.name if name == "organisation" else getattr(contact, name)
        if isinstance(value, datetime | date):
            value = value.isoformat()
        record[name] = value
    return record


def write_json(contacts: Iterable[Contact], out: IO[str]) -> int:
    """Write `{"contacts": [...]}`; returns how many."""
    records = [to_record(c) for c in contacts]
    json.dump({"contacts": records}, out, ensure_ascii=False, indent=2)
    out.write("\n")
    return len(records)


def write_csv(contacts: Iterable[Contact], out: IO[str]) -> int:
    """Write one header row and one row a contact; returns how many."""
    writer = csv.DictWriter(out, fieldnames=FIELDS, lineterminator="\r\n")
    writer.writeheader()
    count = 0
    for contact in contacts:
        record = to_record(contact)
        record["youth"] = "yes" if record["youth"] else "no"
        writer.writerow({k: "" if v is None else v for k, v in record.items()})
        count += 1
    return count


def csv_bytes(contacts: Iterable[Contact]) -> tuple[bytes, int]:
    """The CSV export as UTF-8 with a byte order mark (so spreadsheet programs read å, ä, ö)."""
    buffer = io.StringIO()
    count = write_csv(contacts, buffer)
    return buffer.getvalue().encode("utf-8-sig"), count


def read_records(text: str) -> list[dict[str, Any]]:
    """Records from an export, JSON or CSV (told apart by the first character)."""
    text = text.lstrip("\ufeff")
    if text.lstrip().startswith("{"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise ImportProblem(
                N_("not valid JSON: line {line}: {error}"), line=error.lineno, error=error.msg
            ) from None
        if not isinstance(data, dict) or not isinstance(data.get("contacts"), list):
            raise ImportProblem(N_('JSON must be an object with a "contacts" list'))
        rows = data["contacts"]
    else:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        try:
            missing = [f for f in _REQUIRED if f not in (reader.fieldnames or [])]
            if missing:
                raise ImportProblem(N_("the CSV header lacks: {fields}"), fields=", ".join(missing))
            rows = list(reader)
        except csv.Error as error:
            raise ImportProblem(
                N_("not valid CSV: line {line}: {error}"), line=reader.line_num, error=str(error)
            ) from None
    return [_typed(row, number) for number, row in enumerate(rows, start=1)]


def _typed(row: Any, number: int) -> dict[str, Any]:
    if not isinstance(row, dict):
        raise ImportProblem(N_("contact {number}: not an object"), number=number)
    record: dict[str, Any] = {}
    for name in FIELDS:
        value = row.get(name)
        if value == "":
            value = None
        try:
            record[name] = _convert(name, value)
        except (TypeError, ValueError):
            raise ImportProblem(
                N_("contact {number}: {field} has a bad value: {value}"),
                number=number,
                field=name,
                value=repr(value)[:60],
            ) from None
    for name in _REQUIRED:
        if record.get(name) is None:
            raise ImportProblem(N_("contact {number}: {field} is missing"), number=number, field=name)
    return record


def _convert(name: str, value: Any) -> Any:
    if value is None:
        return False if name == "youth" else None
    if name == "id":
        return int(value)
    if name == "youth":
        if isinstance(value, bool):
            return value
        text = str(value).strip().casefold()
        if text in {"yes", "true", "1", "ja"}:
            return True
        if text in {"no", "false", "0", "nej"}:
            return False
        raise ValueError(text)
    if name in _DATES:
        return date.fromisoformat(str(value))
    if name in _MOMENTS:
        moment = datetime.fromisoformat(str(value))
        if moment.tzinfo is None:
            raise ValueError("no time zone")
        return moment
    return str(value)
