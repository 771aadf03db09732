"""Sharding against the fake Discord: two shards in one process, each guild's events on its
own shard, a round in a guild of each; a fresh session on one shard reconciles only that
shard's guilds; /mock is registered once however many processes start; `--shards auto`
takes Discord's recommendation; the fake refuses shard layouts Discord refuses."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import discord
import pytest

from bot.adapters.discord.config import DiscordSettings
from bot.adapters.discord.main import serve, use_endpoints
from bot.adapters.discord.sharded import ShardedMockpanelClient
from bot.adapters.discord.shards import ShardPlan
from bot.adapters.routing import RoutingOutbox
from bot.config import Settings
from bot.core import scoring
from bot.core.banks import Library
from bot.core.clock import FakeClock
from bot.core.errors import MockpanelError
from bot.core.pacing import unpaced
from bot.runtime import Runtime, build
from tests.fakes import discord_model as model
from tests.fakes.discord_env import DiscordEnv, client_running
from tests.fakes.discord_fake import FakeDiscord


def shard_of(guild: model.Guild, count: int = 2) -> int:
    return (int(guild.id) >> 22) % count


def in_guild(env: DiscordEnv, prefix: str) -> dict[str, Any]:
    """The latest bot post titled `prefix` in env's guild (its channel or a thread of it)."""
    threads = {c for c, ch in env.fake.channels.items() if ch.get("parent_id") == env.channel}
    found = [m for m in env.titled(prefix) if m["channel_id"] in threads | {env.channel}]
    assert found, f"no message titled {prefix!r} in {env.guild.name}"
    return found[-1]


async def board(env: DiscordEnv) -> dict[str, tuple[int, int]]:
    rows = await env.runtime.store.leaderboard(env.tenant, scoring.COMMUNITY_SCOPE, "all")
    return {r.display_name: (r.answers, r.received_n) for r in rows}


async def test_two_shards_in_one_process_each_guild_on_its_own_shard(tmp_path: Path, library: Library) -> None:
    async with DiscordEnv.running(tmp_path, library, message_content=True, shards=2) as env:
        gateway = env.fake.gateway
        study, owls = env, env.in_guild(next(g for g in env.fake.guilds.values() if g.name == "Night Owls"))
        assert (shard_of(study.guild), shard_of(owls.guild)) == (0, 1)
        assert sorted(gateway.identified) == [(0, 2), (1, 2)]  # type: ignore[type-var]
        sessions = {s: gateway.slot(s).session for s in (0, 1)}
        assert all(s is not None for s in sessions.values())
        for shard, guild in ((0, study.guild), (1, owls.guild)):  # READY lists only the shard's guilds
            ready = next(f["d"] for f in sessions[shard].backlog if f["t"] == "READY")  # type: ignore[union-attr]
            assert [g["id"] for g in ready["guilds"]] == [guild.id] and ready["shard"] == [shard, 2]
        # Both rounds run at the same time, one on each shard.
        for here in (study, owls):
            await here.command("Coach", "group start", questions=1, answer="2m", rate="1m", lobby="1m")
            lobby = in_guild(here, "Group round: lobby open")
            for name in ("Alice", "Bob"):
                joined = await here.press(name, lobby, here.button(lobby, "join"))
                assert "You joined" in here.said(joined)
        await env.advance(minutes=1)
        marks = []
        for here, (first, second) in ((study, (5, 2)), (owls, (3, 4))):
            question = in_guild(here, "Question 1/1")
            a = await here.say("Alice", question["id"], f"In {here.guild.name} I split the launch into weekly goals.")
            b = await here.say("Bob", question["id"], f"In {here.guild.name} I asked the users first.")
            marks.append(await here.react("Bob", a["id"], first))
            marks.append(await here.react("Alice", b["id"], second))
        # Each guild's dispatches went on its own shard's session, nowhere else.
        assert [m[0] for m in marks if m] == [sessions[0].id] * 2 + [sessions[1].id] * 2  # type: ignore[union-attr]
        await env.advance(minutes=1)
        assert "1. **Alice**: 3.33 (mean 5.00 from 1 rating" in study.text(in_guild(study, "Final results"))
        assert "1. **Bob**: " in owls.text(in_guild(owls, "Final results"))
        assert await board(study) == {"Alice": (1, 1), "Bob": (1, 1)}
        assert await board(owls) == {"Alice": (1, 1), "Bob": (1, 1)}
        assert env.client.connected()


