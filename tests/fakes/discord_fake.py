"""A protocol-level fake Discord on 127.0.0.1: the REST API under /api/v10 and the gateway
websocket, enough for the unmodified discord.py client to log in, sync commands, post,
thread, react, answer interactions and survive 429s and reconnects. Tests act as users
through `tests/fakes/discord_users.py` and read what people would see from `messages`."""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes import discord_model as model
from tests.fakes.discord_gateway import FakeGateway

Route = Callable[[web.Request, dict[str, Any], list[tuple[str, bytes]]], Awaitable[web.Response]]


@dataclass
class Call:
    method: str
    path: str
    body: Any
    status: int = 0
    at: float = field(default_factory=time.monotonic)


@dataclass
class FakeInteraction:
    payload: dict[str, Any]
    created: float = field(default_factory=time.monotonic)
    response_type: int | None = None
    response: dict[str, Any] | None = None  # the message (types 4/5) or modal (9) or choices (8)
    followups: list[dict[str, Any]] = field(default_factory=list)
    answered: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def id(self) -> str:
        return str(self.payload["id"])

    def messages(self) -> list[dict[str, Any]]:
        """What the user was shown, in order: the response message, then each followup."""
        first = [self.response] if self.response_type == 4 and self.response else []
        return first + self.followups


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    # Exactly "application/json": discord.py reads anything else as text.
    return web.Response(body=json.dumps(data).encode(), status=status,
                        headers={"Content-Type": "application/json", **(headers or {})})  # fmt: skip


def error(status: int, code: int, message: str, errors: list[str] | None = None) -> web.Response:
    return json_response({"code": code, "message": message, "errors": errors or []}, status)


