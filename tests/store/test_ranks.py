"""A user's rank comes from counts kept per score bucket: it must equal counting the rows ahead,
after every kind of write to the boards (merged batches, opt-outs, withdrawals, deletions and
the re-scoring when the community's mean moves)."""

from __future__ import annotations

import asyncio
import random
from collections import Counter

from bot.core import scoring
from tests.store.helpers import T0, TENANT, AnyStore, answer, new_round, rating

USERS = [f"u{i:02d}" for i in range(30)]


async def _check_ranks(store: AnyStore) -> int:
    """Every row's rank against a plain count; returns how many rows were checked."""
    boards = await store._fetch("SELECT DISTINCT scope, period FROM board WHERE tenant = ?", (TENANT,))
    checked = 0
    for scope, period in boards:
        for user in USERS:
            found = await store.board_row(TENANT, scope, period, user)
            if found is None:
                continue
            row, rank = found
            [(ahead,)] = await store._fetch(
                "SELECT COUNT(*) FROM board WHERE tenant = ? AND scope = ? AND period = ? AND hidden = 0 AND score > ?",
                (TENANT, scope, period, row.score),
            )
            assert rank == ahead + 1, (scope, period, user)
            checked += 1
    kept = await store._fetch(
        "SELECT scope, period, bucket, n FROM board_buckets WHERE tenant = ? AND n != 0 ORDER BY 1, 2, 3", (TENANT,)
    )
    shown = await store._fetch("SELECT scope, period, score FROM board WHERE tenant = ? AND hidden = 0", (TENANT,))
    buckets = Counter((scope, period, int(score)) for scope, period, score in shown)  # as the store buckets
    counted = [(*key, n) for key, n in sorted(buckets.items())]
    assert kept == counted
    return checked


async def test_ranks_from_bucket_counts_equal_counting_rows_ahead(store: AnyStore) -> None:
    rng = random.Random(5)
    round_id = await new_round(store, channel="prep")
    answers = []
    for q in range(4):
        for user in rng.sample(USERS, 12):
            answers.append(await answer(store, round_id, user, channel="prep", q_index=q))
    # Ratings many at a time, so group commits merge them; enough of them (low scores) that
    # the community's mean moves away from 3.0 and every board is re-scored.
    changes = []
    for target in answers:
        for rater in rng.sample([u for u in USERS if u != target.user_id], 6):
            changes.append(rating(target, rater, rng.choice([1, 1, 2, 2, 3, 5])))
    await asyncio.gather(*(store.apply_rating(c) for c in changes))
    prior = await store._fetch("SELECT prior_mean FROM communities WHERE tenant = ?", (TENANT,))
    assert prior[0][0] != scoring.DEFAULT_PRIOR_MEAN
    assert await _check_ranks(store) > 0

    await store.set_opt_out(TENANT, USERS[3], True)
    await store.set_opt_out(TENANT, USERS[4], True)
    await _check_ranks(store)
    await store.set_opt_out(TENANT, USERS[4], False)
    await store.withdraw_answer(answers[0].id, T0)
    await store.delete_user(TENANT, USERS[7], T0)
    # Removals and changes together, again in one go.
    await asyncio.gather(
        *(store.apply_rating(rating(c.answer, c.rater_id, None if i % 3 else 4)) for i, c in enumerate(changes[:60]))
    )
    assert await _check_ranks(store) > 0
