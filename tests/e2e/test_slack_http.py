"""HTTP mode through the real slack-bolt app: Slack's request signatures, url_verification,
acks, retries, rate limits, and the slash command's replies."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.core.banks import Library
from bot.core.clock import FakeClock
from tests.fakes.slack_driver import SIGNING_SECRET, encode, sign
from tests.fakes.slack_world import SlackWorld, slack_world


@pytest.fixture
async def slack(tmp_path: Path, library: Library, clock: FakeClock) -> AsyncIterator[SlackWorld]:
    async with slack_world(tmp_path, library, clock) as world:
        yield world


async def test_a_validly_signed_command_is_acked_and_answered_privately(slack: SlackWorld) -> None:
    assert await slack.driver.command("UALICE", "help") == 200
    assert slack.fake.called("auth.test"), "the bot learns who it is once"
    (reply,) = slack.fake.ephemerals
    assert reply.user == "UALICE" and reply.channel == "C1"
    assert "/mock group start" in reply.content


async def test_slack_gets_its_ack_before_the_work_is_done(slack: SlackWorld) -> None:
    fake = slack.fake
    fake.gates["users.info"] = asyncio.Event()  # the work stalls on its first Web API call
    payload = slack.driver.command_payload("UALICE", "help")
    assert await slack.driver.transport.send("slash_commands", payload) == 200
    await fake.wait_for(lambda: fake.called("users.info"))
    assert not fake.ephemerals, "acked while the work is still waiting"
    fake.gates["users.info"].set()
    await slack.bot.work.settled()
    assert fake.ephemerals


@pytest.mark.parametrize("tamper", ["bad signature", "stale timestamp", "tampered body", "no signature"])
async def test_badly_signed_requests_are_refused_with_401(slack: SlackWorld, tamper: str) -> None:
    body, content_type = encode("slash_commands", slack.driver.command_payload("UALICE", "help"))
    now = int(time.time())
    transport = slack.http
    if tamper == "bad signature":
        status, _ = await transport.raw(body, content_type, signature="v0=" + "0" * 64)
    elif tamper == "stale timestamp":
        stale = now - 6 * 60
        status, _ = await transport.raw(
            body, content_type, timestamp=stale, signature=sign(SIGNING_SECRET, body, stale)
        )
    elif tamper == "tampered body":
        signature = sign(SIGNING_SECRET, body, now)
        status, _ = await transport.raw(body.replace(b"help", b"me"), content_type, timestamp=now, signature=signature)
    else:
        status, _ = await transport.raw(body, content_type, signature=" ")
    assert status == 401
    await slack.bot.work.settled()
    assert not slack.fake.ephemerals and not slack.fake.called("users.info")


async def test_url_verification_echoes_the_challenge(slack: SlackWorld) -> None:
    body = json.dumps({"token": "t", "challenge": "3eZbrw1aBm2rZgRNF", "type": "url_verification"}).encode()
    status, text = await slack.http.raw(body, "application/json")
    assert status == 200 and json.loads(text) == {"challenge": "3eZbrw1aBm2rZgRNF"}


async def test_a_retried_event_never_counts_twice(slack: SlackWorld) -> None:
    d, fake = slack.driver, slack.fake
    await d.command("UCOACH", "qotd post")
    question = fake.last_titled("Question of the day")
    answer_ts = await d.reply("UALICE", question.ts, "I led the migration and cut costs by a third.")
    reaction = d.reaction("UBOB", answer_ts, "four")
    body = d.event_body(reaction, event_id="EvRETRY1")
    assert await d.send("events_api", body) == 200
    for retry in (1, 2, 3):  # Slack redelivers with X-Slack-Retry-Num when it thinks we were slow
        assert await d.send("events_api", body, retry=retry) == 200
    scores = await slack.runtime.store.answer_scores(1, 0)
    assert [(s.n, s.total) for s in scores] == [(1, 4)]


async def test_a_rate_limited_post_is_retried_after_retry_after(slack: SlackWorld) -> None:
    slack.fake.fail("chat.postMessage", status=429, retry_after=0)
    await slack.driver.command("UCOACH", "qotd post")
    attempts = slack.fake.called("chat.postMessage")
    assert len(attempts) == 2, "one 429, then the retry handler's second attempt"
    assert slack.fake.titled("Question of the day")


async def test_a_server_error_is_retried(slack: SlackWorld) -> None:
    slack.fake.fail("chat.postEphemeral", status=503)
    await slack.driver.command("UALICE", "help")
    assert len(slack.fake.called("chat.postEphemeral")) == 2
    assert slack.fake.ephemerals


async def test_where_the_bot_is_not_a_member_replies_go_through_response_url(slack: SlackWorld) -> None:
    slack.fake.not_in_channel.add("C9")
    await slack.driver.command("UALICE", "help", channel="C9")
    assert not slack.fake.ephemerals
    (response,) = slack.fake.responses
    assert response["response_type"] == "ephemeral" and "/mock group start" in json.dumps(response["blocks"])


async def test_unknown_commands_and_usage_errors_are_explained_privately(slack: SlackWorld) -> None:
    await slack.driver.command("UALICE", "frobnicate")
    await slack.driver.command("UALICE", "group start")  # not an organiser
    first, second = (m.content for m in slack.fake.ephemerals)
    assert "Unknown command `frobnicate`" in first
    assert "organiser" in second.lower()
    assert not slack.fake.messages


async def test_workspace_admins_are_organisers_and_users_info_is_cached(slack: SlackWorld) -> None:
    await slack.driver.command("UCOACH", "qotd post")
    await slack.driver.command("UCOACH", "qotd show")
    assert slack.fake.titled("Question of the day")
    assert len([c for c in slack.fake.called("users.info") if c.params["user"] == "UCOACH"]) == 1


async def test_organisers_set_with_config_organisers(slack: SlackWorld) -> None:
    await slack.driver.command("UCOACH", "config organisers <@UALICE|alice>")
    await slack.driver.command("UALICE", "qotd post")
    assert slack.fake.titled("Question of the day")


async def test_user_text_cannot_ping_the_channel_or_fake_a_link(slack: SlackWorld) -> None:
    d, fake = slack.driver, slack.fake
    await d.command("UCOACH", "group start blind questions 1 lobby 1m")
    await d.command("UALICE", "join")
    await slack.advance(minutes=1)
    # Slack escapes what people type (&lt; for a typed "<") and sends real mentions and links as markup.
    await d.command("UALICE", "answer <!channel> &lt;!here&gt; <http://evil.example|http://good.example> a &amp; b")
    await slack.advance(minutes=5)
    revealed = next(m for m in fake.messages if "answered" in m.content)
    assert "<!" not in revealed.content and "<http" not in revealed.content
    assert "@channel" in revealed.content, "a real mention is shown, not sent"
    assert "&lt;\u200b!here" in revealed.content, "typed markup stays text"
    assert "http://good.example (http://evil.example)" in revealed.content, "a disguised link shows its target"
    assert "a &amp; b" in revealed.content


async def test_a_public_reply_where_the_bot_is_not_a_member_goes_through_response_url(slack: SlackWorld) -> None:
    """The leaderboard asked for in a channel is public: where the bot can't post, the
    command's response_url still can (a refusal from the outbox is not the end of it)."""
    slack.fake.not_in_channel.add("C9")
    await slack.driver.command("UALICE", "leaderboard", channel="C9")
    (response,) = slack.fake.responses
    assert response["response_type"] == "in_channel" and "Leaderboard" in json.dumps(response["blocks"])
    assert await slack.runtime.store.inbox_pending("slack") == [], "the request was handled to its end"
