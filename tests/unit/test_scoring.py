"""Points, shrinkage, streaks and board periods, with numbers worked by hand."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.core.scoring import (
    COMMUNITY_SCOPE,
    DEFAULT_PRIOR_MEAN,
    PRIOR_MIN_RATINGS,
    Tally,
    period_key,
    period_keys,
    points,
    prior_mean,
    scopes,
    shrunk_mean,
    streak_bonus,
)


@pytest.mark.parametrize(
    ("tally", "prior", "expected"),
    [
        (Tally(), 3.0, 0.0),
        # 10 × 2 answers, nothing else
        (Tally(answers=2), 3.0, 20.0),
        # answers 10 × 3 = 30; r̃ = (14 + 5·3) / (4 + 5) = 29/9; 2 × 4 × (29/9 − 1) = 160/9;
        # given 5; streak 6: 30 + 160/9 + 5 + 6 = 41 + 17.777…
        (Tally(answers=3, received_sum=14, received_n=4, given=5, streak_points=6), 3.0, 41 + 160 / 9),
        # one 5 with the prior 3: r̃ = (5 + 15) / 6 = 10/3; 2 × 1 × (10/3 − 1) = 14/3; plus 10
        (Tally(answers=1, received_sum=5, received_n=1), 3.0, 10 + 14 / 3),
        # ten 4s with the prior 3.5: r̃ = (40 + 17.5) / 15 = 23/6; 2 × 10 × (23/6 − 1) = 170/3
        (Tally(answers=2, received_sum=40, received_n=10), 3.5, 20 + 170 / 3),
        # all 1s: r̃ = (3 + 15) / 8 = 2.25; 2 × 3 × 1.25 = 7.5
        (Tally(answers=3, received_sum=3, received_n=3), 3.0, 30 + 7.5),
        # given and streak points count one for one
        (Tally(given=7, streak_points=4), 3.0, 11.0),
    ],
)
def test_points_formula(tally: Tally, prior: float, expected: float) -> None:
    assert points(tally, prior) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("total", "n", "prior", "k", "expected"),
    [
        (0, 0, 3.0, 5, 3.0),  # no ratings: the prior
        (5, 1, 3.0, 5, 20 / 6),
        (40, 10, 3.0, 5, 55 / 15),
        (4000, 1000, 3.0, 5, 4015 / 1005),  # many ratings: close to the own mean
        (5, 1, 3.0, 3, 14 / 4),
    ],
)
def test_shrunk_mean(total: float, n: int, prior: float, k: float, expected: float) -> None:
    assert shrunk_mean(total, n, prior, k) == pytest.approx(expected)


def test_one_lucky_five_ranks_below_many_fours() -> None:
    lucky = Tally(answers=1, received_sum=5, received_n=1)
    steady = Tally(answers=1, received_sum=40, received_n=10)
    assert shrunk_mean(5, 1, 3.0) < shrunk_mean(40, 10, 3.0)
    assert points(lucky, 3.0) < points(steady, 3.0)
    # With the same ten answers: ten ratings of 4 beat a single rating of 5.
    assert points(Tally(answers=10, received_sum=5, received_n=1), 3.0) < points(
        Tally(answers=10, received_sum=40, received_n=10), 3.0
    )


def test_more_good_ratings_never_score_less() -> None:
    previous = points(Tally(answers=1), 3.0)
    for n in range(1, 30):
        current = points(Tally(answers=1, received_sum=4 * n, received_n=n), 3.0)
        assert current > previous
        previous = current


@pytest.mark.parametrize(
    ("streak", "bonus"),
    [(-3, 0), (0, 0), (1, 0), (2, 2), (3, 4), (4, 6), (5, 8), (6, 10), (7, 10), (100, 10)],
)
def test_streak_bonus(streak: int, bonus: int) -> None:
    assert streak_bonus(streak) == bonus


@pytest.mark.parametrize(
    ("total", "n", "expected"),
    [
        (0, 0, DEFAULT_PRIOR_MEAN),
        (19 * 4, 19, DEFAULT_PRIOR_MEAN),  # below the threshold: the scale's middle
        (20 * 4, 20, 4.0),  # at the threshold: the community's own mean
        (90, 21, 90 / 21),
        (20, 20, 1.0),
    ],
)
def test_prior_mean_threshold(total: int, n: int, expected: float) -> None:
    assert PRIOR_MIN_RATINGS == 20
    assert prior_mean(total, n) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("moment", "keys"),
    [
        (datetime(2026, 3, 2, 9, tzinfo=UTC), ("w:2026-W10", "m:2026-03", "all")),
        (datetime(2026, 12, 31, 23, 59, tzinfo=UTC), ("w:2026-W53", "m:2026-12", "all")),
        (datetime(2027, 1, 1, tzinfo=UTC), ("w:2026-W53", "m:2027-01", "all")),
        (datetime(2027, 1, 3, 23, 59, tzinfo=UTC), ("w:2026-W53", "m:2027-01", "all")),
        (datetime(2027, 1, 4, tzinfo=UTC), ("w:2027-W01", "m:2027-01", "all")),
        (datetime(2025, 12, 29, tzinfo=UTC), ("w:2026-W01", "m:2025-12", "all")),
        (datetime(2026, 1, 1, tzinfo=UTC), ("w:2026-W01", "m:2026-01", "all")),
        (datetime(2024, 12, 30, tzinfo=UTC), ("w:2025-W01", "m:2024-12", "all")),
    ],
)
def test_period_keys(moment: datetime, keys: tuple[str, str, str]) -> None:
    assert period_keys(moment) == keys
    assert [period_key(p, moment) for p in ("week", "month", "all")] == list(keys)


def test_period_key_rejects_an_unknown_period() -> None:
    with pytest.raises(ValueError):
        period_key("year", datetime(2026, 1, 1, tzinfo=UTC))


def test_scopes() -> None:
    assert scopes("C123") == ("c:C123", COMMUNITY_SCOPE)
    assert COMMUNITY_SCOPE == "*"
    assert scopes("a")[0] != scopes("b")[0]
