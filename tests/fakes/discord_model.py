"""Discord's objects as the fake keeps them, the JSON it sends, and the checks Discord makes on
what a bot sends (lengths, counts, empty messages) and on who a message would ping."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import Any

EPHEMERAL = 1 << 6
MESSAGE_CONTENT = 1 << 15
GUILDS, GUILD_MEMBERS, GUILD_PRESENCES, GUILD_MESSAGES, GUILD_REACTIONS = 1 << 0, 1 << 1, 1 << 8, 1 << 9, 1 << 10
PRIVILEGED = GUILD_MEMBERS | GUILD_PRESENCES | MESSAGE_CONTENT
ALL_PERMISSIONS = (1 << 50) - 1
MANAGE_GUILD = 1 << 5
TIMESTAMP = "2026-03-02T09:00:00.000000+00:00"

_ids = itertools.count(1_300_000_000_000_000_000)


def snowflake() -> str:
    return str(next(_ids))


def snowflake_on_shard(shard: int, count: int) -> str:
    """A new id that Discord's rule `(id >> 22) % count` puts on `shard` (ids stay increasing:
    the counter jumps ahead to the next block of 2**22 ids with the right remainder)."""
    global _ids
    candidate = next(_ids)
    block = candidate >> 22
    if block % count != shard:
        block += (shard - block) % count
        candidate = block << 22
    _ids = itertools.count(candidate + 1)
    return str(candidate)


def user(username: str, *, bot: bool = False, user_id: str | None = None) -> dict[str, Any]:
    return {"id": user_id or snowflake(), "username": username.lower(), "global_name": username,
            "discriminator": "0", "avatar": None, "bot": bot, "public_flags": 0}  # fmt: skip


@dataclass
class Guild:
    id: str
    name: str
    owner_id: str
    roles: list[dict[str, Any]] = field(default_factory=list)
    channels: list[dict[str, Any]] = field(default_factory=list)
    members: dict[str, dict[str, Any]] = field(default_factory=dict)  # user id -> member (with user)

    def member_permissions(self, user_id: str) -> int:
        if user_id == self.owner_id:
            return ALL_PERMISSIONS
        member = self.members.get(user_id, {"roles": []})
        bits = 0
        for role in self.roles:
            if role["id"] == self.id or role["id"] in member["roles"]:
                bits |= int(role["permissions"])
        return ALL_PERMISSIONS if bits & (1 << 3) else bits

    def create_payload(self) -> dict[str, Any]:
        return {
            "id": self.id, "name": self.name, "owner_id": self.owner_id, "unavailable": False,
            "member_count": len(self.members), "large": False, "roles": self.roles, "emojis": [], "stickers": [],
            "features": [], "channels": [c for c in self.channels if c["type"] not in (10, 11, 12)],
            "threads": [c for c in self.channels if c["type"] in (10, 11, 12)],
            "members": list(self.members.values()), "voice_states": [], "presences": [],
            "joined_at": TIMESTAMP, "premium_tier": 0, "preferred_locale": "en-US", "mfa_level": 0,
            "verification_level": 0, "explicit_content_filter": 0, "default_message_notifications": 0,
            "system_channel_flags": 0, "nsfw_level": 0, "afk_timeout": 300,
        }  # fmt: skip


def role(
    guild_id: str, name: str, permissions: int, *, role_id: str | None = None, position: int = 1
) -> dict[str, Any]:
    return {"id": role_id or snowflake(), "name": name, "permissions": str(permissions), "position": position,
            "color": 0, "hoist": False, "managed": False, "mentionable": True, "flags": 0}  # fmt: skip


def text_channel(guild_id: str, name: str, position: int = 0) -> dict[str, Any]:
    return {"id": snowflake(), "type": 0, "guild_id": guild_id, "name": name, "position": position,
            "permission_overwrites": [], "nsfw": False, "topic": None, "last_message_id": None}  # fmt: skip


def thread_channel(guild_id: str, parent_id: str, thread_id: str, name: str, owner_id: str) -> dict[str, Any]:
    return {"id": thread_id, "type": 11, "guild_id": guild_id, "parent_id": parent_id, "name": name,
            "owner_id": owner_id, "message_count": 0, "member_count": 1, "rate_limit_per_user": 0, "flags": 0,
            "thread_metadata": {"archived": False, "auto_archive_duration": 1440, "archive_timestamp": TIMESTAMP,
                                "locked": False}}  # fmt: skip


def member(user_data: dict[str, Any], roles: list[str] | None = None) -> dict[str, Any]:
    return {"user": user_data, "roles": roles or [], "nick": None, "joined_at": TIMESTAMP, "flags": 0,
            "deaf": False, "mute": False, "pending": False}  # fmt: skip


def message(channel: dict[str, Any] | None, channel_id: str, author: dict[str, Any], body: dict[str, Any],
            *, kind: int = 0, flags: int = 0) -> dict[str, Any]:  # fmt: skip
    data = {
        "id": snowflake(), "type": kind, "channel_id": channel_id, "author": author,
        "content": body.get("content") or "", "embeds": body.get("embeds") or [],
        "components": body.get("components") or [], "attachments": body.get("attachments") or [],
        "timestamp": TIMESTAMP, "edited_timestamp": None, "tts": False, "mention_everyone": False,
        "mentions": [], "mention_roles": [], "pinned": False, "flags": flags, "reactions": [],
    }  # fmt: skip
    if body.get("nonce") is not None:
        data["nonce"] = body["nonce"]  # echoed in the response and in MESSAGE_CREATE
    if channel is not None and channel.get("guild_id"):
        data["guild_id"] = channel["guild_id"]
    return data


# --- what Discord checks ---------------------------------------------------------------------


def _embed_errors(embed: dict[str, Any]) -> list[str]:
    errors = []
    limits = {"title": 256, "description": 4096}
    for key, limit in limits.items():
        if len(embed.get(key) or "") > limit:
            errors.append(f"embed {key} longer than {limit}")
    fields = embed.get("fields") or []
    if len(fields) > 25:
        errors.append("more than 25 fields")
    for f in fields:
        if not f.get("name") or not f.get("value"):
            errors.append("empty field name or value")
        if len(f.get("name", "")) > 256 or len(f.get("value", "")) > 1024:
            errors.append("field too long")
    if len((embed.get("footer") or {}).get("text", "")) > 2048:
        errors.append("footer longer than 2048")
    return errors


def embed_total(embed: dict[str, Any]) -> int:
    size = len(embed.get("title") or "") + len(embed.get("description") or "")
    size += sum(len(f.get("name", "")) + len(f.get("value", "")) for f in embed.get("fields") or [])
    return size + len((embed.get("footer") or {}).get("text", "")) + len((embed.get("author") or {}).get("name", ""))


def message_errors(body: dict[str, Any], files: int = 0) -> list[str]:
    """Why Discord would answer 400 (50035 / 50006) to this message body."""
    errors = []
    content, embeds, rows = body.get("content") or "", body.get("embeds") or [], body.get("components") or []
    if not (content or embeds or files or rows or body.get("attachments")):
        errors.append("Cannot send an empty message")
    nonce = body.get("nonce")
    if nonce is not None and not (isinstance(nonce, int) or (isinstance(nonce, str) and len(nonce) <= 25)):
        errors.append("nonce: an integer or a string of at most 25 characters")
    if len(content) > 2000:
        errors.append("content longer than 2000")
    if len(embeds) > 10:
        errors.append("more than 10 embeds")
    if sum(embed_total(e) for e in embeds) > 6000:
        errors.append("embeds longer than 6000 in all")
    for embed in embeds:
        errors += _embed_errors(embed)
    if len(rows) > 5:
        errors.append("more than 5 action rows")
    custom_ids: list[str] = []
    for row in rows:
        buttons = row.get("components") or []
        if row.get("type") != 1 or not 1 <= len(buttons) <= 5:
            errors.append("an action row holds 1 to 5 buttons")
        for button in buttons:
            if len(button.get("label") or "") > 80 or len(button.get("custom_id") or "") > 100:
                errors.append("button label or custom_id too long")
            custom_ids.append(button.get("custom_id", ""))
    if len(custom_ids) != len(set(custom_ids)):
        errors.append("duplicate custom_id")
    return errors


def modal_errors(data: dict[str, Any]) -> list[str]:
    errors = []
    if not 1 <= len(data.get("title") or "") <= 45:
        errors.append("modal title 1 to 45")
    if len(data.get("custom_id") or "") > 100:
        errors.append("modal custom_id too long")
    rows = data.get("components") or []
    if not 1 <= len(rows) <= 5:
        errors.append("a modal holds 1 to 5 components")
    for row in rows:
        for item in row.get("components") or [row.get("component") or {}]:
            if len(item.get("label") or "") > 45 or len(item.get("placeholder") or "") > 100:
                errors.append("text input label or placeholder too long")
            if int(item.get("max_length") or 0) > 4000:
                errors.append("text input max_length above 4000")
    return errors


def pings(content: str, allowed: dict[str, Any] | None) -> set[str]:
    """Who a message's content notifies, under its allowed_mentions (absent: everything)."""
    parse = set((allowed or {"parse": ["everyone", "users", "roles"]}).get("parse") or [])
    found = set()
    if "everyone" in parse and re.search(r"@(everyone|here)", content):
        found.add("@everyone")
    for user_id in re.findall(r"<@!?(\d+)>", content):
        if "users" in parse or user_id in (allowed or {}).get("users", []):
            found.add(f"user:{user_id}")
    for role_id in re.findall(r"<@&(\d+)>", content):
        if "roles" in parse or role_id in (allowed or {}).get("roles", []):
            found.add(f"role:{role_id}")
    return found


def as_seen_without_content(data: dict[str, Any], bot_id: str) -> dict[str, Any]:
    """Without the message-content intent, Discord blanks what other people wrote (on the
    gateway and over REST), unless the bot is mentioned."""
    author = (data.get("author") or {}).get("id")
    if author == bot_id or f"<@{bot_id}>" in (data.get("content") or ""):
        return data
    return {**data, "content": "", "embeds": [], "attachments": [], "components": []}


def text_of(data: dict[str, Any]) -> str:
    """Everything a person reads in a message: content, embed titles, text, fields, footers."""
    parts = [data.get("content") or ""]
    for embed in data.get("embeds") or []:
        parts += [embed.get("title") or "", embed.get("description") or ""]
        parts += [f"{f.get('name')}: {f.get('value')}" for f in embed.get("fields") or []]
        parts.append((embed.get("footer") or {}).get("text", ""))
    return "\n".join(p for p in parts if p)


def custom_ids(data: dict[str, Any]) -> list[str]:
    return [b.get("custom_id", "") for row in data.get("components") or [] for b in row.get("components") or []]
