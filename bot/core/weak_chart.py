"""What the weak-area chart shows, as plain data: the core decides the numbers and the words,
a renderer outside the core (bot/charts.py, matplotlib) draws them. The core never imports a
plotting library; it is handed a `ChartRenderer` (bot.core.chart_kinds), which draws off the event loop.

Uncertainty: a shrunk mean r̃ = (S + K·m) / (n + K) behaves like a mean of n + K ratings, so its
standard error is taken as σ / √(n + K) with σ = RATING_SD, the usual spread of peer ratings on
the 1-5 scale. The chart draws r̃ ± 1.96 standard errors (about a 95% interval)."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from bot.core.analytics import AREA_SHRINK_K, AreaStats, WeakAreaSummary

RATING_SD = 1.0
Z95 = 1.96
MAX_ROWS = 8  # per panel: the weakest eight, so labels stay readable at preview size
CHART_FILENAME = "mockpanel-weak-areas.png"


@dataclass(frozen=True)
class ChartRow:
    label: str
    n: int
    shrunk: float
    half_width: float  # of the ~95% interval
    community: float | None  # the community's mean in this area
    trend: float | None  # last 30 days minus before
    weakest: bool


@dataclass(frozen=True)
class WeakAreaChart:
    title: str
    categories: tuple[ChartRow, ...]
    dimensions: tuple[ChartRow, ...]
    weakest_names: tuple[str, ...]


def half_width(n: int) -> float:
    return Z95 * RATING_SD / math.sqrt(n + AREA_SHRINK_K)


def chart_of(
    summary: WeakAreaSummary,
    label: Callable[[AreaStats], str],
    community: Mapping[str, float],
    name: str,
) -> WeakAreaChart:
    """`summary.areas` come weakest first; each panel keeps that order, the weakest on top."""
    weakest = {a.area for a in summary.weakest}

    def rows(kind: str) -> tuple[ChartRow, ...]:
        chosen = [a for a in summary.areas if a.kind == kind][:MAX_ROWS]
        return tuple(
            ChartRow(label(a), a.n, a.shrunk, half_width(a.n), community.get(a.area), a.trend, a.area in weakest)
            for a in chosen
        )

    names = tuple(label(a) for a in summary.weakest)
    return WeakAreaChart(f"Weak areas · {name}", rows("category"), rows("dimension"), names)


def weakest_sentence(chart: WeakAreaChart) -> str:
    if not chart.weakest_names:
        return ""
    return (
        "Highlighted in the chart, your two weakest areas: "
        + " and ".join(f"**{n}**" for n in chart.weakest_names)
        + "."
    )
