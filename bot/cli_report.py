"""`contactbot report` (the annual report) on the command line."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import Any

from bot.context import BotContext
from bot.file_problems import cannot_write
from handlers.i18n import _, use_language
from storage.report_figures import Period


def add_report_command(commands: Any, date_type: Any) -> None:
    """`report --year 2026 | --from --to, --format pdf|xlsx|docx, -o FILE`."""
    from bot.report.build import FORMATS

    report = commands.add_parser("report", help=_("the annual report as PDF, XLSX or DOCX"))
    report.add_argument("--year", type=_year, help=_("the calendar year, e.g. 2026"))
    report.add_argument("--from", dest="start", type=date_type, help=_("first meeting date, YYYY-MM-DD"))
    report.add_argument("--to", dest="end", type=date_type, help=_("last meeting date, YYYY-MM-DD"))
    report.add_argument("--format", choices=FORMATS, default="pdf", help=_("file format (default: pdf)"))
    report.add_argument(
        "-o", "--output", type=Path, help=_("file to write (default: a name with the period)")
    )


def _year(value: str) -> int:
    four_digits = value.isascii() and value.isdigit() and len(value) == 4
    if four_digits and FIRST_YEAR <= int(value) <= LAST_YEAR:
        return int(value)
    if four_digits:
        raise argparse.ArgumentTypeError(
            _("{value} is outside the years a report covers: write one from {first} to {last}").format(
                value=value, first=FIRST_YEAR, last=LAST_YEAR
            )
        )
    raise argparse.ArgumentTypeError(
        _("{value} is not a year: write four digits, e.g. 2026").format(value=repr(value))
    )


FIRST_YEAR, LAST_YEAR = 1901, 2999


def chosen_period(year: int | None, start: date | None, end: date | None) -> Period | str:
    """The period asked for, or what is wrong with the options."""
    if year is not None and (start or end):
        return _("give either --year or --from and --to, not both.")
    if year is not None:
        return Period.year(year)
    if start is None or end is None:
        return _("say which period: --year 2026, or --from 2026-01-01 --to 2026-06-30.")
    if start > end:
        return _("--from {start} is after --to {end}: give the earlier date with --from.").format(
            start=start, end=end
        )
    return Period(start, end)


def run_report(context: BotContext, args: argparse.Namespace) -> int:
    """Write the report file; the numbers come from the database, the words in LANGUAGE."""
    from bot.report.build import ReportFailed, build_report

    period = chosen_period(args.year, args.start, args.end)
    if isinstance(period, str):
        print("contactbot: " + period, file=sys.stderr)
        return 2
    settings = context.settings
    today = context.clock().astimezone(settings.timezone).date()
    with use_language(settings.language):
        try:
            report = build_report(context.db, period, args.format, today, settings.twin_towns)
        except ReportFailed as failed:
            print(f"contactbot: {failed}", file=sys.stderr)
            return 1
        path: Path = args.output or Path(report.filename)
        try:
            path.write_bytes(report.content)
        except OSError as error:
            print("contactbot: " + cannot_write(path, error),
                  file=sys.stderr)  # fmt: skip
            return 1
        print(_("Wrote the report {title} to {path}.").format(title=report.title, path=path))
    return 0
