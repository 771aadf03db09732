"""Two bot processes on one PostgreSQL database, each a whole core (dispatcher, scheduler,
delivery) with its own store and connection pool, both talking to one platform. What must
hold by construction: every timer fires once, no event's change is lost to the other
process's, every post goes out once, and a dead process's outbox lane is taken over."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.core.banks import Library
from bot.core.clock import FakeClock
from bot.core.delivery import LEASE
from bot.storage.postgres import PostgresStore
from tests.fakes.harness import CHANNEL, Harness
from tests.fakes.outbox import RecordingOutbox

PLAYERS = ("alice", "bob", "chen", "dana")
BOT = "mockpanel-test-" + secrets.token_hex(4)


@pytest.fixture
async def processes(pg_url: str, library: Library, clock: FakeClock) -> AsyncIterator[tuple[Harness, Harness]]:
    url = f"{pg_url}&application_name={BOT}"  # so a test can drop exactly these connections
    first = await PostgresStore.open(url)
    second = await PostgresStore.open(url, migrate=False)
    a, b = Harness(first, library, clock), Harness(second, library, clock)
    platform = RecordingOutbox()  # one Discord or Slack: both processes post to it
    for h in (a, b):
        h.outbox = h.dispatcher.outbox = h.dispatcher.delivery.outbox = platform
    yield a, b
    await first.close()
    await second.close()


async def advance_both(a: Harness, b: Harness, **delta: float) -> int:
    """Time passes; both processes' schedulers look at the due timers at the same moment."""
    a.clock.advance(timedelta(**delta))
    fired = await asyncio.gather(a.scheduler.run_due(), b.scheduler.run_due())
    return sum(fired)


async def test_a_group_round_across_two_processes_fires_each_timer_once(processes: tuple[Harness, Harness]) -> None:
    a, b = processes
    await a.command("coach", "group start behavioural questions 2 answer 2m rate 1m lobby 1m")
    await asyncio.gather(*((a if i % 2 else b).command(u, "join") for i, u in enumerate(PLAYERS)))
    await advance_both(a, b, minutes=1)  # the lobby timer: both look, one fires it
    assert len(a.outbox.titled("Question 1/2")) == 1
    q1 = a.outbox.last_titled("Question 1/2").message_id
    answers = await asyncio.gather(
        *((a if i % 2 else b).reply(u, q1, f"{u} answers with a story") for i, u in enumerate(PLAYERS))
    )
    assert len(a.outbox.titled("Rating open")) == 1  # everyone answered: once, not once per process
    by_user = dict(zip(PLAYERS, answers, strict=True))
    await asyncio.gather(
        a.react("bob", by_user["alice"], 5), b.react("chen", by_user["alice"], 4), a.react("alice", by_user["bob"], 2)
    )
    await advance_both(a, b, minutes=1)
    results = a.outbox.titled("Results for question 1")
    assert len(results) == 1
    assert "Alice**: 3.43 (mean 4.50 from 2 ratings" in results[0].message.text
    assert len(a.outbox.titled("Question 2/2")) == 1
    await advance_both(a, b, minutes=2)
    await advance_both(a, b, minutes=1)
    assert len(a.outbox.titled("Final results")) == 1
    assert await b.store.open_round(b.tenant, CHANNEL, ["group"]) is None
    assert await a.store.next_timer_due() is None
    posts = [(p.message.title, p.thread_id) for p in a.outbox.posts]
    assert len(posts) == len(set(posts)) == 8, f"a post went out twice: {posts}"


async def test_joins_from_both_processes_at_once_are_all_kept(processes: tuple[Harness, Harness]) -> None:
    a, b = processes
    await a.command("coach", "group start behavioural questions 1 lobby 5m")
    people = [f"user{i:02d}" for i in range(24)]
    await asyncio.gather(*((a if i % 2 else b).command(u, "join") for i, u in enumerate(people)))
    record = await a.store.open_round(a.tenant, CHANNEL, ["group"])
    assert record is not None
    assert sorted(record.state["participants"]) == people  # no join lost to the other process's write


async def test_ratings_of_one_answer_from_both_processes_count_once_each(processes: tuple[Harness, Harness]) -> None:
    a, b = processes
    people = [f"user{i:02d}" for i in range(12)]
    await a.command("coach", "group start behavioural questions 1 answer 2m rate 5m lobby 1m")
    await asyncio.gather(*((a if i % 2 else b).command(u, "join") for i, u in enumerate(people)))
    await advance_both(a, b, minutes=1)
    q1 = a.outbox.last_titled("Question 1/1").message_id
    answers = await asyncio.gather(*((a if i % 2 else b).reply(u, q1, f"{u}'s answer") for i, u in enumerate(people)))
    assert a.outbox.titled("Rating open")
    raters = people[1:]
    # Each rater changes their mind once, the two changes arriving at different processes.
    await asyncio.gather(*(a.react(r, answers[0], 2) for r in raters), *(b.react(r, answers[0], 4) for r in raters))
    record = await a.store.answer_by_message(a.tenant, answers[0])
    assert record is not None
    stored = await a.store.overall_ratings(record.id)
    assert sorted(stored) == raters and set(stored.values()) <= {2, 4}
    row = await a.store.board_row(a.tenant, "*", "all", people[0])
    assert row is not None
    assert row[0].received_n == len(raters)  # once per rater, whichever process took which change
    assert row[0].received_sum == sum(stored.values())


async def test_a_dead_process_lane_is_delivered_by_the_other_once_its_lease_runs_out(
    processes: tuple[Harness, Harness],
) -> None:
    a, b = processes
    now = a.clock.now()
    # Process A took the channel's lane and died (kill -9) before it sent anything.
    assert await a.store.lease_lane(b.tenant, CHANNEL, a.dispatcher.delivery.owner, now, now + LEASE)
    await b.command("coach", "qotd post")
    assert not a.outbox.posts  # B leaves the lane to the process that holds it ...
    assert await b.store.pending_outbox(now, (b.tenant, CHANNEL))
    a.clock.advance(LEASE + timedelta(seconds=1))
    await b.dispatcher.delivery.run_due()  # ... until its lease runs out
    assert len(a.outbox.posts) == 1
    assert not await b.store.pending_outbox(a.clock.now(), (b.tenant, CHANNEL))


async def test_a_lost_connection_mid_round_reconnects_and_keeps_what_was_committed(
    processes: tuple[Harness, Harness], pg_url: str
) -> None:
    a, _ = processes
    await a.command("coach", "group start behavioural questions 1 lobby 5m")
    await a.command("alice", "join")
    await _drop_connections(pg_url)  # the server restarted, or a failover: every session is gone
    replies = await a.command("bob", "join")
    assert replies  # handled on a new connection, not an error
    record = await a.store.open_round(a.tenant, CHANNEL, ["group"])
    assert record is not None and sorted(record.state["participants"]) == ["alice", "bob"]


async def _drop_connections(pg_url: str) -> None:
    import asyncpg

    admin = await asyncpg.connect(pg_url)
    try:
        await admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1", BOT)
    finally:
        await admin.close()