async def test_a_fresh_session_on_one_shard_reconciles_only_its_guilds(tmp_path: Path, library: Library) -> None:
    async with DiscordEnv.running(tmp_path, library, message_content=True, shards=2) as env:
        study, owls = env, env.in_guild(next(g for g in env.fake.guilds.values() if g.name == "Night Owls"))
        answers, threads = {}, {}
        for here in (study, owls):
            await here.command("Coach", "qotd post")
            threads[here.guild.id] = in_guild(here, "Question of the day")["id"]
            said = await here.say("Alice", threads[here.guild.id], "I owned the incident review.")
            answers[here.guild.id] = said["id"]
            await here.react("Bob", answers[here.guild.id], 4)
        before = len(env.fake.calls)
        first_session = env.fake.gateway.slot(0).session
        async with env.fake.gateway.outage(resume=False, shard=1):
            assert await owls.react("Chen", answers[owls.guild.id], 5) is None  # lost with shard 1's session
            assert await study.react("Chen", answers[study.guild.id], 2) is not None  # shard 0 carries on
        await env.connected()
        assert env.fake.gateway.identified[-1] == (1, 2) and env.fake.gateway.slot(0).session is first_session
        reads = [c.path for c in env.fake.calls[before:] if c.method == "GET" and "/messages" in c.path]
        assert reads and all(threads[study.guild.id] not in path for path in reads)  # shard 0's guild untouched
        assert any(answers[owls.guild.id] in path for path in reads)
        assert env.client.reconciled == 1  # Chen's 5 in Night Owls, read back
        assert (await board(owls))["Alice"] == (1, 2)
        assert (await board(study))["Alice"] == (1, 2)  # Bob's 4 and Chen's live 2, each once


@contextlib.asynccontextmanager
async def client_on(
    fake: FakeDiscord, runtime: Runtime, plan: ShardPlan, sync: str = "guild"
) -> AsyncIterator[ShardedMockpanelClient]:
    """A sharded client, as one process of several would run it, until its shards are up."""
    settings = DiscordSettings(token=fake.token, guild_ready_timeout=0.05, identify_delay=0, sync=sync)
    client = ShardedMockpanelClient(runtime.dispatcher, settings, plan, pacer=unpaced())
    async with client_running(
        fake, client, plan.ids if plan.ids is not None else range(plan.count or fake.recommended_shards or 1)
    ):
        yield client


