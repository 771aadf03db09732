"""Points and leaderboards. The formula, as documented in the README:

    points = 10 × answers
           + 2 × n × (r̃ − 1)            where r̃ = (S + K·m) / (n + K)
           + ratings given (at most GIVEN_DAILY_CAP a day)
           + streak bonus (2 × min(streak − 1, 5) for each question-of-the-day answer)

n and S are the count and sum of the ratings (1-5) a user's answers received, m is the
community's mean rating and K = 5: a user's mean is shrunk toward the community mean, so one
lucky 5 does not top the board, while many good ratings do.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime, timedelta

ANSWER_POINTS = 10
RATING_WEIGHT = 2
SHRINK_K = 5
GIVEN_DAILY_CAP = 10
STREAK_STEP = 2
STREAK_MAX_STEPS = 5
DEFAULT_PRIOR_MEAN = 3.0
PRIOR_MIN_RATINGS = 20  # below this the prior stays at the scale's middle
PRIOR_DRIFT = 0.1  # re-score a community's boards when its mean moves this far

PERIODS = ("week", "month", "all")
COMMUNITY_SCOPE = "*"


@dataclass(frozen=True)
class Tally:
    answers: int = 0
    received_sum: float = 0  # whole ratings as stored; the calibrated view sums score − leniency
    received_n: int = 0
    given: int = 0
    streak_points: int = 0


def shrunk_mean(total: float, n: int, prior: float, k: float = SHRINK_K) -> float:
    return (total + k * prior) / (n + k)


def points(tally: Tally, prior_mean: float) -> float:
    rated = 0.0
    if tally.received_n:
        rated = RATING_WEIGHT * tally.received_n * (shrunk_mean(tally.received_sum, tally.received_n, prior_mean) - 1)
    return ANSWER_POINTS * tally.answers + rated + tally.given + tally.streak_points


def streak_bonus(streak: int) -> int:
    return STREAK_STEP * min(max(streak - 1, 0), STREAK_MAX_STEPS)


def prior_mean(total: int, n: int) -> float:
    return total / n if n >= PRIOR_MIN_RATINGS else DEFAULT_PRIOR_MEAN


# --- the calendar: boards, the calibrated board's span, the progress and report weeks ------------


def week_start(day: date) -> date:
    """The Monday of `day`'s week: a week runs Monday to Sunday (an ISO week)."""
    return day - timedelta(days=day.weekday())


def month_start(day: date) -> date:
    return day.replace(day=1)


def period_days(period: str, day: date) -> tuple[date, date] | None:
    """The days of the board period `day` is in: its first day and the day after its last.
    All time: None."""
    if period == "week":
        start = week_start(day)
        return start, start + timedelta(days=7)
    if period == "month":
        start = month_start(day)
        return start, month_start(start + timedelta(days=32))
    return None


@functools.lru_cache(maxsize=4096)  # every rating asks for its answer's moment: a few moments, many times
def period_keys(moment: datetime) -> tuple[str, str, str]:
    """The board periods an event at `moment` (UTC) counts towards: ISO week, month, all."""
    day = moment.date()
    year, week, _ = week_start(day).isocalendar()
    month = month_start(day)
    return (f"w:{year}-W{week:02d}", f"m:{month.year}-{month.month:02d}", "all")


def period_key(period: str, moment: datetime) -> str:
    return period_keys(moment)[PERIODS.index(period)]


def scopes(channel_id: str) -> tuple[str, str]:
    return (f"c:{channel_id}", COMMUNITY_SCOPE)
