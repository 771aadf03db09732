"""Scoring as tally deltas: what an answer, a rating change, a withdrawal or a streak day adds
to each board row and weak-area row it touches. Pure functions; a store only adds the deltas
up (merged per batch) and stores each board row's score as `scoring.points` of its tallies
under the community's current prior mean.

Board rows are keyed (tenant, scope, period, user): scope `c:<channel>` and the community
`*`, periods ISO week, month and all time (`scoring.scopes`, `scoring.period_keys`). Skill rows
are keyed (tenant, user, area, day), area `category:<id>` or `dimension:<id>`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from bot.core import scoring

BoardKey = tuple[str, str, str, str]  # tenant, scope, period, user
SkillKey = tuple[str, str, str, str]  # tenant, user, area, day (ISO)
GivenKey = tuple[str, str, str]  # tenant, rater, day (ISO)
BOARD_FIELDS = ("answers", "received_sum", "received_n", "given", "streak_points")


@dataclass
class Deltas:
    """Additions to board rows (the five BOARD_FIELDS) and skill rows ([n, total]), merged:
    many changes to one row make one addition."""

    board: dict[BoardKey, list[int]] = field(default_factory=dict)
    skills: dict[SkillKey, list[int]] = field(default_factory=dict)

    def add_board(self, key: BoardKey, add: Sequence[int]) -> None:
        row = self.board.get(key)
        if row is None:
            self.board[key] = list(add)
        else:
            for i, v in enumerate(add):
                row[i] += v

    def add_skill(self, key: SkillKey, n: int, total: int) -> None:
        row = self.skills.get(key)
        if row is None:
            self.skills[key] = [n, total]
        else:
            row[0] += n
            row[1] += total

    def merge(self, other: Deltas) -> None:
        for key, add in other.board.items():
            self.add_board(key, add)
        for skey, (n, total) in other.skills.items():
            self.add_skill(skey, n, total)

    def board_rows(self) -> Iterable[tuple[BoardKey, list[int]]]:
        """The rows that actually change."""
        return ((k, v) for k, v in self.board.items() if any(v))

    def skill_rows(self) -> Iterable[tuple[SkillKey, list[int]]]:
        return ((k, v) for k, v in self.skills.items() if v[0] or v[1])

    def __bool__(self) -> bool:
        return bool(self.board or self.skills)


def bump(
    deltas: Deltas,
    tenant: str,
    user_id: str,
    channel_id: str,
    moment: datetime,
    *,
    answers: int = 0,
    received_sum: int = 0,
    received_n: int = 0,
    given: int = 0,
    streak_points: int = 0,
) -> None:
    """Add to a user's tallies on every board the moment counts for (2 scopes × 3 periods)."""
    add = (answers, received_sum, received_n, given, streak_points)
    if not any(add):
        return
    for scope in scoring.scopes(channel_id):
        for period in scoring.period_keys(moment):
            deltas.add_board((tenant, scope, period, user_id), add)


# --- answers and streaks ------------------------------------------------------------------------


def counts_for_board(round_kind: str | None) -> bool:
    """Practice answers are private: they earn no points."""
    return round_kind != "practice"


@dataclass(frozen=True)
class Streak:
    length: int
    last_day: date


def streak_after(stored: Streak | None, day: date, previous_day: date | None) -> Streak:
    """A scheduled question-of-the-day answer on `day`: the streak goes on from the channel's
    previous scheduled day, starts over after a gap, and stays as it is on the same day."""
    if stored is not None:
        if stored.last_day == day:
            return stored
        if previous_day is not None and stored.last_day == previous_day:
            return Streak(stored.length + 1, day)
    return Streak(1, day)


def answer_added(deltas: Deltas, tenant: str, user_id: str, channel_id: str, at: datetime, streak_points: int) -> None:
    bump(deltas, tenant, user_id, channel_id, at, answers=1, streak_points=streak_points)


def answer_withdrawn(
    deltas: Deltas, tenant: str, user_id: str, channel_id: str, created_at: datetime, streak_points: int
) -> None:
    """A withdrawn answer takes back what it added (its ratings go one by one, as removals)."""
    bump(deltas, tenant, user_id, channel_id, created_at, answers=-1, streak_points=-streak_points)


# --- ratings ------------------------------------------------------------------------------------


