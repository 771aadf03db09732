"""`/mock me progress`: per week, the calibrated mean rating in the user's three most practised
categories (most answers; ties by ratings received), and their question-of-the-day streak.

A week runs Monday to Sunday (UTC), as the boards' weeks do (scoring.week_start); a rating
counts in the week of the day it first counted, as the weak areas count it. A week's point is the plain calibrated
mean of that week's ratings (not shrunk: the count is shown beside it). The chart needs
PROGRESS_MIN_WEEKS weeks with ratings in one category and MIN_RATINGS ratings in all;
below that the text alone answers."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from bot.core.analytics import MIN_RATINGS, DailySkill
from bot.core.messages import Message
from bot.core.scoring import week_start
from bot.core.text import plural

PROGRESS_CATEGORIES = 3
PROGRESS_WEEKS = 12  # the chart's span, ending with the current week
PROGRESS_MIN_WEEKS = 2
PROGRESS_FILENAME = "mockpanel-progress.png"


@dataclass(frozen=True)
class Series:
    category: str
    label: str
    means: tuple[float | None, ...]  # per week of ProgressChart.weeks; None: no ratings that week
    counts: tuple[int, ...]
    answers: int


@dataclass(frozen=True)
class ProgressChart:
    title: str
    weeks: tuple[date, ...]  # Mondays, oldest first
    series: tuple[Series, ...]
    streak: int

    @property
    def ready(self) -> bool:
        rated = sum(sum(s.counts) for s in self.series)
        return rated >= MIN_RATINGS and any(
            sum(1 for m in s.means if m is not None) >= PROGRESS_MIN_WEEKS for s in self.series
        )


def progress(
    skills: Iterable[DailySkill],
    answers: Mapping[str, int],
    label: Mapping[str, str],
    today: date,
    streak: int,
    name: str,
) -> ProgressChart:
    """`skills`: the user's calibrated daily rows; `answers`: answers per category."""
    weeks = tuple(week_start(today) - timedelta(weeks=i) for i in range(PROGRESS_WEEKS - 1, -1, -1))
    cells: dict[str, dict[date, list[float]]] = {}
    rated: dict[str, int] = {}
    for row in skills:
        if not row.area.startswith("category:") or not row.n:
            continue
        category = row.area.split(":", 1)[1]
        rated[category] = rated.get(category, 0) + row.n
        cell = cells.setdefault(category, {}).setdefault(week_start(row.day), [0, 0.0])
        cell[0] += row.n
        cell[1] += row.total
    chosen = sorted(set(answers) | set(rated), key=lambda c: (-answers.get(c, 0), -rated.get(c, 0), c))
    series = []
    for category in chosen[:PROGRESS_CATEGORIES]:
        by_week = cells.get(category, {})
        counts = tuple(int(by_week[w][0]) if w in by_week else 0 for w in weeks)
        means = tuple(by_week[w][1] / by_week[w][0] if w in by_week else None for w in weeks)
        series.append(Series(category, label.get(category, category), means, counts, answers.get(category, 0)))
    return ProgressChart(f"Progress · {name}", weeks, tuple(series), streak)


def render_progress(chart: ProgressChart) -> Message:
    """The text that goes with the chart, and stands alone without it."""
    lines = []
    for s in chart.series:
        points = [(w, m, n) for w, m, n in zip(chart.weeks, s.means, s.counts, strict=True) if m is not None]
        answers = plural(s.answers, "answer")
        if not points:
            lines.append(f"- **{s.label}** ({answers}): no ratings in the last {PROGRESS_WEEKS} weeks")
            continue
        rated = sum(n for _, _, n in points)
        span = f"{points[0][1]:.1f}" if len(points) == 1 else f"{points[0][1]:.1f} → {points[-1][1]:.1f}"
        weeks = plural(len(points), "week")
        lines.append(f"- **{s.label}** ({answers}): {span} over {weeks} with ratings ({rated} ratings)")
    if not lines:
        lines.append("No answers yet. Answer a question of the day or `/mock practice` to start.")
    lines.append(f"Question-of-the-day streak: {plural(chart.streak, 'day')} (best)")
    footer = "Weekly calibrated mean rating (each rating minus its rater's leniency), weeks from Monday."
    if not chart.ready:
        footer = (
            f"A chart comes with {PROGRESS_MIN_WEEKS} weeks of ratings in one category and {MIN_RATINGS} ratings"
            " in all. " + footer
        )
    return Message(title=chart.title, text="\n".join(lines), footer=footer)
