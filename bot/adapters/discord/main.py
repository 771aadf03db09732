"""`mockpanel run discord`, `mockpanel discord invite` and `mockpanel discord sync`."""

from __future__ import annotations

import argparse
import asyncio
import logging

import discord
import yarl

from bot.adapters.discord import shards, tree
from bot.adapters.discord.config import DiscordSettings
from bot.adapters.discord.invite import PERMISSIONS_NEEDED, client_id_from_token, invite_url
from bot.adapters.discord.sharded import make_client
from bot.adapters.routing import RoutingOutbox
from bot.config import Settings
from bot.core.errors import MockpanelError
from bot.runtime import Runtime

log = logging.getLogger(__name__)
# mockpanel never joins voice, so discord.py's "PyNaCl / davey is not installed, voice will NOT
# be supported" warnings are noise (discord.py checks these two flags once, when a client is made).
discord.VoiceClient.warn_nacl = False
discord.VoiceClient.warn_dave = False


def use_endpoints(config: DiscordSettings) -> None:
    """Point discord.py at a proxy or a test server (both are process-wide class settings)."""
    if config.api_base:
        discord.http.Route.BASE = config.api_base
    if config.gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(config.gateway_url)


def check_args(settings: Settings, args: argparse.Namespace) -> None:
    """Refuse bad settings before anything starts (`mockpanel run` calls this first)."""
    DiscordSettings.from_secrets(settings.secrets)
    shards.from_settings(args, settings.secrets)


SHARD_REFUSALS = {
    4010: "Discord refused the shard numbers ({}): every process needs the same --shards N, and ids below N.",
    4011: "Discord requires sharding for this many servers: run with --shards auto, or --shards N "
    "(about one shard per 1,000 servers) ({}).",
}


async def serve(runtime: Runtime, routing: RoutingOutbox, settings: Settings, args: argparse.Namespace) -> None:
    config = DiscordSettings.from_secrets(settings.secrets)
    plan = shards.from_settings(args, settings.secrets)
    use_endpoints(config)
    client = make_client(runtime.dispatcher, config, plan)
    routing.register("discord", client.outbox)

    async def connected() -> bool:
        return client.connected()

    runtime.health.connections["discord"] = connected
    try:
        async with client:
            await client.start(config.token)
    except discord.LoginFailure:
        raise MockpanelError("Discord refused DISCORD_TOKEN; copy the bot token again (docs/discord.md).") from None
    except discord.PrivilegedIntentsRequired:
        raise MockpanelError(
            "Discord refused the Message Content intent: enable it for the bot in the Developer Portal, "
            "or set DISCORD_MESSAGE_CONTENT=off (answers then go through the Answer button)."
        ) from None
    except discord.ConnectionClosed as closed:
        if closed.code in SHARD_REFUSALS:
            shown = "no sharding" if plan is None else f"--shards {plan.count or 'auto'}"
            raise MockpanelError(SHARD_REFUSALS[closed.code].format(shown)) from None
        raise


def run_cli(args: argparse.Namespace, settings: Settings) -> int:
    if args.discord_command == "invite":
        client_id = (
            args.client_id
            or settings.secrets.get("DISCORD_CLIENT_ID")
            or client_id_from_token(settings.secrets.get("DISCORD_TOKEN", ""))
        )
        if not client_id:
            raise MockpanelError("Give --client-id (the application id), or set DISCORD_CLIENT_ID or DISCORD_TOKEN.")
        try:
            print(invite_url(client_id))
        except ValueError as error:
            raise MockpanelError(str(error)) from None
        print("Permissions: " + ", ".join(PERMISSIONS_NEEDED))
        return 0
    where = asyncio.run(sync_commands(settings, args.guild))
    print(f"/mock registered {where}.")
    return 0


async def sync_commands(settings: Settings, guild_id: str | None) -> str:
    """Register /mock over REST alone (no gateway connection)."""
    config = DiscordSettings.from_secrets(settings.secrets)
    use_endpoints(config)
    client = discord.Client(intents=discord.Intents.none())
    async with client:
        try:
            await client.login(config.token)
        except discord.LoginFailure:
            raise MockpanelError("Discord refused DISCORD_TOKEN.") from None
        assert client.application_id is not None
        payload = [tree.command_payload()]
        if guild_id:
            await client.http.bulk_upsert_guild_commands(client.application_id, int(guild_id), payload)
            return f"in server {guild_id}"
        await client.http.bulk_upsert_global_commands(client.application_id, payload)
        return "globally (set DISCORD_SYNC=global so servers don't also get a copy each)"
