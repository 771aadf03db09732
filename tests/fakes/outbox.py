"""An in-memory Outbox that records what the core sent, for conversation tests."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.core.messages import Message, Notify, Visibility


@dataclass
class SentPost:
    message_id: str
    channel_id: str
    thread_id: str | None
    message: Message


@dataclass
class SentNote:
    channel_id: str
    user_id: str
    message: Message
    direct: bool
    thread_id: str | None = None


@dataclass
class RecordingOutbox:
    posts: list[SentPost] = field(default_factory=list)
    notes: list[SentNote] = field(default_factory=list)
    fail_next: int = 0  # make the next N posts raise, as a platform outage would
    _posted: asyncio.Event = field(default_factory=asyncio.Event)

    async def wait_until(self, condition: Callable[[], bool], timeout: float = 5.0) -> None:
        """Wait, without sleeping, until a post makes `condition` true."""

        async def watch() -> None:
            while not condition():
                self._posted.clear()
                await self._posted.wait()

        await asyncio.wait_for(watch(), timeout)

    async def post(
        self, tenant: str, channel_id: str, message: Message, thread_id: str | None = None, *, key: str | None = None
    ) -> str:
        if self.fail_next:
            self.fail_next -= 1
            raise ConnectionError("platform unavailable")
        message_id = f"p{len(self.posts) + 1}"
        self.posts.append(SentPost(message_id, channel_id, thread_id, message))
        self._posted.set()
        return message_id

    async def notify(self, tenant: str, note: Notify, *, key: str | None = None) -> None:
        direct = note.visibility is Visibility.DIRECT
        self.notes.append(SentNote(note.channel_id, note.user_id, note.message, direct, note.thread_id))

    def titled(self, prefix: str) -> list[SentPost]:
        return [p for p in self.posts if (p.message.title or "").startswith(prefix)]

    def last_titled(self, prefix: str) -> SentPost:
        found = self.titled(prefix)
        assert found, f"no post titled {prefix!r}; titles: {[p.message.title for p in self.posts]}"
        return found[-1]
