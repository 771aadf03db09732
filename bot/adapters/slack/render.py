"""Neutral messages as Block Kit (pure), within Slack's limits: 50 blocks a message, 100 in a
modal or the Home tab, 3,000 characters a section, 10 fields of 2,000, 150 for a header, 75 for
a button, 24 for a modal's title. Countdowns use `<!date^UNIX^…|fallback>`, which every client
shows in the reader's own timezone, so a timer never needs an edit."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.adapters import textsplit
from bot.adapters.slack.mrkdwn import clip_mrkdwn, safe_cut, to_mrkdwn, to_plain
from bot.core.messages import Button, Form, Message
from bot.core.text import clip

Block = dict[str, Any]

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_SECTION = 3000
MAX_HEADER = 150
MAX_FIELD = 2000
MAX_FIELDS = 10
MAX_BUTTON_LABEL = 75
MAX_BUTTON_VALUE = 2000
MAX_ACTIONS = 25
MAX_CONTEXT = 3000
MAX_FALLBACK = 3000
MAX_MODAL_TITLE = 24
MAX_INPUT_LABEL = 2000
MAX_PLACEHOLDER = 150
MAX_INPUT_LENGTH = 3000
MAX_METADATA = 3000
ACTION_PREFIX = "mock:"
FORM_PREFIX = "mock:"
INPUT_ACTION = "value"


@dataclass(frozen=True)
class Rendered:
    text: str  # the notification and screen-reader text, mrkdwn
    blocks: list[Block]


def plain(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": clip(to_plain(text), limit) or " ", "emoji": True}


def mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


def countdown(when: datetime) -> str:
    """`Ends today at 9:05 AM` in each reader's timezone; the fallback is UTC."""
    unix = int(when.timestamp())
    fallback = when.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"Ends <!date^{unix}^{{date_short_pretty}} at {{time}}|{fallback}>"


def sections(text: str) -> list[Block]:
    """Section blocks of at most 3,000 characters, split between lines where possible."""
    return [{"type": "section", "text": mrkdwn(chunk)} for chunk in split_text(to_mrkdwn(text), MAX_SECTION)]


def split_text(text: str, limit: int) -> list[str]:
    """Chunks for section blocks: never cut inside a `<…>` token or an `&…;` entity, and no
    blank chunk (Slack refuses an empty section)."""
    return [chunk for chunk in textsplit.split_text(text, limit, safe_cut) if chunk.strip()]


def button(item: Button, index: int) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "button",
        "text": plain(item.label, MAX_BUTTON_LABEL),
        "action_id": f"{ACTION_PREFIX}{item.action}:{index}",
        "value": item.value[:MAX_BUTTON_VALUE],
    }
    if item.primary:
        element["style"] = "primary"
    return element


def _field_blocks(message: Message) -> list[Block]:
    blocks: list[Block] = []
    inline: list[dict[str, Any]] = []

    def flush() -> None:
        for start in range(0, len(inline), MAX_FIELDS):
            blocks.append({"type": "section", "fields": inline[start : start + MAX_FIELDS]})
        inline.clear()

    for field in message.fields:
        body = f"*{to_mrkdwn(field.name)}*\n{to_mrkdwn(field.value)}"
        if field.inline:
            inline.append(mrkdwn(clip_mrkdwn(body, MAX_FIELD)))
            continue
        flush()
        blocks += [{"type": "section", "text": mrkdwn(chunk)} for chunk in split_text(body, MAX_SECTION)]
    flush()
    return blocks


def message_blocks(message: Message, limit: int = MAX_MESSAGE_BLOCKS) -> list[Block]:
    head: list[Block] = []
    if message.title:
        head.append({"type": "header", "text": plain(message.title, MAX_HEADER)})
    body = (sections(message.text) if message.text.strip() else []) + _field_blocks(message)
    tail: list[Block] = []
    if message.attachment is not None:
        tail.append(_context(f"File: {to_mrkdwn(message.attachment.filename)}"))
    if message.countdown is not None:
        tail.append(_context(countdown(message.countdown)))
    if message.buttons:
        elements = [button(b, i) for i, b in enumerate(message.buttons[:MAX_ACTIONS])]
        tail.append({"type": "actions", "elements": elements})
    if message.footer:
        tail.append(_context(to_mrkdwn(message.footer)))
    room = limit - len(head) - len(tail)
    if len(body) > room:
        body = [*body[: max(room - 1, 0)], _context(f"… shortened: Slack shows at most {limit} blocks.")]
    return head + body + tail


def _context(text: str) -> Block:
    return {"type": "context", "elements": [mrkdwn(clip_mrkdwn(text, MAX_CONTEXT))]}


def fallback_text(message: Message) -> str:
    parts = [f"*{to_mrkdwn(message.title)}*"] if message.title else []
    if message.text.strip():
        parts.append(to_mrkdwn(message.text))
    ending = "\n" + countdown(message.countdown) if message.countdown is not None else ""
    return clip_mrkdwn("\n".join(parts) or "mockpanel", MAX_FALLBACK - len(ending)) + ending


def render_message(message: Message) -> Rendered:
    return Rendered(fallback_text(message), message_blocks(message))


def render_home(messages: Sequence[Message]) -> dict[str, Any]:
    """The App Home tab: the messages one after another, divided, within 100 blocks."""
    blocks: list[Block] = []
    for message in messages:
        rendered = message_blocks(message, MAX_VIEW_BLOCKS)
        if blocks:
            rendered = [{"type": "divider"}, *rendered]
        if len(blocks) + len(rendered) > MAX_VIEW_BLOCKS:
            break
        blocks += rendered
    return {"type": "home", "blocks": blocks}


def render_modal(form: Form, metadata: dict[str, str]) -> dict[str, Any]:
    """A modal whose submission comes back as a `view_submission` with callback `mock:<form>`;
    what the core needs back (its value, the channel) rides in `private_metadata`."""
    blocks: list[Block] = []
    for item in form.inputs[:MAX_VIEW_BLOCKS]:
        element: dict[str, Any] = {
            "type": "plain_text_input",
            "action_id": INPUT_ACTION,
            "multiline": item.long,
            "max_length": min(item.max_length, MAX_INPUT_LENGTH),
        }
        if item.placeholder:
            element["placeholder"] = plain(item.placeholder.replace("\n", ", "), MAX_PLACEHOLDER)
        blocks.append(
            {
                "type": "input",
                "block_id": item.key,
                "optional": not item.required,
                "label": plain(item.label, MAX_INPUT_LABEL),
                "element": element,
            }
        )
    return {
        "type": "modal",
        "callback_id": FORM_PREFIX + form.form,
        "private_metadata": encode_metadata(metadata),
        "title": plain(form.title, MAX_MODAL_TITLE),
        "submit": plain("Submit", MAX_MODAL_TITLE),
        "close": plain("Cancel", MAX_MODAL_TITLE),
        "blocks": blocks,
    }


def encode_metadata(metadata: dict[str, str]) -> str:
    text = json.dumps(metadata, separators=(",", ":"))
    if len(text) > MAX_METADATA:
        raise ValueError("modal metadata is too long")
    return text
