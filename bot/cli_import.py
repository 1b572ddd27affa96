"""`contactbot import FILE [--dry-run] [--unit UNIT]`: a person's spreadsheet, or our own export.

A `.xlsx` file, or a `.csv` file that is not our own export, is read as a person's
spreadsheet (storage/spreadsheets.py, handlers/spreadsheet_import.py). With problems,
nothing is imported and every problem is named by row and column; `--dry-run` shows the
same report and what would be imported, and stores nothing.
"""

from __future__ import annotations

import argparse
import getpass
import hashlib
import io
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time
from pathlib import Path
from typing import Any

from bot.context import BotContext
from bot.file_problems import cannot_read
from bot.shell.render import render_text
from handlers.countries import country_name
from handlers.i18n import _, current_language, ngettext
from handlers.importing import check_records
from handlers.spreadsheet_import import Plan, looks_like_header, plan_import
from handlers.text import shorten
from storage.exchange import _REQUIRED as EXPORT_COLUMNS
from storage.exchange import BadRows, ImportProblem, read_rows
from storage.imports import ImportedContact, known_keys, store_imported
from storage.spreadsheets import Sheet, decode, detect_delimiter, read_csv, read_xlsx

Legacy = Callable[[BotContext, Path], int]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The import's options."""
    parser.add_argument(
        "--dry-run", action="store_true", help=_("only show what would be imported and every problem")
    )
    parser.add_argument("--unit", help=_("the unit for rows that have none"))


def import_file(context: BotContext, args: argparse.Namespace, legacy: Legacy) -> int:
    """Import `args.file`; our own JSON or CSV export goes to `legacy` (ids and all kept)."""
    path: Path = args.file
    try:
        content = path.read_bytes()
    except FileNotFoundError:
        return _fail(_("there is no file {path}: check the name and the folder.").format(path=path))
    except OSError as error:
        return _fail(cannot_read(path, error))
    try:
        if path.suffix.casefold() in {".xlsx", ".xlsm"} or content.startswith(b"PK\x03\x04"):
            sheet = read_xlsx(io.BytesIO(content), looks_like_header)
        elif _own_export(content):
            return _check_export(context, path, content) if args.dry_run else legacy(context, path)
        else:
            sheet = read_csv(content, looks_like_header)
    except ImportProblem as problem:
        text = problem.render(_)
        return _fail(_("{path}: {problem}; nothing was imported.").format(path=path, problem=text))
    return _import_sheet(context, path, content, sheet, args.dry_run, args.unit)


def _check_export(context: BotContext, path: Path, content: bytes) -> int:
    """--dry-run of our own export: every row checked as the import checks it, nothing stored."""
    heading = _("{path}: nothing would be imported as it is; fix these first:").format(path=path)
    try:
        records, places = read_rows(decode(content))
    except BadRows as bad:
        print("contactbot: " + heading, file=sys.stderr)
        for row in bad.problems:
            print("  " + row.render(_), file=sys.stderr)
        return 1
    today = context.clock().astimezone(context.settings.timezone).date()
    problems = check_records(records, [_(where).format(number=n) for where, n in places], today)
    if problems:
        print("contactbot: " + heading, file=sys.stderr)
        for problem in problems:
            print("  " + render_text(problem), file=sys.stderr)
        return 1
    taken = context.store.ids_taken([int(str(record["id"])) for record in records])
    if taken:
        message = _(
            "{path}: the database already has contacts with ids {ids}, so the import would refuse the "
            "file: import an export into an empty database."
        ).format(path=path, ids=", ".join(map(str, taken[:10])))
        print("contactbot: " + message, file=sys.stderr)
        return 1
    print(
        ngettext(
            "Dry run: {count} contact would be imported from {path}",
            "Dry run: {count} contacts would be imported from {path}",
            len(records),
        ).format(count=len(records), path=path)
        + "."
    )
    return 0


def _own_export(content: bytes) -> bool:
    """Whether the file is our JSON export, or our CSV export (its header has the export's columns)."""
    try:
        text = decode(content)
    except ImportProblem:
        return False
    stripped = text.lstrip()
    if stripped.startswith("{"):
        return True
    first = stripped.split("\n", 1)[0].strip().split(detect_delimiter(text))
    return all(column in first for column in EXPORT_COLUMNS)


