"""The fake Discord's REST endpoints (the subset mockpanel and discord.py use), with the
validation and error codes Discord answers with."""

from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from tests.fakes import discord_model as model
from tests.fakes.discord_fake import error, json_response

if TYPE_CHECKING:
    from tests.fakes.discord_fake import FakeDiscord, FakeInteraction

Files = list[tuple[str, bytes]]
Handler = Callable[..., Awaitable[web.Response]]
ROUTES: list[tuple[str, re.Pattern[str], Handler]] = []


def route(method: str, pattern: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        ROUTES.append((method, re.compile(pattern), fn))
        return fn

    return register


async def handle(
    fake: FakeDiscord, request: web.Request, path: str, body: dict[str, Any], files: Files
) -> web.Response:
    for method, pattern, fn in ROUTES:
        match = pattern.fullmatch(path)
        if match and method == request.method:
            return await fn(fake, request, body, files, **match.groupdict())
    return error(404, 0, f"404: Not Found ({request.method} {path})")


# --- login and commands ----------------------------------------------------------------------


@route("GET", r"/users/@me")
async def me(fake: FakeDiscord, request: web.Request, body: Any, files: Files) -> web.Response:
    return json_response(fake.bot)


@route("GET", r"/gateway/bot")
async def gateway_bot(fake: FakeDiscord, request: web.Request, body: Any, files: Files) -> web.Response:
    """Where to connect and how many shards Discord recommends (about one per 1,000 guilds)."""
    shards = fake.recommended_shards or max(1, -(-len(fake.guilds) // 1000))
    limit = {"total": 1000, "remaining": 999, "reset_after": 14_400_000,
             "max_concurrency": fake.gateway.max_concurrency}  # fmt: skip
    return json_response({"url": fake.gateway_url, "shards": shards, "session_start_limit": limit})


@route("GET", r"/oauth2/applications/@me")
async def application(fake: FakeDiscord, request: web.Request, body: Any, files: Files) -> web.Response:
    return json_response({
        "id": fake.app_id, "name": "mockpanel", "description": "", "icon": None, "bot_public": True,
        "bot_require_code_grant": False, "owner": fake.bot, "verify_key": "0" * 64, "flags": fake.app_flags,
        "interactions_endpoint_url": None, "team": None, "summary": "", "rpc_origins": [], "bot": fake.bot,
    })  # fmt: skip


def _command_errors(command: dict[str, Any]) -> list[str]:
    def walk(option: dict[str, Any]) -> int:
        if not re.fullmatch(r"[-_a-z0-9]{1,32}", option.get("name", "")):
            errors.append(f"bad name {option.get('name')!r}")
        if not 1 <= len(option.get("description", "")) <= 100:
            errors.append(f"bad description on {option.get('name')!r}")
        if len(option.get("options", [])) > 25 or len(option.get("choices", [])) > 25:
            errors.append("more than 25 options or choices")
        size = len(option.get("name", "")) + len(option.get("description", ""))
        size += sum(len(c["name"]) + len(str(c["value"])) for c in option.get("choices", []))
        return size + sum(walk(o) for o in option.get("options", []))

    errors: list[str] = []
    if walk(command) > 8000:
        errors.append("command longer than 8000 characters")
    return errors


@route("PUT", r"/applications/(?P<app>\d+)(/guilds/(?P<guild>\d+))?/commands")
async def put_commands(fake: FakeDiscord, request: web.Request, body: Any, files: Files,
                       app: str, guild: str | None) -> web.Response:  # fmt: skip
    errors = [e for command in body for e in _command_errors(command)]
    if app != fake.app_id or errors:
        return error(400, 50035, "Invalid Form Body", errors)
    stored = [{**c, "id": model.snowflake(), "application_id": app, "version": model.snowflake()} for c in body]
    fake.commands[guild or "global"] = stored
    return json_response(stored)


# --- channels, messages, threads, reactions ----------------------------------------------------


async def post_message(
    fake: FakeDiscord, channel_id: str, author: dict[str, Any], body: dict[str, Any], files: Files, *,
    kind: int = 0, flags: int = 0, echo: bool = True,
) -> dict[str, Any] | web.Response:  # fmt: skip
    """Create a message as Discord does, or the error response Discord would give."""
    channel = fake.channels.get(channel_id)
    if channel is None:
        return error(404, 10003, "Unknown Channel")
    if channel_id in fake.denied and author["id"] == fake.bot["id"]:
        return error(403, 50013, "Missing Permissions")
    if channel["type"] == 1 and channel["recipients"][0]["id"] in fake.dms_closed:
        return error(403, 50007, "Cannot send messages to this user")
    problems = model.message_errors(body, len(files))
    if problems:
        return error(
            400, 50006 if problems == ["Cannot send an empty message"] else 50035, "Invalid Form Body", problems
        )
    nonce_key = (channel_id, author["id"], str(body["nonce"])) if body.get("nonce") is not None else None
    if nonce_key is not None and body.get("enforce_nonce"):
        earlier = fake.sent_nonces.get(nonce_key)
        if earlier is not None and time.monotonic() - earlier[1] < fake.nonce_window:
            return fake.messages[earlier[0]]  # the first message again, nothing new posted
    body = {**body, "attachments": [fake.host_file(name, content) for name, content in files]}
    message = model.message(channel, channel_id, author, body, kind=kind, flags=flags)
    if nonce_key is not None:
        fake.sent_nonces[nonce_key] = (message["id"], time.monotonic())
    message["pings"] = sorted(model.pings(message["content"], body.get("allowed_mentions")))
    fake.messages[message["id"]] = message
    if channel["type"] in (10, 11, 12):
        channel["message_count"] += 1
    if echo and channel.get("guild_id") and not flags & model.EPHEMERAL:
        await fake.gateway.dispatch("MESSAGE_CREATE", _with_member(fake, message))
    fake._changed.set()
    return message


def _with_member(fake: FakeDiscord, message: dict[str, Any]) -> dict[str, Any]:
    guild = fake.guilds.get(message.get("guild_id", ""))
    found = guild.members.get(message["author"]["id"]) if guild else None
    public = {k: v for k, v in message.items() if k != "pings"}
    return {**public, "member": {k: v for k, v in found.items() if k != "user"}} if found else public


def _public(message: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in message.items() if k != "pings"}


@route("POST", r"/channels/(?P<channel>\d+)/messages")
async def create_message(fake: FakeDiscord, request: web.Request, body: dict[str, Any], files: Files,
                         channel: str) -> web.Response:  # fmt: skip
    made = await post_message(fake, channel, fake.bot, body, files)
    if fake.stall is not None and not isinstance(made, web.Response) and fake.stall(made):
        await fake.unstalled.wait()  # posted, but the sender does not hear so
    return made if isinstance(made, web.Response) else json_response(_public(made))


def reaction_list(fake: FakeDiscord, message_id: str) -> list[dict[str, Any]]:
    out = []
    for key, users in (fake.reactions.get(message_id) or {}).items():
        if users:
            out.append({"emoji": emoji_object(key), "count": len(users), "count_details": {"burst": 0, "normal": len(users)},
                        "me": fake.bot["id"] in users, "me_burst": False, "burst_colors": []})  # fmt: skip
    return out


def emoji_object(key: str) -> dict[str, Any]:
    custom = re.fullmatch(r"<(a?):([^:]+):(\d+)>", key)
    if custom:
        return {"id": custom.group(3), "name": custom.group(2), "animated": bool(custom.group(1))}
    return {"id": None, "name": key}


@route("GET", r"/channels/(?P<channel>\d+)/messages")
async def list_messages(fake: FakeDiscord, request: web.Request, body: Any, files: Files,
                        channel: str) -> web.Response:  # fmt: skip
    """A page of a channel's history, newest first as Discord gives it: the `limit` (1-100)
    messages just after `after`, or just before `before`, or the latest."""
    if channel not in fake.channels:
        return error(404, 10003, "Unknown Channel")
    limit = int(request.query.get("limit", "50"))
    if not 1 <= limit <= 100:
        return error(400, 50035, "Invalid Form Body", ["limit 1 to 100"])
    found = sorted((m for m in fake.channel_messages(channel)), key=lambda m: int(m["id"]))
    if "after" in request.query:
        page = [m for m in found if int(m["id"]) > int(request.query["after"])][:limit]
    else:
        before = int(request.query.get("before", str(1 << 63)))
        page = [m for m in found if int(m["id"]) < before][-limit:]
    readable = bool(fake.privileged_allowed & model.MESSAGE_CONTENT)
    shown = [_public(m) if readable else model.as_seen_without_content(_public(m), fake.bot["id"]) for m in page]
    return json_response([{**m, "reactions": reaction_list(fake, m["id"])} for m in reversed(shown)])


@route("GET", r"/channels/(?P<channel>\d+)/messages/(?P<message>\d+)")
async def get_message(fake: FakeDiscord, request: web.Request, body: Any, files: Files,
                      channel: str, message: str) -> web.Response:  # fmt: skip
    found = fake.messages.get(message)
    if found is None or found["channel_id"] != channel:
        return error(404, 10008, "Unknown Message")
    return json_response({**_public(found), "reactions": reaction_list(fake, message)})


@route("GET", r"/channels/(?P<channel>\d+)/messages/(?P<message>\d+)/reactions/(?P<emoji>[^/]+)")
async def reaction_users(fake: FakeDiscord, request: web.Request, body: Any, files: Files,
                         channel: str, message: str, emoji: str) -> web.Response:  # fmt: skip
    key = f"<:{emoji}>" if re.fullmatch(r"[^:]+:\d+", emoji) else emoji
    found = fake.messages.get(message)
    if found is None or found["channel_id"] != channel:
        return error(404, 10008, "Unknown Message")
    if request.query.get("type", "0") != "0":
        return json_response([])  # the fake has no super reactions
    after = int(request.query.get("after", "0"))
    limit = int(request.query.get("limit", "25"))
    users = sorted(
        (fake.users[u] for u in (fake.reactions.get(message) or {}).get(key, [])), key=lambda u: int(u["id"])
    )
    return json_response([u for u in users if int(u["id"]) > after][:limit])


@route("POST", r"/channels/(?P<channel>\d+)/messages/(?P<message>\d+)/threads")
async def start_thread(fake: FakeDiscord, request: web.Request, body: dict[str, Any], files: Files,
                       channel: str, message: str) -> web.Response:  # fmt: skip
    found = fake.messages.get(message)
    if found is None or found["channel_id"] != channel:
        return error(404, 10008, "Unknown Message")
    if message in fake.channels:
        return error(400, 160004, "A thread has already been created for this message")
    if not 1 <= len(body.get("name", "")) <= 100:
        return error(400, 50035, "Invalid Form Body", ["thread name 1 to 100"])
    parent = fake.channels[channel]
    thread = model.thread_channel(parent["guild_id"], channel, message, body["name"], fake.bot["id"])
    fake.channels[message] = thread
    fake.guilds[parent["guild_id"]].channels.append(thread)
    found["thread"] = thread
    await fake.gateway.dispatch("THREAD_CREATE", {**thread, "newly_created": True})
    return json_response(thread, 201)


@route("GET", r"/channels/(?P<channel>\d+)")
async def get_channel(fake: FakeDiscord, request: web.Request, body: Any, files: Files, channel: str) -> web.Response:
    found = fake.channels.get(channel)
    return json_response(found) if found else error(404, 10003, "Unknown Channel")


@route("GET", r"/guilds/(?P<guild>\d+)")
async def get_guild(fake: FakeDiscord, request: web.Request, body: Any, files: Files, guild: str) -> web.Response:
    found = fake.guilds.get(guild)
    if found is None:
        return error(404, 10004, "Unknown Guild")
    return json_response({"id": found.id, "name": found.name, "owner_id": found.owner_id, "roles": found.roles})


@route("GET", r"/guilds/(?P<guild>\d+)/members/(?P<user>\d+)")
async def get_member(fake: FakeDiscord, request: web.Request, body: Any, files: Files,
                     guild: str, user: str) -> web.Response:  # fmt: skip
    found = fake.guilds.get(guild)
    if found is None or user not in found.members:
        return error(404, 10007, "Unknown Member")
    return json_response(found.members[user])


@route("POST", r"/users/@me/channels")
async def open_dm(fake: FakeDiscord, request: web.Request, body: dict[str, Any], files: Files) -> web.Response:
    user_id = str(body.get("recipient_id"))
    if user_id not in fake.users:
        return error(400, 50035, "Invalid Form Body", ["unknown recipient"])
    if user_id not in fake.dm_channels:
        channel = {"id": model.snowflake(), "type": 1, "recipients": [fake.users[user_id]], "last_message_id": None}
        fake.channels[channel["id"]] = channel
        fake.dm_channels[user_id] = channel["id"]
    return json_response(fake.channels[fake.dm_channels[user_id]])


# --- interactions ------------------------------------------------------------------------------


def _by_token(fake: FakeDiscord, token: str) -> FakeInteraction | None:
    return next((i for i in fake.interactions.values() if i.payload["token"] == token), None)


@route("POST", r"/interactions/(?P<interaction>\d+)/(?P<token>[^/]+)/callback")
async def callback(fake: FakeDiscord, request: web.Request, body: dict[str, Any], files: Files,
                   interaction: str, token: str) -> web.Response:  # fmt: skip
    found = fake.interactions.get(interaction)
    if found is None or found.payload["token"] != token:
        return error(404, 10062, "Unknown interaction")
    if found.response_type is not None:
        return error(400, 40060, "Interaction has already been acknowledged.")
    if time.monotonic() - found.created > fake.interaction_deadline:
        return error(404, 10062, "Unknown interaction")
    kind, data = int(body["type"]), body.get("data") or {}
    message = None
    if kind == 4:
        made = await post_message(fake, found.payload["channel_id"], fake.bot, data, files,
                                  kind=20, flags=int(data.get("flags") or 0))  # fmt: skip
        if isinstance(made, web.Response):
            return made
        message = made
    elif kind == 5:
        message = model.message(None, found.payload["channel_id"], fake.bot, {"content": ""},
                                flags=(1 << 7) | (int(data.get("flags") or 0) & model.EPHEMERAL))  # fmt: skip
    elif kind == 9 and model.modal_errors(data):
        return error(400, 50035, "Invalid Form Body", model.modal_errors(data))
    elif kind == 8 and len(data.get("choices") or []) > 25:
        return error(400, 50035, "Invalid Form Body", ["more than 25 choices"])
    found.response_type, found.response = kind, message if message is not None else data
    found.answered.set()
    fake._changed.set()
    ephemeral = bool(message and message["flags"] & model.EPHEMERAL)
    summary = {"id": interaction, "type": found.payload["type"], "response_message_id": message["id"] if message else None,
               "response_message_loading": kind == 5, "response_message_ephemeral": ephemeral}  # fmt: skip
    resource: dict[str, Any] = {"type": kind}
    if message is not None:
        resource["message"] = _public(message)
    return json_response({"interaction": summary, "resource": resource})


@route("POST", r"/webhooks/(?P<app>\d+)/(?P<token>[^/]+)")
async def followup(fake: FakeDiscord, request: web.Request, body: dict[str, Any], files: Files,
                   app: str, token: str) -> web.Response:  # fmt: skip
    found = _by_token(fake, token)
    if found is None or app != fake.app_id or found.response_type is None:
        return error(404, 10015, "Unknown Webhook")
    flags = int(body.get("flags") or 0)
    if found.response_type == 5 and not found.followups and found.response is not None:
        flags = (flags & ~model.EPHEMERAL) | (found.response["flags"] & model.EPHEMERAL)  # it replaces "thinking…"
    made = await post_message(fake, found.payload["channel_id"], fake.bot, body, files, kind=20, flags=flags)
    if isinstance(made, web.Response):
        return made
    found.followups.append(made)
    fake._changed.set()
    return json_response(_public(made))
