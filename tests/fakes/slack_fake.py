"""A fake Slack on 127.0.0.1 that speaks the wire protocol the real slack-sdk and slack-bolt use:
the Web API methods mockpanel calls, `response_url` posts, the file upload URL, OAuth's code
exchange, and a Socket Mode websocket handed out by `apps.connections.open`.

Tests read what the bot did from its lists and wait for it with `wait_for` (no sleeps)."""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import random
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aiohttp import WSMsgType, web

from bot.adapters.slack.config import BOT_SCOPES

T = TypeVar("T")
BOT_TOKEN = "xoxb-test-token"
APP_TOKEN = "xapp-test-token"
TEAM = "T1"
BOT_USER = "UBOT"
BOT_ID = "BBOT"


@dataclass
class ApiCall:
    method: str
    params: dict[str, Any]
    token: str | None
    via: str = ""  # which bot process called, when each has an API URL of its own (`/w/{via}/api/`)


@dataclass
class Posted:
    """A message the bot posted (chat.postMessage), or showed one person (chat.postEphemeral)."""

    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]]
    thread_ts: str | None = None
    user: str | None = None  # ephemerals: who sees it
    token: str | None = None

    @property
    def title(self) -> str:
        return next((b["text"]["text"] for b in self.blocks if b.get("type") == "header"), "")

    @property
    def content(self) -> str:
        """Everything readable in the blocks, one line per piece."""
        parts: list[str] = []
        for block in self.blocks:
            if "text" in block:
                parts.append(block["text"]["text"])
            parts += [f["text"] for f in block.get("fields", [])]
            parts += [
                e["text"]["text"] if e.get("type") == "button" else e.get("text", "") for e in block.get("elements", [])
            ]
        return "\n".join(parts) or self.text

    def button(self, action: str) -> dict[str, Any]:
        for block in self.blocks:
            for element in block.get("elements", []):
                if element.get("type") == "button" and element["action_id"].split(":")[1] == action:
                    return dict(element)
        raise LookupError(f"no {action!r} button in {self.title!r}")


@dataclass
class Failure:
    status: int = 200
    error: str = ""
    retry_after: int | None = None


