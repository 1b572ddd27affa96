"""The digest's chart: contacts per week over the last 12 weeks, split by unit (PNG)."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")  # no screen on a server

from matplotlib import pyplot  # noqa: E402

MAX_UNITS = 8


def weekly_chart(counts: dict[str, dict[str | None, int]], title: str, other: str, no_unit: str) -> bytes:
    """A stacked bar chart of `counts` (week label -> unit -> contacts); the biggest units
    get their own colour, the rest are summed as `other`."""
    labels = list(counts)
    totals: dict[str | None, int] = {}
    for per_unit in counts.values():
        for unit, count in per_unit.items():
            totals[unit] = totals.get(unit, 0) + count
    ranked = sorted(totals, key=lambda unit: (-totals[unit], unit or ""))
    shown = ranked[:MAX_UNITS]
    series: dict[str, list[int]] = {}
    for unit in shown:
        series[unit if unit else no_unit] = [counts[label].get(unit, 0) for label in labels]
    if len(ranked) > MAX_UNITS:
        rest = ranked[MAX_UNITS:]
        series[other] = [sum(counts[label].get(unit, 0) for unit in rest) for label in labels]

    figure, axes = pyplot.subplots(figsize=(9, 4.5), dpi=100)
    bottom = [0] * len(labels)
    for name, values in series.items():
        axes.bar(labels, values, bottom=bottom, label=name)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    axes.set_title(title)
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.tick_params(axis="x", labelrotation=45, labelsize=8)
    if series:
        axes.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    pyplot.close(figure)
    return buffer.getvalue()
