"""The report as a tagged PDF (PDF/UA-1) made with Typst, from PyPI alone.

Typst tags what it lays out (headings, paragraphs, tables with header cells, figures with
their alternative text), writes the document language and title, and checks PDF/UA-1's
rules as it compiles. The words reach Typst as JSON data, never as markup, so nothing a
person typed can change the layout.

The fonts are the DejaVu fonts that matplotlib ships (PyPI only, the same on every machine).
PDF/UA-1 allows no character without a glyph, so a character those fonts lack (Chinese
characters, emoji) is written in Latin letters instead (北京 → BeiJing), never left out.
"""

from __future__ import annotations

import json
import re
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

from anyascii import anyascii

from bot.report.charts import chart_png
from bot.report.content import ReportDocument

TEMPLATE = r"""
#let data = json("report.json")
#set document(title: data.title, author: "contactbot")
#set text(lang: data.lang, size: 10pt, font: "DejaVu Sans")
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
    // A short table stays on one page with its heading row.
    block(breakable: section.table.rows.len() > 15, table(
      columns: header.len(),
      align: (x, y) => if section.table.right.at(x) { right } else { left },
      table.header(..header.map(h => strong(h))),
      ..section.table.rows.flatten(),
    ))
  }
}
"""


FONTS = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")
_FIGURE = re.compile(r"[+\-−]?[\d\s.,]*\d(\s?%)?|\d{4}-\d{2}-\d{2}|[–-]?")


def _font_folder() -> Path:
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


@cache
def _covered() -> frozenset[int]:
    """The characters both the regular and the bold font can show."""
    from fontTools.ttLib import TTFont

    sets = [set(TTFont(_font_folder() / name, lazy=True).getBestCmap()) for name in FONTS]
    return frozenset(set.intersection(*sets))


def printable(text: str) -> str:
    """`text` with each character the fonts cannot show written in Latin letters."""
    covered = _covered()
    if all(ord(c) in covered or c in "\n\t" for c in text):
        return text
    return "".join(c if ord(c) in covered or c in "\n\t" else (anyascii(c) or "?") for c in text)


def _printable(value: Any) -> Any:
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, list):
        return [_printable(v) for v in value]
    if isinstance(value, dict):
        return {k: v if k == "file" else _printable(v) for k, v in value.items()}
    return value


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
                rows = section.table.rows
                # Numbers, shares and days line up on the right; names and text on the left.
                right = [
                    index > 0 and all(_FIGURE.fullmatch(row[index].strip()) for row in rows)
                    for index in range(len(section.table.header))
                ]
                table = {"header": section.table.header, "rows": rows, "right": right}
            sections.append(
                {"heading": section.heading, "paragraphs": section.paragraphs, "table": table, "chart": chart}
            )
        data = {
            "title": document.title,
            "lang": document.language,
            "introduction": document.introduction,
            "sections": sections,
        }
        (root / "report.json").write_text(json.dumps(_printable(data), ensure_ascii=False), encoding="utf-8")
        (root / "report.typ").write_text(TEMPLATE, encoding="utf-8")
        return typst.compile(
            str(root / "report.typ"),
            root=str(root),
            font_paths=[str(_font_folder())],
            ignore_system_fonts=True,
            pdf_standards="ua-1",
        )
