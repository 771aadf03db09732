"""The whole Discord stack for end-to-end tests: the fake Discord, the real discord.py client
inside mockpanel's adapter, the real core and a SQLite file, with a fake clock for timers.

`async with DiscordEnv.running(tmp_path, library) as env:` gives a server "Study Group" owned
by Coach (an organiser: owners have Manage Server) with members Alice, Bob, Chen, Dara and Eve
and a channel #interviews. Each action waits until the bot has fully handled it.

With `shards=N` the client runs N shards in this process and a second server, "Night Owls"
(the same people, channel #interviews), sits on shard 1 while "Study Group" is on shard 0;
`env.in_guild(guild)` acts there.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
from collections.abc import AsyncIterator, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import discord
from discord.gateway import DiscordWebSocket

from bot.adapters.discord.client import MockpanelClient
from bot.adapters.discord.config import DiscordSettings
from bot.adapters.discord.main import use_endpoints
from bot.adapters.discord.sharded import make_client
from bot.adapters.discord.shards import ShardPlan
from bot.adapters.routing import RoutingOutbox
from bot.config import Settings
from bot.core.banks import Library
from bot.core.clock import FakeClock
from bot.core.pacing import unpaced
from bot.core.rounds.ratings import DEFAULT_RATING_EMOJI
from bot.runtime import Runtime, build
from tests.fakes import discord_model as model
from tests.fakes import discord_users as users
from tests.fakes.discord_fake import FakeDiscord, FakeInteraction
from tests.fakes.discord_gateway import Mark

START = datetime(2026, 3, 2, 8, 55, tzinfo=UTC)  # a Monday
PEOPLE = ("Alice", "Bob", "Chen", "Dara", "Eve")


class DiscordEnv:
    def __init__(
        self, fake: FakeDiscord, runtime: Runtime, client: MockpanelClient, clock: FakeClock, shards: int = 1
    ) -> None:
        self.fake = fake
        self.runtime = runtime
        self.client = client
        self.clock = clock
        self.shards = shards
        self._use(next(iter(fake.guilds.values())))

    def _use(self, guild: model.Guild) -> None:
        self.guild = guild
        self.channel = next(c for c in self.guild.channels if c["type"] == 0)["id"]
        self.tenant = f"discord:{self.guild.id}"

    def in_guild(self, guild: model.Guild) -> DiscordEnv:
        """The same bot and people, acting in another server."""
        view = copy.copy(self)
        view._use(guild)
        return view

    @classmethod
    @contextlib.asynccontextmanager
    async def running(
        cls,
        tmp_path: Path,
        library: Library,
        *,
        message_content: bool = False,
        ack_deadline: float = 2.0,
        shards: int | None = None,
    ) -> AsyncIterator[DiscordEnv]:
        fake = FakeDiscord(message_content=message_content)
        await fake.start()
        coach = model.user("Coach")
        people = [model.user(name) for name in PEOPLE]
        names = ["Study Group", "Night Owls"] if shards is not None and shards > 1 else ["Study Group"]
        for shard, name in enumerate(names):
            guild = fake.add_guild(name, coach, shard=(shard, shards) if shards is not None else None)
            fake.add_channel(guild, "interviews")
            for person in people:
                fake.add_member(guild, person)
        saved = (discord.http.Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)
        use_endpoints(DiscordSettings(api_base=fake.api_base, gateway_url=fake.gateway_url))
        clock = FakeClock(START)
        routing = RoutingOutbox()
        runtime = await build(Settings(db=str(tmp_path / "discord.db")), routing, clock, library)
        settings = DiscordSettings(
            token=fake.token, guild_ready_timeout=0.05, identify_delay=0, ack_deadline=ack_deadline
        )
        plan = ShardPlan(count=shards) if shards is not None else None
        client = make_client(runtime.dispatcher, settings, plan, pacer=unpaced())  # tests never wait on real time
        routing.register("discord", client.outbox)
        try:
            async with client_running(fake, client, range(shards or 1)):
                yield cls(fake, runtime, client, clock, shards or 1)
        finally:
            await runtime.close()
            await fake.close()
            discord.http.Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = saved

    async def connected(self) -> None:
        """Wait until every shard's latest READY (or RESUMED) and all it started have been handled."""
        await wait_connected(self.fake, self.client, range(self.shards))

    # --- people -------------------------------------------------------------------------------

    def who(self, name: str) -> dict[str, Any]:
        return next(u for u in self.fake.users.values() if u["global_name"].lower() == name.lower())

    def uid(self, name: str) -> str:
        return str(self.who(name)["id"])

    async def settle(self, mark: Mark | None, timeout: float = 10.0) -> None:
        """Wait until the bot has handled this dispatch (not while the connection is down)."""
        if mark is not None and self.fake.gateway.delivering(mark):
            await self.client.work.wait(lambda: self.client.work.settled(*mark), timeout)

    async def command(self, name: str, path: str, channel: str | None = None, **options: Any) -> FakeInteraction:
        resolved = options.pop("_resolved", None)
        interaction, mark = await users.command(
            self.fake, self.guild, channel or self.channel, self.who(name), path, options, resolved
        )
        await self.settle(mark)
        return interaction

    async def press(self, name: str, message: dict[str, Any], custom_id: str) -> FakeInteraction:
        interaction, mark = await users.press(self.fake, self.guild, self.who(name), message, custom_id)
        await self.settle(mark)
        return interaction

    async def press_in_dm(self, name: str, message: dict[str, Any], custom_id: str) -> FakeInteraction:
        interaction, mark = await users.press_in_dm(self.fake, self.who(name), message, custom_id)
        await self.settle(mark)
        return interaction

    async def submit(self, name: str, opened: FakeInteraction, **values: str) -> FakeInteraction:
        assert opened.response_type == 9, f"no form was opened: {opened.response}"
        assert opened.response is not None
        channel = str(opened.payload["channel_id"])
        interaction, mark = await users.submit(self.fake, self.guild, self.who(name), channel, opened.response, values)
        await self.settle(mark)
        return interaction

    async def say(self, name: str, channel_id: str, text: str) -> dict[str, Any]:
        message, mark = await users.say(self.fake, self.guild, self.who(name), channel_id, text)
        await self.settle(mark)
        return message

    async def react(self, name: str, message_id: str, score: int | str, remove: bool = False) -> Mark | None:
        emoji = DEFAULT_RATING_EMOJI[score - 1] if isinstance(score, int) else score
        mark = await users.react(self.fake, self.guild, self.who(name), message_id, emoji, remove)
        await self.settle(mark)
        return mark

    async def advance(self, **delta: float) -> int:
        """Move the clock on and fire the timers that are due, as the scheduler loop would."""
        self.clock.advance(timedelta(**delta))
        return await self.runtime.scheduler.run_due()

    # --- what people see -------------------------------------------------------------------------

    def titled(self, prefix: str) -> list[dict[str, Any]]:
        """Public bot messages whose first embed title starts with `prefix`, oldest first."""
        return [
            m
            for m in self.fake.messages.values()
            if not m["flags"] & model.EPHEMERAL
            and m["author"]["id"] == self.fake.bot["id"]
            and m["embeds"]
            and (m["embeds"][0].get("title") or "").startswith(prefix)
        ]

    def last(self, prefix: str) -> dict[str, Any]:
        found = self.titled(prefix)
        assert found, f"no message titled {prefix!r}"
        return found[-1]

    def thread(self, message_id: str) -> list[dict[str, Any]]:
        return self.fake.channel_messages(message_id)

    @staticmethod
    def text(message: dict[str, Any]) -> str:
        return model.text_of(message)

    @staticmethod
    def said(interaction: FakeInteraction) -> str:
        """Everything the person saw in reply to an interaction."""
        return "\n".join(model.text_of(m) for m in interaction.messages())

    def attachment(self, interaction: FakeInteraction) -> str:
        """The text of the file attached to a reply."""
        files = [a for m in interaction.messages() for a in m["attachments"]]
        assert files, "no file was attached"
        return self.fake.files[files[0]["id"]].decode("utf-8")

    def button(self, message: dict[str, Any], action: str) -> str:
        found = [c for c in model.custom_ids(message) if c.split(":")[1] == action]
        assert found, f"no {action} button on the message"
        return found[0]


