"""The report as a tagged PDF (PDF/UA-1) made with Typst, from PyPI alone.

Typst tags what it lays out (headings, paragraphs, tables with header cells, figures with
their alternative text), writes the document language and title, and checks PDF/UA-1's
rules as it compiles. The words reach Typst as JSON data, never as markup, so nothing a
person typed can change the layout.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from bot.report.charts import chart_png
from bot.report.content import ReportDocument

TEMPLATE = r"""
#let data = json("report.json")
#set document(title: data.title, author: "contactbot")
#set text(lang: data.lang, size: 10.5pt)
#set page(paper: "a4", margin: 2cm, numbering: "1")
#set table(stroke: 0.5pt + luma(180), inset: 5pt)
#show heading.where(level: 1): set text(size: 20pt)
#show heading.where(level: 2): set text(size: 14pt)
#heading(level: 1, data.title)
#for p in data.introduction { par(p) }
#for section in data.sections {
  heading(level: 2, section.heading)
  for p in section.paragraphs { par(p) }
  if section.chart != none {
    figure(image(section.chart.file, alt: section.chart.alt, width: 85%), caption: section.chart.caption)
  }
  if section.table != none {
    let header = section.table.header
    table(
      columns: header.len(),
      align: (x, y) => if x == 0 { left } else { right },
      table.header(..header.map(h => strong(h))),
      ..section.table.rows.flatten(),
    )
  }
}
"""


def report_pdf(document: ReportDocument) -> bytes:
    """The PDF bytes of `document`: tagged, with its language, title and real text."""
    import typst

    with tempfile.TemporaryDirectory(prefix="contactbot-report-") as folder:
        root = Path(folder)
        sections = []
        for number, section in enumerate(document.sections):
            chart = None
            if section.chart is not None:
                name = f"chart-{number}.png"
                (root / name).write_bytes(chart_png(section.chart))
                chart = {"file": name, "alt": section.chart.alt, "caption": section.heading}
            table = None
            if section.table is not None:
                table = {"header": section.table.header, "rows": section.table.rows}
            sections.append(
                {"heading": section.heading, "paragraphs": section.paragraphs, "table": table, "chart": chart}
            )
        data = {
            "title": document.title,
            "lang": document.language,
            "introduction": document.introduction,
            "sections": sections,
        }
        (root / "report.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        (root / "report.typ").write_text(TEMPLATE, encoding="utf-8")
        return typst.compile(
            str(root / "report.typ"), root=str(root), ignore_system_fonts=True, pdf_standards="ua-1"
        )
