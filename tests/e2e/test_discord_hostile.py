"""Interactions that don't belong where they arrive, through real discord.py against the fake:
a custom id naming another guild's or another channel's round, a modal submitted twice, and
a component on a message the bot never sent."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.core.banks import Library
from tests.fakes import discord_model as model
from tests.fakes import discord_users as users
from tests.fakes.discord_env import DiscordEnv


async def blind_round_answering(env: DiscordEnv, *players: str) -> dict[str, Any]:
    """A blind group round in the usual channel, in its answer phase; returns the question."""
    await env.command("Coach", "group start", questions=1, answer="2m", rate="1m", lobby="1m", blind=True)
    lobby = env.last("Blind group round")
    for name in players:
        await env.press(name, lobby, env.button(lobby, "join"))
    await env.advance(minutes=1)
    return env.last("Question 1/1")


async def pressed_elsewhere(env: DiscordEnv, name: str, message: dict[str, Any], custom_id: str,
                            channel_id: str, guild: model.Guild | None = None) -> str:  # fmt: skip
    """`name` presses a copy of `message`'s button that arrives from another channel (or guild)."""
    moved = {**message, "channel_id": channel_id}
    data = {"custom_id": custom_id, "component_type": 2}
    payload = users._payload(env.fake, guild or env.guild, channel_id, env.who(name), 3, data, moved)
    interaction, mark = await users.interact(env.fake, payload)
    await env.settle(mark)
    return env.said(interaction)


async def test_a_button_naming_another_channels_round_changes_nothing(tmp_path: Path, library: Library) -> None:
    async with DiscordEnv.running(tmp_path, library) as env:
        await env.command("Coach", "group start", questions=1, lobby="1m")
        lobby = env.last("Group round")
        other = env.fake.add_channel(env.guild, "watercooler")
        said = await pressed_elsewhere(env, "Alice", lobby, env.button(lobby, "join"), other["id"])
        assert "another channel" in said
        record = await env.runtime.store.open_round(env.tenant, env.channel, ("group",))
        assert record is not None and record.state.get("participants", []) == []


async def test_a_button_naming_another_guilds_round_changes_nothing(tmp_path: Path, library: Library) -> None:
    async with DiscordEnv.running(tmp_path, library) as env:
        await env.command("Coach", "group start", questions=1, lobby="1m")
        lobby = env.last("Group round")
        elsewhere = env.fake.add_guild("Other Guild", env.who("Alice"))
        channel = env.fake.add_channel(elsewhere, "general")
        said = await pressed_elsewhere(env, "Alice", lobby, env.button(lobby, "join"), channel["id"], elsewhere)
        assert "no round running" in said.lower()
        record = await env.runtime.store.open_round(env.tenant, env.channel, ("group",))
        assert record is not None and record.state.get("participants", []) == []


async def test_a_modal_submitted_twice_counts_once(tmp_path: Path, library: Library) -> None:
    async with DiscordEnv.running(tmp_path, library) as env:
        question = await blind_round_answering(env, "Alice", "Bob")
        opened = await env.press("Alice", question, env.button(question, "answer"))
        first = await env.submit("Alice", opened, text="My first private answer.")
        second = await env.submit("Alice", opened, text="My first private answer.")  # a double click
        assert "saved privately" in env.said(first) and "updated" in env.said(second)
        answers = await env.runtime.store.answers_for(1)
        assert [(a.user_id, a.text) for a in answers] == [(env.uid("Alice"), "My first private answer.")]


async def test_a_component_on_a_message_the_bot_did_not_send_is_ignored(tmp_path: Path, library: Library) -> None:
    async with DiscordEnv.running(tmp_path, library) as env:
        await env.command("Coach", "group start", questions=1, lobby="1m")
        lobby = env.last("Group round")
        forged = {**lobby, "id": model.snowflake(), "author": env.who("Eve"), "webhook_id": None}
        data = {"custom_id": env.button(lobby, "join"), "component_type": 2}
        payload = users._payload(env.fake, env.guild, env.channel, env.who("Alice"), 3, data, forged)
        interaction, mark = await users.interact(env.fake, payload)
        await env.settle(mark)
        assert "isn't one of mockpanel's" in env.said(interaction)
        record = await env.runtime.store.open_round(env.tenant, env.channel, ("group",))
        assert record is not None and record.state.get("participants", []) == []
