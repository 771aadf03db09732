"""Points, shrinkage, streaks and board periods, with numbers worked by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.core import tallies
from bot.core.scoring import (
    COMMUNITY_SCOPE,
    DEFAULT_PRIOR_MEAN,
    GIVEN_DAILY_CAP,
    PRIOR_MIN_RATINGS,
    Tally,
    period_days,
    period_key,
    period_keys,
    points,
    prior_mean,
    scopes,
    shrunk_mean,
    streak_bonus,
    week_start,
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


# --- the same rules as tally deltas (bot.core.tallies): what the store adds up --------------------

A_MONDAY = datetime(2026, 3, 2, 9, tzinfo=UTC)
ROWS = [(scope, period) for scope in ("c:prep", "*") for period in ("w:2026-W10", "m:2026-03", "all")]


def test_an_answer_adds_ten_points_worth_of_tallies_to_six_board_rows() -> None:
    deltas = tallies.Deltas()
    tallies.answer_added(deltas, "t", "alice", "prep", A_MONDAY, streak_points=4)
    assert deltas.board == {("t", s, p, "alice"): [1, 0, 0, 0, 4] for s, p in ROWS}
    assert deltas.skills == {}
    assert tallies.row_score(deltas.board[("t", "*", "all", "alice")], 3.0) == pytest.approx(14.0)


def test_a_withdrawal_takes_back_what_the_answer_added() -> None:
    deltas = tallies.Deltas()
    tallies.answer_added(deltas, "t", "alice", "prep", A_MONDAY, streak_points=4)
    tallies.answer_withdrawn(deltas, "t", "alice", "prep", A_MONDAY, streak_points=4)
    assert all(v == [0, 0, 0, 0, 0] for v in deltas.board.values())


def test_practice_answers_earn_no_points() -> None:
    assert not tallies.counts_for_board("practice")
    assert all(tallies.counts_for_board(kind) for kind in ("qotd", "group", "panel", None))


@pytest.mark.parametrize(
    ("old", "new", "dsum", "dn"), [(None, 4, 4, 1), (4, 2, -2, 0), (2, None, -2, -1), (None, None, 0, 0)]
)
def test_a_rating_move_feeds_the_authors_boards_and_weak_area(
    old: int | None, new: int | None, dsum: int, dn: int
) -> None:
    move = tallies.RatingMove(old, new, A_MONDAY)
    assert (move.delta_sum, move.delta_n) == (dsum, dn)
    deltas = tallies.Deltas()
    tallies.rating_moved(deltas, "t", "alice", "prep", "behavioural", A_MONDAY, "", move)
    assert deltas.skills == {("t", "alice", "category:behavioural", "2026-03-02"): [dn, dsum]}
    if dsum or dn:
        assert deltas.board == {("t", s, p, "alice"): [0, dsum, dn, 0, 0] for s, p in ROWS}


def test_a_rubric_score_feeds_the_weak_area_only() -> None:
    deltas = tallies.Deltas()
    tallies.rating_moved(
        deltas, "t", "alice", "prep", "behavioural", A_MONDAY, "clarity", tallies.RatingMove(None, 2, A_MONDAY)
    )
    assert deltas.board == {}
    assert deltas.skills == {("t", "alice", "dimension:clarity", "2026-03-02"): [1, 2]}


@pytest.mark.parametrize(
    ("before", "delta", "after", "points"),
    [(0, 1, 1, 1), (9, 1, 10, 1), (10, 1, 11, 0), (25, 1, 26, 0), (11, -1, 10, 0), (10, -1, 9, -1), (0, -1, 0, 0)],
)
def test_points_for_rating_others_stop_at_the_daily_cap(before: int, delta: int, after: int, points: int) -> None:
    assert GIVEN_DAILY_CAP == 10
    assert tallies.given_points(before, delta) == (after, points)


def test_given_points_always_equal_the_capped_count() -> None:
    count, total = 0, 0
    for delta in [1] * 14 + [-1] * 6 + [1] * 3 + [-1] * 11:
        count, points = tallies.given_points(count, delta)
        total += points
        assert total == min(count, GIVEN_DAILY_CAP)


def test_the_prior_moves_to_the_community_mean_once_it_drifts() -> None:
    mean = tallies.CommunityMean(0, 0, DEFAULT_PRIOR_MEAN)
    for _ in range(PRIOR_MIN_RATINGS - 1):  # 19 fives: too few to count, the prior stays 3.0
        mean, rebased = tallies.community_after(mean, 5, 1)
        assert not rebased and mean.prior == DEFAULT_PRIOR_MEAN
    mean, rebased = tallies.community_after(mean, 5, 1)  # the 20th: the mean is 5.0
    assert rebased and mean == tallies.CommunityMean(100, 20, 5.0)
    mean, rebased = tallies.community_after(mean, 4, 1)  # 104 / 21 = 4.952: moved < 0.1
    assert not rebased and mean.prior == 5.0
    mean, rebased = tallies.community_after(mean, 2, 1)  # 106 / 22 = 4.818: moved >= 0.1
    assert rebased and mean.prior == pytest.approx(106 / 22)


def test_a_streak_goes_on_from_the_previous_scheduled_day() -> None:
    monday, tuesday, friday = date(2026, 3, 2), date(2026, 3, 3), date(2026, 3, 6)
    first = tallies.streak_after(None, monday, None)
    assert first == tallies.Streak(1, monday)
    second = tallies.streak_after(first, tuesday, monday)
    assert second == tallies.Streak(2, tuesday)
    assert tallies.streak_after(second, tuesday, monday) == second  # the same day again
    assert tallies.streak_after(second, friday, date(2026, 3, 5)) == tallies.Streak(1, friday)  # a gap
    assert streak_bonus(second.length) == 2


def test_deltas_merge_many_changes_to_one_row_into_one_addition() -> None:
    batch = tallies.Deltas()
    for score in (5, 4, 3):
        one = tallies.Deltas()
        tallies.rating_moved(
            one, "t", "alice", "prep", "behavioural", A_MONDAY, "", tallies.RatingMove(None, score, A_MONDAY)
        )
        batch.merge(one)
    assert len(batch.board) == 6 and batch.board[("t", "*", "all", "alice")] == [0, 12, 3, 0, 0]
    assert batch.skills[("t", "alice", "category:behavioural", "2026-03-02")] == [3, 12]


# --- the latest change by the platform's order --------------------------------------------------


def test_orders_encode_to_text_that_sorts_as_the_tuples_do() -> None:
    orders = [(0,), (1, 5), (1, 10), (2, 0, 0), (2, 0, 1), (10**12, 3), (1700000000, 200)]
    assert sorted(orders, key=tallies.encode_order) == sorted(orders)
    with pytest.raises(ValueError):
        tallies.encode_order((-1,))


def _log(*changes: tuple[int, int | None, int | None]) -> list[tallies.LoggedChange]:
    return [tallies.LoggedChange(tallies.encode_order((o,)), s, e) for o, s, e in changes]


@pytest.mark.parametrize(
    ("changes", "rating"),
    [
        ([(1, 4, None)], 4),
        ([(1, 4, None), (2, 2, None)], 2),  # the latest counts
        ([(2, 2, None), (1, 4, None)], 2),  # ... by order, not by arrival
        ([(1, 4, None), (2, None, 4)], None),  # removing the reaction removes it
        ([(2, None, 4), (1, 4, None)], None),  # a removal that overtook its add still wins
        ([(1, 3, None), (2, 4, None), (3, None, 3)], 4),  # taking off an older reaction keeps the newer
        ([(1, 3, None), (2, None, None)], None),  # a removal naming no score removes any
    ],
)
def test_the_rating_is_the_fold_of_its_changes_in_platform_order(
    changes: list[tuple[int, int | None, int | None]], rating: int | None
) -> None:
    assert tallies.rating_by_order(_log(*changes)) == rating


@pytest.mark.parametrize(
    "day", [date(2026, 3, 2) + timedelta(days=i) for i in range(0, 800, 3)] + [date(2026, 12, 31), date(2028, 2, 29)]
)
def test_one_calendar_for_the_board_keys_and_the_spans(day: date) -> None:
    """The week and month a board key names are the days period_days spans (the calibrated
    board counts those) and the week the progress chart and the report count in."""
    moment = datetime.combine(day, time(12), UTC)
    week_key, month_key, _ = period_keys(moment)
    week, month = period_days("week", day), period_days("month", day)
    assert week is not None and month is not None
    assert week[0] == week_start(day) and week[0].weekday() == 0 and week[1] - week[0] == timedelta(days=7)
    assert all(period_keys(datetime.combine(week[0] + timedelta(days=i), time(), UTC))[0] == week_key for i in range(7))
    assert period_keys(datetime.combine(week[1], time(), UTC))[0] != week_key
    assert period_keys(datetime.combine(month[0], time(), UTC))[1] == month_key == f"m:{day:%Y-%m}"
    assert period_keys(datetime.combine(month[1] - timedelta(days=1), time(), UTC))[1] == month_key
    assert period_keys(datetime.combine(month[1], time(), UTC))[1] != month_key
    assert period_days("all", day) is None
