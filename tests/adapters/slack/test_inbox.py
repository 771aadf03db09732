"""The leased inbox: a process never replays its own rows in flight, and rows left by another
process are taken over once, in order (SQLite: one process per file, so every row not this
process's own is left over; PostgreSQL: test_slack_workers_pg.py)."""

from __future__ import annotations

from datetime import timedelta

from bot.adapters.slack.inbox import LEASE, LeasedInbox
from bot.core.clock import FakeClock
from bot.storage.sqlite import SqliteStore


def inbox(store: SqliteStore, clock: FakeClock) -> tuple[LeasedInbox, list[int]]:
    routed: list[int] = []
    return LeasedInbox(store, lambda inbox_id, _body: routed.append(inbox_id), clock), routed


async def test_rows_left_by_an_earlier_process_are_taken_over_once_in_order(
    store: SqliteStore, clock: FakeClock
) -> None:
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
