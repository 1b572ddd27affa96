"""Export and import of contacts as CSV or JSON, with the same field names as the database."""

from __future__ import annotations

import csv
import io
import json
import tempfile
from collections.abc import Callable, Iterable
from datetime import date, datetime
from pathlib import Path
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
    "dnr",
    "direction",
    "participants",
    "young_participants",
    "programme",
    "project_ref",
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
_TYPED = {"id", "youth"} | _DATES | _MOMENTS  # the other fields are text
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
        self.template = template
        self.params = params
        super().__init__(self.render())

    def render(self, translate: Callable[[str], str] = str) -> str:
        """The message, through `translate` (the catalog's `_`); a (template, number) parameter
        such as ("line {number}", 7) is a place in the file, translated too."""
        params = {
            key: translate(value[0]).format(number=value[1]) if isinstance(value, tuple) else value
            for key, value in self.params.items()
        }
        return translate(self.template).format(**params)


class BadRows(ImportProblem):
    """Rows of the file cannot be imported; `problems` names each, by row and field."""

    def __init__(self, problems: list[ImportProblem]) -> None:
        super().__init__(N_("{count} rows have problems"), count=len(problems))
        self.problems = problems


# Ids are stored as 32-bit integers on PostgreSQL (SQLAlchemy's Integer).
MAX_ID = 2_147_483_647


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
    """Write `{"contacts": [...]}` one contact at a time (never the whole list in memory),
    laid out as `json.dump(..., indent=2)` would; returns how many."""
    count = 0
    for contact in contacts:
        out.write(",\n    " if count else '{\n  "contacts": [\n    ')
        record = json.dumps(to_record(contact), ensure_ascii=False, indent=2)
        out.write(record.replace("\n", "\n    "))
        count += 1
    out.write("\n  ]\n}\n" if count else '{\n  "contacts": []\n}\n')
    return count


# A cell starting with one of these is read as a formula by spreadsheet programs (OWASP,
# "CSV Injection"); a leading quote makes it text. A value that itself starts with the quote
# gets one more, so that reading can always take exactly one away.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
TEXT_MARK = "'"


def neutralise(value: str) -> str:
    """A CSV cell that a spreadsheet shows as text, never runs as a formula."""
    return TEXT_MARK + value if value.startswith((*FORMULA_START, TEXT_MARK)) else value


def restore(value: str) -> str:
    """The value `neutralise` was given."""
    return value[1:] if value.startswith(TEXT_MARK) else value


def write_csv(contacts: Iterable[Contact], out: IO[str]) -> int:
    """Write one header row and one row a contact, every cell neutralised; returns how many."""
    writer = csv.DictWriter(out, fieldnames=FIELDS, lineterminator="\r\n")
    writer.writeheader()
    count = 0
    for contact in contacts:
        record = to_record(contact)
        record["youth"] = "yes" if record["youth"] else "no"
        writer.writerow({k: "" if v is None else neutralise(str(v)) for k, v in record.items()})
        count += 1
    return count


def csv_file(contacts: Iterable[Contact]) -> tuple[Path, int]:
    """The CSV export (as `csv_bytes`) written as it is read into a temporary file, whatever
    its size; the caller removes the file. Returns its path and how many contacts."""
    handle, name = tempfile.mkstemp(prefix="contactbot-export-", suffix=".csv")
    path = Path(name)
    try:
        with open(handle, "w", encoding="utf-8-sig", newline="") as out:
            count = write_csv(contacts, out)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path, count


def csv_bytes(contacts: Iterable[Contact]) -> tuple[bytes, int]:
    """The CSV export as UTF-8 with a byte order mark (so spreadsheet programs read å, ä, ö)."""
    buffer = io.StringIO()
    count = write_csv(contacts, buffer)
    return buffer.getvalue().encode("utf-8-sig"), count


def read_records(text: str) -> list[dict[str, Any]]:
    """Records from an export, JSON or CSV (told apart by the first character)."""
    return read_rows(text)[0]


Place = tuple[str, int]


def read_rows(text: str) -> tuple[list[dict[str, Any]], list[Place]]:
    """Records from an export, and where each is in the file: ("line {number}", 7) in a CSV
    file, ("contact {number}", 3) in a JSON one (templates for the catalog)."""
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
            rows = [(row, reader.line_num) for row in reader]
        except csv.Error as error:
            raise ImportProblem(
                N_("not valid CSV: line {line}: {error}"), line=reader.line_num, error=str(error)
            ) from None
        # Cells are read as `restore` gives them back (a CSV cell may carry the text mark).
        return _all_typed([(row, N_("line {number}"), line) for row, line in rows], marked=True)
    return _all_typed([(row, N_("contact {number}"), number) for number, row in enumerate(rows, start=1)])


def _all_typed(
    rows: list[tuple[Any, str, int]], marked: bool = False
) -> tuple[list[dict[str, Any]], list[Place]]:
    records: list[dict[str, Any]] = []
    problems: list[ImportProblem] = []
    for row, where, number in rows:
        record, found = _typed(row, where, number, marked)
        records.append(record)
        problems += found
    if problems:
        raise BadRows(problems)
    return records, [(where, number) for _row, where, number in rows]


def _typed(
    row: Any, where: str, number: int, marked: bool = False
) -> tuple[dict[str, Any], list[ImportProblem]]:
    """The row with typed values, and every problem found in it (`where` names the row;
    `marked`: text cells may start with the text mark, see `restore`)."""
    if not isinstance(row, dict):
        return {}, [ImportProblem(N_("{where}: not an object"), where=(where, number))]
    record: dict[str, Any] = {}
    problems: list[ImportProblem] = []
    for name in FIELDS:
        value = row.get(name)
        if marked and isinstance(value, str) and value.startswith(TEXT_MARK):
            value = value[1:]
        if value is None or value == "":
            record[name] = False if name == "youth" else None
            continue
        if name not in _TYPED:  # text, as it is
            record[name] = str(value)
            continue
        try:
            record[name] = _convert(name, value)
        except (TypeError, ValueError, OverflowError):
            problems.append(
                ImportProblem(
                    N_("{where}: {field} has a bad value: {value}"),
                    where=(where, number),
                    field=name,
                    value=repr(value)[:60],
                )
            )
    for name in _REQUIRED:
        if record.get(name) is None and name in record:
            problems.append(
                ImportProblem(N_("{where}: {field} is missing"), where=(where, number), field=name)
            )
    return record, problems


def _convert(name: str, value: Any) -> Any:
    if value is None:
        return False if name == "youth" else None
    if name == "id":
        if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
            raise ValueError(value)
        number = int(str(value).strip()) if isinstance(value, str) else int(value)
        if not 1 <= number <= MAX_ID:
            raise ValueError(number)
        return number
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
