"""The core's Outbox on Discord: channel posts, a thread per question, and direct messages.

A post with `thread_id` goes into the thread of that earlier message, which is created from
the message the first time (a thread made from a message shares its id). A question (a post
with an Answer button) gets its thread at once, so replies have somewhere to go. Discord has
no ephemeral messages outside an interaction, so private notes go by direct message.
"""

from __future__ import annotations

import asyncio
import io
import logging
from collections import OrderedDict
from typing import Any, Literal

import discord

from bot.adapters.discord.render import Outgoing, is_question, render_message, thread_name
from bot.core.messages import Message

log = logging.getLogger(__name__)

THREAD_ALREADY_EXISTS = 160004
THREAD_ARCHIVE_MINUTES: Literal[60, 1440, 4320, 10080] = 1440
REMEMBERED = 10_000


def mentions() -> discord.AllowedMentions:
    """discord.py's form of `render.NO_MENTIONS`: nothing a message says pings anyone."""
    return discord.AllowedMentions.none()


def view_of(part: Outgoing) -> discord.ui.View | None:
    """A view that only carries the buttons: clicks reach `on_interaction` through their
    custom ids, so the view is stopped and never kept in discord.py's view store."""
    if not part.components:
        return None
    view = discord.ui.View(timeout=None)
    for row_index, row in enumerate(part.components):
        for button in row["components"]:
            view.add_item(
                discord.ui.Button(
                    style=discord.ButtonStyle(button["style"]),
                    label=button["label"],
                    custom_id=button["custom_id"],
                    row=row_index,
                )
            )
    view.stop()
    return view


def modal_of(payload: dict[str, Any]) -> discord.ui.Modal:
    modal = discord.ui.Modal(title=payload["title"], custom_id=payload["custom_id"], timeout=None)
    for row in payload["components"]:
        item = row["components"][0]
        modal.add_item(
            discord.ui.TextInput(
                label=item["label"],
                custom_id=item["custom_id"],
                style=discord.TextStyle(item["style"]),
                required=item["required"],
                max_length=item["max_length"],
                placeholder=item.get("placeholder"),
            )
        )
    modal.stop()
    return modal


def send_kwargs(part: Outgoing) -> dict[str, Any]:
    """Keyword arguments for discord.py's `send` / `send_message` / `followup.send`."""
    kwargs: dict[str, Any] = {"allowed_mentions": mentions()}
    if part.content:
        kwargs["content"] = part.content
    if part.embeds:
        kwargs["embeds"] = [discord.Embed.from_dict(e) for e in part.embeds]
    view = view_of(part)
    if view is not None:
        kwargs["view"] = view
    if part.file is not None:
        kwargs["file"] = discord.File(io.BytesIO(part.file.content.encode("utf-8")), filename=part.file.filename)
    return kwargs


class DiscordOutbox:
    def __init__(self, client: discord.Client) -> None:
        self.client = client
        self.thread_parents: OrderedDict[str, str] = OrderedDict()  # thread id -> parent channel id
        self._dm_channels: OrderedDict[str, str] = OrderedDict()
        self._thread_locks: dict[str, asyncio.Lock] = {}
        self.logged_in = asyncio.Event()  # timers due at start-up wait for the login, not fail

    async def send(self, channel_id: str, part: Outgoing) -> str:
        await self.logged_in.wait()
        channel = self.client.get_partial_messageable(int(channel_id))
        sent = await channel.send(**send_kwargs(part))
        return str(sent.id)

    async def post(self, tenant: str, channel_id: str, message: Message, thread_id: str | None = None) -> str:
        target = channel_id
        if thread_id is not None:
            await self.ensure_thread(channel_id, thread_id, "Answers")
            target = thread_id
        sent = [await self.send(target, part) for part in render_message(message)]
        if thread_id is None and is_question(message):
            await self.ensure_thread(channel_id, sent[0], thread_name(message))
        return sent[0]

    async def ensure_thread(self, parent_id: str, message_id: str, name: str) -> None:
        """The thread of a message, created on first use; one that exists already is fine."""
        if message_id in self.thread_parents:
            return
        lock = self._thread_locks.setdefault(message_id, asyncio.Lock())
        async with lock:
            if message_id not in self.thread_parents:
                await self.logged_in.wait()
                try:
                    await self.client.http.start_thread_with_message(
                        int(parent_id), int(message_id), name=name, auto_archive_duration=THREAD_ARCHIVE_MINUTES
                    )
                except discord.HTTPException as error:
                    if error.code != THREAD_ALREADY_EXISTS:
                        raise
                self._remember(self.thread_parents, message_id, parent_id)
        self._thread_locks.pop(message_id, None)

    async def notify(self, tenant: str, channel_id: str, user_id: str, message: Message, direct: bool) -> None:
        await self.direct(user_id, message)

    async def direct(self, user_id: str, message: Message) -> bool:
        """Send a direct message; False if the person does not accept them."""
        try:
            channel_id = self._dm_channels.get(user_id)
            if channel_id is None:
                await self.logged_in.wait()
                data = await self.client.http.start_private_message(int(user_id))
                channel_id = str(data["id"])
                self._remember(self._dm_channels, user_id, channel_id)
            for part in render_message(message):
                await self.send(channel_id, part)
        except discord.Forbidden as error:
            log.info("user %s does not accept direct messages (%s)", user_id, error.code)
            return False
        return True

    @staticmethod
    def _remember(table: OrderedDict[str, str], key: str, value: str) -> None:
        table[key] = value
        table.move_to_end(key)
        while len(table) > REMEMBERED:
            table.popitem(last=False)
