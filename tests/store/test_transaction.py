"""The held transaction: all of it commits, or none of it; a stale round version conflicts."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.core.messages import Message, Post
from bot.core.ports import Conflict, Timer
from tests.store.helpers import CHANNEL, T0, TENANT, AnyStore, new_round


class Boom(Exception):
    pass


async def test_an_exception_rolls_back_everything_the_transaction_wrote(store: AnyStore) -> None:
    round_id = await new_round(store, state={"phase": "lobby"})
    with pytest.raises(Boom):
        async with store.transaction() as tx:
            assert await tx.claim_event(TENANT, "e1", T0)
            record = await tx.get_round(round_id)
            assert record is not None
            await tx.save_round(round_id, "open", {"phase": "answering"})
            await tx.create_round(TENANT, "other", "group", {}, T0)
            await tx.set_timer(Timer("round:1:answer", TENANT, CHANNEL, T0 + timedelta(minutes=2), "round", {}))
            await tx.add_outbox(TENANT, [("post", Post(CHANNEL, Message(text="Question 1")), None)], T0)
            assert (await tx.get_round(round_id)).state == {"phase": "answering"}  # type: ignore[union-attr]
            raise Boom
    record = await store.get_round(round_id)
    assert record is not None and record.state == {"phase": "lobby"} and record.version == 0
    assert await store.open_round(TENANT, "other", ["group"]) is None
    assert await store.next_timer_due() is None
    assert await store.pending_outbox(T0 + timedelta(days=1)) == []
    assert await store.claim_event(TENANT, "e1", T0)  # the id was not kept: a retry is handled


async def test_the_block_commits_all_of_it_when_it_ends(store: AnyStore) -> None:
    round_id = await new_round(store, state={"phase": "lobby"})
    async with store.transaction() as tx:
        assert await tx.claim_event(TENANT, "e1", T0)
        await tx.get_round(round_id)
        await tx.save_round(round_id, "open", {"phase": "answering"})
    record = await store.get_round(round_id)
    assert record is not None and record.state == {"phase": "answering"} and record.version == 1
    assert not await store.claim_event(TENANT, "e1", T0)


async def test_a_stale_round_version_raises_conflict_and_nothing_is_kept(store: AnyStore) -> None:
    round_id = await new_round(store, state={"n": 0})
    with pytest.raises(Conflict):
        async with store.transaction() as tx:
            assert await tx.claim_event(TENANT, "e1", T0)
            assert (await tx.get_round(round_id)).version == 0  # type: ignore[union-attr]
            # Another writer changes the round after this read (on SQLite the held transaction
            # keeps others out, so its write is made here, as PostgreSQL would let it happen).
            await tx._exec("UPDATE rounds SET version = version + 1, state = '{\"n\": 1}' WHERE id = ?", (round_id,))
            await tx.save_round(round_id, "open", {"n": "stale"})
    record = await store.get_round(round_id)
    assert record is not None and record.state == {"n": 0} and record.version == 0  # all undone
    assert await store.claim_event(TENANT, "e1", T0)  # so the event can run again from its read


async def test_a_fresh_read_writes_and_bumps_the_version(store: AnyStore) -> None:
    round_id = await new_round(store, state={"n": 0})
    for n in (1, 2):
        async with store.transaction() as tx:
            await tx.get_round(round_id)
            await tx.save_round(round_id, "open", {"n": n})
            await tx.get_round(round_id)  # a read after its own write keeps the version it wrote
            await tx.save_round(round_id, "open", {"n": n, "again": True})
    record = await store.get_round(round_id)
    assert record is not None and record.state == {"n": 2, "again": True} and record.version == 4
