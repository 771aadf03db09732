"""The discord.py client: intents, the gateway taps, command sync and event handling.

Every gateway dispatch goes through discord.py's own parser first (its cache stays right),
then a tap hands the raw payload to `translate`, with the dispatch's session and sequence
number. Reactions are read from the raw MESSAGE_REACTION_ADD/REMOVE dispatches (what
`on_raw_reaction_add` reports), so they count on messages long gone from any cache, and their
event id is the dispatch's "<session>:<seq>": a dispatch replayed after a RESUME is the same
event and counts once. A fresh session (READY) triggers `catchup` (thread replies in open
questions of the day) and then `reconcile` (ratings on open answers).

Reactions carry no time, so a rating change's order (for "the latest counts") is its place
in the gateway's stream: one connection delivers in order, so (session epoch, sequence, 0),
the epoch being when this process first saw the session (later sessions sort later). The
reconciler's read-back after a fresh session is (epoch, sequence when it read, 1): newer than
every dispatch it had seen, older than any after.

Sharded (`ShardedMockpanelClient`, bot/adapters/discord/sharded.py), every shard has its own
session, so all of this holds per shard: a dispatch's session and sequence are those of the
connection that delivered it, and a shard's fresh session reconciles only the guilds its
READY lists, which are that shard's.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from typing import Any

import discord

from bot import metrics
from bot.adapters.discord import translate
from bot.adapters.discord.catchup import ThreadCatchup
from bot.adapters.discord.config import DiscordSettings
from bot.adapters.discord.interactions import InteractionHandler
from bot.adapters.discord.outbox import DiscordOutbox
from bot.adapters.discord.reconcile import Reconciler
from bot.adapters.discord.shards import ShardPlan
from bot.adapters.discord.sync import CommandSync
from bot.adapters.discord.work import Work
from bot.core.dispatcher import Dispatcher
from bot.core.events import Event, MessagePosted
from bot.core.flows.context import Public, Reply
from bot.core.messages import Message
from bot.core.pacing import Pacer

log = logging.getLogger(__name__)

Handler = Callable[[Mapping[str, Any], str, int], Coroutine[Any, Any, None]]
REMEMBERED = 10_000
NO_CONTENT_HINT = (
    "Tip: I can't read messages in threads on this server, so to **answer** a question press its "
    "**Answer** button (or use `/mock answer`). Follow-ups and chat in the thread are fine."
)


def intents(message_content: bool) -> discord.Intents:
    """Guilds (channels, threads, roles), guild messages (thread replies) and reactions.
    Message content is privileged: asked for only when the application has it enabled."""
    wanted = discord.Intents.none()
    wanted.guilds = True
    wanted.guild_messages = True
    wanted.guild_reactions = True
    wanted.message_content = message_content
    return wanted


def channel_pacer() -> Pacer:
    """Discord lets a bot post five messages per five seconds in a channel."""
    return Pacer(rate=1.0, burst=5)


class MockpanelClient(discord.Client):
    plan: ShardPlan | None = None  # None: one connection, no sharding
    max_concurrency = 1  # IDENTIFY buckets; the sharded client on a shared store asks Discord

    def __init__(
        self, dispatcher: Dispatcher, settings: DiscordSettings, pacer: Pacer | None = None, **options: Any
    ) -> None:
        super().__init__(
            intents=intents(settings.message_content == "on"),
            allowed_mentions=discord.AllowedMentions.none(),
            max_messages=None,  # reactions and replies are read from raw payloads, not a cache
            member_cache_flags=discord.MemberCacheFlags.none(),
            chunk_guilds_at_startup=False,
            guild_ready_timeout=settings.guild_ready_timeout,
            http_trace=metrics.discord_trace(),  # REST calls, errors and 429s in /metrics
            **options,
        )
        self.dispatcher = dispatcher
        self.settings = settings
        self.outbox = DiscordOutbox(self)
        # Delivery paces posts per channel before they reach discord.py, so a burst of rows
        # (a results post, then the next question) waits its turn instead of collecting 429s.
        self.pacer = pacer if pacer is not None else channel_pacer()
        dispatcher.delivery.pacers["discord"] = self.pacer
        self.interactions = InteractionHandler(self, dispatcher, self.outbox, self.guild_info, settings.ack_deadline)
        self.errors: deque[BaseException] = deque(maxlen=100)  # the latest, for health checks and tests
        self.work = Work(on_error=self.errors.append)
        self.synced: set[str] = set()  # guilds whose /mock this process has checked
        self.sync_calls = 0  # bulk overwrites this process sent
        self.command_sync = CommandSync(self.http, dispatcher.store, dispatcher.clock)
        self.reconciled = 0
        self._identified: set[int | None] = set()  # shards (None: unsharded) that have IDENTIFYed
        self._parents: OrderedDict[str, str | None] = OrderedDict()
        self._hinted: OrderedDict[str, None] = OrderedDict()
        self._epochs: dict[str, int] = {}  # gateway session id -> when first seen (ms), increasing
        self._gateway_handlers: dict[str, tuple[Callable[[Mapping[str, Any]], str | None], Handler]] = {
            "READY": (lambda d: None, self._on_ready_dispatch),
            "GUILD_CREATE": (lambda d: None, self._on_guild_available),
            "GUILD_DELETE": (lambda d: None, self._on_guild_removed),
            "MESSAGE_CREATE": (lambda d: str(d.get("id")), self._on_message),
            "MESSAGE_UPDATE": (lambda d: str(d.get("id")), self._on_edit),
            "MESSAGE_DELETE": (lambda d: str(d.get("id")), self._on_delete),
            "MESSAGE_REACTION_ADD": (lambda d: str(d.get("message_id")), self._on_reaction_add),
            "MESSAGE_REACTION_REMOVE": (lambda d: str(d.get("message_id")), self._on_reaction_remove),
            "INTERACTION_CREATE": (lambda d: None, self._on_interaction),
        }
        parsers = self._connection.parsers
        for name, original in list(parsers.items()):
            parsers[name] = self._tap(name, original)

    # --- wiring ----------------------------------------------------------------------------

    @property
    def message_content(self) -> bool:
        return self._connection.intents.message_content

    async def setup_hook(self) -> None:
        self.outbox.logged_in.set()
        if self.settings.message_content == "auto" and self.application is not None:
            flags = self.application.flags
            enabled = flags.gateway_message_content or flags.gateway_message_content_limited
            self._connection._intents.message_content = enabled  # before the first IDENTIFY
        log.info("message content intent: %s", "on" if self.message_content else "off (answers via the Answer button)")
        if self.settings.sync == "global" and (self.plan is None or self.plan.runs_first):
            await self.sync_global()  # one process does it: the one that runs shard 0

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """Discord accepts one IDENTIFY per 5 seconds per bucket (`shard % max_concurrency`) and
        answers the excess with an Invalid Session. discord.py calls this before each IDENTIFY
        (`initial` only for this process's first) and spaces its own; processes sharing the
        database also pass the bucket's gate there, which each IDENTIFY holds `identify_delay`
        seconds, so IDENTIFYs from every process are spaced, a shard's first one included."""
        delay = self.settings.identify_delay
        again = shard_id in self._identified  # a lost session: Discord asks for a pause first
        self._identified.add(shard_id)
        store = self.dispatcher.store
        # Alone, the pause between this process's own IDENTIFYs is discord.py's. Shared, the
        # gate does that spacing, and shards of different buckets need not wait for each other.
        paused = again or (not initial and not store.shared)
        if paused and delay > 0:
            await asyncio.sleep(delay)
        if not store.shared:
            return
        bucket = (shard_id or 0) % self.max_concurrency
        try:
            await store.pass_gate(f"discord:identify:{self.application_id or 0}:{bucket}", delay)
        except ConnectionError as exc:  # the database is down: Discord's refusals are the worst case
            log.warning("identifying without the database's IDENTIFY gate: %s", exc)
            if not paused and not initial and delay > 0:
                await asyncio.sleep(delay)

    async def on_error(self, event_method: str, /, *args: Any, **kwargs: Any) -> None:
        error = sys.exc_info()[1]
        log.exception("error in %s", event_method)
        if error is not None:
            self.errors.append(error)

    def gateway_order(self, session: str, seq: int, read_back: bool = False) -> tuple[int, int, int]:
        """Where a dispatch (or a read-back after it) stands in the gateway's order."""
        epoch = self._epochs.get(session)
        if epoch is None:
            latest = max(self._epochs.values(), default=0)
            epoch = self._epochs[session] = max(time.time_ns() // 1_000_000, latest + 1)
        return epoch, seq, int(read_back)

    def _read_back_order(self, session: str) -> tuple[int, int, int]:
        return self.gateway_order(session, self.work.latest(session), read_back=True)

    def connected(self) -> bool:
        """The gateway's socket is open (False before the first connect)."""
        return self.ws is not None and self.ws.open and not self.is_closed()

    def dispatch_socket(self, name: str, data: Any) -> discord.gateway.DiscordWebSocket | None:
        """The connection a dispatch is arriving on (its session id and sequence are set
        before discord.py parses it). One connection here; one per shard when sharded."""
        return self.ws

    def _tap(self, name: str, original: Callable[[Any], None]) -> Callable[[Any], None]:
        def parse(data: Any) -> None:
            ws = self.dispatch_socket(name, data) if isinstance(data, dict) else None
            session, seq = (ws.session_id or "", ws.sequence or 0) if ws is not None else ("", 0)
            try:
                original(data)
            finally:
                self.work.seen(session, seq)
                handler = self._gateway_handlers.get(name)
                if handler is not None and isinstance(data, dict):
                    key_of, handle = handler
                    self.work.submit(key_of(data), session, seq, handle(data, session, seq))

        return parse

    async def sync_guild(self, guild_id: str) -> None:
        assert self.application_id is not None
        self.sync_calls += await self.command_sync.guild(self.application_id, guild_id)
        self.synced.add(guild_id)

    async def sync_global(self) -> None:
        assert self.application_id is not None
        self.sync_calls += await self.command_sync.global_(self.application_id)

    def guild_info(self, guild_id: str) -> translate.GuildInfo:
        guild = self.get_guild(int(guild_id)) if guild_id.isdigit() else None
        if guild is None:
            return translate.GuildInfo(guild_id)
        return translate.GuildInfo(
            guild_id,
            owner_id=str(guild.owner_id) if guild.owner_id else None,
            role_permissions={str(r.id): r.permissions.value for r in guild.roles},
        )

    async def parent_of(self, channel_id: str, fetch: bool = True) -> str | None:
        """The parent channel when `channel_id` is a thread, else None."""
        if channel_id in self.outbox.thread_parents:
            return self.outbox.thread_parents[channel_id]
        if channel_id in self._parents:
            return self._parents[channel_id]
        channel: Any = self.get_channel(int(channel_id))
        if channel is None and not fetch:
            return None
        if channel is None:
            try:
                channel = await self.fetch_channel(int(channel_id))
            except discord.HTTPException:
                return None
        parent = str(channel.parent_id) if isinstance(channel, discord.Thread) else None
        self._parents[channel_id] = parent
        while len(self._parents) > REMEMBERED:
            self._parents.popitem(last=False)
        return parent

    # --- handlers (each gets the raw payload and the dispatch's session and sequence) ----------

    async def _on_ready_dispatch(self, data: Mapping[str, Any], session: str, seq: int) -> None:
        reconciler = Reconciler(self.http, self.dispatcher, session, order=lambda: self._read_back_order(session))
        catchup = ThreadCatchup(self.http, self.dispatcher.store, str(self.user.id) if self.user else "", self._handle)
        for guild in data.get("guilds", []):
            await catchup.guild(self.guild_info(str(guild["id"])), self._serially)  # answers first ...
            await reconciler.guild(str(guild["id"]), self._serially)  # ... then ratings, theirs included
        self.reconciled += reconciler.fixed
        if reconciler.fixed:
            log.info("reconciled %d rating(s) after a new gateway session", reconciler.fixed)

    async def _serially(self, key: str, job: Callable[[], Awaitable[None]]) -> None:
        """Run a reconcile step behind any live event on the same message, and wait for it."""
        finished: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        async def step() -> None:
            try:
                await job()
            finally:
                if not finished.done():
                    finished.set_result(None)

        self.work.submit(key, "reconcile", 0, step())
        await finished

    async def _on_guild_available(self, data: Mapping[str, Any], session: str, seq: int) -> None:
        guild_id = str(data.get("id"))
        if self.settings.sync == "guild" and not data.get("unavailable") and guild_id not in self.synced:
            await self.sync_guild(guild_id)

    async def _on_guild_removed(self, data: Mapping[str, Any], session: str, seq: int) -> None:
        if not data.get("unavailable"):  # removed from the guild, not an outage
            guild_id = str(data.get("id"))
            self.synced.discard(guild_id)
            await self.command_sync.forget(guild_id)

    async def _on_message(self, data: Mapping[str, Any], session: str, seq: int) -> None:
        if not data.get("guild_id"):
            return
        parent = await self.parent_of(str(data["channel_id"]))
        if parent is None:
            return  # only replies in threads can be answers
        guild = self.guild_info(str(data["guild_id"]))
        bot_id = str(self.user.id) if self.user else ""
        event = translate.message_posted(data, parent_id=parent, bot_user_id=bot_id, guild=guild)
        if event is not None and not event.text and not self.message_content and not event.user.is_bot:
            await self._hint(event)
            return
        await self._handle(event)

    async def _hint(self, event: MessagePosted) -> None:
        """Without the message-content intent a reply in a question's thread reads as blank:
        tell its author, once, how to answer instead."""
        if event.user.user_id in self._hinted or event.thread_id is None:
            return
        if await self.dispatcher.store.post_by_message(event.tenant, event.thread_id) is None:
            return  # not a thread of ours
        self._hinted[event.user.user_id] = None
        while len(self._hinted) > REMEMBERED:
            self._hinted.popitem(last=False)
        await self.outbox.direct(event.user.user_id, Message(text=NO_CONTENT_HINT))

    async def _on_edit(self, data: Mapping[str, Any], session: str, seq: int) -> None:
        if not data.get("guild_id") or not data.get("content"):
            return
        parent = await self.parent_of(str(data["channel_id"]))
        if parent is None:
            return
        guild = self.guild_info(str(data["guild_id"]))
        bot_id = str(self.user.id) if self.user else ""
        await self._handle(translate.message_edited(data, parent_id=parent, bot_user_id=bot_id, guild=guild))

    async def _on_delete(self, data: Mapping[str, Any], session: str, seq: int) -> None:
        parent = await self.parent_of(str(data.get("channel_id")), fetch=False)
        if parent is not None:  # answers live in question threads
            await self._handle(translate.message_deleted(data, parent_id=parent))

    async def _on_reaction_add(self, data: Mapping[str, Any], session: str, seq: int) -> None:
        await self._reaction(data, session, seq, added=True)

    async def _on_reaction_remove(self, data: Mapping[str, Any], session: str, seq: int) -> None:
        await self._reaction(data, session, seq, added=False)

    async def _reaction(self, data: Mapping[str, Any], session: str, seq: int, added: bool) -> None:
        if self.user is not None and str(data.get("user_id")) == str(self.user.id):
            return
        parent = await self.parent_of(str(data.get("channel_id")))
        if parent is None or not data.get("guild_id"):
            return  # answers live in question threads: reactions elsewhere are just reactions
        guild = self.guild_info(str(data["guild_id"]))
        event = translate.reaction(
            data,
            event_id=f"gw:{session}:{seq}",
            added=added,
            parent_id=parent,
            guild=guild,
            order=self.gateway_order(session, seq),
        )
        await self._handle(event)

    async def _on_interaction(self, data: Mapping[str, Any], session: str, seq: int) -> None:
        interaction: discord.Interaction[Any] = discord.Interaction(data=data, state=self._connection)  # type: ignore[arg-type]
        await self.interactions.handle(interaction, data)

    async def _handle(self, event: Event | None) -> None:
        """Hand an event to the core; what it says back privately goes by direct message."""
        if event is None:
            return
        replies = await self.dispatcher.handle(event)
        await self._tell(event.user.user_id, replies)

    async def _tell(self, user_id: str, replies: list[Reply]) -> None:
        for reply in replies:
            if isinstance(reply, Message):
                await self.outbox.direct(user_id, reply)
            elif isinstance(reply, Public):
                log.warning("a public reply to a gateway event was dropped")
