"""What `/mock report` adds for organisers and career-centre staff: how many members are weak
in each area, participation per week, and rater calibration; each as a CSV, and all three as
one PNG of charts (drawn outside the core, bot/charts.py).

"Weak in an area" means the area is one of the member's two weakest (bot.core.analytics, on
calibrated ratings), among members with enough ratings for a summary."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.core.analytics import WeakAreaSummary
from bot.core.calibration import Calibration, RaterCalibration
from bot.core.scoring import week_start

REPORT_CHART_FILENAME = "mockpanel-report.png"
REPORT_WEEKS = 26  # participation: the last half year in the chart (the CSV has every week)
CHART_RATERS = 12  # the chart shows the raters furthest from 0 (and every flagged one)


@dataclass(frozen=True)
class Participation:
    answers: list[tuple[str, date]]  # (member, day) per answer
    ratings: list[tuple[str, date]]  # (rater, day) per overall rating


@dataclass(frozen=True)
class AreaCount:
    area: str
    label: str
    weak: int  # members for whom it is one of the two weakest
    rated: int  # members with a summary who have ratings in it


@dataclass(frozen=True)
class Week:
    start: date
    active: int  # members who answered or rated
    answers: int
    ratings: int


@dataclass(frozen=True)
class RaterRow:
    name: str
    leniency: float
    shared: int
    flagged: bool


@dataclass(frozen=True)
class ReportChart:
    title: str
    areas: tuple[AreaCount, ...]
    weeks: tuple[Week, ...]
    raters: tuple[RaterRow, ...]


def weak_distribution(summaries: Iterable[WeakAreaSummary], label: Callable[[str], str]) -> list[AreaCount]:
    weak: dict[str, int] = {}
    rated: dict[str, int] = {}
    for summary in summaries:
        if not summary.ready:
            continue
        for area in summary.areas:
            rated[area.area] = rated.get(area.area, 0) + 1
        for area in summary.weakest:
            weak[area.area] = weak.get(area.area, 0) + 1
    out = [AreaCount(a, label(a), weak.get(a, 0), n) for a, n in rated.items()]
    out.sort(key=lambda c: (-c.weak, -c.rated, c.area))
    return out


def weekly(participation: Participation) -> list[Week]:
    """Every week from the first activity to the last, quiet weeks included (as zeros)."""
    active: dict[date, set[str]] = {}
    answers: dict[date, int] = {}
    ratings: dict[date, int] = {}
    for counts, rows in ((answers, participation.answers), (ratings, participation.ratings)):
        for who, day in rows:
            week = week_start(day)
            counts[week] = counts.get(week, 0) + 1
            active.setdefault(week, set()).add(who)
    if not active:
        return []
    out = []
    week, last = min(active), max(active)
    while week <= last:
        out.append(Week(week, len(active.get(week, ())), answers.get(week, 0), ratings.get(week, 0)))
        week = date.fromordinal(week.toordinal() + 7)
    return out


def chart_raters(calibration: Calibration, names: Mapping[str, str]) -> tuple[RaterRow, ...]:
    measured = [r for r in calibration.raters.values() if r.shared]
    flagged = [r for r in measured if r.flags]
    furthest = sorted(measured, key=lambda r: (-abs(r.leniency), r.rater_id))
    chosen = list(dict.fromkeys([*flagged, *furthest]))[: max(CHART_RATERS, len(flagged))]
    chosen.sort(key=lambda r: (r.leniency, r.rater_id))
    return tuple(RaterRow(names.get(r.rater_id, r.rater_id), r.leniency, r.shared, bool(r.flags)) for r in chosen)


def report_chart(
    areas: Sequence[AreaCount], weeks: Sequence[Week], calibration: Calibration, names: Mapping[str, str]
) -> ReportChart:
    return ReportChart(
        "Community report", tuple(areas[:10]), tuple(weeks[-REPORT_WEEKS:]), chart_raters(calibration, names)
    )


# --- CSV -----------------------------------------------------------------------------------------


def csv_text(columns: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> str:
    """A CSV whose text cells cannot run as spreadsheet formulas (a leading =, +, - or @)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns))
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("'" + v if isinstance(v, str) and v and v[0] in "=+-@" else v) for k, v in row.items()})
    return out.getvalue()


def areas_csv(areas: Iterable[AreaCount]) -> str:
    return csv_text(
        ("area", "name", "members_weak", "members_rated"),
        ({"area": a.area, "name": a.label, "members_weak": a.weak, "members_rated": a.rated} for a in areas),
    )


def weeks_csv(weeks: Iterable[Week]) -> str:
    return csv_text(
        ("week_start", "active_members", "answers", "ratings"),
        ({"week_start": w.start.isoformat(), "active_members": w.active, "answers": w.answers, "ratings": w.ratings}
         for w in weeks),
    )  # fmt: skip


def _round(value: float | None) -> float | str:
    return "" if value is None else round(value, 3)


def raters_csv(raters: Iterable[RaterCalibration], names: Mapping[str, str]) -> str:
    columns = ("rater_id", "name", "ratings_given", "shared_ratings", "leniency", "raw_difference",
               "rms_residual", "disagreement", "flags")  # fmt: skip
    return csv_text(
        columns,
        (
            {"rater_id": r.rater_id, "name": names.get(r.rater_id, r.rater_id), "ratings_given": r.ratings,
             "shared_ratings": r.shared, "leniency": _round(r.leniency), "raw_difference": _round(r.raw_difference),
             "rms_residual": _round(r.rms_residual), "disagreement": _round(r.disagreement),
             "flags": "; ".join(r.flags)}
            for r in sorted(raters, key=lambda r: r.rater_id)
        ),
    )  # fmt: skip
