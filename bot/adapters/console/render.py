"""Neutral messages as plain terminal text (pure)."""

from __future__ import annotations

import re
from datetime import datetime

from bot.core.durations import spoken
from bot.core.messages import Form, Message

_BOLD = re.compile(r"\*\*(.+?)\*\*")


def relative(when: datetime, now: datetime) -> str:
    """Rounded as people read a countdown: a phase of 3 min that began a moment ago ends
    "in 3 min", not "in 2 min"."""
    seconds = (when - now).total_seconds()
    if seconds < 0.5:
        return "now"
    return f"in {spoken(seconds)}"


def render_message(message: Message, now: datetime) -> str:
    lines = []
    if message.title:
        lines.append(f"== {message.title} ==")
    if message.text:
        lines.append(_BOLD.sub(r"\1", message.text))
    for field in message.fields:
        lines.append(f"{field.name}:")
        lines.extend("  " + line for line in _BOLD.sub(r"\1", field.value).splitlines())
    if message.countdown is not None:
        lines.append(f"(ends {relative(message.countdown, now)})")
    if message.buttons:
        lines.append("  ".join(f"[{b.label}: !press {b.action} {b.value}]".replace(" ]", "]") for b in message.buttons))
    if message.footer:
        lines.append(message.footer)
    if message.attachment is not None:
        lines.append(f"(attached file {message.attachment.filename}, {len(message.attachment.content)} characters)")
    return "\n".join(lines)


def render_form(form: Form) -> str:
    return f"== {form.title} == (type each field when asked; an empty line leaves an optional field blank)"
