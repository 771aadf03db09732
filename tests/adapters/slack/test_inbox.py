"""The leased inbox: a process never replays its own rows in flight, and rows left by another
process are taken over once, in order (SQLite: one process per file, so every row not this
process's own is left over; PostgreSQL: test_slack_workers_pg.py)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.adapters.slack.inbox import LEASE, LeasedInbox
from bot.core.clock import FakeClock
from bot.core.ports import Store
from bot.storage.postgres import PostgresStore
from bot.storage.sqlite import SqliteStore


def inbox(store: Store, clock: FakeClock) -> tuple[LeasedInbox, list[int]]:
    routed: list[int] = []
    return LeasedInbox(store, lambda inbox_id, _body: routed.append(inbox_id), clock), routed


async def test_rows_left_by_an_earlier_process_are_taken_over_once_in_order(
    sqlite_store: SqliteStore, clock: FakeClock
) -> None:
    store = sqlite_store  # one process per SQLite file: every row not its own is left over
    earlier, _ = inbox(store, clock)
    ids = [await earlier.add(f'{{"n": {n}}}') for n in range(3)]
    assert await earlier.claim() == 0, "a process never queues its own rows twice"
    await earlier.store.inbox_renew(earlier.owner, clock.now() + LEASE)

    later, routed = inbox(store, clock)
    assert await later.claim() == 3 and routed == ids
    assert await later.claim() == 0 and routed == ids, "taken once"
    clock.advance(timedelta(hours=1))
    assert await later.claim() == 0, "its own now, however old the lease"
    await store.inbox_done(ids[0])
    assert [i for i, _ in await store.inbox_pending("slack")] == ids[1:]


async def test_on_postgresql_a_live_process_keeps_its_rows_and_a_dead_ones_go_to_one_other(
    pg_url: str,
    clock: FakeClock,
) -> None:
    stores = [await PostgresStore.open(pg_url), *[await PostgresStore.open(pg_url, migrate=False) for _ in range(2)]]
    try:
        dead, _ = inbox(stores[0], clock)
        ids = [await dead.add(f'{{"n": {n}}}') for n in range(200)]
        second, routed_second = inbox(stores[1], clock)
        third, routed_third = inbox(stores[2], clock)
        assert await second.claim() == 0, "the lease is live: its process may still be working on them"
        clock.advance(LEASE + timedelta(seconds=1))
        await asyncio.gather(second.claim(), third.claim())  # two processes look at the same moment
        assert sorted(routed_second + routed_third) == ids, "each row taken over by exactly one"
        assert routed_second == sorted(routed_second) and routed_third == sorted(routed_third)
        await second.store.inbox_renew(second.owner, clock.now() + LEASE)
        await third.store.inbox_renew(third.owner, clock.now() + LEASE)
        clock.advance(timedelta(seconds=5))
        assert await dead.claim() == 0, "renewed leases keep the rows where they are"
        await second.release()  # a clean stop: its rows may go at once
        assert await dead.claim() == len(routed_second)
    finally:
        for store in stores:
            await store.close()


async def test_on_postgresql_requests_arriving_together_each_get_their_own_row(pg_url: str, clock: FakeClock) -> None:
    """Many requests at once are written (and later deleted) together: each caller's id is the
    row holding its own body, and deleting some leaves exactly the others."""
    store = await PostgresStore.open(pg_url)
    try:
        first, _ = inbox(store, clock)
        bodies = [f'{{"n": {n}}}' for n in range(300)]
        ids = await asyncio.gather(*(first.add(body) for body in bodies))
        assert len(set(ids)) == len(ids)
        stored = dict(await store.inbox_pending("slack"))
        assert [stored[i] for i in ids] == bodies, "each id is its own request's row"
        await asyncio.gather(*(store.inbox_done(i) for i in ids[::2]))
        assert [i for i, _ in await store.inbox_pending("slack")] == sorted(ids[1::2])
    finally:
        await store.close()
