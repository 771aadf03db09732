"""The charts as PNGs (weak areas, progress, the community report), drawn with matplotlib's Agg
backend.

Outside `bot.core` on purpose: the core hands over a chart (plain numbers and words, see
bot.core.chart_kinds)
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

from bot.core.chart_kinds import Chart
from bot.core.community_report import ReportChart
from bot.core.progress import ProgressChart
from bot.core.text import clip
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


def render(chart: Chart) -> bytes:
    """Blocking (about 100 ms): the runtime calls it in its one chart thread."""
    if isinstance(chart, ProgressChart):
        return render_progress(chart)
    if isinstance(chart, ReportChart):
        return render_report(chart)
    return render_weak_areas(chart)


def _figure() -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI, facecolor="white")
    FigureCanvasAgg(figure)
    return figure


def _png(figure: Figure) -> bytes:
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=DPI, facecolor="white")
    # A figure is a web of reference cycles: clearing it frees most of it without a full
    # collection (which costs ~80 ms in a loaded bot; bench/README.md has the figures).
    figure.clear()
    return out.getvalue()


def _plain(ax: Axes) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=13)
    ax.set_axisbelow(True)


def render_weak_areas(chart: WeakAreaChart) -> bytes:
    figure = _figure()
    ratios = [max(len(chart.categories), 1) + 1.2, max(len(chart.dimensions), 1) + 1.2]
    top, bottom = figure.subplots(2, 1, gridspec_kw={"height_ratios": ratios, "hspace": 0.55})
    _panel(top, chart.categories, "By category")
    _panel(bottom, chart.dimensions, "By rubric dimension")
    figure.suptitle(chart.title, fontsize=19, fontweight="bold", x=0.02, y=0.985, ha="left")
    _legend(figure)
    figure.subplots_adjust(left=0.33, right=0.86, top=0.85, bottom=0.06)
    return _png(figure)


# Each series has its own colour, marker and line style: never colour alone.
SERIES_STYLES = ((BLUE, "o", "-"), (VERMILLION, "s", "--"), (GREEN, "^", ":"))


def render_progress(chart: ProgressChart) -> bytes:
    figure = _figure()
    ax = figure.subplots(1, 1)
    _plain(ax)
    xs = list(range(len(chart.weeks)))
    for series, (colour, marker, style) in zip(chart.series, SERIES_STYLES, strict=False):
        # Weeks without ratings break the line instead of drawing through them.
        ys = [float("nan") if m is None else max(1.0, min(5.0, m)) for m in series.means]
        ax.plot(xs, ys, color=colour, marker=marker, linestyle=style, linewidth=3, markersize=10,
                label=f"{clip(series.label, 30)} ({series.answers} answers)")  # fmt: skip
        for x, y, n in zip(xs, ys, series.counts, strict=True):
            if n:
                ax.annotate(str(n), (x, y), textcoords="offset points", xytext=(0, 9), ha="center", fontsize=10,
                            color=colour)  # fmt: skip
    ax.set_ylim(1, 5.3)
    ax.set_yticks([1, 2, 3, 4, 5])
    ax.set_ylabel("calibrated mean rating", fontsize=14)
    ax.set_xticks(xs)
    ax.set_xticklabels([w.strftime("%d %b") for w in chart.weeks], rotation=45, ha="right", fontsize=12)
    ax.set_xlabel("week starting (small numbers: ratings that week)", fontsize=13)
    ax.grid(axis="y", color="#DDDDDD", linewidth=1)
    ax.legend(loc="lower left", fontsize=13, frameon=False, ncol=1)
    figure.suptitle(chart.title, fontsize=19, fontweight="bold", x=0.02, y=0.975, ha="left")
    figure.text(0.02, 0.915, f"Question-of-the-day streak: {chart.streak}", fontsize=15, color=GREY)
    figure.subplots_adjust(left=0.1, right=0.97, top=0.88, bottom=0.17)
    return _png(figure)


def render_report(chart: ReportChart) -> bytes:
    figure = _figure()
    areas, weeks, raters = figure.subplots(3, 1, gridspec_kw={"hspace": 0.75})
    _plain(areas)
    _plain(weeks)
    _plain(raters)
    areas.set_title("Members weak in each area", fontsize=15, loc="left")
    if chart.areas:
        ys = list(range(len(chart.areas)))[::-1]
        areas.barh(ys, [a.rated for a in chart.areas], color="#DDDDDD", label="members rated in it")
        areas.barh(ys, [a.weak for a in chart.areas], color=VERMILLION, label="weak in it (one of their two weakest)")
        areas.set_yticks(ys)
        areas.set_yticklabels([clip(a.label, 24) for a in chart.areas], fontsize=11)
        areas.legend(loc="upper right", bbox_to_anchor=(1.0, -0.16), ncol=2, fontsize=11, frameon=False)
    else:
        _empty(areas, "No member has enough ratings yet")
    weeks.set_title("Participation per week", fontsize=15, loc="left")
    if chart.weeks:
        xs = list(range(len(chart.weeks)))
        weeks.plot(xs, [w.active for w in chart.weeks], color=BLUE, marker="o", linewidth=2.5, label="active members")
        weeks.plot(xs, [w.answers for w in chart.weeks], color=ORANGE, marker="s", linestyle="--", linewidth=2.5,
                   label="answers")  # fmt: skip
        weeks.plot(xs, [w.ratings for w in chart.weeks], color=GREEN, marker="^", linestyle=":", linewidth=2.5,
                   label="ratings")  # fmt: skip
        step = max(1, len(xs) // 8)
        weeks.set_xticks(xs[::step])
        weeks.set_xticklabels([w.start.strftime("%d %b") for w in chart.weeks][::step], fontsize=11)
        weeks.legend(loc="upper left", fontsize=11, frameon=False, ncol=3)
        weeks.grid(axis="y", color="#DDDDDD", linewidth=1)
    else:
        _empty(weeks, "No activity yet")
    raters.set_title("Rater leniency (points added to every rating; hatched: listed)", fontsize=15, loc="left")
    if chart.raters:
        ys = list(range(len(chart.raters)))
        bars = raters.barh(ys, [r.leniency for r in chart.raters],
                           color=[ORANGE if r.leniency > 0 else BLUE for r in chart.raters])  # fmt: skip
        for bar, rater in zip(bars, chart.raters, strict=True):
            if rater.flagged:
                bar.set_hatch("//")
                bar.set_edgecolor(BLACK)
        raters.axvline(0, color=BLACK, linewidth=1)
        raters.set_yticks(ys)
        raters.set_yticklabels([f"{clip(r.name, 18)} (n={r.shared})" for r in chart.raters], fontsize=10)
        raters.grid(axis="x", color="#DDDDDD", linewidth=1)
    else:
        _empty(raters, "No answer has two raters yet")
    figure.suptitle(chart.title, fontsize=19, fontweight="bold", x=0.02, y=0.985, ha="left")
    figure.subplots_adjust(left=0.24, right=0.97, top=0.92, bottom=0.04)
    return _png(figure)


def _empty(ax: Axes, text: str) -> None:
    ax.set_xticks([])
    ax.set_yticks([])
    ax.text(0.5, 0.5, text, ha="center", va="center", fontsize=14, color=GREY, transform=ax.transAxes)


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
    name = clip(row.label, 34)
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