class FakeDiscord:
    def __init__(self, *, token: str = "fake-bot-token", message_content: bool = False) -> None:
        self.token = token
        self.bot = model.user("mockpanel", bot=True)
        self.app_id = self.bot["id"]
        self.app_flags = (1 << 19) if message_content else 0  # GATEWAY_MESSAGE_CONTENT_LIMITED
        self.privileged_allowed = model.MESSAGE_CONTENT if message_content else 0
        self.guilds: dict[str, model.Guild] = {}
        self.channels: dict[str, dict[str, Any]] = {}
        self.messages: dict[str, dict[str, Any]] = {}
        self.reactions: dict[str, dict[str, list[str]]] = {}  # message -> emoji key -> user ids
        self.interactions: dict[str, FakeInteraction] = {}
        self.commands: dict[str, list[dict[str, Any]]] = {}  # "global" or guild id -> commands
        self.dm_channels: dict[str, str] = {}  # user id -> DM channel id
        self.dms_closed: set[str] = set()
        self.denied: set[str] = set()  # channels where the bot lacks Send Messages
        self.files: dict[str, bytes] = {}
        # (channel, author, nonce) -> (message id, when): with enforce_nonce, a repeat within
        # the window returns the first message instead of posting a second
        self.sent_nonces: dict[tuple[str, str, str], tuple[str, float]] = {}
        self.nonce_window = 300.0
        self.calls: list[Call] = []
        self.rate_limits: list[tuple[str, re.Pattern[str], list[int], float]] = []
        self.latency: list[tuple[str, re.Pattern[str], float]] = []
        self.interaction_deadline = 3.0
        self.recommended_shards: int | None = None  # GET /gateway/bot's `shards`; None: by guild count
        # A message create matching this is made, then never answered: the sender is "mid-post"
        # (for killing the bot at exactly that point).
        self.stall: Callable[[dict[str, Any]], bool] | None = None
        self.unstalled = asyncio.Event()  # set on close, so stalled requests end
        self.users: dict[str, dict[str, Any]] = {self.bot["id"]: self.bot}
        self.gateway = FakeGateway(self)
        self._changed = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # --- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(client_max_size=32 * 1024 * 1024)
        app.router.add_get("/", self.gateway.handle)
        app.router.add_get("/attachments/{id}/{name}", self._cdn)
        app.router.add_route("*", "/api/v10/{path:.*}", self._rest)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def close(self) -> None:
        self.unstalled.set()
        await self.gateway.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/"

    # --- set-up helpers ----------------------------------------------------------------------

    def add_guild(self, name: str, owner: dict[str, Any], shard: tuple[int, int] | None = None) -> model.Guild:
        """A server; with `shard` (id, count) one whose id puts it on that shard."""
        guild_id = model.snowflake() if shard is None else model.snowflake_on_shard(*shard)
        guild = model.Guild(guild_id, name, owner["id"])
        guild.roles.append(model.role(guild_id, "@everyone", 0, role_id=guild_id, position=0))
        self.guilds[guild_id] = guild
        self.add_member(guild, owner)
        self.add_member(guild, self.bot)
        return guild

    def add_member(self, guild: model.Guild, user: dict[str, Any], roles: list[str] | None = None) -> None:
        self.users[user["id"]] = user
        guild.members[user["id"]] = model.member(user, roles)

    def add_channel(self, guild: model.Guild, name: str) -> dict[str, Any]:
        channel = model.text_channel(guild.id, name, len(guild.channels))
        guild.channels.append(channel)
        self.channels[channel["id"]] = channel
        return channel

    def host_file(self, filename: str, content: bytes) -> dict[str, Any]:
        file_id = model.snowflake()
        self.files[file_id] = content
        url = f"http://127.0.0.1:{self.port}/attachments/{file_id}/{filename}"
        return {"id": file_id, "filename": filename, "size": len(content), "url": url, "proxy_url": url,
                "content_type": "application/x-yaml"}  # fmt: skip

    def rate_limit(self, method: str, path: str, times: int = 1, retry_after: float = 0.2) -> None:
        """Answer the next `times` matching requests with 429."""
        self.rate_limits.append((method, re.compile(path), [times], retry_after))

    def slow(self, method: str, path: str, seconds: float) -> None:
        """Make matching requests take this long, as a slow Discord would."""
        self.latency.append((method, re.compile(path), seconds))

    # --- observing ---------------------------------------------------------------------------

    async def wait_for(self, condition: Callable[[], bool], timeout: float = 10.0) -> None:
        async def watch() -> None:
            while not condition():
                self._changed.clear()
                await self._changed.wait()

        await asyncio.wait_for(watch(), timeout)

    def channel_messages(self, channel_id: str) -> list[dict[str, Any]]:
        """What everyone in a channel (or thread) sees: no ephemeral replies."""
        return [m for m in self.messages.values() if m["channel_id"] == channel_id and not m["flags"] & model.EPHEMERAL]

    def dms_to(self, user_id: str) -> list[dict[str, Any]]:
        channel = self.dm_channels.get(user_id)
        return [m for m in self.messages.values() if channel and m["channel_id"] == channel]

    def calls_to(self, method: str, pattern: str) -> list[Call]:
        return [c for c in self.calls if c.method == method and re.fullmatch(pattern, c.path)]

    # --- the REST API ------------------------------------------------------------------------

    async def _cdn(self, request: web.Request) -> web.Response:
        content = self.files.get(request.match_info["id"])
        return web.Response(body=content or b"", status=200 if content is not None else 404)

    async def _rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["path"]
        body, files = await self._read(request)
        call = Call(request.method, path, body)
        self.calls.append(call)
        response = await self._route(request, path, body, files)
        call.status = response.status
        self._changed.set()
        return response

    async def _read(self, request: web.Request) -> tuple[dict[str, Any], list[tuple[str, bytes]]]:
        if request.content_type.startswith("multipart/"):
            body: dict[str, Any] = {}
            files = []
            reader = await request.multipart()
            async for part in reader:
                if part.name == "payload_json":  # type: ignore[union-attr]
                    body = json.loads(await part.text())  # type: ignore[union-attr]
                else:
                    files.append((part.filename or "file", bytes(await part.read())))  # type: ignore[union-attr]
            return body, files
        raw = await request.read()
        return (json.loads(raw) if raw else {}), []

    def _limited(self, method: str, path: str) -> web.Response | None:
        for want, pattern, left, retry in self.rate_limits:
            if want == method and pattern.fullmatch(path) and left[0] > 0:
                left[0] -= 1
                headers = {"Via": "1.1 google", "X-RateLimit-Limit": "5", "X-RateLimit-Remaining": "0",
                           "X-RateLimit-Reset-After": str(retry), "X-RateLimit-Bucket": "fake-bucket",
                           "Retry-After": str(retry), "X-RateLimit-Scope": "user"}  # fmt: skip
                return json_response({"message": "You are being rate limited.", "retry_after": retry,
                                      "global": False}, 429, headers)  # fmt: skip
        return None

    async def _route(
        self, request: web.Request, path: str, body: dict[str, Any], files: list[tuple[str, bytes]]
    ) -> web.Response:
        from tests.fakes import discord_rest

        for method, pattern, seconds in self.latency:
            if method == request.method and pattern.fullmatch(path):
                await asyncio.sleep(seconds)
        limited = self._limited(request.method, path)
        if limited is not None:
            return limited
        token_free = any(re.fullmatch(p, path) for p in (r"/interactions/.*", r"/webhooks/.*"))
        if not token_free and request.headers.get("Authorization") != f"Bot {self.token}":
            return error(401, 0, "401: Unauthorized")
        return await discord_rest.handle(self, request, path, body, files)
