"""Slack answers that lack a field are unknown values, not crashes: a post Slack took without
saying where gives no message id (nothing can refer to it later), and a DM channel that
`conversations.open` did not name is a temporary failure for delivery to retry."""

from __future__ import annotations

from typing import Any

import pytest

from bot.adapters.slack.outbox import SlackOutbox
from bot.core.errors import SendLater
from bot.core.messages import Message, Notify
from bot.core.pacing import unpaced


class Answers:
    """A Web API client narrowed to the two calls under test, answering what it is told."""

    def __init__(self, post: dict[str, Any], opened: dict[str, Any]) -> None:
        self.post, self.opened = post, opened

    async def chat_postMessage(self, **_: Any) -> dict[str, Any]:
        return self.post

    async def conversations_open(self, **_: Any) -> dict[str, Any]:
        return self.opened


class Pool:
    def __init__(self, client: Answers) -> None:
        self.client = client

    async def for_team(self, team_id: str) -> Answers:
        return self.client


def outbox(post: dict[str, Any], opened: dict[str, Any] | None = None) -> SlackOutbox:
    return SlackOutbox(Pool(Answers(post, opened or {})), unpaced(), unpaced())  # type: ignore[arg-type]


async def test_a_post_without_a_ts_has_no_message_id() -> None:
    assert await outbox({"ok": True}).post("slack:T1", "C1", Message(text="hi")) == ""


async def test_a_post_with_channel_and_ts_is_keyed_by_both() -> None:
    assert (
        await outbox({"ok": True, "channel": "C1", "ts": "1.2"}).post("slack:T1", "C1", Message(text="hi")) == "C1:1.2"
    )


async def test_a_direct_message_without_a_channel_is_tried_again_later() -> None:
    with pytest.raises(SendLater):
        await outbox({"ok": True, "ts": "1.2"}, {"ok": True}).notify("slack:T1", Notify("U1", "", Message(text="hi")))
