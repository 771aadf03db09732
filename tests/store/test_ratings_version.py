"""The community's ratings version (migration 010) moves on every change to its ratings, by any
writer and seen by any process, and on nothing else: a cached calibration keyed on it
(bot.core.calibration_cache) is never served after the ratings changed."""

from __future__ import annotations

from datetime import timedelta

from bot.core.calibration_cache import CalibrationCache
from bot.core.clock import FakeClock
from tests.store.helpers import OTHER_TENANT, T0, TENANT, AnyStore, answer, new_round, open_another, rating


async def test_every_kind_of_rating_change_moves_the_version_and_nothing_else_does(store: AnyStore) -> None:
    round_id = await new_round(store)
    alice, bob = await answer(store, round_id, "alice"), await answer(store, round_id, "bob")
    seen = [await store.ratings_version(TENANT)]

    async def moved() -> bool:
        seen.append(await store.ratings_version(TENANT))
        return seen[-1] > seen[-2]

    assert seen == [0]  # a community with no ratings (and perhaps no row yet)
    assert await store.apply_rating(rating(alice, "bob", 4))
    assert await moved()  # a new rating
    assert await store.apply_rating(rating(alice, "bob", 5))
    assert await moved()  # re-rated: the count of ratings stays 1, the version moves
    assert not await store.apply_rating(rating(alice, "bob", 5))
    assert not await moved()  # the same score again changes nothing
    assert await store.apply_rating(rating(alice, "bob", 2, dimension="structure"))
    assert await moved()  # a rubric rating (not in the community's rating sums)
    assert await store.apply_rating(rating(alice, "bob", None))
    assert await moved()  # removed (an un-react)
    assert await store.apply_rating(rating(bob, "alice", 3))
    assert await moved()
    await store.save_feedback(bob.id, "alice", "keep", "stop", "start", T0)
    await answer(store, round_id, "carol")
    assert not await moved()  # feedback text and new answers are not ratings
    await store.withdraw_answer(bob.id, T0 + timedelta(hours=1))
    assert await moved()  # a deleted answer takes its ratings with it
    assert await store.apply_rating(rating(alice, "carol", 4))
    await store.delete_user(TENANT, "carol", T0 + timedelta(hours=2))
    assert seen[-1] + 1 < await store.ratings_version(TENANT)  # the rating, then its erasure
    assert await store.ratings_version(OTHER_TENANT) == 0  # communities apart


async def test_another_process_sees_the_version_a_rating_moved(store: AnyStore) -> None:
    other = await open_another(store)
    try:
        target = await answer(store, await new_round(store), "alice")
        before = await other.ratings_version(TENANT)
        assert await store.apply_rating(rating(target, "bob", 4))
        assert await other.ratings_version(TENANT) == before + 1
        assert await other.apply_rating(rating(target, "bob", 3))
        assert await store.ratings_version(TENANT) == before + 2
    finally:
        await other.close()


async def test_a_rating_undone_with_its_transaction_leaves_the_version(store: AnyStore) -> None:
    target = await answer(store, await new_round(store), "alice")
    try:
        async with store.transaction() as tx:
            assert await tx.apply_rating(rating(target, "bob", 4))
            assert await tx.ratings_version(TENANT) == 1  # the transaction sees its own change
            raise RuntimeError("the event failed")
    except RuntimeError:
        pass
    assert await store.ratings_version(TENANT) == 0


async def test_another_processs_rating_makes_this_processs_cache_fit_again(store: AnyStore) -> None:
    cache = CalibrationCache(FakeClock())
    other = await open_another(store)
    try:
        round_id = await new_round(store)
        made = [await answer(store, round_id, f"u{i}", q_index=i) for i in range(3)]
        for target in made:
            for rater, score in (("kind", 4), ("fair", 2)):
                assert await store.apply_rating(rating(target, rater, score))
        first = await cache.current(store, TENANT)
        assert await cache.current(store, TENANT) is first and cache.computed == 1
        assert await other.apply_rating(rating(made[0], "fair", 4))  # re-rated in the other process
        second = await cache.current(store, TENANT)
        assert cache.computed == 2 and second.leniency("kind") < first.leniency("kind")
    finally:
        await other.close()
