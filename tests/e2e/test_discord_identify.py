"""IDENTIFY spacing against the fake Discord's rate limit (one IDENTIFY per window per bucket
`shard % max_concurrency`, the excess refused with an Invalid Session), in one process: its
own shards are spaced on either engine; on PostgreSQL shards of different buckets do not wait
for each other's window, and a lost session IDENTIFYs again through the gate (it waits
for another process's hold on it). Two processes
started together: tests/e2e/test_discord_shards_pg.py."""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator

import pytest

from bot.adapters.discord.config import DiscordSettings
from bot.adapters.discord.sharded import ShardedMockpanelClient
from bot.adapters.discord.shards import ShardPlan
from bot.adapters.routing import RoutingOutbox
from bot.config import Settings
from bot.core.banks import Library
from bot.core.clock import FakeClock
from bot.core.pacing import unpaced
from bot.runtime import build
from bot.storage.postgres import PostgresStore
from tests.e2e.test_discord_shards import fake_with_guilds
from tests.fakes.discord_env import client_running
from tests.fakes.discord_fake import FakeDiscord

WINDOW = 0.4  # the fake's IDENTIFY window (Discord's is 5 seconds)
DELAY = 0.5  # the bot's identify_delay: at least the window
LONG = 30.0  # longer than any wait in these tests (client_running gives up after 10 s)
HOLD = 2.0  # another process's hold on the gate: well past DELAY


@pytest.fixture
def db(each_engine_db: str) -> str:
    return each_engine_db


@contextlib.asynccontextmanager
async def sharded(
    fake: FakeDiscord, db: str, library: Library, delay: float, count: int = 2
) -> AsyncIterator[ShardedMockpanelClient]:
    """One process running every shard, connected until the block ends."""
    runtime = await build(Settings(db=db), RoutingOutbox(), FakeClock(), library)
    settings = DiscordSettings(token=fake.token, guild_ready_timeout=0.05, identify_delay=delay)
    client = ShardedMockpanelClient(runtime.dispatcher, settings, ShardPlan(count), pacer=unpaced())
    try:
        async with client_running(fake, client, range(count)):
            yield client
    finally:
        await runtime.close()


async def test_one_process_spaces_its_own_shards_identifies(db: str, library: Library) -> None:
    async with fake_with_guilds(2) as fake:
        fake.gateway.identify_window = WINDOW
        async with sharded(fake, db, library, DELAY):
            assert fake.gateway.invalidated == []
            assert sorted(fake.gateway.identified) == [(0, 2), (1, 2)]  # type: ignore[type-var]
            first, second = fake.gateway.identified_at
            assert second - first >= WINDOW


async def test_shards_of_different_buckets_do_not_wait_for_each_other(pg_url: str, library: Library) -> None:
    async with fake_with_guilds(2) as fake:
        # Two buckets: shard 0 and shard 1 may IDENTIFY at once. Were both gated as one
        # bucket, shard 1 would wait out shard 0's LONG window and never connect in time.
        fake.gateway.max_concurrency = 2
        fake.gateway.identify_window = LONG
        async with sharded(fake, pg_url, library, LONG) as client:
            assert client.max_concurrency == 2  # from GET /gateway/bot
            assert fake.gateway.invalidated == []
            assert sorted(fake.gateway.identified) == [(0, 2), (1, 2)]  # type: ignore[type-var]


async def test_a_lost_session_identifies_again_through_the_gate(pg_url: str, library: Library) -> None:
    async with fake_with_guilds(2) as fake:
        fake.gateway.identify_window = WINDOW
        async with sharded(fake, pg_url, library, DELAY) as client:
            other = await PostgresStore.open(pg_url, migrate=False)  # another process on the database
            try:
                async with fake.gateway.outage(resume=False, shard=1):  # op 9: shard 1 must IDENTIFY anew
                    # Meanwhile the other process IDENTIFYs in the same bucket and holds the gate.
                    await other.pass_gate(f"discord:identify:{client.application_id or 0}:0", HOLD)
                    held = time.monotonic()
            finally:
                await other.close()
            assert fake.gateway.identified[-1] == (1, 2) and len(fake.gateway.identified) == 3
            assert fake.gateway.invalidated == []
            # Without the gate the new IDENTIFY would come DELAY after the reconnect, well before.
            assert fake.gateway.identified_at[-1] - held >= HOLD - 0.1