@contextlib.asynccontextmanager
async def fake_with_guilds(count: int) -> AsyncIterator[FakeDiscord]:
    saved = (discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
    fake = FakeDiscord()
    await fake.start()
    coach = model.user("Coach")
    for shard in range(count):
        fake.add_channel(fake.add_guild(f"Guild {shard}", coach, shard=(shard, count)), "interviews")
    use_endpoints(DiscordSettings(api_base=fake.api_base, gateway_url=fake.gateway_url))
    try:
        yield fake
    finally:
        await fake.close()
        discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = saved


def puts(fake: FakeDiscord) -> list[str]:
    return [c.path for c in fake.calls if c.method == "PUT" and c.path.endswith("/commands")]


@pytest.mark.parametrize("sync", ["global", "guild"])
async def test_two_processes_register_mock_once_and_a_restart_not_again(
    tmp_path: Path, library: Library, sync: str
) -> None:
    async with fake_with_guilds(2) as fake:
        runtime = await build(Settings(db=str(tmp_path / "shared.db")), RoutingOutbox(), FakeClock(), library)
        try:
            for _ in range(2):  # a first start, then a restart of both
                async with (
                    client_on(fake, runtime, ShardPlan(2, (0,)), sync) as first,
                    client_on(fake, runtime, ShardPlan(2, (1,)), sync) as second,
                ):
                    pass
                if sync == "global":  # only shard 0's process registers, and only once
                    assert puts(fake) == [f"/applications/{fake.app_id}/commands"]
                    assert (first.sync_calls, second.sync_calls) == ((1, 0) if _ == 0 else (0, 0))
                else:  # each guild by the process whose shard has it, once
                    assert sorted(puts(fake)) == sorted(
                        f"/applications/{fake.app_id}/guilds/{g}/commands" for g in fake.guilds
                    )
            # A new version of /mock (its hash differs) is registered again, once.
            key = "commands:global" if sync == "global" else f"commands:guild:{next(iter(fake.guilds))}"
            await runtime.store.kv_put("discord", key, "an older version", FakeClock().now())
            async with client_on(fake, runtime, ShardPlan(2, (0, 1)), sync):
                pass
            assert len(puts(fake)) == (2 if sync == "global" else 3)
        finally:
            await runtime.close()


async def test_shards_auto_takes_discords_recommendation(tmp_path: Path, library: Library) -> None:
    async with fake_with_guilds(2) as fake:
        fake.recommended_shards = 2
        runtime = await build(Settings(db=str(tmp_path / "auto.db")), RoutingOutbox(), FakeClock(), library)
        try:
            async with client_on(fake, runtime, ShardPlan(None)) as client:
                assert client.shard_count == 2 and sorted(fake.gateway.identified) == [(0, 2), (1, 2)]  # type: ignore[type-var]
                assert fake.calls_to("GET", "/gateway/bot")
        finally:
            await runtime.close()


async def serve_with(fake: FakeDiscord, tmp_path: Path, library: Library, **flags: str) -> None:
    secrets = {"DISCORD_TOKEN": fake.token, "DISCORD_API_BASE": fake.api_base, "DISCORD_GATEWAY_URL": fake.gateway_url}
    settings = Settings(db=str(tmp_path / "serve.db"), secrets=secrets)
    runtime = await build(settings, RoutingOutbox(), FakeClock(), library)
    try:
        await asyncio.wait_for(serve(runtime, RoutingOutbox(), settings, argparse.Namespace(**flags)), 15)
    finally:
        await runtime.close()


async def test_the_fake_refuses_a_shard_out_of_range_and_a_mixed_count(tmp_path: Path, library: Library) -> None:
    async with fake_with_guilds(2) as fake:
        runtime = await build(Settings(db=str(tmp_path / "a.db")), RoutingOutbox(), FakeClock(), library)
        settings = DiscordSettings(token=fake.token, guild_ready_timeout=0.05, identify_delay=0)
        try:
            out_of_range = ShardedMockpanelClient(runtime.dispatcher, settings, ShardPlan(2, (3,)), pacer=unpaced())
            with pytest.raises(discord.ConnectionClosed) as closed:
                async with out_of_range:
                    await asyncio.wait_for(out_of_range.start(fake.token), 10)
            assert closed.value.code == 4010 and fake.gateway.refused == [4010]
            async with client_on(fake, runtime, ShardPlan(2, (0,))):
                with pytest.raises(MockpanelError, match="every process needs the same --shards N"):
                    await serve_with(fake, tmp_path, library, shards="3", shard_ids="1")
            assert fake.gateway.refused == [4010, 4010]
        finally:
            await runtime.close()


async def test_too_many_guilds_for_one_session_asks_for_sharding(tmp_path: Path, library: Library) -> None:
    async with fake_with_guilds(2) as fake:
        fake.gateway.max_guilds_per_session = 1
        with pytest.raises(MockpanelError, match=r"Discord requires sharding .*--shards auto"):
            await serve_with(fake, tmp_path, library)
        assert fake.gateway.refused == [4011]
