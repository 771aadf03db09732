"""Neutral messages and forms as Discord payloads (pure: data in, JSON-shaped dicts out).

Everything stays inside Discord's limits: 2,000 characters of content, 4,096 of embed
description, 6,000 per embed in all, 25 fields, 5 buttons a row and 5 rows; a message that
does not fit is split into several. Nothing rendered can ping anyone (`NO_MENTIONS`), and a
countdown is a Discord timestamp (`<t:UNIX:R>`) that every client counts down by itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.adapters.discord import ids
from bot.adapters.textsplit import split_text
from bot.core.messages import Attachment, Button, Field, Form, Message
from bot.core.text import clip

MAX_CONTENT = 2000
MAX_TITLE = 256
MAX_DESCRIPTION = 4096
MAX_EMBED_TOTAL = 6000
MAX_FIELDS = 25
MAX_FIELD_NAME = 256
MAX_FIELD_VALUE = 1024
MAX_FOOTER = 2048
MAX_LABEL = 80
BUTTONS_PER_ROW = 5
MAX_ROWS = 5
MAX_MODAL_TITLE = 45
MAX_MODAL_INPUTS = 5
MAX_INPUT_LABEL = 45
MAX_PLACEHOLDER = 100
MAX_INPUT_VALUE = 4000
MAX_THREAD_NAME = 100

DESCRIPTION_CHUNK = 4000  # a little under the limit, so a countdown line always fits
EMBED_BUDGET = 5900
COLOUR = 0x5865F2
BLANK = "\u200b"  # Discord refuses empty field names and values

NO_MENTIONS: dict[str, Any] = {"parse": [], "replied_user": False}
"""Echoed user text can never ping @everyone, @here, a role or a user."""

BUTTON_PRIMARY = 1
BUTTON_SECONDARY = 2
TEXT_SHORT = 1
TEXT_PARAGRAPH = 2


@dataclass(frozen=True)
class Outgoing:
    """One Discord message: content and/or embeds, button rows, an optional file."""

    content: str | None = None
    embeds: tuple[dict[str, Any], ...] = ()
    components: tuple[dict[str, Any], ...] = ()
    file: Attachment | None = None

    def payload(self) -> dict[str, Any]:
        """The JSON body Discord's create-message endpoint takes (without the file)."""
        body: dict[str, Any] = {"allowed_mentions": NO_MENTIONS}
        if self.content:
            body["content"] = self.content
        if self.embeds:
            body["embeds"] = list(self.embeds)
        if self.components:
            body["components"] = list(self.components)
        return body


def timestamp(when: datetime, style: str = "R") -> str:
    return f"<t:{int(when.timestamp())}:{style}>"


def countdown_line(when: datetime) -> str:
    return f"⏳ Ends {timestamp(when)} ({timestamp(when, 't')})"


def button_rows(buttons: tuple[Button, ...], dm_guild: str | None = None) -> tuple[dict[str, Any], ...]:
    """Action rows of at most five buttons; at most five rows (25 buttons). `dm_guild`: the
    buttons go in a direct message and name that community."""
    items = [
        {
            "type": 2,
            "style": BUTTON_PRIMARY if b.primary else BUTTON_SECONDARY,
            "label": clip(b.label, MAX_LABEL) or BLANK,
            "custom_id": ids.dm_button_id(dm_guild, b.action, b.value)
            if dm_guild
            else ids.button_id(b.action, b.value),
        }
        for b in buttons[: BUTTONS_PER_ROW * MAX_ROWS]
    ]
    return tuple(
        {"type": 1, "components": items[i : i + BUTTONS_PER_ROW]} for i in range(0, len(items), BUTTONS_PER_ROW)
    )


def _is_plain(message: Message) -> bool:
    return (
        not (message.title or message.fields or message.footer or message.countdown)
        and len(message.text) <= MAX_CONTENT
        and bool(message.text.strip())
    )


def _expand_fields(fields: tuple[Field, ...]) -> list[dict[str, Any]]:
    out = []
    for field in fields:
        for i, chunk in enumerate(split_text(field.value or BLANK, MAX_FIELD_VALUE)):
            name = clip(field.name, MAX_FIELD_NAME) if i == 0 else BLANK
            out.append({"name": name or BLANK, "value": chunk or BLANK, "inline": field.inline})
    return out


