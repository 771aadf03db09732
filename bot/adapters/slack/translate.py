"""Slack payloads in, core events out (pure).

Slack names a message by its channel and `ts` (unique within a channel only), so the core's
message ids are `"<channel>:<ts>"`. The tenant is `"slack:<team id>"`. Each event carries the
id Slack gives it (`event_id`), or for an interaction its one-time `trigger_id`, so a replayed
delivery changes nothing.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from typing import Any

from bot.adapters.slack.mrkdwn import from_slack
from bot.adapters.slack.render import ACTION_PREFIX, FORM_PREFIX, INPUT_ACTION
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

log = logging.getLogger(__name__)
Payload = Mapping[str, Any]
PLATFORM = "slack"
# Message subtypes that are a person writing: anything else (joins, topics, bot posts, hidden
# housekeeping such as thread updates) is not an answer.
PERSON_SUBTYPES = {None, "thread_broadcast", "file_share", "me_message"}


def tenant(team_id: str) -> str:
    return f"{PLATFORM}:{team_id}"


def team_of(tenant_id: str) -> str:
    return tenant_id.split(":", 1)[1]


def message_key(channel: str, ts: str) -> str:
    return f"{channel}:{ts}"


def split_key(key: str) -> tuple[str, str]:
    channel, _, ts = key.partition(":")
    return channel, ts


def team_id(body: Payload) -> str:
    """The workspace a request belongs to: where mockpanel is installed and the channel lives.

    In a Slack Connect (shared) channel the top-level `team_id`, `user.team_id` and the event's
    `user_team` can name the *other* organisation; the installation that received the request is
    `view.app_installed_team_id` (a modal), `team` (an interaction) or `authorizations[0]`
    (an event). This is the order Bolt resolves `context.team_id` in (`extract_team_id`), so
    the tenant is always the workspace whose token Bolt authorised the request with."""
    view = body.get("view")
    if isinstance(view, Mapping) and view.get("app_installed_team_id"):
        return str(view["app_installed_team_id"])
    team = body.get("team")
    if isinstance(team, str) and team:
        return team
    if isinstance(team, Mapping) and team.get("id"):
        return str(team["id"])
    authorizations = body.get("authorizations")
    first = authorizations[0] if isinstance(authorizations, list) and authorizations else None
    if isinstance(first, Mapping) and first.get("team_id"):
        return str(first["team_id"])
    for key in ("context_team_id", "team_id"):
        if isinstance(body.get(key), str) and body[key]:
            return str(body[key])
    for holder in (body.get("user"), view):
        if isinstance(holder, Mapping) and holder.get("team_id"):
            return str(holder["team_id"])
    return ""


# --- slash command ------------------------------------------------------------------------------


_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")


def mentioned_users(body: Payload) -> list[str]:
    """The users a command's text names (`<@U123|name>`), so their names can be looked up."""
    return list(dict.fromkeys(_MENTION.findall(str(body.get("text", "")))))


def command(body: Payload, actor: Actor, mentions: Mapping[str, str] | None = None) -> CommandInvoked:
    return CommandInvoked(
        event_id=f"command:{body.get('trigger_id') or body.get('response_url', '')}",
        tenant=tenant(team_id(body)),
        channel_id=str(body.get("channel_id", "")),
        user=actor,
        text=from_slack(str(body.get("text", ""))),
        mentions=dict(mentions or {}),
    )


# --- Events API ---------------------------------------------------------------------------------


def event_channel(event: Payload) -> str:
    if event.get("type") in ("reaction_added", "reaction_removed"):
        return str((event.get("item") or {}).get("channel", ""))
    return str(event.get("channel", ""))


def event_actor(event: Payload) -> str | None:
    """Who acted, or None when the event is nothing the core needs (so nobody is looked up)."""
    kind = event.get("type")
    if kind in ("reaction_added", "reaction_removed"):
        item = event.get("item") or {}
        return str(event["user"]) if item.get("type") == "message" and event.get("user") else None
    if kind != "message":
        return None
    subtype = event.get("subtype")
    if subtype == "message_changed":
        new = event.get("message") or {}
        old = event.get("previous_message") or {}
        if new.get("bot_id") or not new.get("user") or new.get("text") == old.get("text"):
            return None  # bots, and housekeeping such as a changed reply count
        if not new.get("ts"):
            log.debug("message_changed without message.ts ignored (channel %s)", event.get("channel"))
            return None  # nothing to key the edit on (Bolt's own fixtures have such events)
        return str(new["user"])
    if subtype == "message_deleted":
        if not event.get("deleted_ts"):
            log.debug("message_deleted without deleted_ts ignored (channel %s)", event.get("channel"))
            return None
        return str((event.get("previous_message") or {}).get("user") or "") or None
    if subtype not in PERSON_SUBTYPES or event.get("bot_id") or not event.get("user"):
        return None
    ts, thread_ts = event.get("ts"), event.get("thread_ts")
    if not thread_ts or thread_ts == ts:
        return None  # only replies in a thread can be answers
    return str(event["user"])


def ts_order(ts: object) -> tuple[int, int] | None:
    """Slack's clock for an event, `event_ts` ("1700000000.000200"), as (seconds,
    microseconds): it orders two changes of one rating however late either arrives."""
    seconds, _, fraction = str(ts or "").partition(".")
    if not seconds.isdigit() or not (fraction == "" or fraction.isdigit()):
        return None
    return int(seconds), int(fraction[:6].ljust(6, "0"))


