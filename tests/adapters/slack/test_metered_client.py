"""The Slack Web API client counts its calls, failures and 429s in /metrics."""

from __future__ import annotations

import pytest
from slack_sdk.errors import SlackApiError

from bot import metrics
from bot.adapters.slack.clients import make_client
from tests.fakes.slack_fake import BOT_TOKEN
from tests.fakes.slack_world import fake_slack


def value(counter: object, *labels: str) -> float:
    return float(counter.labels(*labels)._value.get())  # type: ignore[attr-defined]


async def test_calls_errors_and_429s_are_counted_by_method() -> None:
    async with fake_slack() as fake:
        client = make_client(fake.api_url, BOT_TOKEN)
        before = [
            value(c, "slack", "chat.postMessage")
            for c in (metrics.API_CALLS, metrics.API_ERRORS, metrics.API_RATE_LIMITED)
        ]
        fake.fail("chat.postMessage", status=429, retry_after=0)
        await client.chat_postMessage(channel="C1", text="hello")  # retried after the 429, then sent
        fake.fail("chat.postMessage", error="channel_not_found")
        with pytest.raises(SlackApiError):
            await client.chat_postMessage(channel="C1", text="again")
        after = [
            value(c, "slack", "chat.postMessage")
            for c in (metrics.API_CALLS, metrics.API_ERRORS, metrics.API_RATE_LIMITED)
        ]
    assert [a - b for a, b in zip(after, before, strict=True)] == [2, 1, 1]
