"""What a running bot starts: delivery at once, timers only after an adapter has worked off
what the last process acknowledged (a rating Slack got a 200 for counts before the timer that
closes rating fires)."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta
from pathlib import Path

from bot.config import Settings
from bot.core.banks import Library
from bot.core.clock import FakeClock
from bot.core.ports import Timer
from bot.runtime import build
from tests.fakes.outbox import RecordingOutbox


async def test_timers_wait_for_the_inbox_replay(tmp_path: Path, library: Library, clock: FakeClock) -> None:
    runtime = await build(Settings(db=str(tmp_path / "run.db")), RecordingOutbox(), clock, library)
    try:
        payload = {"round": 999, "phase": "lobby", "index": 0}  # a round long gone: firing just takes it
        await runtime.store.set_timer(Timer("qotd:c1", "test:community", "c1", clock.now(), "round", payload))
        runtime.expect_replay("slack")
        task = asyncio.create_task(runtime.background())
        for _ in range(20):
            await asyncio.sleep(0)  # let the loops run as far as they may
        assert await runtime.store.timer_due("qotd:c1") is not None, "no timer fires during the replay"
        runtime.replay_finished("slack")
        async with asyncio.timeout(5):
            while await runtime.store.timer_due("qotd:c1") is not None:
                await asyncio.sleep(0)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    finally:
        await runtime.close()


async def test_a_transaction_commit_counts_for_the_checkpointer(
    tmp_path: Path, library: Library, clock: FakeClock
) -> None:
    runtime = await build(Settings(db=str(tmp_path / "run.db")), RecordingOutbox(), clock, library)
    try:
        before = runtime.store.batches  # type: ignore[attr-defined]
        async with runtime.store.transaction() as tx:
            await tx.set_timer(Timer("t", "test:community", "c1", clock.now() + timedelta(hours=1), "qotd", {}))
        assert runtime.store.batches == before + 1  # type: ignore[attr-defined]
    finally:
        await runtime.close()
