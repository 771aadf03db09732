"""A whole core on a real SQLite file with a fake clock and a recording outbox: tests speak
as users (`h.command("alice", "group start")`) and read what was posted."""

from __future__ import annotations

import itertools
import uuid
from datetime import timedelta
from typing import Any

from bot.core.banks import Library
from bot.core.clock import FakeClock
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
from bot.core.flows.context import Libraries, Reply
from bot.core.messages import Message
from bot.core.rounds.ratings import DEFAULT_RATING_EMOJI
from bot.core.scheduler import Scheduler
from bot.storage.sqlite import SqliteStore
from tests.fakes.outbox import RecordingOutbox

TENANT = "test:community"
CHANNEL = "c1"


class Harness:
    def __init__(self, store: SqliteStore, library: Library, clock: FakeClock, tenant: str = TENANT) -> None:
        self.store = store
        self.clock = clock
        self.outbox = RecordingOutbox()
        self.dispatcher = Dispatcher(store, self.outbox, Libraries(library, store), clock)
        self.scheduler = Scheduler(store, self.dispatcher, clock)
        self.tenant = tenant
        self.organisers = {"coach"}
        self._ids = itertools.count(1)
        self._prefix = uuid.uuid4().hex[:8]  # two harnesses on one store never share event ids

    def actor(self, user: str, **kw: Any) -> Actor:
        return Actor(user_id=user, display_name=user.title(), is_organiser=user in self.organisers, **kw)

    def _base(self, user: str | Actor, channel: str = CHANNEL) -> dict[str, Any]:
        who = user if isinstance(user, Actor) else self.actor(user)
        return {
            "event_id": f"{self._prefix}-e{next(self._ids)}",
            "tenant": self.tenant,
            "channel_id": channel,
            "user": who,
        }

    async def send(self, event: Event) -> list[Reply]:
        return await self.dispatcher.handle(event)

    async def command(
        self, user: str | Actor, text: str, channel: str = CHANNEL, attachment: str | None = None
    ) -> list[Reply]:
        # Like a platform, resolve `@name` mentions to members (ids here are the lower-case names).
        mentions = {w[1:]: w[1:].title() for w in text.split() if w.startswith("@") and w[1:].isalnum()}
        return await self.send(
            CommandInvoked(text=text, attachment=attachment, mentions=mentions, **self._base(user, channel))
        )

    async def reply(self, user: str | Actor, thread_id: str, text: str, channel: str = CHANNEL) -> str:
        """Post in a thread, as a platform would: the message gets an id, then the event."""
        message_id = f"u{next(self._ids)}"
        await self.send(
            MessagePosted(message_id=message_id, text=text, thread_id=thread_id, **self._base(user, channel))
        )
        return message_id

    async def react(
        self, user: str | Actor, message_id: str, score: int, remove: bool = False, channel: str = CHANNEL
    ) -> list[Reply]:
        kind = ReactionRemoved if remove else ReactionAdded
        emoji = DEFAULT_RATING_EMOJI[score - 1]
        return await self.send(kind(message_id=message_id, emoji=emoji, **self._base(user, channel)))

    async def press(self, user: str | Actor, action: str, value: str = "") -> list[Reply]:
        return await self.send(ButtonPressed(action=action, value=value, **self._base(user)))

    async def submit(self, user: str | Actor, form: str, value: str, **fields: str) -> list[Reply]:
        return await self.send(FormSubmitted(form=form, value=value, fields=fields, **self._base(user)))

    async def advance(self, **delta: float) -> int:
        self.clock.advance(timedelta(**delta))
        return await self.scheduler.run_due()

    def question_posts(self) -> list[str]:
        return [p.message_id for p in self.outbox.posts if (p.message.title or "").startswith(("Question", "Practice"))]


def text_of(replies: list[Reply]) -> str:
    parts = []
    for reply in replies:
        message = getattr(reply, "message", reply)
        if isinstance(message, Message):
            fields = " ".join(f"{f.name}: {f.value}" for f in message.fields)
            parts.append(f"{message.title or ''} {message.text} {fields} {message.footer or ''}")
    return "\n".join(parts)
