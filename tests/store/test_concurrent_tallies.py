"""Ratings written at the same time keep the counts that are read, moved and written back whole:
the community's rating sums (its prior mean) and each rater's ratings given today (the daily
cap). On PostgreSQL these writes run on several connections at once; the result must be what
the same ratings give one after another."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.store.helpers import OTHER_TENANT, TENANT, AnyStore, answer, new_round, rating

PEOPLE = [f"user{i:02d}" for i in range(12)]  # 12 answers, each rated by the 11 others


async def rate_everything(store: AnyStore, tenant: str, *, at_once: bool) -> None:
    round_id = await new_round(store, tenant=tenant, kind="qotd")
    answers = [await answer(store, round_id, user, tenant=tenant) for user in PEOPLE]
    changes = [
        # Every score the community's mean: the prior never moves, whatever order they land in
        # (a prior re-based on the way would depend on the order).
        rating(target, rater, 3)
        for target in answers
        for rater in PEOPLE
        if rater != target.user_id
    ]
    if at_once:
        await asyncio.gather(*(store.apply_rating(change) for change in changes))
    else:
        for change in changes:
            await store.apply_rating(change)


async def tallies(store: AnyStore, tenant: str) -> dict[str, Any]:
    community = await store._fetch(
        "SELECT rating_sum, rating_n, prior_mean FROM communities WHERE tenant = ?", (tenant,)
    )
    given = await store._fetch("SELECT user_id, n FROM given_daily WHERE tenant = ? ORDER BY user_id", (tenant,))
    boards = {}
    for user in PEOPLE:
        row = await store.board_row(tenant, "*", "all", user)
        assert row is not None
        boards[user] = (row[0].received_n, row[0].received_sum, row[0].given, round(row[0].score, 9))
    return {"community": [tuple(r) for r in community], "given": [tuple(r) for r in given], "boards": boards}


async def test_ratings_at_the_same_time_count_as_one_after_another(store: AnyStore) -> None:
    await rate_everything(store, OTHER_TENANT, at_once=False)
    await rate_everything(store, TENANT, at_once=True)
    expected, got = await tallies(store, OTHER_TENANT), await tallies(store, TENANT)
    assert got["community"][0][1] == len(PEOPLE) * (len(PEOPLE) - 1), "every rating in the community's count"
    assert got == expected