@dataclass
class FakeSlack:
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[ApiCall] = field(default_factory=list)
    messages: list[Posted] = field(default_factory=list)
    ephemerals: list[Posted] = field(default_factory=list)
    updates: list[ApiCall] = field(default_factory=list)
    opened_views: list[dict[str, Any]] = field(default_factory=list)
    home_views: dict[str, dict[str, Any]] = field(default_factory=dict)
    responses: list[dict[str, Any]] = field(default_factory=list)
    uploads: list[dict[str, Any]] = field(default_factory=list)
    oauth_teams: dict[str, str] = field(default_factory=dict)  # code -> team id
    not_in_channel: set[str] = field(default_factory=set)
    connections_opened: int = 0
    sockets: list[web.WebSocketResponse] = field(default_factory=list)
    # Several connections (several bot processes): Slack spreads the envelopes over them, and
    # sends a retry over another one. None: every envelope goes over the newest socket.
    spread: random.Random | None = None
    carried: list[tuple[str, int]] = field(default_factory=list)  # (envelope id, socket's connection number)
    port: int = 0

    def __post_init__(self) -> None:
        self._failures: dict[str, deque[Failure]] = {}
        self._answers: dict[str, dict[str, Any]] = {}
        self._acks: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._changed = asyncio.Condition()
        self._counter = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._file_runner: web.AppRunner | None = None
        self.files_port = 0
        self.files: dict[str, dict[str, Any]] = {}  # file id -> what files.info says
        self.downloads: list[str] = []  # file ids fetched from the file host
        self.tokens: dict[str, str] = {BOT_TOKEN: TEAM}  # bot token -> team
        self._url_owner: dict[str, str] = {}
        self._hosted: dict[str, bytes] = {}
        self.gates: dict[str, asyncio.Event] = {}  # method -> calls wait until it is set
        # (process, method) pairs whose calls are never answered: a process stuck mid-delivery
        self.stalled: set[tuple[str, str]] = set()
        self._closing = asyncio.Event()
        # What the bot token was granted: Slack sends it as X-OAuth-Scopes on every answer.
        self.scopes: list[str] = list(BOT_SCOPES)
        self._private: list[tuple[str, str]] = []  # (user, what they were shown), in order
        self._numbers: dict[int, int] = {}  # id(socket) -> its connection number

    # --- lifecycle and waiting -------------------------------------------------------------------

    async def start(self) -> FakeSlack:
        # Slack takes uploads far larger than aiohttp's default 1 MiB body (the shipped banks
        # exported as one YAML file are over 1 MiB).
        app = web.Application(client_max_size=32 * 1024 * 1024)
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_route("*", "/w/{via}/api/{method}", self._api)  # several processes, told apart
        app.router.add_post("/respond/{id}", self._respond)
        app.router.add_post("/upload/{id}", self._upload)
        app.router.add_get("/ws", self._websocket)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        # Uploaded files live on their own host, as on files.slack.com: the API's host is not it.
        files = web.Application()
        files.router.add_get("/files-pri/{id}/{name}", self._download)
        self._file_runner = web.AppRunner(files, access_log=None)
        await self._file_runner.setup()
        await web.TCPSite(self._file_runner, "127.0.0.1", 0).start()
        self.files_port = self._file_runner.addresses[0][1]
        return self

    async def close(self) -> None:
        self._closing.set()
        for ws in list(self.sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()
        if self._file_runner is not None:
            await self._file_runner.cleanup()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def files_url(self) -> str:
        """Slack's file host (files.slack.com in production)."""
        return f"http://127.0.0.1:{self.files_port}/"

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    def api_url_of(self, process: str) -> str:
        """The Web API for one of several bot processes: its calls carry `via=process`."""
        return f"{self.url}/w/{process}/api/"

    def response_url(self, user: str = "") -> str:
        url = f"{self.url}/respond/{next(self._counter)}"
        self._url_owner[url] = user
        return url

    def new_ts(self) -> str:
        n = next(self._counter)
        return f"{1_772_000_000 + n}.{n:06d}"

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def wait_for(self, probe: Callable[[], T], timeout: float = 5.0) -> T:
        """Wait until `probe()` returns something truthy (re-checked after every request)."""

        async def watch() -> T:
            async with self._changed:
                while not (found := probe()):
                    await self._changed.wait()
                return found

        return await asyncio.wait_for(watch(), timeout)

    # --- setting the scene -----------------------------------------------------------------------

    def add_user(
        self, user_id: str, name: str, admin: bool = False, bot: bool = False, team: str | None = None
    ) -> None:
        """A person; without `team`, a member of whichever workspace asks about them. With one
        (a Slack Connect member of another organisation), always of that workspace."""
        self.users[user_id] = {
            "id": user_id,
            "team_id": team,
            "name": name.lower(),
            "real_name": name,
            "is_admin": admin,
            "is_owner": False,
            "is_bot": bot,
            "profile": {"display_name": name, "real_name": name},
        }

    def host_file(self, name: str, content: bytes) -> dict[str, Any]:
        """A file someone uploaded (a file_input in a modal): Slack's file object for it."""
        file_id = f"F{next(self._counter)}"
        self._hosted[file_id] = content
        url = f"{self.files_url}files-pri/{file_id}/{name}"
        self.files[file_id] = {"id": file_id, "name": name, "size": len(content), "mimetype": "text/plain",
                               "url_private": url, "url_private_download": url + "?download"}  # fmt: skip
        # What a view_submission's file_input carries: Slack sends the file's details along.
        return dict(self.files[file_id])

    async def _download(self, request: web.Request) -> web.StreamResponse:
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        content = self._hosted.get(request.match_info["id"])
        if token not in self.tokens or content is None:
            return web.Response(status=404 if content is None else 403)
        self.downloads.append(request.match_info["id"])
        # Streamed in pieces, as a real file host does: one read() sees only the first of them.
        response = web.StreamResponse(headers={"Content-Type": "application/octet-stream"})
        response.content_length = len(content)
        await response.prepare(request)
        for start in range(0, len(content), 16 * 1024):
            await response.write(content[start : start + 16 * 1024])
            await asyncio.sleep(0)
        await response.write_eof()
        await self._notify()
        return response

    def answer(self, method: str, body: dict[str, Any]) -> None:
        """Make every later call of `method` answer `body` (say `{"ok": True}` with no fields)."""
        self._answers[method] = body

    def fail(self, method: str, status: int = 200, error: str = "", retry_after: int | None = None) -> None:
        """Make the next call of `method` fail: an HTTP status (429, 500) or `ok: false`."""
        self._failures.setdefault(method, deque()).append(Failure(status, error, retry_after))

    # --- reading what happened -------------------------------------------------------------------

    def called(self, method: str) -> list[ApiCall]:
        return [c for c in self.calls if c.method == method]

    def titled(self, prefix: str, channel: str | None = None) -> list[Posted]:
        return [m for m in self.messages if m.title.startswith(prefix) and channel in (None, m.channel)]

    def last_titled(self, prefix: str) -> Posted:
        found = self.titled(prefix)
        assert found, f"no post titled {prefix!r}; titles: {[m.title for m in self.messages]}"
        return found[-1]

    def private_to(self, user: str) -> list[str]:
        """What one person was shown privately, in order: ephemerals, response_url replies, DMs."""
        return [text for who, text in self._private if who == user]

    # --- the Web API -----------------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        params: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            params.update(await request.json())
        elif request.method == "POST":
            params.update({k: v for k, v in (await request.post()).items() if isinstance(v, str)})
        auth = request.headers.get("Authorization", "")
        if auth.startswith("Basic "):  # oauth.v2.access: the app's client id and secret
            client_id, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
            params.update(client_id=client_id, client_secret=secret)
            auth = ""
        token = auth.removeprefix("Bearer ") if auth else params.get("token")
        via = request.match_info.get("via", "")
        if (via, method) in self.stalled:
            await self._closing.wait()  # until the fake closes: Slack never heard this call
            return web.Response(status=503)
        self.calls.append(ApiCall(method, params, token, via))
        if method in self.gates:
            await self._notify()
            await self.gates[method].wait()
        failures = self._failures.get(method)
        if failures:
            failure = failures.popleft()
            await self._notify()
            if failure.status != 200:
                headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else {}
                return web.json_response({"ok": False, "error": "ratelimited"}, status=failure.status, headers=headers)
            return web.json_response({"ok": False, "error": failure.error})
        handler = getattr(self, "_m_" + method.replace(".", "_"), None)
        body = handler(params, token) if handler else {"ok": False, "error": "unknown_method"}
        body = self._answers.get(method, body)
        await self._notify()
        headers = {"X-OAuth-Scopes": ",".join(self.scopes)} if (token or "") in self.tokens else {}
        return web.json_response(body, headers=headers)

    def _m_auth_test(self, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        team = self.tokens.get(token or "")
        if team is None:
            return {"ok": False, "error": "invalid_auth"}
        return {"ok": True, "team_id": team, "team": "Career Centre", "user_id": BOT_USER, "bot_id": BOT_ID}

    def _m_chat_postMessage(self, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        channel = str(params["channel"])
        if channel in self.not_in_channel:
            return {"ok": False, "error": "not_in_channel"}
        blocks = _blocks(params.get("blocks"))
        posted = Posted(channel, self.new_ts(), params.get("text", ""), blocks, params.get("thread_ts"), token=token)
        self.messages.append(posted)
        if channel.startswith("D"):
            self._private.append((channel[1:], posted.content))
        return {"ok": True, "channel": channel, "ts": posted.ts, "message": {"text": posted.text}}

    def _m_chat_postEphemeral(self, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        channel = str(params["channel"])
        if channel in self.not_in_channel:
            return {"ok": False, "error": "not_in_channel"}
        posted = Posted(
            channel,
            self.new_ts(),
            params.get("text", ""),
            _blocks(params.get("blocks")),
            thread_ts=params.get("thread_ts"),
            user=params["user"],
            token=token,
        )
        self.ephemerals.append(posted)
        self._private.append((posted.user or "", posted.content))
        return {"ok": True, "message_ts": posted.ts}

    def _m_chat_update(self, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        self.updates.append(ApiCall("chat.update", params, token))
        return {"ok": True, "channel": params["channel"], "ts": params["ts"]}

    def _m_views_open(self, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        view = _json(params["view"])
        self.opened_views.append({"trigger_id": params["trigger_id"], "view": view})
        return {"ok": True, "view": {"id": f"V{next(self._counter)}", **view}}

    def _m_views_publish(self, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        view = _json(params["view"])
        self.home_views[str(params["user_id"])] = view
        return {"ok": True, "view": view}

    def _m_users_info(self, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        user = self.users.get(str(params.get("user")))
        if user is None:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "user": {**user, "team_id": user["team_id"] or self.tokens.get(token or "", TEAM)}}

    def _m_files_info(self, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        file = self.files.get(str(params.get("file")))
        return {"ok": True, "file": file} if file else {"ok": False, "error": "file_not_found"}

    def _m_conversations_info(self, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        channel = str(params.get("channel"))
        return {"ok": True, "channel": {"id": channel, "is_member": channel not in self.not_in_channel}}

    def _m_conversations_open(self, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        return {"ok": True, "channel": {"id": f"D{params['users']}"}}

    def _m_apps_connections_open(self, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        if not (token or "").startswith("xapp-"):
            return {"ok": False, "error": "not_allowed_token_type"}
        self.connections_opened += 1
        return {"ok": True, "url": f"ws://127.0.0.1:{self.port}/ws?n={self.connections_opened}"}

    def _m_oauth_v2_access(self, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        team = self.oauth_teams.pop(str(params.get("code")), None)
        if team is None:
            return {"ok": False, "error": "invalid_code"}
        bot_token = f"xoxb-{team}-token"
        self.tokens[bot_token] = team
        return {
            "ok": True, "app_id": "A1", "access_token": bot_token, "token_type": "bot", "scope": "commands,chat:write",
            "bot_user_id": BOT_USER, "team": {"id": team, "name": f"Workspace {team}"}, "enterprise": None,
            "is_enterprise_install": False, "authed_user": {"id": "UINSTALLER"},
        }  # fmt: skip

    def _m_files_getUploadURLExternal(self, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        file_id = f"F{next(self._counter)}"
        self.uploads.append({"id": file_id, "filename": params.get("filename"), "content": None})
        return {"ok": True, "file_id": file_id, "upload_url": f"{self.url}/upload/{file_id}"}

    def _m_files_completeUploadExternal(self, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        files = _json(params["files"])
        for upload in self.uploads:
            if upload["id"] in {f["id"] for f in files}:
                upload["channel"] = params.get("channel_id")
        return {"ok": True, "files": [{"id": f["id"], "title": f.get("title")} for f in files]}

    async def _upload(self, request: web.Request) -> web.Response:
        data = await request.read()
        for upload in self.uploads:
            if upload["id"] == request.match_info["id"]:
                upload["data"] = data  # the bytes as sent: a PNG chart is not text
                upload["content"] = data.decode("utf-8", errors="replace")
        await self._notify()
        return web.Response(text="OK")

    async def _respond(self, request: web.Request) -> web.Response:
        response = {"url": str(request.url), **(await request.json())}
        self.responses.append(response)
        if response.get("response_type") == "ephemeral":
            self._private.append((self._url_owner.get(response["url"], ""), response.get("text", "")))
        await self._notify()
        return web.json_response({"ok": True})

    # --- Socket Mode -----------------------------------------------------------------------------

    async def _websocket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self._numbers[id(ws)] = int(request.query.get("n", "0"))
        self.sockets.append(ws)
        await ws.send_json({"type": "hello", "num_connections": len(self.sockets), "connection_info": {"app_id": "A1"}})
        await self._notify()
        try:
            async for message in ws:
                if message.type == WSMsgType.TEXT:
                    data = json.loads(message.data)
                    future = self._acks.pop(str(data.get("envelope_id")), None)
                    if future is not None and not future.done():
                        future.set_result(data)
        finally:
            self.sockets.remove(ws)
            self._numbers.pop(id(ws), None)
            await self._notify()
        return ws

    def live_sockets(self) -> list[web.WebSocketResponse]:
        return [ws for ws in self.sockets if not ws.closed]

    def connection_of(self, ws: web.WebSocketResponse) -> int:
        """The socket's number (1 for the first `apps.connections.open`, and so on)."""
        return self._numbers.get(id(ws), 0)

    def _socket_for(self, avoid: int | None) -> list[web.WebSocketResponse]:
        live = self.live_sockets()
        if self.spread is None or not live:
            return live[-1:]
        others = [ws for ws in live if self.connection_of(ws) != avoid] or live
        return [self.spread.choice(others)]

    async def envelope(
        self,
        kind: str,
        payload: dict[str, Any],
        retry_attempt: int = 0,
        timeout: float = 5.0,
        avoid: int | None = None,
        sent_over: list[int] | None = None,
    ) -> dict[str, Any]:
        """Send one envelope and wait for the app's ack: over the newest socket, or with `spread`
        over a random one (not connection `avoid`, the one a retry's first try went over)."""
        ws = await self.wait_for(lambda: self._socket_for(avoid))
        envelope_id = f"env-{next(self._counter)}"
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._acks[envelope_id] = future
        envelope: dict[str, Any] = {"envelope_id": envelope_id, "type": kind, "payload": payload,
                                    "accepts_response_payload": kind != "events_api"}  # fmt: skip
        if kind == "events_api":
            envelope.update(retry_attempt=retry_attempt, retry_reason="timeout" if retry_attempt else "")
        self.carried.append((envelope_id, self.connection_of(ws[0])))
        if sent_over is not None:
            sent_over.append(self.connection_of(ws[0]))
        await ws[0].send_json(envelope)
        try:
            return await asyncio.wait_for(future, timeout)
        finally:
            self._acks.pop(envelope_id, None)

    async def socket_disconnect(self, reason: str = "refresh_requested") -> None:
        for ws in self.live_sockets():
            await ws.send_json({"type": "disconnect", "reason": reason, "debug_info": {"host": "fake"}})

    async def socket_drop(self) -> None:
        for ws in self.live_sockets():
            await ws.close()


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _blocks(value: Any) -> list[dict[str, Any]]:
    return list(_json(value) or [])
