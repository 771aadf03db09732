"""Answers, ratings and the aggregates they feed: boards, given points, skills, streaks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.core import scoring
from bot.core.errors import AlreadyAnswered
from tests.store.helpers import (
    CHANNEL,
    OTHER_TENANT,
    T0,
    TENANT,
    AnyStore,
    answer,
    board,
    board_or_fail,
    expected_score,
    new_round,
    rating,
    snapshot,
)

DEFAULT = scoring.DEFAULT_PRIOR_MEAN


# --- add_answer ---------------------------------------------------------------------------------


async def test_answer_creates_rows_for_both_scopes_and_all_periods(store: AnyStore) -> None:
    at = datetime(2026, 2, 27, 18, 30, tzinfo=UTC)
    round_id = await new_round(store, channel="prep")
    await answer(store, round_id, "alice", channel="prep", at=at)

    exported = await store.export_user(TENANT, "alice")
    got = {(b["scope"], b["period"]) for b in exported["boards"]}
    periods = scoring.period_keys(at)
    assert periods == ("w:2026-W09", "m:2026-02", "all")
    assert got == {(scope, period) for scope in ("c:prep", "*") for period in periods}
    for b in exported["boards"]:
        assert b["answers"] == 1
        assert b["score"] == pytest.approx(scoring.ANSWER_POINTS)
    # Nothing lands in another week or month.
    assert await board(store, "alice", period=scoring.period_keys(T0)[0]) is None


async def test_second_answer_to_the_same_question_raises_and_changes_nothing(store: AnyStore) -> None:
    round_id = await new_round(store)
    first = await answer(store, round_id, "alice", text="first")
    before = await snapshot(store, ["alice"])

    with pytest.raises(AlreadyAnswered):
        await answer(store, round_id, "alice", text="second", message_id="m-other", at=T0 + timedelta(minutes=1))

    assert await snapshot(store, ["alice"]) == before
    assert await store.answers_for(round_id) == [first]
    assert await store.answer_by_message(TENANT, "m-other") is None
    # The same user may answer the next question, and another user the same one.
    await answer(store, round_id, "alice", q_index=1)
    await answer(store, round_id, "bob")
    assert (await board_or_fail(store, "alice")).answers == 2


async def test_answer_that_does_not_count_for_the_board_adds_no_points(store: AnyStore) -> None:
    round_id = await new_round(store, kind="practice")
    stored = await answer(store, round_id, "alice", hidden=True, counts_for_board=False, message_id=None)
    assert stored.hidden
    assert await store.get_answer(stored.id) == stored
    assert (await store.export_user(TENANT, "alice"))["boards"] == []
    assert await store.leaderboard(TENANT, "*", "all") == []


@dataclass(frozen=True)
class StreakCase:
    name: str
    days: list[tuple[date, date | None]]  # (streak_day, previous scheduled day)
    lengths: list[int]  # the streak after each answer


D = date(2026, 3, 2)  # a Monday


def _day(n: int) -> date:
    return D + timedelta(days=n)


STREAKS = [
    StreakCase("consecutive days extend", [(_day(0), _day(-1)), (_day(1), _day(0)), (_day(2), _day(1))], [1, 2, 3]),
    StreakCase("a gap resets to one", [(_day(0), _day(-1)), (_day(1), _day(0)), (_day(3), _day(2))], [1, 2, 1]),
    StreakCase("the schedule's previous day bridges a weekend", [(_day(4), _day(3)), (_day(7), _day(4))], [1, 2]),
    StreakCase("the same day twice does not double", [(_day(0), _day(-1)), (_day(1), _day(0)), (_day(1), _day(0))], [1, 2, 2]),
    StreakCase("the bonus is capped", [(_day(i), _day(i - 1)) for i in range(9)], [1, 2, 3, 4, 5, 6, 7, 8, 9]),
]  # fmt: skip


@pytest.mark.parametrize("case", STREAKS, ids=[c.name for c in STREAKS])
async def test_qotd_streaks(store: AnyStore, case: StreakCase) -> None:
    total = 0
    for (day, previous), length in zip(case.days, case.lengths, strict=True):
        round_id = await new_round(store, kind="qotd", state={"scheduled_day": day.isoformat()})
        at = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=10)
        await answer(store, round_id, "alice", at=at, streak_day=day, previous_streak_day=previous)
        assert await store.best_streak(TENANT, "alice") == length, day
        total += scoring.streak_bonus(length)
    row = await board_or_fail(store, "alice")
    assert row.streak_points == total
    assert row.answers == len(case.days)
    assert row.score == pytest.approx(expected_score(row, DEFAULT))


async def test_streaks_are_per_channel(store: AnyStore) -> None:
    for channel in ("a", "b"):
        for n in range(3 if channel == "a" else 1):
            round_id = await new_round(store, kind="qotd", channel=channel)
            await answer(store, round_id, "alice", channel=channel, streak_day=_day(n), previous_streak_day=_day(n - 1))
    assert await store.best_streak(TENANT, "alice") == 3
    a = await board_or_fail(store, "alice", scope="c:a")
    b = await board_or_fail(store, "alice", scope="c:b")
    assert (a.streak_points, b.streak_points) == (scoring.streak_bonus(2) + scoring.streak_bonus(3), 0)


# --- apply_rating -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Op:
    rater: str
    score: int | None
    changed: bool
    expect: int | None = None


RATING_CASES: list[tuple[str, list[Op]]] = [
    ("add", [Op("bob", 4, True)]),
    ("change: latest counts", [Op("bob", 4, True), Op("bob", 2, True)]),
    ("change up", [Op("bob", 1, True), Op("bob", 5, True)]),
    ("same score again is a no-op", [Op("bob", 4, True), Op("bob", 4, False)]),
    ("remove", [Op("bob", 4, True), Op("bob", None, True)]),
    ("remove with matching expect", [Op("bob", 4, True), Op("bob", None, True, expect=4)]),
    ("remove with stale expect", [Op("bob", 4, True), Op("bob", None, False, expect=3)]),
    ("remove what was never there", [Op("bob", None, False)]),
    ("remove twice", [Op("bob", 3, True), Op("bob", None, True), Op("bob", None, False)]),
    ("remove after change, expecting the old score", [Op("bob", 3, True), Op("bob", 5, True), Op("bob", None, False, expect=3)]),
    ("several raters", [Op("bob", 5, True), Op("carol", 2, True), Op("dave", 4, True), Op("carol", 3, True), Op("dave", None, True)]),
    ("re-add after remove", [Op("bob", 2, True), Op("bob", None, True), Op("bob", 5, True)]),
]  # fmt: skip


@pytest.mark.parametrize("ops", [c[1] for c in RATING_CASES], ids=[c[0] for c in RATING_CASES])
async def test_rating_sequences_keep_aggregates_exact(store: AnyStore, ops: list[Op]) -> None:
    round_id = await new_round(store)
    target = await answer(store, round_id, "alice")
    current: dict[str, int] = {}
    raters = sorted({op.rater for op in ops})
    for step, op in enumerate(ops):
        before = await snapshot(store, ["alice", *raters])
        change = rating(target, op.rater, op.score, at=T0 + timedelta(minutes=step + 1), expect=op.expect)
        assert await store.apply_rating(change) is op.changed, step
        if not op.changed:
            assert await snapshot(store, ["alice", *raters]) == before, f"step {step} changed something"
        elif op.score is None:
            del current[op.rater]
        else:
            current[op.rater] = op.score

    row = await board_or_fail(store, "alice")
    assert (row.answers, row.received_sum, row.received_n) == (1, sum(current.values()), len(current))
    tally = scoring.Tally(answers=1, received_sum=sum(current.values()), received_n=len(current))
    assert row.score == pytest.approx(scoring.points(tally, DEFAULT))
    for rater in raters:
        given = await board(store, rater)
        # One point for each rating the rater currently has on the board (well under the cap).
        assert (given.given if given else 0) == int(rater in current), rater
    # The weak-area aggregate for the answer's category agrees.
    skills = [s for s in await store.skills(TENANT, "alice") if s.area == "category:behavioural"]
    assert sum(s.n for s in skills) == len(current)
    assert sum(s.total for s in skills) == sum(current.values())
    assert (await store.answer_scores(round_id))[0].total == sum(current.values())


async def test_rating_score_equals_formula_on_every_board_row(store: AnyStore) -> None:
    at = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
    round_id = await new_round(store, channel="prep")
    target = await answer(store, round_id, "alice", channel="prep", at=at)
    for rater, score in [("bob", 5), ("carol", 1), ("dave", 4)]:
        await store.apply_rating(rating(target, rater, score, at=at))
    for scope in ("c:prep", "*"):
        for period in scoring.period_keys(at):
            row = await board_or_fail(store, "alice", scope=scope, period=period)
            assert (row.received_n, row.received_sum) == (3, 10)
            assert row.score == pytest.approx(scoring.points(scoring.Tally(1, 10, 3), DEFAULT))


@pytest.mark.parametrize(
    ("ratings", "removed"),
    [(3, 0), (10, 0), (12, 0), (25, 0), (12, 1), (12, 2), (12, 5), (10, 1), (25, 20), (5, 5)],
)
async def test_given_points_capped_per_day_and_exact_under_removals(
    store: AnyStore, ratings: int, removed: int
) -> None:
    round_id = await new_round(store)
    answers = [await answer(store, round_id, f"user{i:02d}") for i in range(ratings)]
    for i, target in enumerate(answers):
        assert await store.apply_rating(rating(target, "rater", 1 + i % 5, at=T0 + timedelta(minutes=i)))
    for i, target in enumerate(answers[:removed]):
        later = T0 + timedelta(hours=2, minutes=i)
        assert await store.apply_rating(rating(target, "rater", None, at=later))
    row = await board(store, "rater")
    left = ratings - removed
    assert (row.given if row else 0) == min(left, scoring.GIVEN_DAILY_CAP)
    if row:
        assert row.score == pytest.approx(row.given)


async def test_given_cap_is_per_day(store: AnyStore) -> None:
    round_id = await new_round(store)
    answers = [await answer(store, round_id, f"user{i:02d}") for i in range(24)]
    day2 = T0 + timedelta(days=1)
    for i, target in enumerate(answers):
        await store.apply_rating(rating(target, "rater", 3, at=T0 if i < 12 else day2))
    assert (await board_or_fail(store, "rater")).given == 2 * scoring.GIVEN_DAILY_CAP
    # Removing a day-one rating later is taken off day one's count: day one still has 11.
    await store.apply_rating(rating(answers[0], "rater", None, at=day2))
    assert (await board_or_fail(store, "rater")).given == 2 * scoring.GIVEN_DAILY_CAP
    for target in answers[1:3]:
        await store.apply_rating(rating(target, "rater", None, at=day2))
    # Day one is down to 9 ratings (9 points); day two still has 12 (capped at 10).
    assert (await board_or_fail(store, "rater")).given == 9 + scoring.GIVEN_DAILY_CAP


async def test_received_counts_in_the_answers_periods_given_in_the_ratings(store: AnyStore) -> None:
    answered = datetime(2026, 2, 28, 12, 0, tzinfo=UTC)  # Saturday: week 9, February
    rated = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # Monday: week 10, March
    a_week, a_month, _ = scoring.period_keys(answered)
    r_week, r_month, _ = scoring.period_keys(rated)
    assert (a_week, a_month, r_week, r_month) == ("w:2026-W09", "m:2026-02", "w:2026-W10", "m:2026-03")

    round_id = await new_round(store, channel="prep", at=answered)
    target = await answer(store, round_id, "alice", channel="prep", at=answered)
    assert await store.apply_rating(rating(target, "bob", 5, at=rated))

    for period in (a_week, a_month, "all"):
        assert (await board_or_fail(store, "alice", period=period)).received_n == 1
        assert (await board_or_fail(store, "alice", scope="c:prep", period=period)).received_n == 1
    for period in (r_week, r_month):
        assert await board(store, "alice", period=period) is None
    for period in (r_week, r_month, "all"):
        assert (await board_or_fail(store, "bob", period=period)).given == 1
        assert (await board_or_fail(store, "bob", scope="c:prep", period=period)).given == 1
    for period in (a_week, a_month):
        assert await board(store, "bob", period=period) is None
    skills = await store.skills(TENANT, "alice")
    assert [(s.area, s.day, s.n, s.total) for s in skills] == [("category:behavioural", rated.date(), 1, 5)]

    # A change or removal weeks later moves the tallies where the rating was first counted.
    assert await store.apply_rating(rating(target, "bob", 3, at=rated + timedelta(days=20)))
    assert (await board_or_fail(store, "alice", period=a_week)).received_sum == 3
    assert await store.apply_rating(rating(target, "bob", None, at=rated + timedelta(days=21)))
    assert (await board_or_fail(store, "alice", period=a_week)).received_n == 0
    assert (await board_or_fail(store, "bob", period=r_week)).given == 0
    assert await store.skills(TENANT, "alice") == []


async def test_rubric_dimension_ratings_feed_skills_not_the_board(store: AnyStore) -> None:
    round_id = await new_round(store, kind="panel")
    target = await answer(store, round_id, "alice", category="technical")
    board_before = (await store.export_user(TENANT, "alice"))["boards"]

    assert await store.apply_rating(rating(target, "bob", 2, dimension="structure"))
    assert await store.apply_rating(rating(target, "carol", 4, dimension="structure"))
    assert await store.apply_rating(rating(target, "bob", 5, dimension="impact"))
    assert not await store.apply_rating(rating(target, "bob", 2, dimension="structure"))

    assert (await store.export_user(TENANT, "alice"))["boards"] == board_before
    assert await board(store, "bob") is None  # no given points for rubric feedback
    areas = {s.area: (s.n, s.total) for s in await store.skills(TENANT, "alice")}
    assert areas == {"dimension:structure": (2, 6), "dimension:impact": (1, 5)}

    # An overall rating and a dimension rating by the same rater are independent.
    assert await store.apply_rating(rating(target, "bob", 3))
    areas = {s.area: (s.n, s.total) for s in await store.skills(TENANT, "alice")}
    assert areas["category:technical"] == (1, 3)
    assert areas["dimension:structure"] == (2, 6)
    assert (await board_or_fail(store, "alice")).received_n == 1

    assert await store.apply_rating(rating(target, "carol", None, dimension="structure"))
    areas = {s.area: (s.n, s.total) for s in await store.skills(TENANT, "alice")}
    assert areas["dimension:structure"] == (1, 2)
    assert (await board_or_fail(store, "alice")).received_n == 1


# --- the community prior ------------------------------------------------------------------------


async def test_prior_stays_default_below_min_ratings_then_rescores_the_community(store: AnyStore) -> None:
    min_n = scoring.PRIOR_MIN_RATINGS
    round_id = await new_round(store)
    alice = await answer(store, round_id, "alice")
    bob = await answer(store, round_id, "bob")
    other_round = await new_round(store, tenant=OTHER_TENANT)
    other_alice = await answer(store, other_round, "alice", tenant=OTHER_TENANT)
    await store.apply_rating(rating(other_alice, "rater00", 5))
    other_before = await board_or_fail(store, "alice", tenant=OTHER_TENANT)

    await store.apply_rating(rating(alice, "rater00", 5))
    for i in range(1, min_n - 1):
        await store.apply_rating(rating(bob, f"rater{i:02d}", 5))
    # 19 ratings, every one a 5: the prior has not moved.
    row = await board_or_fail(store, "alice")
    assert row.score == pytest.approx(scoring.points(scoring.Tally(1, 5, 1), DEFAULT))
    assert (await board_or_fail(store, "bob")).score == pytest.approx(
        scoring.points(scoring.Tally(1, 5 * (min_n - 2), min_n - 2), DEFAULT)
    )

    # The 20th rating (on bob's answer) moves the live mean to 5.0: every row is re-scored,
    # alice's included although this rating did not touch it.
    await store.apply_rating(rating(bob, f"rater{min_n - 1:02d}", 5))
    assert abs(5.0 - DEFAULT) >= scoring.PRIOR_DRIFT
    row = await board_or_fail(store, "alice")
    assert row.score == pytest.approx(scoring.points(scoring.Tally(1, 5, 1), 5.0))
    for scope in ("*", f"c:{CHANNEL}"):
        for period in scoring.period_keys(T0):
            r = await board_or_fail(store, "alice", scope=scope, period=period)
            assert r.score == pytest.approx(scoring.points(scoring.Tally(1, 5, 1), 5.0)), (scope, period)
    bob_row = await board_or_fail(store, "bob")
    assert bob_row.score == pytest.approx(expected_score(bob_row, 5.0))
    # Raters' rows hold given points only, which do not depend on the prior.
    assert (await board_or_fail(store, "rater00")).score == pytest.approx(1.0)

    # The other tenant has its own prior and was not touched.
    assert await board_or_fail(store, "alice", tenant=OTHER_TENANT) == other_before
    assert other_before.score == pytest.approx(scoring.points(scoring.Tally(1, 5, 1), DEFAULT))

    # A small move (mean 104/21, less than PRIOR_DRIFT away) keeps the stored prior at 5.0.
    await store.apply_rating(rating(bob, "rater99", 4))
    assert abs(104 / 21 - 5.0) < scoring.PRIOR_DRIFT
    bob_row = await board_or_fail(store, "bob")
    assert bob_row.score == pytest.approx(expected_score(bob_row, 5.0))
    assert (await board_or_fail(store, "alice")).score == pytest.approx(scoring.points(scoring.Tally(1, 5, 1), 5.0))


async def test_prior_follows_removals_back_below_the_minimum(store: AnyStore) -> None:
    round_id = await new_round(store)
    alice = await answer(store, round_id, "alice")
    bob = await answer(store, round_id, "bob")
    await store.apply_rating(rating(alice, "rater", 1))
    for i in range(scoring.PRIOR_MIN_RATINGS - 1):
        await store.apply_rating(rating(bob, f"r{i:02d}", 1))
    # 20 ones: the prior dropped to 1.0.
    assert (await board_or_fail(store, "alice")).score == pytest.approx(scoring.points(scoring.Tally(1, 1, 1), 1.0))
    # One removal takes the count below the minimum: back to the default, everyone re-scored.
    await store.apply_rating(rating(bob, "r00", None))
    assert (await board_or_fail(store, "alice")).score == pytest.approx(scoring.points(scoring.Tally(1, 1, 1), DEFAULT))


# --- withdrawing ----------------------------------------------------------------------------------


async def test_withdraw_removes_points_and_ratings_and_is_idempotent(store: AnyStore) -> None:
    round_id = await new_round(store)
    kept = await answer(store, round_id, "alice", q_index=0)
    gone = await answer(store, round_id, "alice", q_index=1)
    other = await answer(store, round_id, "carol")
    for target, rater, score in [(kept, "bob", 4), (gone, "bob", 2), (gone, "dave", 5), (other, "dave", 3)]:
        assert await store.apply_rating(rating(target, rater, score))
    assert await store.apply_rating(rating(gone, "bob", 1, dimension="impact"))

    await store.withdraw_answer(gone.id, T0 + timedelta(hours=1))
    after_once = await snapshot(store, ["alice", "bob", "carol", "dave"])
    await store.withdraw_answer(gone.id, T0 + timedelta(hours=2))
    assert await snapshot(store, ["alice", "bob", "carol", "dave"]) == after_once

    alice = await board_or_fail(store, "alice")
    assert (alice.answers, alice.received_n, alice.received_sum) == (1, 1, 4)
    assert alice.score == pytest.approx(scoring.points(scoring.Tally(1, 4, 1), DEFAULT))
    assert (await board_or_fail(store, "bob")).given == 1
    assert (await board_or_fail(store, "dave")).given == 1
    assert (await board_or_fail(store, "carol")).received_n == 1
    areas = {s.area: (s.n, s.total) for s in await store.skills(TENANT, "alice")}
    assert areas == {"category:behavioural": (1, 4)}
    stored = await store.get_answer(gone.id)
    assert stored is not None and stored.withdrawn
    assert [a.id for a in await store.answers_for(round_id)] == [kept.id, other.id]
    assert await store.answer_by_message(TENANT, gone.message_id or "") is None
    exported = await store.export_user(TENANT, "bob")
    assert [r["answer_id"] for r in exported["ratings_given"]] == [kept.id]


async def test_withdraw_takes_the_streak_bonus_back(store: AnyStore) -> None:
    ids = []
    for n in range(3):
        round_id = await new_round(store, kind="qotd")
        ids.append((await answer(store, round_id, "alice", streak_day=_day(n), previous_streak_day=_day(n - 1))).id)
    await store.withdraw_answer(ids[2], T0)
    row = await board_or_fail(store, "alice")
    assert (row.answers, row.streak_points) == (2, scoring.streak_bonus(2))
    assert row.score == pytest.approx(expected_score(row, DEFAULT))


async def test_withdrawing_a_practice_answer_leaves_the_board_alone(store: AnyStore) -> None:
    group = await new_round(store)
    await answer(store, group, "alice")
    practice = await new_round(store, kind="practice")
    private = await answer(store, practice, "alice", counts_for_board=False, hidden=True, message_id=None)
    before = (await store.export_user(TENANT, "alice"))["boards"]
    await store.withdraw_answer(private.id, T0)
    assert (await store.export_user(TENANT, "alice"))["boards"] == before


async def test_a_rating_that_arrives_after_the_answer_was_withdrawn_changes_nothing(store: AnyStore) -> None:
    """The caller looked the answer up, then it was withdrawn (message deleted, user deleted),
    then the rating reached the store: the withdrawn answer must not earn points again."""
    round_id = await new_round(store)
    target = await answer(store, round_id, "alice")
    await store.withdraw_answer(target.id, T0)
    before = await snapshot(store, ["alice", "bob"])
    assert not await store.apply_rating(rating(target, "bob", 5, at=T0 + timedelta(seconds=1)))
    assert await snapshot(store, ["alice", "bob"]) == before
