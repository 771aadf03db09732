"""Registering /mock once, not once per process or per restart.

What was last registered is kept as the hash of the command's JSON in the adapters'
key-value space (namespace "discord"), shared by every process on the database: a guild's
copy is written by the process whose shard receives that guild (a guild is on exactly one
shard), the global one by the process that runs shard 0, and either only when the hash
differs. A guild the bot is removed from is forgotten, so joining again registers afresh.
"""

from __future__ import annotations

import functools
import hashlib
import json

import discord

from bot.adapters.discord import tree
from bot.core.clock import Clock
from bot.core.ports import AdapterState

NAMESPACE = "discord"
GLOBAL_KEY = "commands:global"


def guild_key(guild_id: str) -> str:
    return f"commands:guild:{guild_id}"


@functools.cache
def command_hash() -> str:
    """Changes whenever the payload Discord would store changes (a new subcommand, a new option)."""
    text = json.dumps([tree.command_payload()], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


class CommandSync:
    def __init__(self, http: discord.http.HTTPClient, state: AdapterState, clock: Clock) -> None:
        self.http = http
        self.state = state
        self.clock = clock

    async def global_(self, application_id: int) -> bool:
        """Register /mock for every server unless this very version already is; True if it was sent."""
        if await self.state.kv_get(NAMESPACE, GLOBAL_KEY) == command_hash():
            return False
        await self.http.bulk_upsert_global_commands(application_id, [tree.command_payload()])
        await self.state.kv_put(NAMESPACE, GLOBAL_KEY, command_hash(), self.clock.now())
        return True

    async def guild(self, application_id: int, guild_id: str) -> bool:
        if await self.state.kv_get(NAMESPACE, guild_key(guild_id)) == command_hash():
            return False
        await self.http.bulk_upsert_guild_commands(application_id, int(guild_id), [tree.command_payload()])
        await self.state.kv_put(NAMESPACE, guild_key(guild_id), command_hash(), self.clock.now())
        return True

    async def forget(self, guild_id: str) -> None:
        """The bot left (or was removed from) a guild: register again if it comes back."""
        await self.state.kv_delete(NAMESPACE, guild_key(guild_id))