def event(body: Payload, actor: Actor) -> Event | None:
    """An Events API callback as a core event, or None if the core has no use for it."""
    ev: Payload = body.get("event") or {}
    if event_actor(ev) is None:
        return None
    base: dict[str, Any] = {
        "event_id": str(body.get("event_id") or f"{ev.get('type')}:{ev.get('event_ts')}"),
        "tenant": tenant(team_id(body)),
        "channel_id": event_channel(ev),
        "user": actor,
    }
    kind = ev.get("type")
    if kind in ("reaction_added", "reaction_removed"):
        item = ev.get("item") or {}
        cls = ReactionAdded if kind == "reaction_added" else ReactionRemoved
        emoji = str(ev.get("reaction", "")).split("::", 1)[0]  # skin tones: "+1::skin-tone-2"
        message_id = message_key(str(item.get("channel")), str(item.get("ts")))
        return cls(message_id=message_id, emoji=emoji, order=ts_order(ev.get("event_ts")), **base)
    channel = base["channel_id"]
    subtype = ev.get("subtype")
    if subtype == "message_changed":
        new = ev.get("message") or {}
        return MessageEdited(
            message_id=message_key(channel, str(new.get("ts"))), text=from_slack(str(new.get("text", ""))), **base
        )
    if subtype == "message_deleted":
        return MessageDeleted(message_id=message_key(channel, str(ev.get("deleted_ts"))), **base)
    return MessagePosted(
        message_id=message_key(channel, str(ev.get("ts"))),
        text=from_slack(str(ev.get("text", ""))),
        thread_id=message_key(channel, str(ev.get("thread_ts"))),
        **base,
    )


# --- interactivity ------------------------------------------------------------------------------


def action_channel(body: Payload) -> str:
    channel = body.get("channel")
    if isinstance(channel, Mapping) and channel.get("id"):
        return str(channel["id"])
    return str((body.get("container") or {}).get("channel_id", ""))


def action(body: Payload, actor: Actor) -> ButtonPressed | None:
    """A press on one of our buttons (action ids `mock:<action>:<n>`)."""
    actions = body.get("actions") or []
    if not actions or not str(actions[0].get("action_id", "")).startswith(ACTION_PREFIX):
        return None
    pressed = actions[0]
    name = str(pressed["action_id"])[len(ACTION_PREFIX) :].rsplit(":", 1)[0]
    channel = action_channel(body)
    message_ts = (body.get("container") or {}).get("message_ts")
    return ButtonPressed(
        event_id=f"action:{body.get('trigger_id') or pressed.get('action_ts')}",
        tenant=tenant(team_id(body)),
        channel_id=channel,
        user=actor,
        action=name,
        value=str(pressed.get("value") or ""),
        message_id=message_key(channel, str(message_ts)) if message_ts else None,
    )


def metadata(view: Payload) -> dict[str, str]:
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def view_values(view: Payload) -> dict[str, str]:
    values: dict[str, str] = {}
    for block_id, actions in ((view.get("state") or {}).get("values") or {}).items():
        element: Payload = actions.get(INPUT_ACTION) or next(iter(actions.values()), {})
        values[block_id] = str(element.get("value") or "")
    return values


def view_submission(body: Payload, actor: Actor) -> FormSubmitted | None:
    """A submitted modal of ours (callback ids `mock:<form>`)."""
    view: Payload = body.get("view") or {}
    callback = str(view.get("callback_id", ""))
    if not callback.startswith(FORM_PREFIX):
        return None
    meta = metadata(view)
    return FormSubmitted(
        event_id=f"view:{body.get('trigger_id') or view.get('id')}:{view.get('hash', '')}",
        tenant=tenant(team_id(body)),
        channel_id=meta.get("channel", ""),
        user=actor,
        form=callback[len(FORM_PREFIX) :],
        value=meta.get("value", ""),
        fields=view_values(view),  # modal inputs arrive as typed, not escaped
    )


def imported_bank(body: Payload, actor: Actor, attachment: str | None) -> CommandInvoked:
    """The bank-import modal's file, as the `/mock bank import` command with an attachment."""
    view: Payload = body.get("view") or {}
    return CommandInvoked(
        event_id=f"view:{body.get('trigger_id') or view.get('id')}:{view.get('hash', '')}",
        tenant=tenant(team_id(body)),
        channel_id=metadata(view).get("channel", ""),
        user=actor,
        text="bank import",
        attachment=attachment,
    )


def user_id(body: Payload) -> str:
    """Who pressed or submitted (interactions) or ran the command."""
    user = body.get("user")
    if isinstance(user, Mapping):
        return str(user.get("id", ""))
    return str(body.get("user_id", ""))


# The event types the bot acts on: kept in the inbox from before their ack until handled.
HANDLED_EVENTS = ("message", "reaction_added", "reaction_removed")


def inbox_kind(body: dict[str, Any]) -> str | None:
    """Which kind of work a request body is, or None for what the inbox needn't keep."""
    kind = body.get("type")
    if kind is None and "command" in body:
        return "command"
    if kind == "event_callback" and (body.get("event") or {}).get("type") in HANDLED_EVENTS:
        return "event"
    return {"block_actions": "action", "view_submission": "view"}.get(str(kind))
