"""Normalised inbound events: what every adapter translates its platform's input into.

Each event carries a stable `event_id` from the platform (a Discord message or interaction
id, a Slack `event_id`) so that a replayed delivery changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Actor:
    """Who did something. `is_organiser` is the platform's word (Manage Server, workspace
    admin); the core adds its own configured organisers and roles on top."""

    user_id: str
    display_name: str = ""
    is_bot: bool = False
    is_organiser: bool = False
    roles: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.display_name or self.user_id


@dataclass(frozen=True, kw_only=True)
class Event:
    event_id: str
    tenant: str  # "platform:community", e.g. "discord:81234" or "slack:T0123"
    channel_id: str
    user: Actor


@dataclass(frozen=True, kw_only=True)
class CommandInvoked(Event):
    text: str  # the words after `/mock`
    thread_id: str | None = None
    attachment: str | None = None  # text of an attached file (bank import)
    # Display names of the users the text mentions, where the platform resolves them (a panel's
    # candidate may never have spoken to the bot, so the store doesn't know their name yet).
    mentions: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class MessagePosted(Event):
    message_id: str
    text: str
    thread_id: str | None = None


@dataclass(frozen=True, kw_only=True)
class MessageEdited(Event):
    message_id: str
    text: str


@dataclass(frozen=True, kw_only=True)
class MessageDeleted(Event):
    message_id: str


# The platform's own order of a rating change, for "the latest counts": a tuple of
# non-negative ints compared element by element (Slack: event_ts as (seconds, microseconds);
# Discord: (session epoch, sequence, 0), the reconciler's read-back (epoch, sequence, 1)).
# None: the platform gave none, and changes count in the order they arrive.
Order = tuple[int, ...]


@dataclass(frozen=True, kw_only=True)
class ReactionAdded(Event):
    message_id: str
    emoji: str
    order: Order | None = None


@dataclass(frozen=True, kw_only=True)
class ReactionRemoved(Event):
    message_id: str
    emoji: str
    order: Order | None = None


@dataclass(frozen=True, kw_only=True)
class ButtonPressed(Event):
    action: str  # e.g. "join", "leave", "answer", "feedback"
    value: str = ""  # e.g. the round id
    message_id: str | None = None


@dataclass(frozen=True, kw_only=True)
class FormSubmitted(Event):
    form: str  # e.g. "answer", "feedback"
    value: str = ""
    fields: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class TimerFired(Event):
    kind: str
    payload: Mapping[str, Any] = field(default_factory=dict)
    # The timer row this firing takes, in the same transaction as its work ("" for none).
    timer_key: str = ""
    due: datetime | None = None


SYSTEM = Actor(user_id="mockpanel", display_name="mockpanel", is_bot=True, is_organiser=True)