def _import_sheet(
    context: BotContext, path: Path, content: bytes, sheet: Sheet, dry_run: bool, unit: str | None
) -> int:
    settings = context.settings
    now = context.clock()
    today = now.astimezone(settings.timezone).date()
    plan = plan_import(sheet, today, settings.timezone, unit.strip() if unit else None)
    for column in plan.left_out_columns:
        print(_("Column {column} is not a contact field; it is left out.").format(column=column))
    if plan.withdrawn:
        print(
            ngettext(
                "{count} withdrawn contact is left out.",
                "{count} withdrawn contacts are left out.",
                plan.withdrawn,
            ).format(count=plan.withdrawn)
        )
    if plan.problems:
        heading = (
            _("{path}: nothing would be imported as it is; fix these first:")
            if dry_run
            else _("{path}: nothing was imported; fix these first:")
        )
        print("contactbot: " + heading.format(path=path), file=sys.stderr)
        for problem in plan.problems:
            print("  " + render_text(problem.text()), file=sys.stderr)
        return 1
    fresh, skipped = _without_duplicates(context, plan)
    if dry_run:
        _show(fresh)
        print(
            ngettext(
                "Dry run: {count} contact would be imported from {path}",
                "Dry run: {count} contacts would be imported from {path}",
                len(fresh),
            ).format(count=len(fresh), path=path)
            + _skipped_text(skipped)
        )
        return 0
    who = _login()
    name = _("{who}, imported from {file}").format(who=who, file=path.name)[:200]
    digest = hashlib.sha256(content).hexdigest()[:16]
    contacts = [
        ImportedContact(
            values=incoming.values,
            logged_at=incoming.logged
            or datetime.combine(incoming.values["contact_date"], time(12), tzinfo=settings.timezone),
            source_key=f"import:{digest}:{incoming.row}",
        )
        for incoming in fresh
    ]
    from bot.records_cli import cli_actor

    note = f"{path.name}: {len(contacts)} imported, {skipped}"[:1000]
    count = store_imported(context.db, contacts, f"import:{who}"[:100], name, now, cli_actor(), note)
    print(
        ngettext(
            "Imported {count} contact from {path}", "Imported {count} contacts from {path}", count
        ).format(count=count, path=path)
        + _skipped_text(skipped)
    )
    return 0


@dataclass
class Skipped:
    """Rows not imported: already in the database, or repeating an earlier row of the file."""

    stored: int = 0
    repeated: int = 0

    def __str__(self) -> str:  # for the audit trail's note
        return f"{self.stored} already there, {self.repeated} repeated in the file"


def _without_duplicates(context: BotContext, plan: Plan) -> tuple[list, Skipped]:
    stored = known_keys(context.db, (c.values["contact_date"] for c in plan.contacts))
    seen: set[Any] = set()
    fresh = []
    skipped = Skipped()
    for incoming in plan.contacts:
        key = incoming.key()
        if key in stored:
            skipped.stored += 1
        elif key in seen:
            skipped.repeated += 1
        else:
            seen.add(key)
            fresh.append(incoming)
    return fresh, skipped


def _skipped_text(skipped: Skipped) -> str:
    parts = []
    if skipped.stored:
        parts.append(
            ngettext(
                "{count} was already in the database and is skipped",
                "{count} were already in the database and are skipped",
                skipped.stored,
            ).format(count=skipped.stored)
        )
    if skipped.repeated:
        parts.append(
            ngettext(
                "{count} repeated an earlier row of the file and is read once",
                "{count} repeated earlier rows of the file and are read once",
                skipped.repeated,
            ).format(count=skipped.repeated)
        )
    return "; " + "; ".join(parts) + "." if parts else "."


def _show(contacts: list) -> None:
    language = current_language()
    for incoming in contacts:
        values = incoming.values
        print(
            _("Row {row}: {date} · {organisation} ({country}) · {summary}").format(
                row=incoming.row,
                date=values["contact_date"].isoformat(),
                organisation=values["organisation"],
                country=country_name(values["country"], language),
                summary=shorten(values["summary"].replace("\n", " "), 60),
            )
        )


def _login() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "cli"


def _fail(message: str) -> int:
    print("contactbot: " + message, file=sys.stderr)
    return 1
