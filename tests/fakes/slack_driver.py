"""Plays Slack's side of the conversation: builds payloads shaped like Slack's (see
shared/fixtures/slack) and delivers them either over HTTP, signed exactly as Slack signs them,
or as Socket Mode envelopes through the fake's websocket."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any, Protocol
from urllib.parse import urlencode

import aiohttp

from tests.fakes.slack_fake import BOT_USER, TEAM, FakeSlack, Posted

SIGNING_SECRET = "test-signing-secret"
CHANNEL = "C1"


def sign(secret: str, body: bytes, timestamp: int) -> str:
    base = b"v0:" + str(timestamp).encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def encode(kind: str, payload: dict[str, Any]) -> tuple[bytes, str]:
    """The body and content type Slack uses for each kind of request."""
    if kind == "events_api":
        return json.dumps(payload).encode(), "application/json"
    if kind == "slash_commands":
        return urlencode(payload).encode(), "application/x-www-form-urlencoded"
    return urlencode({"payload": json.dumps(payload)}).encode(), "application/x-www-form-urlencoded"


class Transport(Protocol):
    async def send(self, kind: str, payload: dict[str, Any], retry: int = 0) -> int: ...
    async def close(self) -> None: ...


class HttpTransport:
    def __init__(self, url: str, secret: str = SIGNING_SECRET) -> None:
        self.url = url
        self.secret = secret
        self.session = aiohttp.ClientSession()

    async def raw(
        self, body: bytes, content_type: str, timestamp: int | None = None, signature: str | None = None, **headers: str
    ) -> tuple[int, str]:
        stamp = int(time.time()) if timestamp is None else timestamp
        sent = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": str(stamp),
            "X-Slack-Signature": signature or sign(self.secret, body, stamp),
            **headers,
        }
        async with self.session.post(self.url, data=body, headers=sent) as response:
            return response.status, await response.text()

    async def send(self, kind: str, payload: dict[str, Any], retry: int = 0) -> int:
        body, content_type = encode(kind, payload)
        extra = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"} if retry else {}
        status, _ = await self.raw(body, content_type, **extra)
        return status

    async def close(self) -> None:
        await self.session.close()


class SocketTransport:
    def __init__(self, fake: FakeSlack) -> None:
        self.fake = fake
        self.acks: list[dict[str, Any]] = []

    async def send(self, kind: str, payload: dict[str, Any], retry: int = 0) -> int:
        self.acks.append(await self.fake.envelope(kind, payload, retry))
        return 200

    async def close(self) -> None:
        return None


class SlackDriver:
    """`await driver.command("UALICE", "join")`, `await driver.react(...)`: each returns once the
    bot acked and, when `settle` is given (in-process tests), once the bot's work is done."""

    def __init__(
        self,
        fake: FakeSlack,
        transport: Transport,
        settle: Callable[[], Awaitable[None]] | None = None,
        team: str = TEAM,
    ) -> None:
        self.fake = fake
        self.transport = transport
        self.settle = settle
        self.team = team
        self._ids = itertools.count(1)
        # Slack Connect: members of another organisation in a shared channel, and their own
        # workspace. Their payloads carry that workspace where Slack puts it (see `_connect`).
        self.home: dict[str, str] = {}

    async def send(self, kind: str, payload: dict[str, Any], retry: int = 0) -> int:
        status = await self.transport.send(kind, payload, retry)
        if self.settle is not None:
            await self.settle()
        return status

    # --- slash command ---------------------------------------------------------------------------

    def command_payload(self, user: str, text: str, channel: str = CHANNEL) -> dict[str, Any]:
        return {
            "token": "verification-token", "team_id": self.team, "team_domain": "careers",
            "channel_id": channel, "channel_name": "interviews", "user_id": user,
            "user_name": user.lower(), "command": "/mock", "text": text, "api_app_id": "A1",
            "response_url": self.fake.response_url(user), "trigger_id": f"trigger-{next(self._ids)}",
        }  # fmt: skip

    async def command(self, user: str, text: str, channel: str = CHANNEL) -> int:
        return await self.send("slash_commands", self.command_payload(user, text, channel))

    # --- Events API ------------------------------------------------------------------------------

    def event_body(self, event: dict[str, Any], event_id: str | None = None) -> dict[str, Any]:
        return {
            "token": "verification-token", "team_id": self.team, "api_app_id": "A1", "event": event,
            "type": "event_callback", "event_id": event_id or f"Ev{next(self._ids):06d}",
            "event_time": int(time.time()),
            "authorizations": [{"team_id": self.team, "user_id": BOT_USER, "is_bot": True, "is_enterprise_install": False}],
        }  # fmt: skip

    async def event(self, event: dict[str, Any], event_id: str | None = None, retry: int = 0) -> int:
        return await self.send("events_api", self._connect_event(self.event_body(event, event_id)), retry)

    def _connect_event(self, body: dict[str, Any]) -> dict[str, Any]:
        """An event from a shared channel, as Slack sends it to the host's installation: the
        top-level `team_id` and the event's `user_team` name the actor's own workspace,
        `context_team_id` and `authorizations` the workspace the app is installed in."""
        event = body["event"]
        user = event.get("user") or (event.get("message") or event.get("previous_message") or {}).get("user")
        own = self.home.get(str(user))
        if own is None:
            return body
        return {**body, "team_id": own, "context_team_id": self.team, "context_enterprise_id": None,
                "is_ext_shared_channel": True, "event": {**event, "user_team": own, "source_team": own}}  # fmt: skip

    async def reply(self, user: str, parent_ts: str, text: str, channel: str = CHANNEL) -> str:
        """A person writes in a thread; returns the new message's ts."""
        ts = self.fake.new_ts()
        event = {"type": "message", "user": user, "text": text, "ts": ts, "thread_ts": parent_ts,
                 "parent_user_id": BOT_USER, "channel": channel, "event_ts": ts, "channel_type": "channel"}  # fmt: skip
        await self.event(event)
        return ts

    def reaction(self, user: str, ts: str, emoji: str, channel: str = CHANNEL, remove: bool = False) -> dict[str, Any]:
        return {"type": "reaction_removed" if remove else "reaction_added", "user": user, "reaction": emoji,
                "item": {"type": "message", "channel": channel, "ts": ts}, "item_user": "U0",
                "event_ts": self.fake.new_ts()}  # fmt: skip

    async def react(
        self, user: str, ts: str, emoji: str, channel: str = CHANNEL, remove: bool = False, event_id: str | None = None
    ) -> int:
        return await self.event(self.reaction(user, ts, emoji, channel, remove), event_id)

    async def edit(self, user: str, ts: str, old: str, new: str, channel: str = CHANNEL) -> int:
        event = {"type": "message", "subtype": "message_changed", "hidden": True, "channel": channel,
                 "ts": self.fake.new_ts(), "message": {"type": "message", "user": user, "text": new, "ts": ts},
                 "previous_message": {"type": "message", "user": user, "text": old, "ts": ts}}  # fmt: skip
        return await self.event(event)

    async def delete(self, user: str, ts: str, text: str, channel: str = CHANNEL) -> int:
        event = {"type": "message", "subtype": "message_deleted", "hidden": True, "channel": channel,
                 "ts": self.fake.new_ts(), "deleted_ts": ts,
                 "previous_message": {"type": "message", "user": user, "text": text, "ts": ts}}  # fmt: skip
        return await self.event(event)

    async def home_opened(self, user: str) -> int:
        return await self.event({"type": "app_home_opened", "user": user, "channel": f"D{user}", "tab": "home",
                                 "event_ts": self.fake.new_ts()})  # fmt: skip

    # --- interactivity ---------------------------------------------------------------------------

    def _who(self, user: str) -> dict[str, Any]:
        return {
            "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": self.home.get(user, self.team)},
            "team": {"id": self.team, "domain": "careers"}, "api_app_id": "A1", "token": "verification-token",
            "trigger_id": f"trigger-{next(self._ids)}",
        }  # fmt: skip

    async def press(self, user: str, posted: Posted, action: str) -> int:
        button = posted.button(action)
        payload = {
            "type": "block_actions", **self._who(user),
            "container": {"type": "message", "message_ts": posted.ts, "channel_id": posted.channel,
                          "is_ephemeral": posted.user is not None},
            "channel": {"id": posted.channel, "name": "interviews"}, "response_url": self.fake.response_url(user),
            "actions": [{**button, "block_id": "b", "action_ts": self.fake.new_ts()}],
        }  # fmt: skip
        return await self.send("interactive", payload)

    async def submit(self, user: str, view: dict[str, Any], **values: str) -> int:
        state = {key: {"value": {"type": "plain_text_input", "value": value}} for key, value in values.items()}
        return await self.submit_state(user, view, state)

    async def submit_files(self, user: str, view: dict[str, Any], block: str, files: list[dict[str, Any]]) -> int:
        return await self.submit_state(user, view, {block: {"file": {"type": "file_input", "files": files}}})

    async def submit_state(self, user: str, view: dict[str, Any], state: dict[str, Any]) -> int:
        payload = {
            "type": "view_submission", **self._who(user),
            "view": {**view, "id": f"V{next(self._ids)}", "hash": self.fake.new_ts(), "team_id": self.team,
                     "state": {"values": state}, "app_installed_team_id": self.team},
            "response_urls": [],
        }  # fmt: skip
        own = self.home.get(user)
        if own is not None:  # a modal opened from a shared channel: only app_installed_team_id is the host
            payload["team"] = {"id": own, "domain": "partner"}
            payload["view"]["team_id"] = own
        return await self.send("interactive", payload)

    async def close(self) -> None:
        await self.transport.close()
