"""The extract for a document request as a tagged PDF: one section per contact, its fields
as a two-column table (the annual report's PDF writer, so it is PDF/UA-1 like the report)."""

from __future__ import annotations

from collections.abc import Iterable
from zoneinfo import ZoneInfo

from bot.report.content import ReportDocument, Section, Table
from bot.report.pdf import report_pdf
from handlers.i18n import _, current_language
from handlers.spreadsheet_export import cell_text, contact_columns
from storage.models import Contact


def extract_pdf(
    contacts: Iterable[Contact], zone: ZoneInfo, mask: bool, about: list[tuple[str, str]]
) -> tuple[bytes, int]:
    """The PDF bytes and how many contacts it holds; `about` says what the extract is."""
    columns = contact_columns(zone, mask)
    sections = []
    for contact in contacts:
        rows = [[column.header, cell_text(column.value(contact))] for column in columns[1:]]
        heading = _("Contact #{number}").format(number=contact.id)
        sections.append(
            Section(
                key=f"contact-{contact.id}",
                heading=heading,
                table=Table([_("Field"), _("Value")], [row for row in rows if row[1]]),
            )
        )
    document = ReportDocument(
        title=_("Extract from the register of international contacts"),
        language=current_language(),
        introduction=[f"{what}: {value}" for what, value in about],
        sections=sections,
        period="",
        previous="",
    )
    return report_pdf(document), len(sections)
