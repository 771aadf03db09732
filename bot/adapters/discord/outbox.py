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
from collections.abc import Awaitable, Callable
from typing import Any, Literal, TypeVar

import aiohttp
import discord

from bot.adapters.discord.render import Outgoing, is_question, render_message, thread_name
from bot.core.errors import SendLater, SendRefused, in_delivery_terms
from bot.core.messages import Message, Notify

log = logging.getLogger(__name__)

THREAD_ALREADY_EXISTS = 160004
THREAD_ARCHIVE_MINUTES: Literal[60, 1440, 4320, 10080] = 1440
REMEMBERED = 10_000
T = TypeVar("T")


def classified(error: BaseException) -> BaseException:
    """Delivery's view of a failed call: try later (429, 5xx, no connection) or never (no
    access, unknown channel, a request Discord rejects as it stands)."""
    if isinstance(error, discord.HTTPException):
        if error.status == 429 or error.status >= 500:
            retry_after = error.response.headers.get("Retry-After") if error.response is not None else None
            return SendLater(f"Discord {error.status}", float(retry_after) if retry_after else None)
        return SendRefused(f"Discord said {error.status} ({error.text or 'no reason given'})")
    if isinstance(error, aiohttp.ClientError | OSError | TimeoutError):
        return SendLater(f"no connection to Discord ({type(error).__name__})")
    return error


async def delivering(call: Callable[[], Awaitable[T]]) -> T:
    return await in_delivery_terms(call, classified)


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
        kwargs["file"] = discord.File(io.BytesIO(part.file.data), filename=part.file.filename)
    return kwargs


class DiscordOutbox:
    def __init__(self, client: discord.Client) -> None:
        self.client = client
        self.thread_parents: OrderedDict[str, str] = OrderedDict()  # thread id -> parent channel id
        self._dm_channels: OrderedDict[str, str] = OrderedDict()
        self._thread_locks: dict[str, asyncio.Lock] = {}
        self.logged_in = asyncio.Event()  # timers due at start-up wait for the login, not fail

    async def send(self, channel_id: str, part: Outgoing, nonce: str | None = None) -> str:
        """With a nonce, Discord enforces it: the same nonce again returns the first message
        instead of posting a second (a delivery re-sent after a crash)."""
        await self.logged_in.wait()
        channel = self.client.get_partial_messageable(int(channel_id))
        kwargs = send_kwargs(part)
        if nonce is not None:
            kwargs["nonce"] = nonce
        sent = await channel.send(**kwargs)
        return str(sent.id)

    async def post(
        self, tenant: str, channel_id: str, message: Message, thread_id: str | None = None, *, key: str | None = None
    ) -> str:
        return await delivering(lambda: self._post(channel_id, message, thread_id, key))

    async def _post(self, channel_id: str, message: Message, thread_id: str | None, key: str | None) -> str:
        target = channel_id
        if thread_id is not None:
            await self.ensure_thread(channel_id, thread_id, "Answers")
            target = thread_id
        parts = render_message(message)
        sent = [await self.send(target, part, f"{key}.{i}" if key else None) for i, part in enumerate(parts)]
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

    async def notify(self, tenant: str, note: Notify, *, key: str | None = None) -> None:
        """Discord has no ephemeral messages outside an interaction: every note is a DM."""
        guild = tenant.partition(":")[2]  # "discord:<guild id>": a DM's buttons name their community
        await delivering(lambda: self.direct(note.user_id, note.message, key, guild=guild or None))

    async def direct(self, user_id: str, message: Message, key: str | None = None, guild: str | None = None) -> bool:
        """Send a direct message; False if the person does not accept them. `key` is the nonce
        base, as for posts, so a note re-sent after a crash is not a second message."""
        try:
            channel_id = self._dm_channels.get(user_id)
            if channel_id is None:
                await self.logged_in.wait()
                data = await self.client.http.start_private_message(int(user_id))
                channel_id = str(data["id"])
                self._remember(self._dm_channels, user_id, channel_id)
            for i, part in enumerate(render_message(message, dm_guild=guild)):
                await self.send(channel_id, part, f"{key}.{i}" if key else None)
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
