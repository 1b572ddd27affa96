"""`contactbot audit`, `contactbot gallra` and `contactbot personuppgifter`: the records'
audit trail, disposal of personal data by decision, and a person's own data."""

from __future__ import annotations

import argparse
import csv
import getpass
import json
import sys
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import IO, Any

from bot.context import BotContext
from bot.file_problems import cannot_write
from bot.shell.render import render_text
from handlers.i18n import _, ngettext, use_language
from handlers.text import tidy
from handlers.validation import InvalidFields, check_fields
from storage.disposal import dispose, due
from storage.exchange import neutralise, write_json
from storage.history import SCHEDULER, Actor, audit_trail, event_dict, record_once
from storage.personal import Person, correct, elsewhere, erase, handed_out, mentioning

COMMANDS = {"audit", "gallra", "dispose", "personuppgifter", "personal-data"}
_AUDIT_COLUMNS = ("time", "contact", "action", "user", "via", "before", "after", "note")


def add_parsers(commands: Any, date_type: Any) -> None:
    """The three commands and their options (Swedish words, English aliases)."""
    audit = commands.add_parser("audit", help=_("the audit trail: every change, by whom and when"))
    audit.add_argument("--from", dest="start", type=date_type, help=_("first day, YYYY-MM-DD"))
    audit.add_argument("--to", dest="end", type=date_type, help=_("last day, YYYY-MM-DD"))
    audit.add_argument("--user", help=_("only this user, e.g. slack:U0123ABCD"))
    audit.add_argument("--format", choices=("csv", "json"), default="csv")
    audit.add_argument("-o", "--output", type=Path, help=_("file to write (default: standard output)"))

    gallra = commands.add_parser(
        "gallra", aliases=["dispose"], help=_("clear old personal data under the disposal decision")
    )
    gallra.add_argument("--dry-run", action="store_true", help=_("only list what would be cleared"))

    personal = commands.add_parser(
        "personuppgifter",
        aliases=["personal-data"],
        help=_("a person's own data: find, export, correct, erase"),
    )
    tasks = personal.add_subparsers(dest="personal_task", metavar="TASK", required=True)
    for name, aliases, task, text in (
        ("sök", ["sok", "search"], "search", _("list the contacts that mention the person")),
        ("export", ["exportera"], "export", _("write what is held about the person (JSON and CSV)")),
        ("rätta", ["ratta", "correct"], "correct", _("correct the person's e-mail or name")),
        ("radera", ["erase"], "erase", _("clear the person's name and e-mail, by a decision")),
    ):
        parser = tasks.add_parser(name, aliases=aliases, help=text)
        parser.set_defaults(personal_action=task)
        who = parser.add_mutually_exclusive_group(required=True)
        who.add_argument("--email", "--epost", dest="email", help=_("the person's e-mail address"))
        who.add_argument("--namn", "--name", dest="name", help=_("the person's name"))
        if task == "export":
            parser.add_argument("-o", "--output", type=Path, help=_("files to write, FILE.json and FILE.csv"))
        if task == "correct":
            parser.add_argument("--ny-email", "--new-email", dest="new_email", help=_("the right e-mail"))
            parser.add_argument("--nytt-namn", "--new-name", dest="new_name", help=_("the right name"))
        if task == "erase":
            parser.add_argument(
                "--beslut", "--decision", dest="decision", required=True, help=_("the decision's reference")
            )


def run(context: BotContext, args: argparse.Namespace) -> int:
    """Run one of the commands; the exit status."""
    with use_language(context.settings.language):
        try:
            if args.command == "audit":
                return _audit(context, args)
            if args.command in {"gallra", "dispose"}:
                return disposal(context, cli_actor(), args.dry_run, sys.stdout)
            return _personal(context, args)
        except BrokenPipeError:
            raise  # the reader stopped (`| head`): bot.cli ends quietly
        except OSError as error:
            return _fail(cannot_write(error.filename, error), 1)


def cli_actor() -> Actor:
    """The person at the command line, `cli:<login>`."""
    try:
        user = getpass.getuser()
    except Exception:  # noqa: BLE001 - no user name in a bare container
        user = "unknown"
    return Actor(f"cli:{user}", "cli")


def _fail(message: str, status: int = 2) -> int:
    print("contactbot: " + message, file=sys.stderr)
    return status


# -- audit ------------------------------------------------------------------------


