"""Posts and notes as JSON, so they can wait in the outbox table across a restart."""

from __future__ import annotations

import base64
import json
from typing import Any

from bot.core.clock import iso, parse_iso
from bot.core.messages import Attachment, Button, Field, Message, Notify, Post, Visibility


def message_to_dict(message: Message) -> dict[str, Any]:
    return {
        "text": message.text,
        "title": message.title,
        "fields": [[f.name, f.value, f.inline] for f in message.fields],
        "buttons": [[b.label, b.action, b.value, b.primary] for b in message.buttons],
        "footer": message.footer,
        "countdown": iso(message.countdown) if message.countdown else None,
        "attachment": _attachment_to_list(message.attachment) if message.attachment else None,
    }


def _attachment_to_list(attachment: Attachment) -> list[Any]:
    """Text stays readable in the outbox row; bytes (a PNG) travel as base64."""
    content = attachment.content
    body: Any = content if isinstance(content, str) else {"base64": base64.b64encode(content).decode("ascii")}
    return [attachment.filename, body, attachment.mime]


def _attachment_from_list(data: list[Any]) -> Attachment:
    filename, body, *rest = data  # rows written before the mime type have two items
    content = base64.b64decode(body["base64"]) if isinstance(body, dict) else body
    return Attachment(filename, content, *rest)


def message_from_dict(data: dict[str, Any]) -> Message:
    attachment = data.get("attachment")
    return Message(
        text=data.get("text", ""),
        title=data.get("title"),
        fields=tuple(Field(*f) for f in data.get("fields", ())),
        buttons=tuple(Button(*b) for b in data.get("buttons", ())),
        footer=data.get("footer"),
        countdown=parse_iso(data["countdown"]) if data.get("countdown") else None,
        attachment=_attachment_from_list(attachment) if attachment else None,
    )


def effect_to_json(effect: Post | Notify) -> str:
    if isinstance(effect, Post):
        body: dict[str, Any] = {
            "post": True,
            "channel": effect.channel_id,
            "ref": effect.ref,
            "thread_ref": effect.thread_ref,
        }
    else:
        body = {
            "post": False,
            "channel": effect.channel_id,
            "user": effect.user_id,
            "visibility": effect.visibility.value,
            "thread": effect.thread_id,
        }
    body["message"] = message_to_dict(effect.message)
    return json.dumps(body, ensure_ascii=False)


def effect_from_json(text: str) -> Post | Notify:
    body = json.loads(text)
    message = message_from_dict(body["message"])
    if body["post"]:
        return Post(body["channel"], message, ref=body.get("ref"), thread_ref=body.get("thread_ref"))
    return Notify(body["user"], body["channel"], message, Visibility(body["visibility"]), thread_id=body.get("thread"))


def lane_of(effect: Post | Notify) -> str:
    """Posts to one channel keep their order; a person's private notes keep theirs."""
    return effect.channel_id if isinstance(effect, Post) else f"@{effect.user_id}"
