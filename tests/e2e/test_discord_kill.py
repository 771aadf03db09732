"""A kill -9 of the real `mockpanel run discord` process in the middle of posting a round's
results: after a restart the results appear once, the next question comes, and the round has
its timer. (Before the unit of work, question 2 never came.)"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sqlite3
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from tests.e2e.test_discord_process import answered, bot_posts
from tests.fakes import discord_model as model
from tests.fakes import discord_users as users
from tests.fakes.discord_fake import FakeDiscord
from tests.fakes.process import interrupt

ROOT = Path(__file__).resolve().parents[2]


@contextlib.asynccontextmanager
async def bot_process(fake: FakeDiscord, db: Path) -> AsyncIterator[asyncio.subprocess.Process]:
    env = {
        "PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), "DISCORD_TOKEN": fake.token,
        "DISCORD_API_BASE": fake.api_base, "DISCORD_GATEWAY_URL": fake.gateway_url,
        "MOCKPANEL_DB": str(db), "MOCKPANEL_LOG_LEVEL": "WARNING",
    }  # fmt: skip
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "discord", cwd=db.parent, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    try:
        yield process
    finally:
        await interrupt(process)


def round_timers(db: Path) -> list[str]:
    with contextlib.closing(sqlite3.connect(db)) as connection:
        return [str(r[0]) for r in connection.execute("SELECT key FROM timers WHERE key LIKE 'round:%'")]


async def test_a_kill_while_posting_results_loses_nothing(tmp_path: Path) -> None:
    fake = FakeDiscord()
    await fake.start()
    coach, alice, bob = model.user("Coach"), model.user("Alice"), model.user("Bob")
    guild = fake.add_guild("Study Group", coach)
    channel = fake.add_channel(guild, "interviews")["id"]
    for person in (alice, bob):
        fake.add_member(guild, person)
    db = tmp_path / "bot.db"

    async def command(who: dict[str, Any], path: str, **options: Any) -> str:
        interaction, _ = await users.command(fake, guild, channel, who, path, options)
        return await answered(fake, interaction)

    try:
        async with bot_process(fake, db) as process:
            await asyncio.wait_for(fake.gateway.wait_handshake(), 30)
            await fake.wait_for(lambda: guild.id in fake.commands, 15)
            assert "open for joining" in await command(coach, "group start", questions=2)
            lobby = bot_posts(fake, "Group round")[-1]
            for person in (alice, bob):
                join = next(c for c in model.custom_ids(lobby) if c.startswith("mp:join:"))
                joined, _ = await users.press(fake, guild, person, lobby, join)
                await answered(fake, joined)
            await command(coach, "next")
            await command(alice, "answer", text="I split the launch into weekly goals.")
            await command(bob, "answer", text="I asked the users first.")
            await fake.wait_for(lambda: bool(bot_posts(fake, "Rating open")), 15)
            # The results post is made but its sender never hears back; then the process dies.
            fake.stall = lambda message: (
                bool(message["embeds"]) and "Results for question 1" in str(message["embeds"][0].get("title"))
            )
            await users.command(fake, guild, channel, coach, "next", {})
            await fake.wait_for(lambda: bool(bot_posts(fake, "Results for question 1")), 15)
            process.send_signal(signal.SIGKILL)
            await process.wait()
        fake.stall = None
        assert not bot_posts(fake, "Question 2/2"), "the kill came before question 2 was posted"
        assert round_timers(db), "the committed phase change set its timer in the same transaction"

        async with bot_process(fake, db):
            await asyncio.wait_for(fake.gateway.wait_handshake(), 30)
            # Delivery resumes from the outbox: the results again (the same nonce: no second
            # message), then question 2.
            await fake.wait_for(lambda: bool(bot_posts(fake, "Question 2/2")), 20)
            assert len(bot_posts(fake, "Results for question 1")) == 1
            assert round_timers(db)
            await command(alice, "answer", text="Second answer from Alice.")
            await command(bob, "answer", text="Second answer from Bob.")
            await fake.wait_for(lambda: len(bot_posts(fake, "Rating open")) == 2, 15)
            await command(coach, "next")
            await fake.wait_for(lambda: bool(bot_posts(fake, "Final results")), 15)
    finally:
        await fake.close()
