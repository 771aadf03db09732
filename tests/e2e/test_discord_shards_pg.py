"""Two real `mockpanel run discord` processes, one per shard (`--shards 2 --shard-ids 0` and
`--shard-ids 1`), on one PostgreSQL database, against the fake Discord that routes each
guild's events by `(guild_id >> 22) % 2`: a group round in a guild of each shard, played at
the same time, both finish with every rating counted once and every post made once.

The fake enforces Discord's IDENTIFY rate limit (one per window per bucket, the excess answered
with an Invalid Session), with a short window, and holds HELLO until both processes are
connected, so both would IDENTIFY at the same moment: the database's IDENTIFY gate spaces
them, and neither is refused."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import asyncpg

from bot.adapters.discord.translate import tenant
from tests.e2e.test_discord_process import answered, bot_posts
from tests.fakes import discord_model as model
from tests.fakes import discord_users as users
from tests.fakes.discord_fake import FakeDiscord
from tests.fakes.process import interrupt, start_discord

WINDOW = 0.4  # the fake's IDENTIFY window (Discord's is 5 seconds)
DELAY = 0.6  # the bots' identify_delay: at least the window


def in_channel(fake: FakeDiscord, channel: str, title: str) -> list[dict[str, Any]]:
    """Bot posts titled `title` in a channel or in a thread of it."""
    threads = {c for c, ch in fake.channels.items() if ch.get("parent_id") == channel}
    return [m for m in bot_posts(fake, title) if m["channel_id"] in threads | {channel}]


async def stored_ratings(pg_url: str, guild: model.Guild, count: int) -> None:
    """Until the guild's community has `count` ratings committed (a query at a time)."""
    conn = await asyncpg.connect(pg_url)
    try:
        async with asyncio.timeout(15):
            while await conn.fetchval("SELECT COUNT(*) FROM ratings WHERE tenant = $1", tenant(guild.id)) < count:
                pass
    finally:
        await conn.close()


async def play_round(fake: FakeDiscord, guild: model.Guild, people: dict[str, dict[str, Any]], pg_url: str) -> str:
    """A one-question group round with Alice and Bob rating each other; the final results."""
    channel = next(c["id"] for c in guild.channels if c["type"] == 0)

    async def command(who: str, path: str, **options: Any) -> str:
        interaction, _ = await users.command(fake, guild, channel, people[who], path, options)
        return await answered(fake, interaction)

    assert "open for joining" in await command("Coach", "group start", questions=1)
    lobby = in_channel(fake, channel, "Group round")[-1]
    join = next(c for c in model.custom_ids(lobby) if c.startswith("mp:join:"))
    for name in ("Alice", "Bob"):
        joined, _ = await users.press(fake, guild, people[name], lobby, join)
        assert "You joined" in await answered(fake, joined)
    await command("Coach", "next")
    assert "posted in the thread" in await command("Alice", "answer", text=f"In {guild.name} I set weekly goals.")
    assert "posted in the thread" in await command("Bob", "answer", text=f"In {guild.name} I asked the users.")
    await fake.wait_for(lambda: bool(in_channel(fake, channel, "Rating open")), 15)
    question = in_channel(fake, channel, "Question 1/1")[-1]
    thread = fake.channel_messages(question["id"])
    by = {n: next(m["id"] for m in thread if f"**{n}** answered" in model.text_of(m)) for n in ("Alice", "Bob")}
    await users.react(fake, guild, people["Bob"], by["Alice"], "5️⃣")
    await users.react(fake, guild, people["Alice"], by["Bob"], "3️⃣")
    # The process acknowledges each stored rating... by nothing public: wait on the self-ratings'
    # refusals instead, handled after the rating before them on the same message.
    before = {n: len(fake.dms_to(people[n]["id"])) for n in ("Alice", "Bob")}
    await users.react(fake, guild, people["Alice"], by["Alice"], "5️⃣")
    await users.react(fake, guild, people["Bob"], by["Bob"], "5️⃣")
    await fake.wait_for(lambda: all(len(fake.dms_to(people[n]["id"])) > before[n] for n in before), 15)
    # A refusal is not queued behind the store's batch of ratings: wait for the two ratings
    # themselves (on Discord nothing orders a reaction before a later command: they come by
    # different paths, and ratings skip the channel's turn).
    await stored_ratings(pg_url, guild, 2)
    await command("Coach", "next")
    await fake.wait_for(lambda: bool(in_channel(fake, channel, "Final results")), 15)
    board = await command("Alice", "leaderboard", period="all", scope="community")
    assert "1. **Alice**" in board and "**Bob**" in board
    [final] = in_channel(fake, channel, "Final results")  # posted once, by one process
    return model.text_of(final)


async def test_two_processes_one_shard_each_on_postgresql_play_a_round_in_each(tmp_path: Path, pg_url: str) -> None:
    fake = FakeDiscord()
    await fake.start()
    people = {name: model.user(name) for name in ("Coach", "Alice", "Bob")}
    guilds = []
    for shard, name in enumerate(("Study Group", "Night Owls")):
        guild = fake.add_guild(name, people["Coach"], shard=(shard, 2))
        fake.add_channel(guild, "interviews")
        for person in ("Alice", "Bob"):
            fake.add_member(guild, people[person])
        guilds.append(guild)
    fake.gateway.identify_window = WINDOW
    fake.gateway.hello_together = 2
    (tmp_path / ".env").write_text(f"DISCORD_IDENTIFY_DELAY={DELAY}\n")  # what each IDENTIFY holds the gate
    # Started together on an empty schema: they migrate it once between them.
    processes = await asyncio.gather(
        *(
            start_discord(fake, pg_url, args=["--shards", "2", "--shard-ids", str(shard)], cwd=tmp_path)
            for shard in (0, 1)
        )
    )
    try:
        await asyncio.wait_for(asyncio.gather(fake.gateway.wait_handshake(0), fake.gateway.wait_handshake(1)), 30)
        assert fake.gateway.invalidated == []  # no IDENTIFY came too soon, so none was refused
        assert sorted(fake.gateway.identified) == [(0, 2), (1, 2)]  # type: ignore[type-var]
        first, second = fake.gateway.identified_at
        assert second - first >= WINDOW
        await fake.wait_for(lambda: all(g.id in fake.commands for g in guilds), 15)
        results = await asyncio.gather(*(play_round(fake, guild, people, pg_url) for guild in guilds))
        for text in results:
            assert "1. **Alice**: 3.33 (mean 5.00 from 1 rating" in text
        # Each guild's events went only to its own shard's session (one per process).
        sessions = {shard: fake.gateway.slot(shard).session for shard in (0, 1)}
        for shard, guild in enumerate(guilds):
            session = sessions[shard]
            assert session is not None
            seen = {str(f["d"].get("guild_id") or "") for f in session.backlog if f["t"] == "INTERACTION_CREATE"}
            assert seen == {guild.id}
        # /mock registered once per guild, and no interaction answered twice.
        assert len([c for c in fake.calls if c.method == "PUT" and c.path.endswith("/commands")]) == 2
        assert not [c for c in fake.calls if c.status == 400]
    finally:
        for process in processes:
            await interrupt(process)
        outputs = [await process.communicate() for process in processes]
        await fake.close()
    for stdout, stderr in outputs:
        errors = stderr.decode()
        assert "Traceback" not in errors and "ERROR" not in errors, errors
        assert fake.token not in stdout.decode() + errors
