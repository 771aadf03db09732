"""Weak areas: per category and per rubric dimension, the count, mean, shrunk mean and the
trend over the last 30 days, read from daily aggregates kept as ratings arrive."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from bot.core.scoring import shrunk_mean

MIN_RATINGS = 3  # no summary before this many ratings in all
AREA_SHRINK_K = 3
TREND_DAYS = 30


@dataclass(frozen=True)
class DailySkill:
    area: str  # "category:behavioural" or "dimension:structure"
    day: date
    n: int
    total: float  # a sum of ratings; calibrated (score − leniency) where bot.core.calibrated made it


@dataclass(frozen=True)
class AreaStats:
    area: str
    n: int
    mean: float
    shrunk: float
    trend: float | None  # mean of the last 30 days minus the mean before; None if either is empty

    @property
    def kind(self) -> str:
        return self.area.split(":", 1)[0]

    @property
    def name(self) -> str:
        return self.area.split(":", 1)[1]


@dataclass(frozen=True)
class WeakAreaSummary:
    total_ratings: int
    overall_mean: float
    areas: tuple[AreaStats, ...]  # weakest first
    weakest: tuple[AreaStats, ...]  # the two to practise

    @property
    def ready(self) -> bool:
        return self.total_ratings >= MIN_RATINGS


def summarise(rows: Iterable[DailySkill], today: date) -> WeakAreaSummary:
    """Shrink each area's mean toward the user's own overall category mean, so an area with
    one bad rating is not called weak before there is evidence."""
    rows = list(rows)
    by_area: dict[str, list[DailySkill]] = {}
    for row in rows:
        by_area.setdefault(row.area, []).append(row)
    category_rows = [r for r in rows if r.area.startswith("category:")]
    total_n = sum(r.n for r in category_rows)
    overall = sum(r.total for r in category_rows) / total_n if total_n else 0.0
    cutoff = today - timedelta(days=TREND_DAYS)
    stats = []
    for area, area_rows in by_area.items():
        n = sum(r.n for r in area_rows)
        if n == 0:
            continue
        total = sum(r.total for r in area_rows)
        recent = [r for r in area_rows if r.day > cutoff]
        older = [r for r in area_rows if r.day <= cutoff]
        trend = None
        if sum(r.n for r in recent) and sum(r.n for r in older):
            trend = _mean(recent) - _mean(older)
        prior = overall if total_n else total / n
        stats.append(AreaStats(area, n, total / n, shrunk_mean(total, n, prior, AREA_SHRINK_K), trend))
    stats.sort(key=lambda s: (s.shrunk, s.area))
    return WeakAreaSummary(total_n, overall, tuple(stats), tuple(stats[:2]))


def _mean(rows: list[DailySkill]) -> float:
    return sum(r.total for r in rows) / sum(r.n for r in rows)
