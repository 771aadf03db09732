"""The terminal adapter: one person plays several users by switching identity.

Lines: `/mock …` runs a command; `!as NAME` switches user; `!react N 1-5` rates message N;
`!unreact N 1-5`; `!reply N TEXT` answers in message N's thread; plain text answers the latest
question; `!press ACTION [VALUE]` presses a button; `!wait 5m` moves time on; `!quit`.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

from bot.adapters.console.render import render_form, render_message
from bot.core.clock import Clock, FakeClock, OffsetClock
from bot.core.dispatcher import Dispatcher
from bot.core.events import (
    Actor,
    ButtonPressed,
    CommandInvoked,
    Event,
    FormSubmitted,
    MessagePosted,
    ReactionAdded,
    ReactionRemoved,
)
from bot.core.flows.context import Public, Reply
from bot.core.messages import Form, Message
from bot.core.rounds.ratings import DEFAULT_RATING_EMOJI

E = TypeVar("E", bound=Event)
TENANT = "console:local"
CHANNEL = "general"
HELP = __doc__ or ""


@dataclass
class ConsolePost:
    message_id: str
    channel_id: str
    thread_id: str | None
    message: Message


@dataclass
class ConsoleOutbox:
    """Posts get ids m1, m2, …; everything is printed through `write`."""

    clock: Clock
    write: Callable[[str], None] = print
    posts: list[ConsolePost] = field(default_factory=list)

    async def post(
        self, tenant: str, channel_id: str, message: Message, thread_id: str | None = None, *, key: str | None = None
    ) -> str:
        message_id = f"m{len(self.posts) + 1}"
        self.posts.append(ConsolePost(message_id, channel_id, thread_id, message))
        where = f"#{channel_id}" + (f" › thread {thread_id}" if thread_id else "")
        self.write(f"\n[{message_id}] {where}\n{render_message(message, self.clock.now())}")
        return message_id

    async def notify(
        self,
        tenant: str,
        channel_id: str,
        user_id: str,
        message: Message,
        direct: bool,
        *,
        key: str | None = None,
        thread_id: str | None = None,
    ) -> None:
        self.write(f"\n(private to {user_id}) {render_message(message, self.clock.now())}")

    def latest_question(self) -> str | None:
        for post in reversed(self.posts):
            if any(b.action == "answer" for b in post.message.buttons) and post.thread_id is None:
                return post.message_id
        return None


class ConsoleSession:
    def __init__(
        self, dispatcher: Dispatcher, outbox: ConsoleOutbox, clock: Clock, organisers: tuple[str, ...] = ("you",)
    ) -> None:
        self.dispatcher = dispatcher
        self.outbox = outbox
        self.clock = clock
        self.organisers = {o.lower() for o in organisers}
        self.user = self._actor(organisers[0] if organisers else "you")
        self.counter = 0
        self.last_reply_id: str | None = None
        self.on_wait: Callable[[], Awaitable[object]] | None = None
        self.read_line: Callable[[str], str] = input
        self.save_dir = Path(".")  # where files sent to the person (a chart, an export) are saved

    def _actor(self, name: str) -> Actor:
        return Actor(user_id=name.lower(), display_name=name, is_organiser=name.lower() in self.organisers)

    def _id(self) -> str:
        self.counter += 1
        return f"console-{self.counter}"

    def _event(self, kind: type[E], **fields: Any) -> E:
        return kind(event_id=self._id(), tenant=TENANT, channel_id=CHANNEL, user=self.user, **fields)

    async def send(self, event: Event) -> list[Reply]:
        replies = await self.dispatcher.handle(event)
        for reply in replies:
            await self._show(reply, event)
        return replies

    async def _show(self, reply: Reply, event: Event) -> None:
        now = self.clock.now()
        if isinstance(reply, Public):
            self.outbox.write(f"\n[#{event.channel_id}]\n{render_message(reply.message, now)}")
        elif isinstance(reply, Form):
            await self._fill(reply, event)
        else:
            self.outbox.write(f"\n(only {self.user.display_name} sees this) {render_message(reply, now)}")
            if reply.attachment is not None:
                path = self.save_dir / Path(reply.attachment.filename).name
                path.write_bytes(reply.attachment.data)  # text as UTF-8, a chart as PNG
                self.outbox.write(f"(saved {path})")

    async def _fill(self, form: Form, event: Event) -> None:
        self.outbox.write(f"\n{render_form(form)}")
        values = {}
        for item in form.inputs:
            try:
                values[item.key] = self.read_line(f"{item.label}{'' if item.required else ' (optional)'}: ")
            except EOFError:
                return
        await self.send(self._event(FormSubmitted, form=form.form, value=form.value, fields=values))

    async def line(self, text: str) -> bool:
        """Handle one typed line; returns False when the user wants to stop."""
        text = text.strip()
        if not text:
            return True
        if text.startswith("/mock"):
            attachment = None
            words = text.split()
            if words[1:3] == ["bank", "import"] and len(words) > 3:
                attachment = Path(words[3]).read_text(encoding="utf-8")
                text = "/mock bank import"
            await self.send(self._event(CommandInvoked, text=text[5:], attachment=attachment))
        elif text in ("!quit", "!exit"):
            return False
        elif text == "!help":
            self.outbox.write(HELP)
        elif m := re.fullmatch(r"!as\s+(\S+)", text):
            self.user = self._actor(m.group(1))
            self.outbox.write(f"(you are now {self.user.display_name})")
        elif m := re.fullmatch(r"!(un)?react\s+m?(\d+)\s+(\S+)", text):
            emoji = DEFAULT_RATING_EMOJI[int(m.group(3)) - 1] if m.group(3) in "12345" else m.group(3)
            kind = ReactionRemoved if m.group(1) else ReactionAdded
            await self.send(self._event(kind, message_id=f"m{m.group(2)}", emoji=emoji))
        elif m := re.fullmatch(r"!reply\s+m?(\d+)\s+(.+)", text, re.DOTALL):
            await self._reply(f"m{m.group(1)}", m.group(2))
        elif m := re.fullmatch(r"!press\s+(\S+)\s*(\S*)", text):
            await self.send(self._event(ButtonPressed, action=m.group(1), value=m.group(2)))
        elif m := re.fullmatch(r"!wait\s+(\d+)([smh]?)", text):
            seconds = int(m.group(1)) * {"s": 1, "m": 60, "h": 3600, "": 60}[m.group(2)]
            if isinstance(self.clock, FakeClock | OffsetClock):
                self.clock.advance(timedelta(seconds=seconds))
            if self.on_wait is not None:
                await self.on_wait()
        elif text.startswith("!"):
            self.outbox.write("Unknown console command. Type !help.")
        else:
            thread = self.outbox.latest_question()
            if thread is None:
                self.outbox.write("(no question to answer yet: an organiser can /mock group start or /mock qotd post)")
            else:
                await self._reply(thread, text)
        return True

    async def _reply(self, thread_id: str, text: str) -> None:
        message_id = await self.outbox.post(
            TENANT, CHANNEL, Message(text=f"{self.user.display_name}: {text}"), thread_id
        )
        self.last_reply_id = message_id
        await self.send(self._event(MessagePosted, message_id=message_id, text=text, thread_id=thread_id))
