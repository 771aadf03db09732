"""Delivery on Discord: a row sent twice (a crash after the send, before its record) makes one
message, because every send carries the row's key as its `nonce` with `enforce_nonce`; and
the adapter installs Discord's pacing for delivery."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from bot.adapters.discord.client import MockpanelClient
from bot.adapters.discord.config import DiscordSettings
from bot.core.banks import Library
from bot.core.delivery import Delivery
from bot.core.messages import Message, Post
from bot.core.ports import Store
from tests.fakes.discord_env import DiscordEnv


class CrashBeforeRecord:
    """The store as delivery sees it, dying (as a kill -9 would) on its first transaction:
    the one that records a sent post."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self.crashed = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[Store]:
        if not self.crashed:
            self.crashed = True
            raise ConnectionAbortedError("the process died before recording the send")
        async with self._store.transaction() as tx:
            yield tx


def posted(env: DiscordEnv, text: str) -> list[dict[str, Any]]:
    return [m for m in env.fake.channel_messages(env.channel) if m["content"] == text]


async def test_the_same_key_twice_posts_one_message(tmp_path: Path, library: Library) -> None:
    async with DiscordEnv.running(tmp_path, library) as env:
        message = Message(text="Rating open for question 1.")
        first = await env.client.outbox.post(env.tenant, env.channel, message, key="mp41")
        again = await env.client.outbox.post(env.tenant, env.channel, message, key="mp41")
        assert again == first and len(posted(env, message.text)) == 1
        sends = env.fake.calls_to("POST", rf"/channels/{env.channel}/messages")
        assert [c.body.get("enforce_nonce") for c in sends] == [True, True]  # discord.py enforces it
        other = await env.client.outbox.post(env.tenant, env.channel, message, key="mp42")
        assert other != first and len(posted(env, message.text)) == 2  # another row is another post


async def test_a_row_sent_again_after_a_crash_leaves_one_message(tmp_path: Path, library: Library) -> None:
    async with DiscordEnv.running(tmp_path, library) as env:
        store = env.runtime.store
        text = "Results for question 1"
        await store.add_outbox(env.tenant, [("post", Post(env.channel, Message(text=text), ref="t:results"), None)],
                               env.clock.now())  # fmt: skip
        crashing = CrashBeforeRecord(store)
        before_restart = Delivery(crashing, env.client.outbox, env.clock)  # type: ignore[arg-type]
        with contextlib.suppress(ConnectionAbortedError):
            await before_restart.run_due()
        assert crashing.crashed and len(posted(env, text)) == 1  # out, but not marked sent
        assert await store.message_for_ref(env.tenant, "t:results") is None

        after_restart = Delivery(store, env.client.outbox, env.clock)
        await after_restart.run_due()
        [message] = posted(env, text)  # sent twice, shown once
        assert len(env.fake.calls_to("POST", rf"/channels/{env.channel}/messages")) == 2
        assert await store.message_for_ref(env.tenant, "t:results") == message["id"]
        assert not await store.pending_outbox(env.clock.now())


async def test_delivery_paces_discord_channels(tmp_path: Path, library: Library) -> None:
    async with DiscordEnv.running(tmp_path, library) as env:
        pacers = env.runtime.dispatcher.delivery.pacers
        assert pacers["discord"] is env.client.pacer and env.client.pacer.rate == 0  # the tests' unpaced one
        default = MockpanelClient(env.runtime.dispatcher, DiscordSettings(token="unused"))
        assert pacers["discord"] is default.pacer  # what `mockpanel run discord` builds
        assert (default.pacer.rate, default.pacer.burst) == (1.0, 5)  # 5 per 5 s per channel
