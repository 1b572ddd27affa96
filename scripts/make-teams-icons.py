"""Draws the two icons of the Teams app package: a globe, the same in both.

    python scripts/make-teams-icons.py [FOLDER]

Writes color.png (192×192: white globe on the accent colour, as the manifest's accentColor)
and outline.png (32×32: white globe on transparent, as Teams requires) into FOLDER
(default: bot/teams/manifest). The output is the same on every run.
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no screen needed

from matplotlib import pyplot  # noqa: E402
from matplotlib.patches import Circle, Ellipse  # noqa: E402

ACCENT = "#1D4F91"
WHITE = "#FFFFFF"
FOLDER = Path(__file__).resolve().parent.parent / "bot" / "teams" / "manifest"


def draw_globe(path: Path, size: int, radius: float, line: float, background: str | None) -> None:
    """A globe of `radius` (share of the side) drawn with `line` pixels wide strokes."""
    figure = pyplot.figure(figsize=(size / 72, size / 72), dpi=72)  # 1 point = 1 pixel
    axes = figure.add_axes((0, 0, 1, 1))
    axes.set_xlim(0, 1)
    axes.set_ylim(0, 1)
    axes.set_aspect("equal")
    axes.axis("off")
    if background:
        figure.patch.set_facecolor(background)
    else:
        figure.patch.set_alpha(0)
    style = {"fill": False, "edgecolor": WHITE, "linewidth": line}
    axes.add_patch(Circle((0.5, 0.5), radius, **style))
    axes.add_patch(Ellipse((0.5, 0.5), radius, 2 * radius, **style))
    axes.plot([0.5, 0.5], [0.5 - radius, 0.5 + radius], color=WHITE, linewidth=line)
    for height in (-0.5, 0.0, 0.5):
        y = 0.5 + height * radius
        half = (radius**2 - (height * radius) ** 2) ** 0.5
        axes.plot([0.5 - half, 0.5 + half], [y, y], color=WHITE, linewidth=line)
    figure.savefig(
        path,
        dpi=72,
        facecolor=figure.get_facecolor(),
        transparent=background is None,
        metadata={"Software": None},
    )
    pyplot.close(figure)


def main(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    draw_globe(folder / "color.png", 192, radius=0.3, line=7, background=ACCENT)
    draw_globe(folder / "outline.png", 32, radius=0.42, line=1.6, background=None)
    print(f"wrote {folder / 'color.png'} and {folder / 'outline.png'}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else FOLDER)