def _audit(context: BotContext, args: argparse.Namespace) -> int:
    if args.start and args.end and args.start > args.end:
        return _fail(
            _("--from {start} is after --to {end}: give the earlier date with --from.").format(
                start=args.start, end=args.end
            )
        )
    zone = context.settings.timezone
    start = datetime.combine(args.start, time(0), zone) if args.start else None
    end = datetime.combine(args.end + timedelta(days=1), time(0), zone) if args.end else None
    user = args.user.strip() if args.user else None
    if user and ":" not in user:
        user = f"slack:{user}"
    if user and user.casefold().startswith("teams:"):
        user = user.casefold()
    events = (event_dict(e) for e in audit_trail(context.db, start, end, user))
    if args.output is None:
        count = _write_audit(events, args.format, sys.stdout)
    else:
        encoding = "utf-8-sig" if args.format == "csv" else "utf-8"
        with args.output.open("w", encoding=encoding, newline="") as out:
            count = _write_audit(events, args.format, out)
        print(
            ngettext("Wrote {count} event to {path}.", "Wrote {count} events to {path}.", count).format(
                count=count, path=args.output
            ),
            file=sys.stderr,
        )
    return 0


def _write_audit(events: Any, form: str, out: IO[str]) -> int:
    if form == "json":
        found = list(events)
        json.dump(found, out, ensure_ascii=False, indent=2)
        out.write("\n")
        return len(found)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(_AUDIT_COLUMNS)
    count = 0
    for event in events:
        row = []
        for column in _AUDIT_COLUMNS:
            value = event[column]
            if isinstance(value, dict):
                value = json.dumps(value, ensure_ascii=False)
            row.append("" if value is None else neutralise(str(value)))
        writer.writerow(row)
        count += 1
    return count


# -- disposal ---------------------------------------------------------------------


def disposal(context: BotContext, actor: Actor, dry_run: bool, out: IO[str]) -> int:
    """Clear person and e-mail older than GALLRING_PERSONAL_DATA under GALLRING_DECISION;
    with `dry_run` only list them. Without a decision nothing is cleared (status 2)."""
    settings = context.settings
    period, decision = settings.gallring_personal_data, settings.gallring_decision
    if period is None or not decision:
        out.write(
            _(
                "No disposal decision is configured, so nothing is cleared: set GALLRING_PERSONAL_DATA "
                "(e.g. 24m) and GALLRING_DECISION (the decision's reference, e.g. KS 2026-12-01 § 123)."
            )
            + "\n"
        )
        return 2
    today = context.clock().astimezone(settings.timezone).date()
    before = period.before(today)
    if dry_run:
        found = due(context.db, before)
        out.write(
            ngettext(
                "{count} contact dated before {day} holds a person or an e-mail that the decision "
                "{decision} clears (nothing was changed):",
                "{count} contacts dated before {day} hold a person or an e-mail that the decision "
                "{decision} clears (nothing was changed):",
                len(found),
            ).format(count=len(found), day=before, decision=decision)
            + "\n"
        )
        for contact in found:
            fields = [_("person") if contact.person else "", _("e-mail") if contact.email else ""]
            out.write(
                f"  #{contact.id} {contact.contact_date} {contact.organisation.name}: "
                + ", ".join(f for f in fields if f)
                + "\n"
            )
        return 0
    cleared = dispose(context.db, before, decision, actor, context.clock())
    if not cleared:
        out.write(
            _("No contact dated before {day} holds a person or e-mail; nothing was cleared.").format(
                day=before
            )
            + "\n"
        )
        return 0
    out.write(
        ngettext(
            "Cleared the person and e-mail of {count} contact dated before {day}, under the decision "
            "{decision}; the contact stays, and the history records the clearing.",
            "Cleared the person and e-mail of {count} contacts dated before {day}, under the decision "
            "{decision}; the contacts stay, and the history records each clearing.",
            len(cleared),
        ).format(count=len(cleared), day=before, decision=decision)
        + "\n"
    )
    return 0


def scheduled_disposal(context: BotContext) -> None:
    """The scheduler's monthly disposal (only when a decision is configured)."""
    settings = context.settings
    if settings.gallring_personal_data is None or not settings.gallring_decision:
        return
    today = context.clock().astimezone(settings.timezone).date()
    dispose(
        context.db,
        settings.gallring_personal_data.before(today),
        settings.gallring_decision,
        SCHEDULER,
        context.clock(),
    )


# -- a person's own data ----------------------------------------------------------


def _personal(context: BotContext, args: argparse.Namespace) -> int:
    """The task, then where the same person may be mentioned without what was looked up."""
    if not (args.email or args.name or "").strip():
        return _personal_task(context, args)
    # Looked up before anything changes: an erasure clears the very names it would point to.
    related = elsewhere(context.db, Person(email=args.email, name=args.name))
    status = _personal_task(context, args)
    if status == 0:
        for what, ids in related.items():
            numbers = ", ".join(f"#{number}" for number in ids[:10])
            option = "--namn" if args.email else "--email"
            print(
                _(
                    "Note: {numbers} mention {what} without what you looked up. If it is the same person, "
                    'run the same command with {option} "{what}".'
                ).format(numbers=numbers, what=what, option=option)
            )
    return status


