"""Thread replies the gateway never replays: after a fresh session (IDENTIFY, not RESUME),
read the threads of the questions of the day still taking answers and hand each reply there
to the core as the MESSAGE_CREATE it missed. A reply's event id is its message id, so one
already handled live is a replay and changes nothing. Runs before the reactions are
reconciled, so a reply caught up here has its ratings read back in the same pass."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import discord

from bot.adapters.discord import translate
from bot.adapters.discord.reconcile import PAGE, Serial, open_qotd_threads
from bot.core.events import MessagePosted
from bot.core.ports import RoundRepository

Handle = Callable[[MessagePosted], Awaitable[None]]


class ThreadCatchup:
    def __init__(self, http: discord.http.HTTPClient, store: RoundRepository, bot_user_id: str, handle: Handle) -> None:
        self.http = http
        self.store = store
        self.bot_user_id = bot_user_id
        self.handle = handle
        self.read = 0  # replies handed to the core (those handled live before are no-ops there)

    async def guild(self, guild: translate.GuildInfo, serial: Serial) -> int:
        for parent_id, thread_id in await open_qotd_threads(self.store, translate.tenant(guild.guild_id)):
            for data in await self.replies(thread_id):
                data = {**data, "guild_id": guild.guild_id}  # REST messages leave it out
                event = translate.message_posted(data, parent_id=parent_id, bot_user_id=self.bot_user_id, guild=guild)
                if event is None or not event.text:
                    continue  # the bot's own posts, system messages, or blank without the content intent
                await serial(event.message_id, functools.partial(self.handle, event))
                self.read += 1
        return self.read

    async def replies(self, thread_id: str) -> list[Mapping[str, Any]]:
        """Every message in a thread, oldest first (a thread made from a message shares its
        id, so all of its messages come after that id)."""
        found: list[Mapping[str, Any]] = []
        after = int(thread_id)
        while True:
            try:
                page = await self.http.logs_from(int(thread_id), PAGE, after=after)
            except discord.NotFound:
                return found  # the thread was deleted while we were away
            page = sorted(page, key=lambda m: int(m["id"]))
            found += page
            if len(page) < PAGE:
                return found
            after = int(page[-1]["id"])
