"""Discord gateway payloads in, core events out (pure: the raw JSON `d` of a dispatch, or an
interaction payload, plus what the guild cache knows about roles).

Tenants are "discord:<guild id>". A message or interaction inside a thread reports the
thread's parent as its channel and the thread as `thread_id`; a thread made from a message
has that message's id, which is how an answer in a question's thread finds its question.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.adapters.discord import ids, tree
from bot.core.events import (
    Actor,
    ButtonPressed,
    CommandInvoked,
    Event,
    FormSubmitted,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    ReactionAdded,
    ReactionRemoved,
)

ADMINISTRATOR = 1 << 3
MANAGE_GUILD = 1 << 5
THREAD_TYPES = frozenset({10, 11, 12})
ANSWERABLE_MESSAGE_TYPES = frozenset({0, 19})  # default, reply
APPLICATION_COMMAND = 2
MESSAGE_COMPONENT = 3
MODAL_SUBMIT = 5
UNKNOWN_AUTHOR = Actor(user_id="0", display_name="(unknown)")


@dataclass(frozen=True)
class GuildInfo:
    """What the guild cache knows that payloads leave out."""

    guild_id: str
    owner_id: str | None = None
    role_permissions: Mapping[str, int] = field(default_factory=dict)


def tenant(guild_id: str | int) -> str:
    return f"discord:{guild_id}"


def display_name(user: Mapping[str, Any], member: Mapping[str, Any] | None = None) -> str:
    nick = (member or {}).get("nick")
    return str(nick or user.get("global_name") or user.get("username") or user.get("id", ""))


def is_organiser(member: Mapping[str, Any] | None, user_id: str, guild: GuildInfo) -> bool:
    """Manage Server (or Administrator, or owning the guild). Interactions carry the member's
    computed permissions; elsewhere they are summed from the member's roles."""
    if guild.owner_id is not None and user_id == guild.owner_id:
        return True
    if member is None:
        return False
    if member.get("permissions") is not None:
        bits = int(member["permissions"])
    else:
        role_ids = [*map(str, member.get("roles", [])), guild.guild_id]  # @everyone has the guild's id
        bits = 0
        for role_id in role_ids:
            bits |= guild.role_permissions.get(role_id, 0)
    return bool(bits & (ADMINISTRATOR | MANAGE_GUILD))


def actor(user: Mapping[str, Any], member: Mapping[str, Any] | None, guild: GuildInfo) -> Actor:
    user_id = str(user["id"])
    # Role ids only: anyone with Manage Roles could name a role after the organiser role.
    roles = [str(r) for r in (member or {}).get("roles", [])]
    return Actor(
        user_id=user_id,
        display_name=display_name(user, member),
        is_bot=bool(user.get("bot", False)),
        is_organiser=is_organiser(member, user_id, guild),
        roles=tuple(roles),
    )


def emoji_text(emoji: Mapping[str, Any]) -> str:
    """A standard emoji as itself; a custom one as Discord writes it in text (`<:name:id>`),
    which is also how an organiser types it into `/mock config rating-emoji`."""
    if emoji.get("id"):
        prefix = "a" if emoji.get("animated") else ""
        return f"<{prefix}:{emoji.get('name') or '_'}:{emoji['id']}>"
    return str(emoji.get("name") or "")


def reaction(
    data: Mapping[str, Any],
    *,
    event_id: str,
    added: bool,
    parent_id: str | None,
    guild: GuildInfo,
    order: tuple[int, ...] | None = None,
) -> ReactionAdded | ReactionRemoved | None:
    """MESSAGE_REACTION_ADD / _REMOVE. Removals carry no member, so no name or bot flag.
    Reactions carry no time: `order` is the dispatch's place in the gateway's order
    (`client.gateway_order`)."""
    if not data.get("guild_id"):
        return None
    member = data.get("member")
    user = (member or {}).get("user") or {"id": data["user_id"]}
    who = actor(user, member, guild)
    common: dict[str, Any] = {
        "event_id": event_id,
        "tenant": tenant(data["guild_id"]),
        "channel_id": parent_id or str(data["channel_id"]),
        "user": who,
        "message_id": str(data["message_id"]),
        "emoji": emoji_text(data.get("emoji", {})),
        "order": order,
    }
    return ReactionAdded(**common) if added else ReactionRemoved(**common)


def _mention_free(content: str, bot_user_id: str) -> str:
    """Without the message-content intent a bot sees text only where it is mentioned: drop
    the mention itself so `@mockpanel my answer` is the answer `my answer`."""
    return re.sub(rf"<@!?{re.escape(bot_user_id)}>", "", content).strip() if bot_user_id else content.strip()


def _author(data: Mapping[str, Any], guild: GuildInfo) -> Actor:
    author = data.get("author")
    if not author:
        return UNKNOWN_AUTHOR
    return actor(author, data.get("member"), guild)


