"""Outbox rows as JSON: text files stay readable, bytes (a PNG) survive as base64, and rows
written before attachments had a mime type still read."""

from __future__ import annotations

import json

from bot.core.messages import Attachment, Message, Notify, Post, Visibility
from bot.core.wire import effect_from_json, effect_to_json, message_from_dict

PNG = b"\x89PNG\r\n\x1a\n\x00\xff binary"


def test_binary_attachment_round_trips_as_base64() -> None:
    note = Notify("u1", "c1", Message(text="chart", attachment=Attachment("c.png", PNG, "image/png")))
    text = effect_to_json(note)
    assert "base64" in text and "\\u0000" not in text
    back = effect_from_json(text)
    assert back == note and isinstance(back.message.attachment, Attachment)
    assert back.message.attachment.data == PNG and not back.message.attachment.is_text


def test_text_attachment_stays_text() -> None:
    post = Post("c1", Message(attachment=Attachment("r.csv", "a,b\n1,2\n")))
    text = effect_to_json(post)
    assert json.loads(text)["message"]["attachment"] == ["r.csv", "a,b\n1,2\n", "text/plain"]
    assert effect_from_json(text) == post


def test_rows_written_before_the_mime_type_still_read() -> None:
    message = message_from_dict({"text": "", "attachment": ["old.json", "{}"]})
    assert message.attachment == Attachment("old.json", "{}")


def test_an_ephemeral_note_keeps_its_thread() -> None:
    note = Notify("u1", "c1", Message(text="nudge"), Visibility.EPHEMERAL, thread_id="1700000000.0001")
    assert effect_from_json(effect_to_json(note)) == note
    legacy = json.loads(effect_to_json(note))
    del legacy["thread"]
    assert effect_from_json(json.dumps(legacy)).thread_id is None  # a row from before the field
