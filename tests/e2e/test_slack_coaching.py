"""Coaching through the real Bolt app and the fake Slack: nudges as an ephemeral in the
answer's thread, the self-rating buttons, and /mock me's chart uploaded into the person's DM
with the bot (files.getUploadURLExternal, then files.completeUploadExternal)."""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from PIL import Image

from bot.adapters.slack.replies import PICTURE_FAILED, PICTURE_SENT
from bot.charts import SIZE
from bot.core.banks import Library
from bot.core.clock import FakeClock
from bot.core.weak_chart import CHART_FILENAME
from tests.fakes.slack_fake import Posted
from tests.fakes.slack_world import SlackWorld, slack_world

ANSWER = "At my last job the deadline moved. My task was the launch. I organised the team and we cut costs by 20%."


@pytest.fixture
async def slack(tmp_path: Path, library: Library, clock: FakeClock) -> AsyncIterator[SlackWorld]:
    async with slack_world(tmp_path, library, clock) as world:
        yield world


async def answered(world: SlackWorld, ratings: int) -> Posted:
    """Alice answers the question of the day in its thread; `ratings` peers rate it."""
    d, fake = world.driver, world.fake
    await d.command("UCOACH", "qotd post behavioural")
    question = fake.last_titled("Question of the day")
    answer = await d.reply("UALICE", question.ts, ANSWER)
    for rater, emoji in list(zip(("UBOB", "UCHEN", "UDARA"), ("two", "three", "two"), strict=True))[:ratings]:
        await d.react(rater, answer, emoji)
    return question


def nudge(world: SlackWorld) -> Posted:
    return next(m for m in world.fake.ephemerals if m.user == "UALICE" and "On your answer" in m.text)


async def test_a_thread_answer_gets_nudges_ephemerally_in_its_thread(slack: SlackWorld) -> None:
    question = await answered(slack, 0)
    shown = nudge(slack)
    assert shown.channel == "C1" and shown.thread_ts == question.ts
    assert "STAR: Situation ✓" in shown.text or "STAR: Situation ✓" in json.dumps(shown.blocks, ensure_ascii=False)
    await slack.driver.press("UALICE", shown, "self-rate")
    assert any("You rated your answer 1/5" in text for text in slack.fake.private_to("UALICE"))
    await slack.driver.command("UALICE", "privacy nudges off")
    assert any("No more nudges" in text for text in slack.fake.private_to("UALICE"))


async def test_me_uploads_the_chart_into_the_dm_with_the_two_web_api_calls(slack: SlackWorld) -> None:
    await answered(slack, 3)
    fake = slack.fake
    await slack.driver.command("UALICE", "me")
    [upload] = fake.uploads
    assert upload["filename"] == CHART_FILENAME and upload["channel"].startswith("D"), "private: the bot's DM"
    assert Image.open(io.BytesIO(upload["data"])).size == SIZE
    methods = [c.method for c in fake.calls if c.method.startswith("files.")]
    assert methods == ["files.getUploadURLExternal", "files.completeUploadExternal"]
    said = "\n".join(fake.private_to("UALICE"))
    assert PICTURE_SENT in said and "your two weakest areas" in said
    assert not [m for m in fake.messages if m.channel == "C1" and "Weak areas" in m.title]


async def test_a_failed_upload_leaves_the_text(slack: SlackWorld) -> None:
    await answered(slack, 3)
    slack.fake.fail("files.getUploadURLExternal", error="internal_error")
    await slack.driver.command("UALICE", "me")
    assert not [u for u in slack.fake.uploads if u.get("channel")]
    said = "\n".join(slack.fake.private_to("UALICE"))
    assert PICTURE_FAILED in said and "Weak areas" in said


async def test_below_the_minimum_there_is_no_upload_and_home_shows_the_text(slack: SlackWorld) -> None:
    await answered(slack, 2)
    await slack.driver.command("UALICE", "me")
    assert not slack.fake.uploads
    assert any("Not enough ratings yet (2 of 3)" in text for text in slack.fake.private_to("UALICE"))
    await slack.driver.home_opened("UALICE")
    assert "Weak areas" in json.dumps(slack.fake.home_views["UALICE"], ensure_ascii=False)