async def wait_connected(
    fake: FakeDiscord, client: MockpanelClient, shards: Iterable[int], task: asyncio.Task[None] | None = None
) -> None:
    """Wait until these shards' latest READY (or RESUMED) and all it started have been handled."""
    shards = list(shards)
    waiter = asyncio.ensure_future(asyncio.gather(*(fake.gateway.wait_handshake(s) for s in shards)))
    watched = {waiter} | ({task} if task is not None else set())
    done, _ = await asyncio.wait(watched, timeout=10, return_when=asyncio.FIRST_COMPLETED)
    if waiter not in done:
        waiter.cancel()
        if task is not None and task.done():
            task.result()  # the client gave up: raise why
        raise TimeoutError("the client never completed the gateway handshake")
    marks = [fake.gateway.slot(s).handshake for s in shards]
    await client.work.wait(lambda: all(m is None or client.work.settled(*m) for m in marks), 10)


@contextlib.asynccontextmanager
async def client_running(fake: FakeDiscord, client: MockpanelClient, shards: Iterable[int]) -> AsyncIterator[None]:
    """The client connected to the fake with these shards until the block ends; then closed,
    with no error left inside the adapter."""
    shards = list(shards)
    assert not any(fake.gateway.slot(s).handshaken.is_set() for s in shards), "a shard is still connected"
    task = asyncio.create_task(client.start(fake.token))
    try:
        await wait_connected(fake, client, shards, task)
        yield
    finally:
        await client.close()
        with contextlib.suppress(BaseException):
            await asyncio.wait_for(task, 5)
        await client.work.cancel()
    assert not client.errors, f"errors inside the adapter: {client.errors!r}"
