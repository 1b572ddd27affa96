"""`report [2026] [pdf|xlsx|docx]` in chat: the annual report file, for coordinators, privately."""

from __future__ import annotations

from datetime import date

from handlers.i18n import _
from handlers.markup import say
from handlers.parsing import ParseError, Token
from handlers.replies import Attachment, Caller, Reply, reply
from storage.database import Database
from storage.report_figures import Period

FORMATS = ("pdf", "xlsx", "docx")


def report_request(tokens: list[Token], today: date, c: str) -> tuple[int, str]:
    """`2026 xlsx` → (2026, "xlsx"); without a year, last year; without a format, PDF.
    Raises ParseError (saying what to write) for anything else."""
    year, fmt = today.year - 1, "pdf"
    for token in tokens:
        word = token.text.strip().casefold().lstrip(".")
        if word.isascii() and word.isdigit() and len(word) == 4 and 1900 < int(word) <= today.year:
            year = int(word)
        elif word in FORMATS:
            fmt = word
        else:
            raise ParseError(
                say(
                    _(
                        "Write the year and, if you like, the format: `{c} report {year} pdf` (or xlsx, docx)."
                    ),
                    c=c,
                    year=today.year - 1,
                )  # fmt: skip
            )
    return year, fmt


def report_reply(
    db: Database, tokens: list[Token], caller: Caller, today: date, c: str, twin_towns: tuple[str, ...] = ()
) -> Reply:
    """The report of a year (default: last year) as a file, or why not."""
    if not caller.is_coordinator:
        return reply(say(_("Only coordinators may make the annual report.")), ok=False)
    if caller.audience == "shared":
        return reply(
            say(
                _(
                    "I only send the annual report in a private chat, before it is published. "
                    "Write `{c} report` to me in a personal chat."
                ),
                c=c,
            ),
            ok=False,
        )
    year, fmt = report_request(tokens, today, c)
    # The layout lives with the other file formats, in bot/report; imported only when asked for.
    from bot.report.build import ReportFailed, build_report

    try:
        made = build_report(db, Period.year(year), fmt, today, twin_towns)
    except ReportFailed as failed:
        return reply(say(_("Sorry, the report could not be made: {reason}"), reason=str(failed)), ok=False)
    return reply(
        say(_("The annual report {title} ({format})."), title=made.title, format=fmt.upper()),
        attachment=Attachment(made.filename, made.content, made.title, command=f"report {year} {fmt}"),
    )
