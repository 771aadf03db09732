"""The weak-area chart as a PNG, drawn with matplotlib's Agg backend.

Outside `bot.core` on purpose: the core hands over a `WeakAreaChart` (plain numbers and words)
and never imports matplotlib. matplotlib itself is imported on the first chart, not when the
bot starts, and only the object API (Figure + FigureCanvasAgg) is used: no pyplot, no global
figure state, so charts may be drawn in worker threads.

Colours are Okabe-Ito (safe for the common colour-vision deficiencies) and never the only
signal: the weakest areas are also bold and shaded, trends also carry ▲/▼ and a sign. The font
is DejaVu Sans, which ships with matplotlib. The image is 1000×800 px with 15-17 pt text, so
it stays legible when Discord or Slack scale it down to a ~400-550 px preview."""

from __future__ import annotations

import io
import textwrap
from typing import TYPE_CHECKING, Any

from bot.core.weak_chart import ChartRow, WeakAreaChart

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

WIDTH_IN, HEIGHT_IN, DPI = 10.0, 8.0, 100
SIZE = (int(WIDTH_IN * DPI), int(HEIGHT_IN * DPI))

BLUE = "#0072B2"
VERMILLION = "#D55E00"
ORANGE = "#E69F00"
GREEN = "#009E73"
GREY = "#6B6B6B"
BLACK = "#000000"


def render_weak_areas(chart: WeakAreaChart) -> bytes:
    """Blocking (about 100 ms): the runtime calls it in its one chart thread."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI, facecolor="white")
    FigureCanvasAgg(figure)
    ratios = [max(len(chart.categories), 1) + 1.2, max(len(chart.dimensions), 1) + 1.2]
    top, bottom = figure.subplots(2, 1, gridspec_kw={"height_ratios": ratios, "hspace": 0.55})
    _panel(top, chart.categories, "By category")
    _panel(bottom, chart.dimensions, "By rubric dimension")
    figure.suptitle(chart.title, fontsize=19, fontweight="bold", x=0.02, y=0.985, ha="left")
    _legend(figure)
    figure.subplots_adjust(left=0.33, right=0.86, top=0.85, bottom=0.06)
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=DPI, facecolor="white")
    # A figure is a web of reference cycles: clearing it frees most of it without a full
    # collection (which costs ~80 ms in a loaded bot; bench/README.md has the figures).
    figure.clear()
    return out.getvalue()


def _panel(ax: Axes, rows: tuple[ChartRow, ...], heading: str) -> None:
    ax.set_title(heading, fontsize=16, loc="left", color=BLACK)
    ax.set_xlim(1, 5)
    ax.set_xticks([1, 2, 3, 4, 5])
    ax.tick_params(axis="x", labelsize=14)
    ax.grid(axis="x", color="#DDDDDD", linewidth=1)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if not rows:
        ax.set_yticks([])
        ax.set_ylim(-0.5, 0.5)
        ax.text(3, 0, "No ratings here yet", ha="center", va="center", fontsize=15, color=GREY)
        return
    ys = list(range(len(rows)))[::-1]  # the weakest (first) on top
    for y, row in zip(ys, rows, strict=True):
        colour = VERMILLION if row.weakest else BLUE
        if row.weakest:
            ax.axhspan(y - 0.45, y + 0.45, color=ORANGE, alpha=0.18, linewidth=0)
        low, high = max(1.0, row.shrunk - row.half_width), min(5.0, row.shrunk + row.half_width)
        ax.plot([low, high], [y, y], color=colour, linewidth=4, solid_capstyle="round", alpha=0.55)
        ax.plot([row.shrunk], [y], "o", color=colour, markersize=12, markeredgecolor="white", markeredgewidth=1.5)
        if row.community is not None:
            ax.plot([row.community, row.community], [y - 0.38, y + 0.38], color=BLACK, linewidth=2.2)
        ax.text(5.08, y, _trend(row.trend), va="center", fontsize=14, color=_trend_colour(row.trend), clip_on=False)
    ax.set_yticks(ys)
    labels = ax.set_yticklabels([_label(r) for r in rows], fontsize=14)
    for label, row in zip(labels, rows, strict=True):
        if row.weakest:
            label.set_fontweight("bold")
            label.set_color(VERMILLION)
    ax.set_ylim(-0.7, len(rows) - 0.3)
    ax.text(5.08, len(rows) - 0.25, "30 days", fontsize=12, color=GREY, clip_on=False, va="bottom")


def _label(row: ChartRow) -> str:
    """The area and its count; a long name wraps, so nothing is cut off at the left edge."""
    name = row.label if len(row.label) <= 34 else row.label[:33] + "…"
    if len(name) + len(f"  (n={row.n})") <= 28:
        return f"{name}  (n={row.n})"
    return f"{textwrap.shorten(name, 26, placeholder='…') if len(name) > 26 else name}\n(n={row.n})"


def _legend(figure: Figure) -> None:
    from matplotlib.lines import Line2D

    handles: list[Any] = [
        Line2D(
            [], [], color=BLUE, marker="o", markersize=10, linewidth=4, alpha=0.8, label="you (adjusted mean, ~95%)"
        ),
        Line2D([], [], color=BLACK, linewidth=2.2, label="community mean"),
        Line2D([], [], color=VERMILLION, marker="o", markersize=10, linewidth=0, label="weakest two"),
    ]
    figure.legend(
        handles=handles, loc="upper left", bbox_to_anchor=(0.015, 0.935), ncol=3, fontsize=13, frameon=False,
        handlelength=1.6, columnspacing=1.4,
    )  # fmt: skip


def _trend(trend: float | None) -> str:
    if trend is None:
        return "–"
    if abs(trend) < 0.05:
        return "► 0.0"
    return f"{'▲' if trend > 0 else '▼'} {trend:+.1f}"


def _trend_colour(trend: float | None) -> str:
    if trend is None or abs(trend) < 0.05:
        return GREY
    return GREEN if trend > 0 else VERMILLION