def _personal_task(context: BotContext, args: argparse.Namespace) -> int:
    who = (args.email or args.name or "").strip()
    if not who:
        return _fail(_("Give the person's e-mail address with --email or their name with --namn."))
    person = Person(email=args.email, name=args.name)
    action = args.personal_action
    now = context.clock()
    if action in {"search", "export"} and not mentioning(context.db, person):
        if action == "search":
            print(_("No contact mentions {who}.").format(who=who))
        else:
            print(_("No contact mentions {who}; nothing was written.").format(who=who))
        return 0
    if action == "search":
        found = mentioning(context.db, person)
        print(
            ngettext("{count} contact mentions {who}:", "{count} contacts mention {who}:", len(found)).format(
                count=len(found), who=who
            )
        )
        for contact in found:
            withdrawn = " " + _("(withdrawn)") if contact.withdrawn_at else ""
            print(f"  #{contact.id} {contact.contact_date} {contact.organisation.name}{withdrawn}")
        return 0
    if action == "export":
        found = handed_out(context.db, person, cli_actor(), now)
        base = args.output or Path(f"personuppgifter-{now.astimezone(context.settings.timezone).date()}")
        if base.suffix in {".json", ".csv"}:
            base = base.with_suffix("")
        paths = (base.with_name(base.name + ".json"), base.with_name(base.name + ".csv"))
        with paths[0].open("w", encoding="utf-8") as out:
            write_json(found, out)
        # The CSV is for the person to read (headers in words, as Swedish Excel opens it); the
        # JSON keeps every field as stored, for a machine (Art. 20).
        from handlers.spreadsheet_export import write_contacts_excel_csv

        with paths[1].open("w", encoding="utf-8-sig", newline="") as out:
            write_contacts_excel_csv(found, out, context.settings.timezone)
        print(
            ngettext(
                "Wrote the {count} contact that mentions {who} to {json} and {csv}.",
                "Wrote the {count} contacts that mention {who} to {json} and {csv}.",
                len(found),
            ).format(count=len(found), who=who, json=paths[0], csv=paths[1])
        )
        return 0
    if action == "correct":
        if (args.new_email is None) == (args.new_name is None):
            return _fail(_("Give the right value with --ny-email or --nytt-namn (one of them)."))
        if args.new_email is not None and args.email is None:
            return _fail(_("--ny-email corrects an e-mail: find the person with --email."))
        if args.new_name is not None and args.name is None:
            return _fail(_("--nytt-namn corrects a name: find the person with --namn."))
        new = args.new_email if args.new_email is not None else args.new_name
        if not tidy(new):
            return _fail(
                _("The right value is empty: to clear a name or e-mail, use radera with the decision.")
            )
        field = "email" if args.new_email is not None else "person"
        try:
            checked = getattr(check_fields({field: new}, now.date(), partial=True), field)
        except InvalidFields as invalid:
            return _fail(" ".join(render_text(problem) for problem in invalid.errors.values()))
        new_email, new_name = (checked, None) if field == "email" else (None, checked)
        changed = correct(context.db, person, cli_actor(), now, new_email, new_name)
        if not changed:
            if mentioning(context.db, person):
                print(
                    _("The contacts that mention {who} already say that; nothing was changed.").format(
                        who=who
                    )
                )
            else:
                print(_("No contact mentions {who}; nothing was changed.").format(who=who))
            return 0
        print(
            ngettext(
                "Corrected {count} contact; the history records it.",
                "Corrected {count} contacts; the history records each.",
                len(changed),
            ).format(count=len(changed))
        )
        return 0
    decision = (args.decision or "").strip()
    if not decision:
        return _fail(_('Give the decision\'s reference with --beslut, e.g. --beslut "KS 2026-12-01 § 45".'))
    erased = erase(context.db, person, decision, cli_actor(), now)
    if not erased:
        print(_("No contact mentions {who}; nothing was changed.").format(who=who))
        return 0
    print(
        ngettext(
            "Cleared the name and e-mail of {who} on {count} contact; the history records it.",
            "Cleared the name and e-mail of {who} on {count} contacts; the history records each.",
            len(erased),
        ).format(who=who, count=len(erased))
    )
    return 0


def record_export(context: BotContext, form: str, count: int) -> None:
    """A CLI export, in the history."""
    record_once(
        context.db,
        contact_id=None,
        action="export",
        actor=cli_actor(),
        at=context.clock(),
        note=f"{form}, {count}",
    )
