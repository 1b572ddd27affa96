"""The `contactbot` command line."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import traceback
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from bot.argparse_words import translate_argparse
from bot.cli_archive import add_archive_command, run_archive
from bot.cli_export import add_arguments as add_export_arguments
from bot.cli_export import export_spreadsheet, say_written
from bot.cli_import import add_arguments as add_import_arguments
from bot.cli_import import import_file
from bot.cli_report import add_report_command, run_report
from bot.cli_utlamna import add_parser as add_utlamna_parser
from bot.cli_utlamna import hand_out
from bot.config import ConfigError, Settings, language_of, load_settings
from bot.context import BotContext, open_context, register_notice
from bot.file_problems import cannot_read, cannot_write, reason
from bot.shell.render import render, render_text
from handlers.i18n import _, use_language
from handlers.importing import check_records
from handlers.privacy import register_description
from handlers.weeks import Week
from storage.contacts import IdsTaken, ImportRefused
from storage.database import DatabaseUnavailable
from storage.exchange import BadRows, ImportProblem, read_rows, write_csv, write_json
from storage.migrate import upgrade

if TYPE_CHECKING:
    from bot.digest.service import DigestService

log = logging.getLogger("contactbot")


def build_parser() -> argparse.ArgumentParser:
    """Every subcommand and option."""
    translate_argparse()
    parser = argparse.ArgumentParser(
        prog="contactbot", description=_("Collects the municipality's international contacts from chat.")
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = commands.add_parser(
        "run",
        help=_("run the bot over HTTP: Slack, Teams or both (and Socket Mode if SLACK_APP_TOKEN is set)"),
    )
    run.add_argument("--host", default="0.0.0.0", help=_("address to listen on (default 0.0.0.0)"))
    run.add_argument("--port", type=int, default=3000, help=_("port to listen on (default 3000)"))
    run.add_argument(
        "--no-scheduler", action="store_true", help=_("do not post the weekly digest from this process")
    )

    db = commands.add_parser("db", help=_("database tasks"))
    db_commands = db.add_subparsers(dest="db_command", metavar="TASK", required=True)
    db_commands.add_parser("upgrade", help=_("create or upgrade the database schema"))

    export = commands.add_parser("export", help=_("write every contact as CSV, JSON or Excel (xlsx)"))
    export.add_argument(
        "--format",
        choices=("csv", "json", "xlsx"),
        default="csv",
        help=_("file format: csv (default), json or xlsx (Excel)"),
    )
    export.add_argument("--from", dest="start", type=_date, help=_("first meeting date, YYYY-MM-DD"))
    export.add_argument("--to", dest="end", type=_date, help=_("last meeting date, YYYY-MM-DD"))
    export.add_argument("-o", "--output", type=Path, help=_("file to write (default: standard output)"))
    add_export_arguments(export)

    imports = commands.add_parser(
        "import", help=_("load contacts from a spreadsheet (.xlsx or .csv) or an export (CSV or JSON)")
    )
    imports.add_argument("file", type=Path)
    add_import_arguments(imports)

    add_utlamna_parser(commands, _date)

    commands.add_parser("shell", help=_("try the commands at a local prompt, no Slack needed"))

    digest = commands.add_parser("digest", help=_("the weekly digest"))
    digest_commands = digest.add_subparsers(dest="digest_command", metavar="TASK", required=True)
    preview = digest_commands.add_parser("preview", help=_("print a week's digest"))
    preview.add_argument("--week", type=_week, help=_("YYYY-Www (default: the last complete week)"))
    preview.add_argument("--json", action="store_true", help=_("print the exact Block Kit payload"))
    preview.add_argument(
        "--to",
        choices=("slack", "webhook"),
        default="slack",
        help=_("with --json: the payload for this platform (default: slack)"),
    )
    send = digest_commands.add_parser("send", help=_("post a week's digest (once; --force posts again)"))
    send.add_argument("--week", type=_week, help=_("YYYY-Www (default: the last complete week)"))
    send.add_argument("--force", action="store_true", help=_("post again even if already posted (recorded)"))
    send.add_argument(
        "--to",
        choices=("slack", "teams", "webhook"),
        help=_("only this platform's destination (default: all)"),
    )
    digest_commands.add_parser("history", help=_("recent digests and their state"))
    commands.add_parser("scheduler", help=_("only post the weekly digest on schedule (no HTTP)"))
    commands.add_parser(
        "register", help=_("print the description of the register, the text the municipality publishes")
    )

    from bot.records_cli import add_parsers

    add_parsers(commands, _date)
    add_report_command(commands, _date)
    add_archive_command(commands, _date)

    teams = commands.add_parser("teams", help=_("Microsoft Teams tasks"))
    teams_commands = teams.add_subparsers(dest="teams_command", metavar="TASK", required=True)
    package = teams_commands.add_parser("package", help=_("write the app package a Teams admin uploads"))
    package.add_argument("--bot-id", required=True, help=_("the bot's Microsoft app id (a GUID)"))
    package.add_argument(
        "-o", "--output", type=Path, default=Path("contactbot-teams.zip"), help=_("zip file to write")
    )
    return parser


def _week(value: str) -> Week:
    week = Week.parse(value)
    if week is None:
        raise argparse.ArgumentTypeError(
            _("{value} is not a week: write YYYY-Www, e.g. 2026-W47").format(value=repr(value))
        )
    return week


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("{value} is not a date: write YYYY-MM-DD").format(value=repr(value))
        ) from None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    with use_language(language_of()):
        parser = build_parser()
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help()
            return 0
        if args.command == "teams":
            return _teams_package(args.bot_id, args.output)
        logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        try:
            settings = load_settings()
            return _run(args, settings)
        except ConfigError as problem:
            print(f"contactbot: {problem}", file=sys.stderr)
            return 2
        except DatabaseUnavailable as trouble:
            print("contactbot: " + _database_problem(trouble), file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            return 130
        except BrokenPipeError:
            # The reader of our output stopped (`contactbot audit | head`): nothing more to say.
            # Python's docs: point stdout at devnull so the flush at exit does not fail again.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 0
        except OSError as error:
            if not error.filename:  # a network failure, not a file: as any other
                return _unexpected(error)
            # A file or folder the command was given, not caught nearer.
            where = _("cannot use {path}: {error}").format(path=error.filename, error=reason(error))
            print("contactbot: " + where, file=sys.stderr)
            return 1
        except Exception as error:  # noqa: BLE001 - a person gets a sentence, never a traceback
            return _unexpected(error)


def _unexpected(error: BaseException) -> int:
    """One sentence for an error nothing nearer caught; CONTACTBOT_DEBUG=1 adds the traceback,
    for whoever looks into it (the engine hides statements' values from it)."""
    message = _(
        "something unexpected went wrong ({error}). Check what was done before trying again; "
        "if it happens again, tell whoever runs contactbot."
    )
    print("contactbot: " + message.format(error=type(error).__name__), file=sys.stderr)
    if os.environ.get("CONTACTBOT_DEBUG"):
        traceback.print_exception(error, file=sys.stderr)
    return 1


def _database_problem(trouble: DatabaseUnavailable) -> str:
    """One line for a database that failed: what it means, and the driver's cause."""
    if trouble.kind == "damaged":
        text = _("the database is damaged ({cause}); nothing was changed. Restore it from a backup.")
    elif trouble.lasting:
        text = _("the database is full or read-only ({cause}); nothing was changed.")
    else:
        text = _("the database did not answer (DATABASE_URL: {cause}); nothing was changed.")
    return text.format(cause=trouble.cause)


def _run(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "register":  # needs no database
        print(render(register_description(register_notice(settings))))
        return 0
    if args.command == "run":
        from bot.server import serve

        settings.require_platform()  # Slack, Teams or both
        return serve(settings, host=args.host, port=args.port, scheduler=not args.no_scheduler)
    if args.command in {
        "db",
        "export",
        "import",
        "audit",
        "gallra",
        "dispose",
        "report",
        "arkivera",
        "archive",
        "utlamna",
    }:
        # The one line printed for a failed database says it all; the log line would repeat it.
        logging.getLogger("storage.database").setLevel(logging.CRITICAL)
    context = _open(settings)
    try:
        if args.command == "db":
            upgrade(context.db)
            print(_("The database schema is up to date."))
            return 0
        if args.command == "export":
            return _export(context, args)
        if args.command == "import":
            return import_file(context, args, legacy=_import)
        if args.command == "utlamna":
            logging.getLogger("contactbot.requests").setLevel(logging.INFO)
            return hand_out(context, args)
        if args.command == "shell":
            from bot.shell.prompt import run_shell

            return run_shell(context)
        if args.command == "digest":
            return _digest(context, args)
        if args.command == "scheduler":
            return _scheduler(context)
        from bot import records_cli

        if args.command in records_cli.COMMANDS:
            return records_cli.run(context, args)
        if args.command == "report":
            return run_report(context, args)
        if args.command in {"arkivera", "archive"}:
            return run_archive(context, args)
    finally:
        context.db.dispose()
    return 2


def _digest(context: BotContext, args: argparse.Namespace) -> int:
    """`digest preview|history|send`; send goes to every configured destination, each once."""
    from bot.slack.digest import digest_message
    from handlers.digest import build_digest, digest_blocks, outcome_text

    settings = context.settings
    today = context.clock().astimezone(settings.timezone).date()
    week = getattr(args, "week", None) or Week.of(today).previous()
    with use_language(settings.language):
        if args.digest_command == "preview":
            digest = build_digest(context.db, week, settings.timezone, command=settings.slack_command)
            if args.json and args.to == "webhook":
                from bot.digest.wiring import webhook_payload

                print(json.dumps(webhook_payload(context, digest), ensure_ascii=False, indent=2))
            elif args.json:
                text, blocks = digest_message(digest, None)
                print(json.dumps({"text": text, "blocks": blocks}, ensure_ascii=False, indent=2))
            else:
                print(render(digest_blocks(digest)))
            return 0
        if args.digest_command == "history":
            shell = context.handler()
            from handlers.replies import Caller

            reply = shell.handle("digest history", Caller("shell", "cli", is_coordinator=True))
            print(render(reply.blocks))
            return 0
    from bot.records_cli import cli_actor
    from handlers.digest import destination_label

    service = _digest_service(context)
    import asyncio  # only the commands that post load it

    outcomes = asyncio.run(service.send(week, force=args.force, requested_by=cli_actor().user, only=args.to))
    if not outcomes:
        raise ConfigError(_("No digest destination is set for {platform}.").format(platform=args.to))
    with use_language(settings.language):
        for o in outcomes:
            label = destination_label(o.platform, o.destination)
            print(render_text(outcome_text(o.state, o.week, label, o.error)))
    return 1 if any(o.state in {"pending", "unclear"} for o in outcomes) else 0


def _digest_service(context: BotContext) -> DigestService:
    """The digest's delivery to every configured target; ConfigError when there is none."""
    from bot.digest.service import DigestService
    from bot.logs import configure_logging

    settings = context.settings
    if settings.digest_channel:
        settings.require_slack()
    configure_logging(
        [
            settings.slack_bot_token or "",
            settings.slack_signing_secret or "",
            settings.teams_digest_webhook_url or "",
        ]
    )
    service = DigestService(context)
    if not service.targets():
        raise ConfigError(
            _(
                "The digest has no destination: set DIGEST_CHANNEL (a Slack channel id, C…) "
                "or TEAMS_DIGEST_WEBHOOK_URL."
            )
        )
    return service


def _scheduler(context: BotContext) -> int:
    import asyncio

    from bot.scheduler import run_scheduler_alone

    asyncio.run(run_scheduler_alone(_digest_service(context)))
    return 0


def _teams_package(bot_id: str, output: Path) -> int:
    """Needs no database and no settings: only the bot id."""
    from bot.teams.package import BadBotId, write_package

    try:
        path = write_package(bot_id, output)
    except BadBotId as problem:
        print(f"contactbot: {problem}", file=sys.stderr)
        return 2
    except OSError as error:
        print(
            "contactbot: " + cannot_write(output, error),
            file=sys.stderr,
        )
        return 1
    print(_("Wrote the Teams app package to {path}.").format(path=path.resolve()))
    print(
        _(
            "Next, upload it: Teams admin center → Teams apps → Manage apps → Upload new app, "
            "or Developer Portal (dev.teams.microsoft.com) → Apps → Import app."
        )
    )
    return 0


def _open(settings: Settings) -> BotContext:
    return open_context(settings)


def _export(context: BotContext, args: argparse.Namespace) -> int:
    if args.start and args.end and args.start > args.end:
        print(
            "contactbot: "
            + _("--from {start} is after --to {end}: give the earlier date with --from.").format(
                start=args.start, end=args.end
            ),
            file=sys.stderr,
        )
        return 2
    written = export_spreadsheet(context, args)
    if written is not None:
        return written
    contacts = context.store.export(args.start, args.end)
    writer = write_json if args.format == "json" else write_csv
    if args.output is None:
        count = writer(contacts, sys.stdout)
    else:
        encoding = "utf-8-sig" if args.format == "csv" else "utf-8"
        with args.output.open("w", encoding=encoding, newline="") as out:
            count = writer(contacts, out)
        say_written(count, args.output)
    from bot.records_cli import record_export

    record_export(context, args.format, count)
    return 0


def _import(context: BotContext, path: Path) -> int:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as error:
        print(
            "contactbot: " + cannot_read(path, error),
            file=sys.stderr,
        )
        return 1
    except UnicodeDecodeError:
        print("contactbot: " + _("{path} is not UTF-8 text.").format(path=path), file=sys.stderr)
        return 1
    try:
        records, places = read_rows(text)
        today = context.clock().astimezone(context.settings.timezone).date()
        problems = check_records(records, [_(where).format(number=n) for where, n in places], today)
        if problems:
            print(
                "contactbot: " + _("{path}: nothing was imported; fix these rows first:").format(path=path),
                file=sys.stderr,
            )
            for problem in problems:
                print("  " + render_text(problem), file=sys.stderr)
            return 1
        from bot.records_cli import cli_actor

        count = context.store.restore(records, cli_actor(), context.clock())
    except BadRows as bad:
        print(
            "contactbot: " + _("{path}: nothing was imported; fix these rows first:").format(path=path),
            file=sys.stderr,
        )
        for row in bad.problems:
            print("  " + row.render(_), file=sys.stderr)
        return 1
    except ImportProblem as problem:
        problem_text = problem.render(_)
        print(
            "contactbot: "
            + _("{path}: {problem}; nothing was imported.").format(path=path, problem=problem_text),
            file=sys.stderr,
        )
        return 1
    except ImportRefused as refused:
        print(
            "contactbot: "
            + _("{path}: the database refused the rows ({cause}); nothing was imported.").format(
                path=path, cause=refused.cause
            ),
            file=sys.stderr,
        )
        return 1
    except IdsTaken as taken:
        print(
            "contactbot: "
            + _(
                "{path}: the database already has contacts with ids {ids}; import into an empty database. "
                "Nothing was imported."
            ).format(path=path, ids=taken),
            file=sys.stderr,
        )
        return 1
    print(_("Imported {count} contacts from {path}.").format(count=count, path=path))
    return 0


if __name__ == "__main__":
    sys.exit(main())
