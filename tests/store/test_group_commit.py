"""Group commit: concurrent writes share transactions, and each caller gets its own outcome."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest

from bot.core import scoring
from bot.core.errors import AlreadyAnswered
from bot.storage.sqlite import SqliteStore
from tests.store.helpers import T0, TENANT, answer, board_or_fail, new_answer, new_round, rating

TIMEOUT = 60


async def test_many_concurrent_ratings_all_land_in_few_commits(sqlite_store: SqliteStore) -> None:
    store = sqlite_store
    round_id = await new_round(store)
    answers = [await answer(store, round_id, f"author{i}") for i in range(10)]
    raters = [f"rater{j:02d}" for j in range(50)]
    changes = [
        rating(target, rater, 1 + (i + j) % 5, at=T0 + timedelta(seconds=j))
        for i, target in enumerate(answers)
        for j, rater in enumerate(raters)
    ]
    assert len(changes) == 500

    before = store.batches
    results = await asyncio.wait_for(asyncio.gather(*(store.apply_rating(c) for c in changes)), TIMEOUT)
    commits = store.batches - before

    assert results == [True] * 500
    assert 1 <= commits <= len(changes) // 50
    for i, target in enumerate(answers):
        row = await board_or_fail(store, target.user_id)
        expected_sum = sum(1 + (i + j) % 5 for j in range(len(raters)))
        assert (row.received_n, row.received_sum) == (len(raters), expected_sum)
    for rater in raters:
        assert (await board_or_fail(store, rater)).given == min(len(answers), scoring.GIVEN_DAILY_CAP)
    scores = await store.answer_scores(round_id)
    assert sum(s.n for s in scores) == 500


async def test_concurrent_answers_from_many_users(sqlite_store: SqliteStore) -> None:
    store = sqlite_store
    round_id = await new_round(store)
    made = await asyncio.wait_for(
        asyncio.gather(*(store.add_answer(new_answer(round_id, f"user{i:03d}")) for i in range(200))), TIMEOUT
    )
    assert len({a.id for a in made}) == 200
    assert [a.user_id for a in made] == [f"user{i:03d}" for i in range(200)]  # each caller got its own row
    assert len(await store.answers_for(round_id)) == 200
    assert len(await store.leaderboard(TENANT, "*", "all", limit=500)) == 200


def _duplicate_answer(round_id: int) -> Callable[[SqliteStore], Awaitable[Any]]:
    return lambda store: store.add_answer(new_answer(round_id, "user000", text="again", message_id="dup"))


def _missing_round(round_id: int) -> Callable[[SqliteStore], Awaitable[Any]]:
    return lambda store: store.add_answer(new_answer(round_id + 1000, "ghost"))


@pytest.mark.parametrize(
    ("make_failure", "error"),
    [(_duplicate_answer, AlreadyAnswered), (_missing_round, sqlite3.IntegrityError)],
    ids=["duplicate answer", "foreign key violation"],
)
async def test_one_failing_write_does_not_roll_back_its_batch(
    sqlite_store: SqliteStore,
    make_failure: Callable[[int], Callable[[SqliteStore], Awaitable[Any]]],
    error: type[Exception],
) -> None:
    store = sqlite_store
    round_id = await new_round(store)
    first = await answer(store, round_id, "user000", text="original")

    writes: list[Awaitable[Any]] = []
    for i in range(1, 21):
        writes.append(store.add_answer(new_answer(round_id, f"user{i:03d}")))
        if i == 10:
            writes.append(make_failure(round_id)(store))
            writes.append(store.apply_rating(rating(first, "rater", 4)))
    before = store.batches
    results = await asyncio.wait_for(asyncio.gather(*writes, return_exceptions=True), TIMEOUT)
    assert store.batches - before == 1, "the writes were expected to share one transaction"

    failures = [r for r in results if isinstance(r, BaseException)]
    assert len(failures) == 1 and isinstance(failures[0], error)
    assert results[11] is True  # the rating queued right after the failure
    answers = await store.answers_for(round_id)
    assert [a.user_id for a in answers] == [f"user{i:03d}" for i in range(21)]
    assert answers[0] == first
    assert await store.answer_by_message(TENANT, "dup") is None
    assert (await board_or_fail(store, "user000")).answers == 1
    assert (await board_or_fail(store, "user000")).received_n == 1
    assert (await board_or_fail(store, "rater")).given == 1
    assert len(await store.leaderboard(TENANT, "*", "all", limit=100)) == 22  # 21 authors and the rater
    # The store keeps working after the failure.
    assert (await answer(store, round_id, "user999")).user_id == "user999"


async def test_each_caller_learns_its_own_result_in_a_shared_batch(sqlite_store: SqliteStore) -> None:
    store = sqlite_store
    round_id = await new_round(store)
    target = await answer(store, round_id, "alice")
    # Same rating five times in one batch: only the first changes anything.
    before = store.batches
    results = await asyncio.wait_for(
        asyncio.gather(*(store.apply_rating(rating(target, "bob", 3)) for _ in range(5))), TIMEOUT
    )
    assert store.batches - before == 1
    assert results == [True, False, False, False, False]
    claims = await asyncio.wait_for(
        asyncio.gather(*(store.claim_event(TENANT, f"e{i % 3}", T0) for i in range(9))), TIMEOUT
    )
    assert claims == [True, True, True] + [False] * 6
    row = await board_or_fail(store, "alice")
    assert (row.received_n, row.received_sum) == (1, 3)