def skill_area(dimension: str, category: str) -> str:
    return f"dimension:{dimension}" if dimension else f"category:{category}"


@dataclass(frozen=True)
class RatingMove:
    """One rating set, changed or removed: old and new score (None: none) and the moment the
    rating first counted (its day keeps its weak-area row and the rater's daily cap)."""

    old: int | None
    new: int | None
    rated_at: datetime

    @property
    def delta_sum(self) -> int:
        return (self.new or 0) - (self.old or 0)

    @property
    def delta_n(self) -> int:
        return (self.new is not None) - (self.old is not None)


def rating_moved(
    deltas: Deltas,
    tenant: str,
    author_id: str,
    channel_id: str,
    category: str,
    answer_created_at: datetime,
    dimension: str,
    move: RatingMove,
) -> None:
    """The author's weak-area row and, for the overall rating (dimension ''), their boards.
    The rater's points for giving (`given_points`) and the community mean (`community_after`)
    follow from the same move."""
    area = skill_area(dimension, category)
    deltas.add_skill((tenant, author_id, area, move.rated_at.date().isoformat()), move.delta_n, move.delta_sum)
    if dimension == "":
        bump(deltas, tenant, author_id, channel_id, answer_created_at,
             received_sum=move.delta_sum, received_n=move.delta_n)  # fmt: skip


def given_points(before: int, delta_n: int) -> tuple[int, int]:
    """Points for rating others: one a rating, at most GIVEN_DAILY_CAP a day. From the rater's
    count for the day before the change: (the count after, the points it adds or takes back).
    Keeping the count makes removal exact: the points always equal min(count, cap)."""
    after = max(before + delta_n, 0)
    cap = scoring.GIVEN_DAILY_CAP
    return after, min(after, cap) - min(before, cap)


def given_moved(deltas: Deltas, tenant: str, rater_id: str, channel_id: str, rated_at: datetime, points: int) -> None:
    bump(deltas, tenant, rater_id, channel_id, rated_at, given=points)


@dataclass(frozen=True)
class CommunityMean:
    total: int
    n: int
    prior: float  # the mean every board row of the community is scored against now


def community_after(mean: CommunityMean, delta_sum: int, delta_n: int) -> tuple[CommunityMean, bool]:
    """Add a rating move to the community's sums. When the live mean has moved PRIOR_DRIFT
    from the prior the boards are scored against, the prior becomes the live mean and every
    board row of the community must be re-scored (the bool): a few times while a community is
    young and almost never after."""
    total, n = mean.total + delta_sum, mean.n + delta_n
    live = scoring.prior_mean(total, n)
    if abs(live - mean.prior) >= scoring.PRIOR_DRIFT:
        return CommunityMean(total, n, live), True
    return CommunityMean(total, n, mean.prior), False


def row_score(tallies: Sequence[int], prior: float) -> float:
    """A board row's score over its five tallies (BOARD_FIELDS order)."""
    return scoring.points(scoring.Tally(*tallies), prior)


# --- the latest change wins, by the platform's order ---------------------------------------------

ORDER_DIGITS = 20  # enough for any non-negative 64-bit int


def encode_order(order: Sequence[int]) -> str:
    """An order as text that sorts as the tuple does (fixed-width digits), for a store's index."""
    if any(part < 0 for part in order):
        raise ValueError(f"an order is non-negative ints, got {order!r}")
    return ".".join(f"{part:0{ORDER_DIGITS}d}" for part in order)


@dataclass(frozen=True)
class LoggedChange:
    """One rating change as logged for its (answer, rater, dimension): set (score) or remove
    (score None; `expect`: only if the rating then is that score)."""

    order: str
    score: int | None
    expect: int | None = None


def after_change(current: int | None, change: LoggedChange) -> int | None:
    """The rating after one change: a set sets; a removal removes, unless it names a score
    (the reaction removed) and the rating then is another one (a newer reaction still stands)."""
    if change.score is not None:
        return change.score
    if change.expect is None or current == change.expect:
        return None
    return current


def rating_by_order(changes: Iterable[LoggedChange]) -> int | None:
    """The rating the changes leave when applied in the platform's order, whatever order
    they arrived in: a late-arriving older change is put back in its place."""
    current: int | None = None
    for change in sorted(changes, key=lambda c: c.order):
        current = after_change(current, change)
    return current
