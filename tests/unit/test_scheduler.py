"""Durable timers: re-armed on start, overdue ones fire at once, each fires once."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from bot.core.banks import Library
from bot.core.clock import FakeClock
from bot.storage.sqlite import SqliteStore
from tests.fakes.harness import Harness


async def test_timers_survive_a_restart_and_overdue_ones_fire_at_once(
    tmp_path: Path, library: Library, clock: FakeClock
) -> None:
    path = str(tmp_path / "restart.db")
    first = await SqliteStore.open(path)
    h = Harness(first, library, clock)
    await h.command("coach", "group start lobby 1m")
    await h.command("alice", "join")
    await first.close()  # the bot stops before the lobby ends

    clock.advance(timedelta(minutes=10))  # and comes back long after
    second = await SqliteStore.open(path)
    try:
        h2 = Harness(second, library, clock)
        task = asyncio.create_task(h2.scheduler.run())
        try:
            # The loop fires the overdue lobby timer at once, without any clock move.
            await h2.outbox.wait_until(lambda: bool(h2.outbox.titled("Question 1/3")))
        finally:
            task.cancel()
        assert await h2.scheduler.run_due() == 0  # fired once; nothing left that is due
    finally:
        await second.close()


async def test_the_loop_wakes_for_a_new_earlier_timer(h: Harness, clock: FakeClock) -> None:
    task = asyncio.create_task(h.scheduler.run())
    try:
        await asyncio.sleep(0)
        await h.command("coach", "group start lobby 1m")
        await h.command("alice", "join")
        clock.advance(timedelta(minutes=1))
        await h.outbox.wait_until(lambda: bool(h.outbox.titled("Question 1/3")))
    finally:
        task.cancel()


async def test_a_failing_timer_does_not_stop_the_others(h: Harness, clock: FakeClock) -> None:
    await h.command("coach", "group start lobby 1m")
    await h.command("alice", "join")
    h.outbox.fail_next = 100  # every post fails while the timers fire
    assert await h.advance(minutes=1) == 1
    h.outbox.fail_next = 0
    assert await h.advance(minutes=5) == 2  # the reminder and answer timers were still set and fire
    assert h.outbox.titled("Rating open")