def message_posted(
    data: Mapping[str, Any], *, parent_id: str | None, bot_user_id: str, guild: GuildInfo
) -> MessagePosted | None:
    """MESSAGE_CREATE in a guild channel. `parent_id` is set when the channel is a thread.
    Webhooks, system messages and the bot's own posts are not answers."""
    author = data.get("author") or {}
    if not data.get("guild_id") or data.get("webhook_id") or str(author.get("id")) == bot_user_id:
        return None
    if int(data.get("type", 0)) not in ANSWERABLE_MESSAGE_TYPES:
        return None
    channel = str(data["channel_id"])
    return MessagePosted(
        event_id=str(data["id"]),
        tenant=tenant(data["guild_id"]),
        channel_id=parent_id or channel,
        user=_author(data, guild),
        message_id=str(data["id"]),
        text=_mention_free(str(data.get("content") or ""), bot_user_id),
        thread_id=channel if parent_id else None,
    )


def message_edited(
    data: Mapping[str, Any], *, parent_id: str | None, bot_user_id: str, guild: GuildInfo
) -> MessageEdited | None:
    """MESSAGE_UPDATE with new text. Updates without content (embeds unfurling, or no
    message-content intent) change no answer."""
    content = data.get("content")
    author = data.get("author") or {}
    if not data.get("guild_id") or not content or not author or str(author.get("id")) == bot_user_id:
        return None
    stamp = data.get("edited_timestamp") or ""
    return MessageEdited(
        event_id=f"edit:{data['id']}:{stamp}",
        tenant=tenant(data["guild_id"]),
        channel_id=parent_id or str(data["channel_id"]),
        user=_author(data, guild),
        message_id=str(data["id"]),
        text=_mention_free(str(content), bot_user_id),
    )


def message_deleted(data: Mapping[str, Any], *, parent_id: str | None) -> MessageDeleted | None:
    if not data.get("guild_id"):
        return None
    return MessageDeleted(
        event_id=f"delete:{data['id']}",
        tenant=tenant(data["guild_id"]),
        channel_id=parent_id or str(data["channel_id"]),
        user=UNKNOWN_AUTHOR,
        message_id=str(data["id"]),
    )


def interaction_channel(payload: Mapping[str, Any]) -> tuple[str, str | None]:
    """(channel, thread): an interaction inside a thread belongs to the thread's parent."""
    channel = payload.get("channel") or {}
    channel_id = str(payload.get("channel_id") or channel.get("id") or "")
    if int(channel.get("type", 0)) in THREAD_TYPES and channel.get("parent_id"):
        return str(channel["parent_id"]), channel_id
    return channel_id, None


def form_fields(components: list[Mapping[str, Any]]) -> dict[str, str]:
    """The text inputs of a modal submission, in action rows (type 1) or labels (type 18)."""
    values: dict[str, str] = {}
    for component in components:
        if component.get("type") == 1:
            values.update(form_fields(component.get("components", [])))
        elif component.get("type") == 18 and component.get("component"):
            values.update(form_fields([component["component"]]))
        elif component.get("custom_id") is not None and "value" in component:
            values[str(component["custom_id"])] = str(component["value"] or "")
    return values


def guild_of(payload: Mapping[str, Any]) -> str:
    """The guild of an interaction: its own, or for a press of one of our buttons in a direct
    message, the guild the button names."""
    if payload.get("guild_id"):
        return str(payload["guild_id"])
    if int(payload.get("type", 0)) != MESSAGE_COMPONENT:
        return ""
    parsed = ids.parse(str((payload.get("data") or {}).get("custom_id", "")))
    in_dm = ids.dm_guild(parsed) if parsed is not None else None
    return in_dm[0] if in_dm else ""


def interaction(payload: Mapping[str, Any], guild: GuildInfo, attachment: str | None = None) -> Event | None:
    """A slash command, a button press or a modal submission, or None for anything that is
    not ours (another bot's buttons, autocomplete, DMs other than our DM buttons)."""
    guild_id = guild_of(payload)
    if not guild_id:
        return None
    member = payload.get("member") or {}
    user = member.get("user") or payload.get("user") or {}
    channel_id, thread_id = interaction_channel(payload)
    common: dict[str, Any] = {
        "event_id": str(payload["id"]),
        "tenant": tenant(guild_id),
        "channel_id": channel_id,
        "user": actor(user, member, guild),
    }
    data = payload.get("data") or {}
    kind = int(payload["type"])
    if kind == APPLICATION_COMMAND:
        if data.get("name") != tree.GROUP:
            return None
        return CommandInvoked(
            text=tree.command_text(data),
            thread_id=thread_id,
            attachment=attachment,
            mentions=tree.mentioned_users(data),
            **common,
        )
    parsed = ids.parse(str(data.get("custom_id", "")))
    if kind == MESSAGE_COMPONENT and parsed is not None and parsed.kind in (ids.BUTTON, ids.DM_BUTTON):
        message = payload.get("message") or {}
        in_dm = ids.dm_guild(parsed)
        if parsed.kind == ids.DM_BUTTON and (in_dm is None or payload.get("guild_id")):
            return None  # a DM button is only good in a DM
        return ButtonPressed(
            action=parsed.name, value=in_dm[1] if in_dm else parsed.value,
            message_id=str(message["id"]) if message else None, **common,
        )  # fmt: skip
    if kind == MODAL_SUBMIT and parsed is not None and parsed.kind == ids.FORM:
        return FormSubmitted(
            form=parsed.name, value=parsed.value, fields=form_fields(data.get("components", [])), **common
        )
    return None
