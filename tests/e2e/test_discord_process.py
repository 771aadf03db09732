"""The real `mockpanel run discord` process against the fake Discord, configured only by
environment variables, playing a group round to its leaderboard."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any

from tests.fakes import discord_model as model
from tests.fakes import discord_users as users
from tests.fakes.discord_fake import FakeDiscord, FakeInteraction
from tests.fakes.process import interrupt

ROOT = Path(__file__).resolve().parents[2]


async def answered(fake: FakeDiscord, interaction: FakeInteraction) -> str:
    await asyncio.wait_for(interaction.answered.wait(), 15)
    return "\n".join(model.text_of(m) for m in interaction.messages())


def bot_posts(fake: FakeDiscord, title: str) -> list[dict[str, Any]]:
    return [m for m in fake.messages.values() if m["embeds"] and (m["embeds"][0].get("title") or "").startswith(title)]


async def test_mockpanel_run_discord_plays_a_round_to_its_leaderboard(tmp_path: Path) -> None:
    fake = FakeDiscord()
    await fake.start()
    coach, alice, bob = model.user("Coach"), model.user("Alice"), model.user("Bob")
    guild = fake.add_guild("Study Group", coach)
    channel = fake.add_channel(guild, "interviews")["id"]
    for person in (alice, bob):
        fake.add_member(guild, person)
    env = {
        "PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), "DISCORD_TOKEN": fake.token,
        "DISCORD_API_BASE": fake.api_base, "DISCORD_GATEWAY_URL": fake.gateway_url,
        "MOCKPANEL_DB": str(tmp_path / "bot.db"), "MOCKPANEL_LOG_LEVEL": "WARNING",
    }  # fmt: skip
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "discord", cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        await asyncio.wait_for(fake.gateway.wait_handshake(), 30)
        await fake.wait_for(lambda: guild.id in fake.commands, 15)

        async def command(who: dict[str, Any], path: str, **options: Any) -> str:
            interaction, _ = await users.command(fake, guild, channel, who, path, options)
            return await answered(fake, interaction)

        assert "open for joining" in await command(coach, "group start", questions=1)
        lobby = bot_posts(fake, "Group round")[-1]
        for person in (alice, bob):
            join = next(c for c in model.custom_ids(lobby) if c.startswith("mp:join:"))
            joined, _ = await users.press(fake, guild, person, lobby, join)
            assert "You joined" in await answered(fake, joined)
        await command(coach, "next")
        question = bot_posts(fake, "Question 1/1")[-1]
        assert "posted in the thread" in await command(alice, "answer", text="I split the launch into weekly goals.")
        assert "posted in the thread" in await command(bob, "answer", text="I asked the users first.")
        await fake.wait_for(lambda: bool(bot_posts(fake, "Rating open")))
        thread = fake.channel_messages(question["id"])
        by = {
            name: next(m["id"] for m in thread if f"**{name}** answered" in model.text_of(m))
            for name in ("Alice", "Bob")
        }
        await users.react(fake, guild, bob, by["Alice"], "5️⃣")
        await users.react(fake, guild, alice, by["Bob"], "3️⃣")
        # Each self-rating is refused by direct message, handled after the rating before it
        # on the same message: once both notes arrive, both ratings are stored.
        await users.react(fake, guild, alice, by["Alice"], "5️⃣")
        await users.react(fake, guild, bob, by["Bob"], "5️⃣")
        await fake.wait_for(lambda: bool(fake.dms_to(alice["id"]) and fake.dms_to(bob["id"])), 15)
        await command(coach, "next")
        assert "1. **Alice**: 3.33 (mean 5.00 from 1 rating" in model.text_of(bot_posts(fake, "Final results")[-1])
        board = await command(alice, "leaderboard", period="all", scope="community")
        assert "1. **Alice**" in board and "**Bob**" in board and "Leaderboard · community · all time" in board
    finally:
        await interrupt(process)
        stdout, stderr = await process.communicate()
        await fake.close()
    errors = stderr.decode()
    assert "Traceback" not in errors and "ERROR" not in errors, errors
    assert fake.token not in stdout.decode() + errors  # the token is never logged
