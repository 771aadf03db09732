"""The calibrated views: weak areas, community means and a board's order, with each rating
counting as score − leniency of its rater (bot.core.calibration).

Calibration happens here, at read time, and never in the stored tallies: a rater's leniency
moves with every rating anyone gives, so a stored "calibrated" sum would be wrong as soon as
it was written (or need every row re-summed whenever a leniency moves). The stored board
(score by the README formula over ratings as given) stays what `/mock leaderboard` shows and
what `/mock privacy export` lists; the calibrated order is `/mock leaderboard … calibrated`,
computed from the same rows plus who gave the ratings they count."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time
from typing import Protocol, TypeVar

from bot.core import scoring
from bot.core.analytics import DailySkill
from bot.core.calibration import Calibration
from bot.core.ports import BoardRow
from bot.core.self_assessment import SelfRated


@dataclass(frozen=True)
class Received:
    """Ratings one author received in one weak area on one day from one rater: n and sum."""

    author: str
    area: str
    day: date
    rater_id: str
    n: int
    total: int


@dataclass(frozen=True)
class AreaReceived:
    """Ratings the community's members received in one weak area from one rater: n and sum
    (Received summed over authors and days, for the community's means)."""

    area: str
    rater_id: str
    n: int
    total: int


class Counted(Protocol):
    """A count and sum of one rater's ratings (Received, AreaReceived)."""

    @property
    def rater_id(self) -> str: ...
    @property
    def n(self) -> int: ...
    @property
    def total(self) -> int: ...


R = TypeVar("R", bound=Counted)
K = TypeVar("K")


def calibrated_sums(rows: Iterable[R], key: Callable[[R], K], calibration: Calibration) -> dict[K, tuple[int, float]]:
    """Per key, the count of the ratings and their sum with each as score − its rater's
    leniency; keys whose ratings are all gone (n 0) are left out."""
    sums: dict[K, list[float]] = {}
    for row in rows:
        cell = sums.setdefault(key(row), [0, 0.0])
        cell[0] += row.n
        cell[1] += row.total - row.n * calibration.leniency(row.rater_id)
    return {k: (int(n), total) for k, (n, total) in sums.items() if n}


def calibrated_skills(rows: Iterable[Received], calibration: Calibration) -> list[DailySkill]:
    """The daily weak-area rows of the analytics (one author's), with calibrated totals."""
    sums = calibrated_sums(rows, lambda row: (row.area, row.day), calibration)
    return [DailySkill(area, day, n, total) for (area, day), (n, total) in sums.items()]


def as_given_skills(rows: Iterable[Received]) -> list[DailySkill]:
    """The same daily rows with every rating as given: what the stored skills rows hold."""
    return calibrated_skills(rows, Calibration({}))


def by_author(rows: Iterable[Received]) -> dict[str, list[Received]]:
    out: dict[str, list[Received]] = {}
    for row in rows:
        out.setdefault(row.author, []).append(row)
    return out


def community_means(rows: Iterable[Received | AreaReceived], calibration: Calibration) -> dict[str, float]:
    """Per weak area, the community's mean calibrated rating (the chart's reference line)."""
    sums = calibrated_sums(rows, lambda row: row.area, calibration)
    return {area: total / n for area, (n, total) in sums.items()}


def period_bounds(period: str, now: datetime) -> tuple[datetime | None, datetime | None]:
    """The UTC span of the board period that `now` is in (scoring.period_keys): answers
    created in it count towards it. All time: no bounds."""
    days = scoring.period_days(period, now.astimezone(UTC).date())
    if days is None:
        return None, None
    start, end = days
    return datetime.combine(start, time(), UTC), datetime.combine(end, time(), UTC)


@dataclass(frozen=True)
class CalibratedRow:
    row: BoardRow  # as stored, ratings as given
    received_calibrated: float  # the sum of score − leniency over the ratings the row counts
    points: float  # the README formula over the calibrated sum


def calibrated_board(
    rows: Sequence[BoardRow],
    received: Iterable[tuple[str, str, int]],
    calibration: Calibration,
    prior: float,
    limit: int = 10,
) -> list[CalibratedRow]:
    """A board ordered by points with each rating counted as score − leniency: the same
    formula and tallies, the received sum calibrated. `received` is (author, rater, count)
    of the ratings the board counts."""
    offset: dict[str, float] = {}
    for author, rater, n in received:
        offset[author] = offset.get(author, 0.0) + n * calibration.leniency(rater)
    out = []
    for row in rows:
        total = row.received_sum - offset.get(row.user_id, 0.0)
        tally = scoring.Tally(row.answers, total, row.received_n, row.given, row.streak_points)
        out.append(CalibratedRow(row, total, scoring.points(tally, prior)))
    out.sort(key=lambda c: (-c.points, c.row.user_id))
    return out[:limit]


def as_board_rows(rows: Iterable[CalibratedRow]) -> list[BoardRow]:
    """For the board's renderer: each row's score is its calibrated points."""
    return [replace(c.row, score=c.points) for c in rows]


def calibrated_self_rated(
    rows: Iterable[tuple[int, str, int, str | None, int | None]], calibration: Calibration
) -> list[SelfRated]:
    """Self-rated answers with their peers' calibrated ratings: (answer, category, own score,
    rater or None, peer score or None) rows, one per peer rating (one with None if none)."""
    out: dict[int, list[float | str | int]] = {}
    for answer, category, own, rater, peer in rows:
        cell = out.setdefault(answer, [category, own, 0.0, 0])
        if rater is not None and peer is not None:
            cell[2] = float(cell[2]) + peer - calibration.leniency(rater)
            cell[3] = int(cell[3]) + 1
    return [SelfRated(str(c), int(own), float(total), int(n)) for c, own, total, n in out.values()]
