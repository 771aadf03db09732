"""The fake Discord's gateway: HELLO, heartbeats, IDENTIFY -> READY + GUILD_CREATE, RESUME ->
replay + RESUMED, sequence numbers and a backlog, intents (privileged ones refused with 4014,
message content blanked without the intent), and outages that end in a RESUME or a new session.

Sharding as Discord does it: IDENTIFY's `shard: [id, count]` is honoured, each guild's events
go only to the session of shard `(guild_id >> 22) % count` (and READY lists only its guilds),
everything else to shard 0; a shard out of range is refused with 4010 (invalid shard), one
session with too many guilds with 4011 (sharding required). Outages hit one shard at a time;
while one lasts, a new connection gets no HELLO (the gateway is out of reach) until it ends.

The IDENTIFY rate limit, when a test turns it on (`identify_window` seconds, 0 = off): Discord
accepts `max_concurrency` IDENTIFYs per 5 seconds, one per rate-limit bucket
`shard_id % max_concurrency` (shard 0 without sharding), counted over every connection to the
gateway, whichever process made it. An IDENTIFY that comes within the window of the previous
accepted one in its bucket is answered with op 9 Invalid Session (`d: false`), as Discord
does, and recorded in `invalidated`; it starts no session and does not move the window.
`GET /gateway/bot` reports `max_concurrency`. Off by default: the in-process tests run their
clients with `identify_delay=0` (nothing to space), and a window there would only make their
shards churn through Invalid Sessions; the tests about spacing turn it on with a short window
(well under a second), and their bots wait at least that long. `hello_together = N` holds every
connection's HELLO until N connections are open, so N clients IDENTIFY at the same moment."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

from tests.fakes import discord_model as model

if TYPE_CHECKING:
    from tests.fakes.discord_fake import FakeDiscord

Mark = tuple[str, int]  # (session id, sequence number)

INTENT_OF = {
    "MESSAGE_CREATE": model.GUILD_MESSAGES, "MESSAGE_UPDATE": model.GUILD_MESSAGES,
    "MESSAGE_DELETE": model.GUILD_MESSAGES, "MESSAGE_REACTION_ADD": model.GUILD_REACTIONS,
    "MESSAGE_REACTION_REMOVE": model.GUILD_REACTIONS, "GUILD_CREATE": model.GUILDS, "THREAD_CREATE": model.GUILDS,
}  # fmt: skip


@dataclass
class Session:
    id: str
    intents: int
    shard: tuple[int, int] | None = None  # IDENTIFY's [shard id, shard count]; None: not sharded
    seq: int = 0
    backlog: list[dict[str, Any]] = field(default_factory=list)
    ws: web.WebSocketResponse | None = None
    alive: bool = True

    @property
    def count(self) -> int:
        return self.shard[1] if self.shard is not None else 1


@dataclass
class Slot:
    """One shard's place on the gateway: its current session, whether it may connect (not
    during an outage), and its latest READY or RESUMED."""

    session: Session | None = None
    open: asyncio.Event = field(default_factory=asyncio.Event)
    handshake: Mark | None = None
    handshaken: asyncio.Event = field(default_factory=asyncio.Event)

    def __post_init__(self) -> None:
        self.open.set()


def shard_of_guild(guild_id: str, count: int) -> int:
    return (int(guild_id) >> 22) % count  # Discord's rule


class FakeGateway:
    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake
        self.session: Session | None = None  # the latest session identified or resumed
        self.sessions: dict[str, Session] = {}
        self.slots: dict[int, Slot] = {}  # shard id -> its place (0 without sharding)
        self.identifies = 0
        self.resumes = 0
        self.identified: list[tuple[int, int] | None] = []  # each accepted IDENTIFY's shard
        self.refused: list[int] = []  # close codes sent to refuse an IDENTIFY
        self.max_guilds_per_session = 2500  # more than this on one session: 4011, sharding required
        self.replay_overlap = 0  # on RESUME also re-send this many events the client already had
        self.identify_window = 0.0  # seconds between two IDENTIFYs of one bucket (Discord: 5); 0: off
        self.max_concurrency = 1  # IDENTIFY buckets (Discord: 1 for most bots, 16+ for big ones)
        self.invalidated: list[tuple[int, int] | None] = []  # IDENTIFYs refused for coming too soon
        self.identified_at: list[float] = []  # when (monotonic) each accepted IDENTIFY came
        self.hello_together = 0  # hold HELLO until this many connections are open (0, 1: never)
        self._last_identify: dict[int, float] = {}  # bucket -> when its latest accepted IDENTIFY came
        self._arrived = 0
        self._together = asyncio.Event()
        self._send_lock = asyncio.Lock()
        self._sockets: set[web.WebSocketResponse] = set()

    def slot(self, shard: int = 0) -> Slot:
        return self.slots.setdefault(shard, Slot())

    @property
    def count(self) -> int:
        """The shard count of the live sessions (1 without sharding)."""
        return next((s.count for s in reversed(self.sessions.values()) if s.alive), 1)

    def shard_of(self, name: str, data: dict[str, Any]) -> int:
        """Which shard's connection gets a dispatch: a guild's by its id, the rest (direct
        messages) on shard 0."""
        guild = data.get("guild_id") or (data.get("id") if name.startswith("GUILD_") else None)
        return shard_of_guild(str(guild), self.count) if guild else 0

    def guilds_of(self, shard: int, count: int) -> list[model.Guild]:
        return [g for g in self.fake.guilds.values() if shard_of_guild(g.id, count) == shard]

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        self._sockets.add(ws)
        try:
            self._arrived += 1
            if self._arrived >= self.hello_together:
                self._together.set()
            await self._together.wait()
            # During an outage the gateway is out of reach: no HELLO, so the client's new
            # socket is not yet its connection (it is not "connected" until the outage ends).
            for slot in list(self.slots.values()):
                await slot.open.wait()
            await self._send(ws, {"op": 10, "d": {"heartbeat_interval": 41250}, "s": None, "t": None})
            async for frame in ws:
                if frame.type in (WSMsgType.TEXT, WSMsgType.BINARY):
                    await self._on_op(ws, json.loads(frame.data))
        finally:
            self._sockets.discard(ws)
            for session in self.sessions.values():
                if session.ws is ws:  # the shard's connection ended: a new handshake is awaited
                    session.ws = None
                    self.slot(session.shard[0] if session.shard is not None else 0).handshaken.clear()
        return ws

    async def _send(self, ws: web.WebSocketResponse, frame: dict[str, Any]) -> None:
        if ws.closed:
            return
        async with self._send_lock:
            with contextlib.suppress(ConnectionResetError, RuntimeError):
                await ws.send_str(json.dumps(frame))

    async def _on_op(self, ws: web.WebSocketResponse, payload: dict[str, Any]) -> None:
        op, data = payload.get("op"), payload.get("d") or {}
        if op == 1:
            await self._send(ws, {"op": 11, "d": None, "s": None, "t": None})
        elif op == 2:
            await self._identify(ws, data)
        elif op == 6:
            await self._resume(ws, data)

    async def _refuse(self, ws: web.WebSocketResponse, code: int, reason: bytes) -> None:
        self.refused.append(code)
        await ws.close(code=code, message=reason)

    def _shard_problem(self, shard: Any) -> tuple[int, bytes] | None:
        """Why Discord would refuse this IDENTIFY's shard, as (close code, reason)."""
        if shard is None:
            return None
        if not (isinstance(shard, list) and len(shard) == 2 and all(isinstance(n, int) for n in shard)):
            return 4010, b"Invalid shard."
        shard_id, count = shard
        if count < 1 or not 0 <= shard_id < count:
            return 4010, b"Invalid shard."
        # Discord's documentation leaves mixed counts unspecified (guilds would be served
        # twice or never): the fake refuses them as an invalid shard, so no test passes so.
        if any(s.alive and s.ws is not None and s.count != count for s in self.sessions.values()):
            return 4010, b"Invalid shard."
        return None

    async def _identify(self, ws: web.WebSocketResponse, data: dict[str, Any]) -> None:
        if data.get("token") != self.fake.token:
            await ws.close(code=4004, message=b"Authentication failed.")
            return
        intents = int(data.get("intents", 0))
        if intents & model.PRIVILEGED & ~self.fake.privileged_allowed:
            await ws.close(code=4014, message=b"Disallowed intent(s).")
            return
        problem = self._shard_problem(data.get("shard"))
        if problem is not None:
            await self._refuse(ws, *problem)
            return
        shard = tuple(data["shard"]) if data.get("shard") is not None else None
        shard_id, count = shard if shard is not None else (0, 1)
        guilds = self.guilds_of(shard_id, count)
        if len(guilds) > self.max_guilds_per_session:
            await self._refuse(ws, 4011, b"Sharding required.")
            return
        slot = self.slot(shard_id)
        await slot.open.wait()  # during this shard's outage the client waits here for READY
        if self._too_soon(shard_id):
            self.invalidated.append(shard)  # type: ignore[arg-type]
            await self._send(ws, {"op": 9, "d": False, "s": None, "t": None})
            return
        self.identifies += 1
        self.identified_at.append(time.monotonic())
        self.identified.append(shard)  # type: ignore[arg-type]
        if slot.session is not None:
            slot.session.alive = False  # a new session replaces the shard's old one
        session = Session(id=model.snowflake(), intents=intents, shard=shard, ws=ws)  # type: ignore[arg-type]
        self.sessions[session.id] = session
        self.session = slot.session = session
        ready = {
            "v": 10, "user": self.fake.bot, "session_id": session.id, "session_type": "normal",
            "resume_gateway_url": self.fake.gateway_url, "guilds": [{"id": g.id, "unavailable": True} for g in guilds],
            "application": {"id": self.fake.app_id, "flags": self.fake.app_flags}, "private_channels": [],
            "relationships": [], "presences": [], "guild_join_requests": [], "geo_ordered_rtc_regions": [],
        }  # fmt: skip
        if shard is not None:
            ready["shard"] = list(shard)
        mark = await self._dispatch_to(session, "READY", ready)
        for guild in guilds:
            mark = await self._dispatch_to(session, "GUILD_CREATE", guild.create_payload()) or mark
        self._handshake_done(slot, mark)

    def _too_soon(self, shard_id: int) -> bool:
        """Discord's IDENTIFY rate limit: one per window per bucket; an accepted one starts
        the bucket's window again."""
        if self.identify_window <= 0:
            return False
        bucket, now = shard_id % self.max_concurrency, time.monotonic()
        last = self._last_identify.get(bucket)
        if last is not None and now - last < self.identify_window:
            return True
        self._last_identify[bucket] = now
        return False

    async def _resume(self, ws: web.WebSocketResponse, data: dict[str, Any]) -> None:
        session = self.sessions.get(str(data.get("session_id")))
        if session is None or not session.alive or data.get("token") != self.fake.token:
            await self._send(ws, {"op": 9, "d": False, "s": None, "t": None})
            return
        slot = self.slot(session.shard[0] if session.shard is not None else 0)
        await slot.open.wait()
        self.resumes += 1
        session.ws = ws
        self.session = session
        after = int(data.get("seq") or 0) - self.replay_overlap
        for frame in list(session.backlog):
            if frame["s"] > after and frame["t"] not in ("READY", "RESUMED"):
                await self._send(ws, frame)
        self._handshake_done(slot, await self._dispatch_to(session, "RESUMED", {}))

    @property
    def down(self) -> bool:
        """Some shard is in an outage: its dispatches wait for a RESUME, or are lost."""
        return any(not slot.open.is_set() for slot in self.slots.values())

    def delivering(self, mark: Mark) -> bool:
        """The connection this dispatch went to is up (so the bot will get it now)."""
        session = self.sessions.get(mark[0])
        shard = session.shard[0] if session is not None and session.shard is not None else 0
        return self.slot(shard).open.is_set()

    @property
    def handshake(self) -> Mark | None:
        """READY or RESUMED of shard 0's latest connection (the only one without sharding)."""
        return self.slot(0).handshake

    async def wait_handshake(self, shard: int = 0) -> None:
        await self.slot(shard).handshaken.wait()

    def _handshake_done(self, slot: Slot, mark: Mark | None) -> None:
        slot.handshake = mark
        slot.handshaken.set()

    def _wants(self, session: Session, name: str, data: dict[str, Any]) -> bool:
        needed = INTENT_OF.get(name, 0)
        if name.startswith("MESSAGE_") and not data.get("guild_id"):
            return False  # direct messages need intents the bot does not ask for
        return not needed or bool(session.intents & needed)

    def _content_for(self, session: Session, name: str, data: dict[str, Any]) -> dict[str, Any]:
        if name not in ("MESSAGE_CREATE", "MESSAGE_UPDATE") or session.intents & model.MESSAGE_CONTENT:
            return data
        return model.as_seen_without_content(data, self.fake.bot["id"])

    async def dispatch(self, name: str, data: dict[str, Any]) -> Mark | None:
        """Send a dispatch to the session of the shard it belongs to (or keep it for a
        RESUME). Returns its (session, seq), or None if no session would receive it (lost,
        or not subscribed)."""
        return await self._dispatch_to(self.slot(self.shard_of(name, data)).session, name, data)

    async def _dispatch_to(self, session: Session | None, name: str, data: dict[str, Any]) -> Mark | None:
        if session is None or not session.alive or not self._wants(session, name, data):
            return None
        session.seq += 1
        frame = {"op": 0, "t": name, "s": session.seq, "d": self._content_for(session, name, data)}
        session.backlog.append(frame)
        if session.ws is not None:
            await self._send(session.ws, frame)
        return session.id, session.seq

    async def redeliver(self, mark: Mark) -> None:
        """Send an already delivered dispatch again, same sequence number (at-least-once)."""
        session = self.sessions[mark[0]]
        frame = next(f for f in session.backlog if f["s"] == mark[1])
        assert session.ws is not None
        await self._send(session.ws, frame)

    @contextlib.asynccontextmanager
    async def outage(self, *, resume: bool, shard: int = 0) -> AsyncIterator[None]:
        """Drop one shard's connection (the only one without sharding). With `resume`, the
        client RESUMEs afterwards and gets what it missed; without, its session is
        invalidated and what happens meanwhile on that shard is lost."""
        slot = self.slot(shard)
        session = slot.session
        assert session is not None and session.ws is not None
        slot.open.clear()
        slot.handshaken.clear()
        if resume:
            await session.ws.close(code=4000, message=b"Unknown error")
        else:
            session.alive = False
            await self._send(session.ws, {"op": 9, "d": False, "s": None, "t": None})
        session.ws = None
        try:
            yield
        finally:
            slot.open.set()
        await asyncio.wait_for(slot.handshaken.wait(), 10)

    async def close(self) -> None:
        self._together.set()  # a connection still held before HELLO ends with the rest
        for ws in list(self._sockets):
            await ws.close(code=1001)
