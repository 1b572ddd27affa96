"""The report's bar charts as PNG (matplotlib, imported only when a report is made)."""

from __future__ import annotations

import io

from bot.report.content import Chart
from handlers.text import shorten

LABEL_LIMIT = 40  # characters of a bar's name


def chart_png(chart: Chart) -> bytes:
    """Horizontal bars, biggest at the top: this period, and the one before beside it."""
    import matplotlib

    matplotlib.use("Agg")  # no screen on a server
    from matplotlib import pyplot

    from bot.report.pdf import printable

    # As the report's text: letters the font lacks in Latin ones (matplotlib would draw empty
    # boxes and warn on the terminal), and a long name cut short so the bars keep their width.
    labels = [shorten(printable(label), LABEL_LIMIT) for label in reversed(chart.labels)]
    now = list(reversed(chart.now))
    height = max(2.0, 0.45 * len(labels) + 1.2)
    figure, axes = pyplot.subplots(figsize=(7.5, height), dpi=110)
    positions = list(range(len(labels)))
    if chart.before is None:
        axes.barh(positions, now, height=0.6, color="#1f5f8b", label=chart.now_label)
    else:
        before = list(reversed(chart.before))
        axes.barh([p + 0.2 for p in positions], now, height=0.4, color="#1f5f8b", label=chart.now_label)
        axes.barh([p - 0.2 for p in positions], before, height=0.4, color="#b0b7bf", label=chart.before_label)
        # Below the bars, where it covers none of them.
        axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2, fontsize=8, frameon=False)
    axes.set_yticks(positions, labels=labels, fontsize=8)
    axes.xaxis.get_major_locator().set_params(integer=True)
    if not any(now) and not any(chart.before or []):
        axes.set_xlim(0, 1)  # nothing to count: a plain axis from 0, not one around it
    title = printable(chart.title)
    axes.set_title(title[:1].upper() + title[1:], fontsize=10)
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    pyplot.close(figure)
    return buffer.getvalue()
