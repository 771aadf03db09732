"""The real discord.py client against the fake Discord: login, gateway, command sync."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Iterator
from pathlib import Path

import discord
import pytest
from discord.gateway import DiscordWebSocket

from bot.adapters.discord import tree
from bot.adapters.discord.main import serve, sync_commands
from bot.adapters.routing import RoutingOutbox
from bot.config import Settings
from bot.core.banks import Library
from bot.core.clock import FakeClock
from bot.core.errors import MockpanelError
from bot.runtime import build
from tests.fakes import discord_model as model
from tests.fakes.discord_env import DiscordEnv
from tests.fakes.discord_fake import FakeDiscord


async def test_connects_and_registers_mock_in_the_guild(tmp_path: Path, library: Library) -> None:
    async with DiscordEnv.running(tmp_path, library) as env:
        fake = env.fake
        # The canary: everything went to the fake on loopback, nothing to discord.com.
        assert fake.calls_to("GET", "/users/@me") and fake.calls_to("GET", "/oauth2/applications/@me")
        assert fake.gateway.identifies == 1
        assert [c["name"] for c in fake.commands[env.guild.id]] == ["mock"]
        assert fake.commands[env.guild.id][0]["options"] == tree.command_payload()["options"]
        assert "global" not in fake.commands
        session = fake.gateway.session
        assert session is not None and not session.intents & (1 << 15)  # no privileged intent by default
        assert not env.client.message_content


@pytest.fixture
def endpoints() -> Iterator[None]:
    """`serve` points discord.py at the fake process-wide; put it back afterwards."""
    saved = (discord.http.Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)
    yield
    discord.http.Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = saved


async def serve_against(fake: FakeDiscord, tmp_path: Path, library: Library, **secrets: str) -> None:
    values = {"DISCORD_API_BASE": fake.api_base, "DISCORD_GATEWAY_URL": fake.gateway_url, **secrets}
    settings = Settings(db=str(tmp_path / "serve.db"), secrets=values)
    runtime = await build(settings, RoutingOutbox(), FakeClock(), library)
    try:
        await serve(runtime, RoutingOutbox(), settings, argparse.Namespace())
    finally:
        await runtime.close()


async def test_a_wrong_token_is_a_clear_error(tmp_path: Path, library: Library, endpoints: None) -> None:
    fake = FakeDiscord()
    await fake.start()
    try:
        with pytest.raises(MockpanelError, match="refused DISCORD_TOKEN"):
            await serve_against(fake, tmp_path, library, DISCORD_TOKEN="not-the-token")
        assert [c.status for c in fake.calls] == [401]
    finally:
        await fake.close()


async def test_asking_for_message_content_without_it_enabled_is_a_clear_error(
    tmp_path: Path, library: Library, endpoints: None
) -> None:
    fake = FakeDiscord(message_content=False)
    await fake.start()
    fake.add_guild("Study Group", model.user("Coach"))
    try:
        with pytest.raises(MockpanelError, match="Message Content intent"):
            await asyncio.wait_for(
                serve_against(fake, tmp_path, library, DISCORD_TOKEN=fake.token, DISCORD_MESSAGE_CONTENT="on"), 10
            )
        assert fake.gateway.identifies == 0  # refused with close code 4014
    finally:
        await fake.close()


async def test_a_new_guild_gets_the_command_and_sync_on_request(
    tmp_path: Path, library: Library, endpoints: None
) -> None:
    async with DiscordEnv.running(tmp_path, library) as env:
        joined = env.fake.add_guild("Another Server", model.user("Owner"))
        await env.settle(await env.fake.gateway.dispatch("GUILD_CREATE", joined.create_payload()))
        assert [c["name"] for c in env.fake.commands[joined.id]] == ["mock"]
        secrets = {"DISCORD_TOKEN": env.fake.token, "DISCORD_API_BASE": env.fake.api_base}
        where = await sync_commands(Settings(secrets=secrets), None)
        assert "globally" in where and env.fake.commands["global"][0]["name"] == "mock"
        assert "in server" in await sync_commands(Settings(secrets=secrets), env.guild.id)
        assert len(env.fake.calls_to("PUT", rf"/applications/{env.fake.app_id}/guilds/{env.guild.id}/commands")) == 2


async def test_posts_due_before_the_login_wait_for_it(tmp_path: Path, library: Library, endpoints: None) -> None:
    """On start the scheduler fires overdue timers at once, maybe before the bot has logged in."""
    from bot.adapters.discord.client import MockpanelClient
    from bot.adapters.discord.config import DiscordSettings
    from bot.adapters.discord.main import use_endpoints
    from bot.core.messages import Message

    fake = FakeDiscord()
    await fake.start()
    guild = fake.add_guild("Study Group", model.user("Coach"))
    channel = fake.add_channel(guild, "interviews")["id"]
    use_endpoints(DiscordSettings(api_base=fake.api_base, gateway_url=fake.gateway_url))
    runtime = await build(Settings(db=str(tmp_path / "early.db")), RoutingOutbox(), FakeClock(), library)
    client = MockpanelClient(runtime.dispatcher, DiscordSettings(token=fake.token, guild_ready_timeout=0.05))
    early = asyncio.create_task(client.outbox.post(f"discord:{guild.id}", channel, Message(text="Results!")))
    running: asyncio.Task[None] | None = None
    try:
        await asyncio.sleep(0)  # let the post start: it must wait, not fail
        assert not early.done()
        running = asyncio.create_task(client.start(fake.token))
        message_id = await asyncio.wait_for(early, 10)
        assert fake.messages[message_id]["content"] == "Results!"
    finally:
        await client.close()
        await asyncio.gather(*(t for t in (running, early) if t is not None), return_exceptions=True)
        await runtime.close()
        await fake.close()
