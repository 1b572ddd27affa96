"""`contactbot arkivera --from --to -o PACKAGE.zip`: the register handed to the e-archive."""

from __future__ import annotations

import argparse
import sys
import uuid
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from bot.context import BotContext
from bot.file_problems import cannot_write
from handlers.i18n import _, use_language


def add_archive_command(commands: Any, date_type: Any) -> None:
    """`arkivera` (also `archive`): a submission information package for the e-archive."""
    archive = commands.add_parser(
        "arkivera", aliases=["archive"],
        help=_("a submission information package for the e-archive (FGS 2.0, E-ARK SIP)"),
    )  # fmt: skip
    archive.add_argument(
        "--from", dest="start", type=date_type, required=True, help=_("first meeting date, YYYY-MM-DD")
    )
    archive.add_argument(
        "--to", dest="end", type=date_type, required=True, help=_("last meeting date, YYYY-MM-DD")
    )
    archive.add_argument("-o", "--output", type=Path, required=True, help=_("zip file to write"))
    archive.add_argument(
        "--arkivbildare", dest="archivist", default=None,
        help=_("the archive creator (the organisation handing the records over)"),
    )  # fmt: skip


def run_archive(context: BotContext, args: argparse.Namespace) -> int:
    """Write the package; the register description is in LANGUAGE."""
    from bot.archive.description import register_description
    from bot.records_cli import cli_actor
    from storage.archive.mets import Agents
    from storage.archive.package import write_package
    from storage.history import record_once

    if args.start > args.end:
        print("contactbot: " + _("--from {start} is after --to {end}: give the earlier date with --from.").format(
            start=args.start, end=args.end), file=sys.stderr)  # fmt: skip
        return 2
    if args.output.exists():
        print("contactbot: " + _("{path} exists already: give another name (a package is never written over).").format(
            path=args.output), file=sys.stderr)  # fmt: skip
        return 2
    settings = context.settings
    made = context.clock().replace(microsecond=0)
    with use_language(settings.language):
        archivist = args.archivist or _("The municipality")
        agents = Agents("contactbot", _version(), archivist)
        label = _("International contacts {start}–{end}").format(start=args.start, end=args.end)

        def description(tables: Any, counts: dict[str, int]) -> tuple[str, str]:
            text = register_description(tables, counts, args.start, args.end, made, archivist)
            return _("register-description") + ".txt", text

        objid = f"uuid-{uuid.uuid4()}"
        try:
            packed = write_package(
                context.db,
                args.start,
                args.end,
                args.output,
                made,
                objid,
                agents,
                label,
                description,
                settings.language,
            )
        except OSError as error:
            print("contactbot: " + cannot_write(args.output, error),
                  file=sys.stderr)  # fmt: skip
            return 1
        print(_("Wrote the package {objid} to {path}: {contacts} contacts, {organisations} organisations.").format(
            objid=packed.objid, path=args.output, contacts=packed.counts.get("contacts", 0),
            organisations=packed.counts.get("organisations", 0)))  # fmt: skip
        # In the history, as every export is: what left the register, when and by whom.
        record_once(
            context.db,
            contact_id=None,
            action="export",
            actor=cli_actor(),
            at=made,
            note=f"archive package {packed.objid}, {args.start}..{args.end}, "
            f"{packed.counts.get('contacts', 0)} contacts, {args.output.name}"[:1000],
        )
        if args.archivist is None:
            print("contactbot: " + _("the package names the archive creator “{name}”; give the municipality's own "
                  "name with --arkivbildare before it is handed over.").format(name=archivist), file=sys.stderr)  # fmt: skip
        if not packed.counts.get("contacts", 0):
            print("contactbot: " + _("no contact met between {start} and {end}: the package holds none; check the "
                  "dates.").format(start=args.start, end=args.end), file=sys.stderr)  # fmt: skip
    return 0


def _version() -> str:
    try:
        return version("contactbot")
    except PackageNotFoundError:
        return "0"
