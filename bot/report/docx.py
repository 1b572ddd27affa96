"""The report as a Word document: real heading styles, tables with a header row, and
charts as pictures with alternative text."""

from __future__ import annotations

import io
from typing import Any

from bot.report.charts import chart_png
from bot.report.content import ReportDocument

LANGUAGE_TAGS = {"sv": "sv-SE", "en": "en-GB"}


def report_docx(document: ReportDocument) -> bytes:
    """The DOCX bytes of `document`."""
    from docx import Document
    from docx.oxml.ns import qn
    from docx.shared import Cm

    word = Document()
    # A4 with 2.5 cm margins, as Swedish offices print (python-docx's default is US Letter).
    page = word.sections[0]
    page.page_width, page.page_height = Cm(21), Cm(29.7)
    page.left_margin = page.right_margin = page.top_margin = page.bottom_margin = Cm(2.5)
    _page_numbers(page, qn)
    word.core_properties.title = document.title
    word.core_properties.author = "contactbot"
    word.core_properties.language = LANGUAGE_TAGS[document.language]
    _language(word, LANGUAGE_TAGS[document.language], qn)
    word.add_heading(document.title, level=1)
    for text in document.introduction:
        word.add_paragraph(text)
    for section in document.sections:
        word.add_heading(section.heading, level=2)
        for text in section.paragraphs:
            word.add_paragraph(text)
        if section.chart is not None:
            word.add_picture(io.BytesIO(chart_png(section.chart)), width=Cm(15))
            _alt_text(word.inline_shapes[-1], section.chart.alt)
        if section.table is not None:
            table = word.add_table(rows=1, cols=len(section.table.header))
            table.style = "Table Grid"
            for cell, text in zip(table.rows[0].cells, section.table.header, strict=True):
                cell.text = text
                for run in cell.paragraphs[0].runs:
                    run.bold = True
            _repeat_header(table.rows[0], qn)
            for values in section.table.rows:
                for cell, text in zip(table.add_row().cells, values, strict=True):
                    cell.text = text
    buffer = io.BytesIO()
    word.save(buffer)
    return buffer.getvalue()


def _alt_text(shape: Any, text: str) -> None:
    """Word reads a picture's alternative text from `descr` on its drawing properties."""
    properties = shape._inline.docPr
    properties.set("descr", text)
    properties.set("title", text[:100])


def _repeat_header(row: Any, qn: Any) -> None:
    """Mark the first row as the table's header (screen readers announce it; it repeats per page)."""
    from docx.oxml import OxmlElement

    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(header)


def _language(word: Any, tag: str, qn: Any) -> None:
    """The document's language, on the default run properties, for spelling and screen readers."""
    from docx.oxml import OxmlElement

    defaults = word.styles.element.find(qn("w:docDefaults"))
    run_properties = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    language = run_properties.find(qn("w:lang"))
    if language is None:
        language = OxmlElement("w:lang")
        run_properties.append(language)
    language.set(qn("w:val"), tag)


def _page_numbers(section: Any, qn: Any) -> None:
    """The page's number centred in the footer (a PAGE field, which Word fills in)."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement

    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind is not None:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        else:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        run._r.append(element)