def embed_size(embed: dict[str, Any]) -> int:
    """The characters Discord counts toward the 6,000 of one embed."""
    size = len(embed.get("title", "")) + len(embed.get("description", ""))
    size += sum(len(f["name"]) + len(f["value"]) for f in embed.get("fields", []))
    return size + len(embed.get("footer", {}).get("text", ""))


def _embeds(message: Message) -> list[dict[str, Any]]:
    text = message.text.strip("\n")
    if message.countdown is not None:
        text = f"{text}\n{countdown_line(message.countdown)}" if text else countdown_line(message.countdown)
    embeds: list[dict[str, Any]] = []
    for chunk in split_text(text, DESCRIPTION_CHUNK) if text else []:
        embeds.append({"type": "rich", "color": COLOUR, "description": chunk})
    if not embeds:
        embeds.append({"type": "rich", "color": COLOUR})
    if message.title:
        embeds[0]["title"] = clip(message.title, MAX_TITLE)
    for field in _expand_fields(message.fields):
        last = embeds[-1]
        fields = last.setdefault("fields", [])
        if len(fields) >= MAX_FIELDS or embed_size(last) + len(field["name"]) + len(field["value"]) > EMBED_BUDGET:
            last = {"type": "rich", "color": COLOUR, "fields": []}
            embeds.append(last)
            fields = last["fields"]
        fields.append(field)
    if message.footer:
        footer = {"text": clip(message.footer, MAX_FOOTER)}
        if embed_size(embeds[-1]) + len(footer["text"]) > MAX_EMBED_TOTAL:
            embeds.append({"type": "rich", "color": COLOUR})
        embeds[-1]["footer"] = footer
    for embed in embeds:
        if not embed.get("fields", True):
            del embed["fields"]
    return embeds


def render_message(message: Message, dm_guild: str | None = None) -> list[Outgoing]:
    """One or more Discord messages for a neutral one. The first carries the buttons (and is
    the one whose id the core keeps); the last carries any file."""
    rows = button_rows(message.buttons, dm_guild)
    if _is_plain(message):
        return [Outgoing(content=message.text, components=rows, file=message.attachment)]
    if not (message.text.strip() or message.title or message.fields or message.footer or message.countdown):
        content = "\u200b" if message.attachment is None else f"📎 {clip(message.attachment.filename, 200)}"
        return [Outgoing(content=content, components=rows, file=message.attachment)]
    parts = [Outgoing(embeds=(embed,)) for embed in _embeds(message)]
    parts[0] = Outgoing(embeds=parts[0].embeds, components=rows)
    last = parts[-1]
    embeds = last.embeds
    if message.attachment is not None and message.attachment.mime.startswith("image/"):
        # A picture shows inside the embed, full width, instead of as a file below it.
        embeds = (*embeds[:-1], {**embeds[-1], "image": {"url": f"attachment://{message.attachment.filename}"}})
    parts[-1] = Outgoing(embeds=embeds, components=last.components, file=message.attachment)
    return parts


def render_form(form: Form) -> dict[str, Any]:
    """A modal: at most five text inputs, titles and labels clipped to Discord's limits."""
    inputs = []
    for item in form.inputs[:MAX_MODAL_INPUTS]:
        text_input: dict[str, Any] = {
            "type": 4,
            "custom_id": item.key,
            "label": clip(item.label, MAX_INPUT_LABEL),
            "style": TEXT_PARAGRAPH if item.long else TEXT_SHORT,
            "required": item.required,
            "max_length": max(1, min(item.max_length, MAX_INPUT_VALUE)),
        }
        if item.placeholder:
            text_input["placeholder"] = clip(item.placeholder, MAX_PLACEHOLDER)
        inputs.append({"type": 1, "components": [text_input]})
    return {
        "custom_id": ids.form_id(form.form, form.value),
        "title": clip(form.title, MAX_MODAL_TITLE),
        "components": inputs,
    }


def is_question(message: Message) -> bool:
    """A post people answer (it has an Answer button): it gets its own thread at once."""
    return any(b.action == "answer" for b in message.buttons)


_MARKUP = re.compile(r"[*_`~|>\\]")


def thread_name(message: Message) -> str:
    source = message.title or message.text.split("\n", 1)[0] or "Answers"
    return clip(_MARKUP.sub("", source).strip() or "Answers", MAX_THREAD_NAME)
