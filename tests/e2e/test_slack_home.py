"""The App Home tab (app_home_opened -> views.publish), and outbound pacing on the wire."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.slack.pacing import Pacer
from bot.adapters.slack.render import MAX_VIEW_BLOCKS
from bot.core.banks import Library
from bot.core.clock import FakeClock
from bot.core.messages import Message, Notify, Post
from tests.fakes.slack_world import SlackWorld, slack_world


@pytest.fixture
async def slack(tmp_path: Path, library: Library, clock: FakeClock) -> AsyncIterator[SlackWorld]:
    async with slack_world(tmp_path, library, clock) as world:
        yield world


def headers(view: dict[str, Any]) -> list[str]:
    return [b["text"]["text"] for b in view["blocks"] if b["type"] == "header"]


def everything(view: dict[str, Any]) -> str:
    return "\n".join(
        b.get("text", {}).get("text", "") + "".join(f["text"] for f in b.get("fields", [])) for b in view["blocks"]
    )


async def test_opening_the_home_tab_publishes_points_streak_weak_areas_tips_and_the_board(slack: SlackWorld) -> None:
    d, fake = slack.driver, slack.fake
    await d.command("UCOACH", "qotd post")
    answer = await d.reply("UALICE", fake.last_titled("Question of the day").ts, "A structured answer, with impact.")
    for rater, emoji in (("UBOB", "four"), ("UCHEN", "two"), ("UDARA", "three")):
        await d.react(rater, answer, emoji)
    await d.home_opened("UALICE")
    view = fake.home_views["UALICE"]
    assert view["type"] == "home" and len(view["blocks"]) <= MAX_VIEW_BLOCKS
    assert headers(view) == [
        "Your progress, Alice",
        "Weak areas",
        "Leaderboard · community · this week",
        "Leaderboard · community · all time",
    ]
    text = everything(view)
    assert "This week:" in text and "streak" in text
    assert "Practise:" in text, "the two weakest areas come with tips"
    assert "*Alice*" in text


async def test_other_tabs_publish_nothing(slack: SlackWorld) -> None:
    await slack.driver.event({"type": "app_home_opened", "user": "UALICE", "channel": "DUALICE", "tab": "messages"})
    assert slack.fake.home_views == {}


async def test_posts_to_one_channel_are_paced_on_the_wire(slack: SlackWorld) -> None:
    """Pacing lives in delivery, once for every adapter: posts for one channel wait for their
    turn, another channel's post does not wait behind them."""
    interval = 0.05
    delivery = slack.runtime.dispatcher.delivery
    delivery.pacers["slack"] = Pacer(rate=1 / interval, burst=1)
    rows: list[tuple[str, Post | Notify, str | None]] = [
        ("post", Post("C1", Message(text=f"post {i}")), None) for i in range(4)
    ]
    rows.append(("post", Post("C2", Message(text="another channel")), None))
    await slack.runtime.store.add_outbox(slack.tenant, rows, slack.clock.now())
    started = time.monotonic()
    await delivery.run_due()
    assert time.monotonic() - started >= 3 * interval * 0.9
    assert [m.text for m in slack.fake.messages if m.channel == "C1"] == [f"post {i}" for i in range(4)]
    assert [m.channel for m in slack.fake.messages].count("C2") == 1


async def test_chat_update_goes_through_the_workspace_limiter(slack: SlackWorld) -> None:
    calls: list[object] = []

    class Recording(Pacer):
        async def acquire(self, key: object) -> float:  # type: ignore[override]
            calls.append(key)
            return 0.0

    slack.bot.outbox.updates = Recording(rate=1)
    message_id = await slack.bot.outbox.post(slack.tenant, "C1", Message(text="before"))
    await slack.bot.outbox.update(slack.tenant, message_id, Message(text="after"))
    (update,) = slack.fake.updates
    assert update.params["ts"] == message_id.split(":")[1] and update.params["text"] == "after"
    assert calls == ["T1"]
