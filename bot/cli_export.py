"""`contactbot export --format xlsx` and `--excel`: the contacts as a person reads them in Excel.

Both are written as the contacts are read from the database, so memory stays flat.
"""

from __future__ import annotations

import argparse
import sys

from bot.context import BotContext
from bot.file_problems import cannot_write
from handlers.i18n import _, ngettext


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The spreadsheet options of `export`."""
    parser.add_argument(
        "--excel",
        action="store_true",
        help=_("with csv: semicolons, headers in words and a byte order mark, as Swedish Excel opens it"),
    )


def export_spreadsheet(context: BotContext, args: argparse.Namespace) -> int | None:
    """Write the export if it is for people (xlsx, or csv with --excel); None leaves it to the machine CSV/JSON."""
    if args.excel and args.format != "csv":
        message = _(
            "--excel makes a CSV file for Excel: use it with --format csv (an xlsx file needs no --excel)."
        )
        print("contactbot: " + message, file=sys.stderr)
        return 2
    if args.format != "xlsx" and not (args.format == "csv" and args.excel):
        return None
    try:
        return _write(context, args)
    except BrokenPipeError:
        raise  # the reader stopped reading: `main` says nothing
    except OSError as error:
        message = cannot_write(args.output or _("standard output"), error)
        print("contactbot: " + message, file=sys.stderr)
        return 1


def _write(context: BotContext, args: argparse.Namespace) -> int:
    # Imported here: openpyxl is loaded only by the commands that write a file.
    from handlers.spreadsheet_export import write_contacts_excel_csv, write_contacts_xlsx

    zone = context.settings.timezone
    contacts = context.store.export(args.start, args.end)
    if args.format == "xlsx":
        if args.output is None and sys.stdout.isatty():
            print(
                "contactbot: " + _("An Excel workbook is not for the screen: give a file with -o FILE.xlsx."),
                file=sys.stderr,
            )
            return 2
        if args.output is None:
            count = write_contacts_xlsx(contacts, sys.stdout.buffer, zone)
            sys.stdout.buffer.flush()
            return 0
        count = write_contacts_xlsx(contacts, args.output, zone)
    elif args.output is None:
        sys.stdout.write("\ufeff")
        count = write_contacts_excel_csv(contacts, sys.stdout, zone)
        return 0
    else:
        with args.output.open("w", encoding="utf-8-sig", newline="") as out:
            count = write_contacts_excel_csv(contacts, out, zone)
    say_written(count, args.output)
    return 0


def say_written(count: int, path: object) -> None:
    """`Wrote 3 contacts to FILE.`, on standard error (standard output may be the file)."""
    print(
        ngettext("Wrote {count} contact to {path}.", "Wrote {count} contacts to {path}.", count).format(
            count=count, path=path
        ),
        file=sys.stderr,
    )
