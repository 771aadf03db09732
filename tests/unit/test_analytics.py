"""Weak-area summaries: counts, means, shrunk means, trends, weakest first."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.core.analytics import AREA_SHRINK_K, MIN_RATINGS, TREND_DAYS, AreaStats, DailySkill, summarise

TODAY = date(2026, 6, 30)


def row(area: str, days_ago: int, n: int, total: int) -> DailySkill:
    return DailySkill(area, TODAY - timedelta(days=days_ago), n, total)


def by_area(rows: list[DailySkill]) -> dict[str, AreaStats]:
    return {s.area: s for s in summarise(rows, TODAY).areas}


def test_worked_example() -> None:
    rows = [
        row("category:behavioural", 10, 2, 8),  # recent: mean 4
        row("category:behavioural", 90, 2, 4),  # older: mean 2
        row("category:technical", 1, 2, 4),  # recent only
        row("dimension:structure", 120, 1, 5),  # older only
    ]
    summary = summarise(rows, TODAY)
    # The prior is the user's overall category mean: (8 + 4 + 4) / (2 + 2 + 2) = 16/6.
    assert summary.total_ratings == 6
    assert summary.overall_mean == pytest.approx(16 / 6)
    stats = {s.area: s for s in summary.areas}
    assert AREA_SHRINK_K == 3
    # behavioural: n 4, mean 3, shrunk (12 + 3 × 16/6) / (4 + 3) = 20/7, trend 4 − 2
    behavioural = stats["category:behavioural"]
    assert (behavioural.n, behavioural.mean, behavioural.trend) == (4, 3.0, 2.0)
    assert behavioural.shrunk == pytest.approx(20 / 7)
    # technical: n 2, mean 2, shrunk (4 + 8) / 5 = 2.4, no older ratings
    assert stats["category:technical"].n == 2
    assert stats["category:technical"].mean == 2.0
    assert stats["category:technical"].shrunk == pytest.approx(2.4)
    assert stats["category:technical"].trend is None
    # structure: n 1, mean 5, shrunk (5 + 8) / 4 = 3.25, no recent ratings
    assert stats["dimension:structure"].shrunk == pytest.approx(3.25)
    assert stats["dimension:structure"].trend is None
    # weakest first, by shrunk mean
    assert [s.area for s in summary.areas] == ["category:technical", "category:behavioural", "dimension:structure"]
    assert [s.area for s in summary.weakest] == ["category:technical", "category:behavioural"]
    assert summary.ready


def test_shrinkage_keeps_one_bad_rating_from_being_the_weakest() -> None:
    rows = [row("category:behavioural", 1, 10, 30), row("category:case", 1, 1, 1)]
    stats = by_area(rows)
    assert stats["category:case"].mean == 1.0
    assert stats["category:behavioural"].mean == 3.0
    # overall 31/11; case shrinks to (1 + 3 × 31/11) / 4, well above its raw mean
    assert stats["category:case"].shrunk == pytest.approx((1 + 3 * 31 / 11) / 4)
    assert stats["category:case"].shrunk > 2.3


def test_the_prior_is_the_users_overall_category_mean() -> None:
    # Dimension rows do not move the prior; only category rows do.
    rows = [row("category:a", 1, 4, 20), row("dimension:clarity", 1, 2, 2)]
    summary = summarise(rows, TODAY)
    assert summary.overall_mean == 5.0
    assert by_area(rows)["dimension:clarity"].shrunk == pytest.approx((2 + 3 * 5.0) / (2 + 3))


def test_without_category_rows_an_area_shrinks_toward_itself() -> None:
    rows = [row("dimension:clarity", 1, 2, 4), row("dimension:impact", 1, 1, 5)]
    summary = summarise(rows, TODAY)
    assert summary.total_ratings == 0
    assert summary.overall_mean == 0.0
    assert {s.area: s.shrunk for s in summary.areas} == {"dimension:clarity": 2.0, "dimension:impact": 5.0}


@pytest.mark.parametrize(
    ("days_ago", "side"),
    [(0, "recent"), (TREND_DAYS - 1, "recent"), (TREND_DAYS, "older"), (TREND_DAYS + 1, "older"), (400, "older")],
)
def test_trend_window_boundary(days_ago: int, side: str) -> None:
    # A reference row on each side, and one probe row whose side we check.
    rows = [row("category:a", 5, 1, 3), row("category:a", 100, 1, 3), row("category:a", days_ago, 1, 5)]
    trend = by_area(rows)["category:a"].trend
    # Probe recent: recent mean 4, older 3 -> +1. Probe older: recent 3, older 4 -> -1.
    assert trend == pytest.approx(1.0 if side == "recent" else -1.0)


@pytest.mark.parametrize(
    ("rows", "trend"),
    [
        ([row("category:a", 1, 2, 10), row("category:a", 60, 2, 4)], 3.0),
        ([row("category:a", 1, 2, 2), row("category:a", 60, 1, 5)], -4.0),
        ([row("category:a", 1, 2, 2), row("category:a", 2, 3, 9)], None),
        ([row("category:a", 31, 2, 2), row("category:a", 60, 3, 9)], None),
        # a day with no ratings counts on neither side
        ([row("category:a", 1, 2, 8), row("category:a", 60, 0, 0)], None),
    ],
)
def test_trend_is_recent_mean_minus_older_mean(rows: list[DailySkill], trend: float | None) -> None:
    assert by_area(rows)["category:a"].trend == (pytest.approx(trend) if trend is not None else None)


def test_areas_with_no_ratings_are_left_out() -> None:
    rows = [row("category:a", 1, 3, 9), row("category:empty", 1, 0, 0)]
    assert [s.area for s in summarise(rows, TODAY).areas] == ["category:a"]


def test_ties_are_broken_by_area_name() -> None:
    rows = [row("category:b", 1, 2, 6), row("category:a", 1, 2, 6), row("category:c", 1, 2, 6)]
    assert [s.area for s in summarise(rows, TODAY).areas] == ["category:a", "category:b", "category:c"]


def test_weakest_is_at_most_two() -> None:
    assert (
        summarise([row("category:a", 1, 3, 9)], TODAY).weakest == summarise([row("category:a", 1, 3, 9)], TODAY).areas
    )
    rows = [row(f"category:{c}", 1, 1, i + 1) for i, c in enumerate("edcba")]
    assert [s.name for s in summarise(rows, TODAY).weakest] == ["e", "d"]


@pytest.mark.parametrize(
    ("n", "ready"), [(0, False), (MIN_RATINGS - 1, False), (MIN_RATINGS, True), (MIN_RATINGS + 5, True)]
)
def test_ready_only_at_min_ratings(n: int, ready: bool) -> None:
    rows = [row("category:a", 1, 1, 4) for _ in range(n)]
    rows += [row("dimension:clarity", 1, 10, 40)]  # dimension ratings do not count twice
    summary = summarise(rows, TODAY)
    assert summary.total_ratings == n
    assert summary.ready is ready


def test_empty_history() -> None:
    summary = summarise([], TODAY)
    assert summary.total_ratings == 0
    assert summary.areas == ()
    assert summary.weakest == ()
    assert not summary.ready


def test_area_kind_and_name() -> None:
    stats = AreaStats("dimension:problem_solving", 1, 3.0, 3.0, None)
    assert (stats.kind, stats.name) == ("dimension", "problem_solving")
