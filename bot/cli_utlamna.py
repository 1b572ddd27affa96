"""`contactbot utlamna --from DATE --to DATE [--sok ORD] [--format xlsx|csv|pdf] [-o FILE]
[--med-personuppgifter]`: the extract a member of the public asked for (offentlighetsprincipen).

Counterpart names and e-mail addresses (the fields the field table marks personal) are
masked unless `--med-personuppgifter` is given, after the secrecy review: a person's decision.
Every request is recorded in the history through `record_document_request`.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import sys
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.context import BotContext
from bot.file_problems import cannot_write
from handlers.i18n import _, ngettext
from storage.extracts import requested_contacts
from storage.history import Actor, record_once

if TYPE_CHECKING:
    from storage.xlsx import Table

log = logging.getLogger("contactbot.requests")


@dataclass(frozen=True)
class DocumentRequest:
    """A handed-out extract: the period, the search words, whether personal data was included."""

    start: date
    end: date
    words: tuple[str, ...]
    personal_data: bool
    file: Path
    count: int
    by: str
    at: datetime


def add_parser(commands: argparse._SubParsersAction, parse_date: object) -> None:
    """`utlamna` and its options (`parse_date` reads YYYY-MM-DD with a clear error)."""
    parser = commands.add_parser(
        "utlamna", help=_("the extract for a request for public documents (names and e-mails masked)")
    )
    parser.add_argument(
        "--from", dest="start", type=parse_date, required=True, help=_("first meeting date, YYYY-MM-DD")
    )
    parser.add_argument(
        "--to", dest="end", type=parse_date, required=True, help=_("last meeting date, YYYY-MM-DD")
    )
    parser.add_argument(
        "--sok",
        "--sök",
        dest="words",
        action="append",
        default=[],
        metavar="ORD",
        help=_("only contacts containing these words (may be repeated)"),
    )
    parser.add_argument("--format", choices=("xlsx", "csv", "pdf"), default="xlsx")
    parser.add_argument(
        "-o", "--output", type=Path, help=_("file to write (default: utlamnande-FROM-TO.xlsx)")
    )
    parser.add_argument(
        "--med-personuppgifter", dest="personal_data", action="store_true",
        help=_("include counterpart names and e-mail addresses (after the secrecy review)"),
    )  # fmt: skip


def hand_out(context: BotContext, args: argparse.Namespace) -> int:
    """Write the extract and record the request."""
    # Imported here: openpyxl is loaded only by the commands that write a file.
    from handlers.spreadsheet_export import write_contacts_excel_csv, write_contacts_xlsx

    if args.start > args.end:
        message = _("--from {start} is after --to {end}: give the earlier date with --from.")
        print("contactbot: " + message.format(start=args.start, end=args.end), file=sys.stderr)
        return 2
    words = tuple(w for text in args.words for w in text.split() if w)
    output: Path = args.output or Path(f"utlamnande-{args.start}-{args.end}.{args.format}")
    zone = context.settings.timezone
    now = context.clock()
    mask = not args.personal_data
    contacts = requested_contacts(context.db, args.start, args.end, words, mask)
    try:
        if args.format == "xlsx":
            count = write_contacts_xlsx(contacts, output, zone, mask, more=[_about(args, words, now, zone)])
        elif args.format == "pdf":
            from bot.report.extract_pdf import extract_pdf

            about = [(str(row[0]), str(row[1])) for row in _about(args, words, now, zone).rows]
            content, count = extract_pdf(contacts, zone, mask, about)
            output.write_bytes(content)
        else:
            with output.open("w", encoding="utf-8-sig", newline="") as out:
                count = write_contacts_excel_csv(contacts, out, zone, mask)
    except OSError as error:
        message = cannot_write(output, error)
        print("contactbot: " + message, file=sys.stderr)
        return 1
    request = DocumentRequest(args.start, args.end, words, args.personal_data, output, count, _login(), now)
    record_document_request(context, request)
    done = (
        ngettext(
            "Wrote {count} contact to {path}, with names and e-mail addresses.",
            "Wrote {count} contacts to {path}, with names and e-mail addresses.",
            count,
        )
        if args.personal_data
        else ngettext(
            "Wrote {count} contact to {path}; names and e-mail addresses are masked.",
            "Wrote {count} contacts to {path}; names and e-mail addresses are masked.",
            count,
        )
    )
    print(done.format(count=count, path=output))
    if words and not args.personal_data:
        # Masked names are not searched either: a search for a person finds nothing of theirs.
        print(_("The search words were not looked for in names and e-mail addresses, which are masked."))
    return 0


def record_document_request(context: BotContext, request: DocumentRequest) -> None:
    """Record that an extract was handed out: in the history (an export, its note saying it was a
    document request and what it held), and in the log."""
    personal = "included" if request.personal_data else "masked"
    # The search words are not kept: they may be a person's name, and the history can't be changed.
    note = (
        f"document request {request.start}..{request.end}, search words: {len(request.words)}, "
        f"personal data {personal}, {request.count} contacts, {request.file.name}"
    )
    record_once(
        context.db,
        contact_id=None,
        action="export",
        actor=Actor(f"cli:{request.by}", "cli"),
        at=request.at,
        note=note[:1000],
    )
    log.debug(
        "document request handed out: %s..%s, %d search words, personal data %s, %d contacts, file %s, by %s",
        request.start,
        request.end,
        len(request.words),
        "included" if request.personal_data else "masked",
        request.count,
        request.file.name,
        request.by,
    )


def _about(args: argparse.Namespace, words: tuple[str, ...], now: datetime, zone: ZoneInfo) -> Table:
    """A sheet that says what the extract is: period, search words, masking, date made."""
    from storage.xlsx import Column, Table

    rows = [
        [_("Period"), f"{args.start} – {args.end}"],
        [_("Search words"), " ".join(words) or _("none")],
        [
            _("Personal data"),
            _("included") if args.personal_data else _("counterpart names and e-mail addresses masked"),
        ],
        [_("Made"), now.astimezone(zone).strftime("%Y-%m-%d %H:%M")],
    ]
    return Table(_("About the extract"), [Column(_("What"), 22), Column(_("Value"), 60)], rows, filter=False)


def _login() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "cli"
