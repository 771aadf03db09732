"""The PostgreSQL store's own batching of ratings, end to end: calls made at once are run as
batches (bot.storage.pg_queue) and come out as the same calls one after another; each caller
hears its own outcome, a bad change fails alone; two processes batching into one community
lose nothing."""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import Awaitable, Callable, Sequence

import asyncpg

from bot.core.ports import RatingChange
from bot.storage.postgres import PostgresStore
from bot.storage.repositories import StoreMethods
from tests.store.helpers import answer
from tests.store.rating_batch_scene import C, Scene, build_scene, changes, dump, first_difference, reset, workload

TIMEOUT = 30  # a call left waiting fails the test instead of hanging it
Outcome = bool | str  # a change's answer, or the name of the error its caller got
Batch = list[tuple[RatingChange, str | None]]


def outcome(result: bool | BaseException) -> Outcome:
    if isinstance(result, BaseException):
        return type(result).__name__
    return result


async def in_order(store: PostgresStore, batch: Batch) -> list[Outcome]:
    """Each change in its own write, one after another, past the store's queue."""
    out: list[Outcome] = []
    for change, event_id in batch:
        try:
            out.append(await StoreMethods.apply_rating(store, change, event_id))
        except Exception as exc:
            out.append(outcome(exc))
    return out


async def at_once(stores: Sequence[PostgresStore], batch: Batch, pick: Callable[[int], int]) -> list[Outcome]:
    """Every change through `store.apply_rating` at the same time, change i on stores[pick(i)]."""
    calls = [stores[pick(i)].apply_rating(change, event_id) for i, (change, event_id) in enumerate(batch)]
    return [outcome(r) for r in await asyncio.wait_for(asyncio.gather(*calls, return_exceptions=True), TIMEOUT)]


def record_batches(store: PostgresStore, before: Callable[[], Awaitable[None]] | None = None) -> list[int]:
    """The sizes of the batches the store's rating queue runs (`before` awaited ahead of each)."""
    sizes: list[int] = []
    run = store._apply_ratings

    async def recording(batch: Batch) -> Sequence[bool | Exception]:
        sizes.append(len(batch))
        if before is not None:
            await before()
        return await run(batch)

    # The queue of every community, those there already and those made from now on.
    store._apply_ratings = recording  # type: ignore[method-assign,assignment]
    for queue in store._ratings.values():
        queue._run = recording
    return sizes


async def fresh_scene(store: PostgresStore) -> Scene:
    await reset(store)
    return await build_scene(store)


# --- 2. the queue: many callers at once, one after another -----------------------------------------


async def test_calls_at_once_store_what_they_store_one_after_another(pg_store: PostgresStore) -> None:
    specs = workload(300, seed=3)
    expected = await in_order(pg_store, changes(await fresh_scene(pg_store), specs))
    expected_tables = await dump(pg_store)
    assert expected.count(True) > 100 and expected.count(False) > 30, "a mix of changes and no-ops"

    batch = changes(await fresh_scene(pg_store), specs)
    sizes = record_batches(pg_store)
    got = await at_once([pg_store], batch, lambda i: 0)
    assert sum(sizes) == 300 and max(sizes) > 100, f"the calls were not batched: {sizes}"
    assert got == expected, "each caller hears its own change's outcome"
    tables = await dump(pg_store)
    assert tables == expected_tables, first_difference(tables, expected_tables)


async def test_a_change_that_cannot_be_stored_fails_alone(pg_store: PostgresStore) -> None:
    """A score the ratings table refuses (its CHECK) and an order the core refuses (negative)
    fail the batch; it is done again one at a time: only their callers get the error. A change
    of an answer deleted underneath it changes nothing, quietly, both ways."""
    scene = await fresh_scene(pg_store)
    round_id = scene.answers["alice"].round_id
    scene.answers["zed"] = await answer(pg_store, round_id, "zed", q_index=20)
    await pg_store._exec("DELETE FROM answers WHERE id = ?", (scene.answers["zed"].id,))
    specs = workload(40, seed=5)
    specs[7] = C("alice", "r01", 9, event="bad-1")
    specs[15] = C("dave", "bob", 4, order=(-1,))
    specs[22] = C("zed", "r02", 3, order=1)
    expected = await in_order(pg_store, changes(scene, specs))
    assert expected[7] == asyncpg.exceptions.CheckViolationError.__name__ and expected[15] == "ValueError"
    assert expected[22] is False
    expected_tables = await dump(pg_store)

    await fresh_scene(pg_store)  # the same ids again: the scene's records stand for the new rows
    scene.answers["zed"] = await answer(pg_store, round_id, "zed", q_index=20)
    await pg_store._exec("DELETE FROM answers WHERE id = ?", (scene.answers["zed"].id,))
    sizes = record_batches(pg_store)
    got = await at_once([pg_store], changes(scene, specs), lambda i: 0)
    assert max(sizes) > 1, "the bad changes were in a batch with others"
    assert got == expected
    tables = await dump(pg_store)
    assert tables == expected_tables, first_difference(tables, expected_tables)
    # The refused change left no trace, not even its event id.
    assert await pg_store._fetch("SELECT 1 FROM processed_events WHERE event_id = 'bad-1'", ()) == []


# --- 3. two processes' batches on one community ----------------------------------------------------


async def test_two_stores_batching_at_once_lose_nothing(pg_store: PostgresStore) -> None:
    """Each rating's changes go to one store (so each keeps its order), the two stores' calls
    interleaved, at most 40 a batch; both first batches are made to run at the same time. The
    tables (rank counts recounted from the board) are those of the same calls one after another."""
    specs = workload(300, seed=8)
    expected = await in_order(pg_store, changes(await fresh_scene(pg_store), specs))
    expected_tables = await dump(pg_store)

    batch = changes(await fresh_scene(pg_store), specs)
    other = await PostgresStore.open(pg_store.url, migrate=False)
    try:
        started = [asyncio.Event(), asyncio.Event()]

        def meet(me: int) -> Callable[[], Awaitable[None]]:
            async def wait_for_the_other() -> None:
                started[me].set()
                await asyncio.wait_for(started[1 - me].wait(), TIMEOUT)

            return wait_for_the_other

        sizes = [record_batches(pg_store, meet(0)), record_batches(other, meet(1))]
        for store in (pg_store, other):
            store.rating_batch_limit = 40  # a few batches each, one store's between the other's
            for queue in store._ratings.values():
                queue._limit = 40
        got = await at_once(
            [pg_store, other], batch, lambda i: zlib.crc32(f"{specs[i].target}/{specs[i].rater}".encode()) % 2
        )
    finally:
        await other.close()
    assert all(len(s) >= 3 and max(s) > 1 for s in sizes), f"both stores ran batches: {sizes}"
    assert got == expected
    tables = await dump(pg_store)
    assert tables == expected_tables, first_difference(tables, expected_tables)
