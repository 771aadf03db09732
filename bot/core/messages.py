"""The neutral outbound message model. Adapters render it: Discord embeds and views,
Slack Block Kit, plain text for the terminal.

Text uses a small markdown subset: **bold**, _italic_, `code`, and lines starting with "- ".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum


class Visibility(Enum):
    PUBLIC = "public"
    EPHEMERAL = "ephemeral"  # only the addressed user sees it, in the channel
    DIRECT = "direct"  # a direct message


@dataclass(frozen=True)
class Button:
    label: str
    action: str  # what ButtonPressed.action will say
    value: str = ""
    primary: bool = False


@dataclass(frozen=True)
class Field:
    name: str
    value: str
    inline: bool = False


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: str


@dataclass(frozen=True)
class Message:
    text: str = ""
    title: str | None = None
    fields: tuple[Field, ...] = ()
    buttons: tuple[Button, ...] = ()
    footer: str | None = None
    countdown: datetime | None = None  # "ends <relative time>", rendered natively, no edits
    attachment: Attachment | None = None


@dataclass(frozen=True)
class FormPart:
    """One line of a multi-line input that a terminal asks for in turn (a modal shows the
    whole input as one field, with the placeholder as the example)."""

    key: str  # the line is submitted as `key: value`
    label: str
    help: str = ""
    choices: tuple[str, ...] = ()  # accepted values; an empty answer leaves the line out


@dataclass(frozen=True)
class FormInput:
    key: str
    label: str
    long: bool = False
    required: bool = True
    placeholder: str = ""
    max_length: int = 4000
    parts: tuple[FormPart, ...] = ()


@dataclass(frozen=True)
class Form:
    """A modal (Discord, Slack) or a set of prompts (terminal)."""

    form: str  # what FormSubmitted.form will say
    title: str
    value: str = ""
    inputs: tuple[FormInput, ...] = ()


# --- effects: what the engine asks the shell to do ------------------------------------------


@dataclass(frozen=True)
class Post:
    """Post publicly in a channel, or in the thread of an earlier post (`thread_ref`).
    `ref` names the post so later events on it (reactions, thread replies) find their way."""

    channel_id: str
    message: Message
    ref: str | None = None
    thread_ref: str | None = None


@dataclass(frozen=True)
class Notify:
    """A private message to someone other than the invoker (a reminder, a summary)."""

    user_id: str
    channel_id: str
    message: Message
    visibility: Visibility = Visibility.DIRECT


@dataclass(frozen=True)
class SetTimer:
    key: str
    due: datetime
    kind: str
    payload: dict[str, str | int] = field(default_factory=dict)
    channel_id: str = ""  # the channel whose events the timer's handling must not overlap


@dataclass(frozen=True)
class CancelTimer:
    key: str


Effect = Post | Notify | SetTimer | CancelTimer
