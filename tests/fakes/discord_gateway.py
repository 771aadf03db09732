"""The fake Discord's gateway: HELLO, heartbeats, IDENTIFY -> READY + GUILD_CREATE, RESUME ->
replay + RESUMED, sequence numbers and a backlog, intents (privileged ones refused with 4014,
message content blanked without the intent), and outages that end in a RESUME or a new session."""

from __future__ import annotations

import asyncio
import contextlib
import json
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
    seq: int = 0
    backlog: list[dict[str, Any]] = field(default_factory=list)
    ws: web.WebSocketResponse | None = None
    alive: bool = True


class FakeGateway:
    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake
        self.session: Session | None = None
        self.sessions: dict[str, Session] = {}
        self.identifies = 0
        self.resumes = 0
        self.replay_overlap = 0  # on RESUME also re-send this many events the client already had
        self.handshake: Mark | None = None  # READY or RESUMED of the latest connection
        self._handshake = asyncio.Event()
        self._open = asyncio.Event()
        self._open.set()
        self._send_lock = asyncio.Lock()
        self._sockets: set[web.WebSocketResponse] = set()

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        self._sockets.add(ws)
        try:
            await self._open.wait()  # during an outage the client waits here for HELLO
            await self._send(ws, {"op": 10, "d": {"heartbeat_interval": 41250}, "s": None, "t": None})
            async for frame in ws:
                if frame.type in (WSMsgType.TEXT, WSMsgType.BINARY):
                    await self._on_op(ws, json.loads(frame.data))
        finally:
            self._sockets.discard(ws)
            if self.session is not None and self.session.ws is ws:
                self.session.ws = None
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

    async def _identify(self, ws: web.WebSocketResponse, data: dict[str, Any]) -> None:
        if data.get("token") != self.fake.token:
            await ws.close(code=4004, message=b"Authentication failed.")
            return
        intents = int(data.get("intents", 0))
        if intents & model.PRIVILEGED & ~self.fake.privileged_allowed:
            await ws.close(code=4014, message=b"Disallowed intent(s).")
            return
        self.identifies += 1
        session = Session(id=model.snowflake(), intents=intents, ws=ws)
        self.sessions[session.id] = session
        self.session = session
        ready = {
            "v": 10, "user": self.fake.bot, "session_id": session.id, "session_type": "normal",
            "resume_gateway_url": self.fake.gateway_url, "guilds": [{"id": g, "unavailable": True} for g in self.fake.guilds],
            "application": {"id": self.fake.app_id, "flags": self.fake.app_flags}, "private_channels": [],
            "relationships": [], "presences": [], "guild_join_requests": [], "geo_ordered_rtc_regions": [],
        }  # fmt: skip
        mark = await self.dispatch("READY", ready)
        for guild in self.fake.guilds.values():
            mark = await self.dispatch("GUILD_CREATE", guild.create_payload()) or mark
        self._handshake_done(mark)

    async def _resume(self, ws: web.WebSocketResponse, data: dict[str, Any]) -> None:
        session = self.sessions.get(str(data.get("session_id")))
        if session is None or not session.alive or data.get("token") != self.fake.token:
            await self._send(ws, {"op": 9, "d": False, "s": None, "t": None})
            return
        self.resumes += 1
        session.ws = ws
        self.session = session
        after = int(data.get("seq") or 0) - self.replay_overlap
        for frame in list(session.backlog):
            if frame["s"] > after and frame["t"] not in ("READY", "RESUMED"):
                await self._send(ws, frame)
        self._handshake_done(await self.dispatch("RESUMED", {}))

    @property
    def down(self) -> bool:
        """In an outage: dispatches wait for a RESUME, or are lost."""
        return not self._open.is_set()

    async def wait_handshake(self) -> None:
        await self._handshake.wait()

    def _handshake_done(self, mark: Mark | None) -> None:
        self.handshake = mark
        self._handshake.set()

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
        """Send a dispatch to the connected session (or keep it for a RESUME). Returns its
        (session, seq), or None if no session would receive it (lost, or not subscribed)."""
        session = self.session
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
    async def outage(self, *, resume: bool) -> AsyncIterator[None]:
        """Drop the connection. With `resume`, the client RESUMEs afterwards and gets what it
        missed; without, its session is invalidated and what happens meanwhile is lost."""
        session = self.session
        assert session is not None and session.ws is not None
        self._open.clear()
        self._handshake.clear()
        if resume:
            await session.ws.close(code=4000, message=b"Unknown error")
        else:
            session.alive = False
            await self._send(session.ws, {"op": 9, "d": False, "s": None, "t": None})
        session.ws = None
        try:
            yield
        finally:
            self._open.set()
        await asyncio.wait_for(self._handshake.wait(), 10)

    async def close(self) -> None:
        for ws in list(self._sockets):
            await ws.close(code=1001)
