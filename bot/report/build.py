"""Making the annual report file: figures from the database, words in the current language,
laid out as PDF, XLSX or DOCX."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from bot.report.content import ReportDocument, report_document
from handlers.i18n import _
from storage.database import Database
from storage.report_figures import Period, report_figures

FORMATS = ("pdf", "xlsx", "docx")


class ReportFailed(Exception):
    """The file could not be laid out; the message says so in the current language."""


@dataclass(frozen=True)
class ReportFile:
    """A finished report."""

    filename: str
    content: bytes
    title: str


def _writer(fmt: str) -> Callable[[ReportDocument], bytes]:
    if fmt == "pdf":
        from bot.report.pdf import report_pdf

        return report_pdf
    if fmt == "xlsx":
        from bot.report.xlsx import report_xlsx

        return report_xlsx
    from bot.report.docx import report_docx

    return report_docx


def build_report(
    db: Database, period: Period, fmt: str, made: date, twin_towns: tuple[str, ...] = ()
) -> ReportFile:
    """The report of `period` as a `fmt` file, in the current language."""
    document = report_document(report_figures(db, period, twin_towns), made)
    try:
        content = _writer(fmt)(document)
    except (RuntimeError, ValueError) as error:  # Typst reports its layout errors as RuntimeError
        raise ReportFailed(_("The report could not be laid out as {format}: {error}").format(
            format=fmt.upper(), error=str(error).splitlines()[0][:200])) from None  # fmt: skip
    stem = _("annual-report")
    return ReportFile(f"{stem}-{period.label()}.{fmt}", content, document.title)
