"""Coaching through the real discord.py client and the fake Discord: /mock me's chart as an
ephemeral file on the interaction reply, and nudges with the self-rating buttons."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from bot.charts import SIZE
from bot.core.banks import Library
from bot.core.weak_chart import CHART_FILENAME
from tests.fakes import discord_model as model
from tests.fakes.discord_env import DiscordEnv

ANSWER = "At my last job the deadline moved. My task was the launch. I organised the team and we cut costs by 20%."


async def rated(env: DiscordEnv, ratings: int) -> None:
    await env.command("Coach", "qotd post", category="behavioural")
    answered = await env.command("Alice", "answer", text=ANSWER)
    assert "posted in the thread" in env.said(answered)
    question = env.last("Question of the day")
    post = [m for m in env.thread(question["id"]) if "**Alice** answered" in env.text(m)][-1]
    for rater, score in list(zip(("Bob", "Chen", "Dara"), (2, 3, 2), strict=True))[:ratings]:
        await env.react(rater, post["id"], score)


async def test_me_attaches_the_chart_privately(tmp_path: Path, library: Library) -> None:
    async with DiscordEnv.running(tmp_path, library) as env:
        await rated(env, 3)
        reply = await env.command("Alice", "me")
        messages = reply.messages()
        assert messages and all(m["flags"] & model.EPHEMERAL for m in messages), "only Alice sees it"
        files = [a for m in messages for a in m["attachments"]]
        assert [f["filename"] for f in files] == [CHART_FILENAME]
        png = env.fake.files[files[0]["id"]]
        assert Image.open(io.BytesIO(png)).size == SIZE
        chart_message = next(m for m in messages if m["attachments"])
        assert chart_message["embeds"][-1]["image"]["url"] == f"attachment://{CHART_FILENAME}"
        assert "your two weakest areas" in env.said(reply)
        assert not [m for m in env.fake.messages.values() if m["attachments"] and not m["flags"] & model.EPHEMERAL]


async def test_below_the_minimum_me_has_no_picture(tmp_path: Path, library: Library) -> None:
    async with DiscordEnv.running(tmp_path, library) as env:
        await rated(env, 2)
        reply = await env.command("Alice", "me")
        assert not [a for m in reply.messages() for a in m["attachments"]]
        assert "Not enough ratings yet (2 of 3)" in env.said(reply)


async def test_an_answer_gets_nudges_and_the_self_rating_buttons(tmp_path: Path, library: Library) -> None:
    async with DiscordEnv.running(tmp_path, library) as env:
        await env.command("Coach", "qotd post", category="behavioural")
        answered = await env.command("Alice", "answer", text=ANSWER)
        nudge = next(m for m in answered.messages() if "On your answer" in env.text(m))
        assert nudge["flags"] & model.EPHEMERAL and "STAR: Situation ✓" in env.text(nudge)
        saved = await env.press("Alice", nudge, env.button(nudge, "self-rate"))  # the first: 1
        assert "You rated your answer 1/5" in env.said(saved)


async def test_a_thread_answer_gets_them_by_dm_and_the_dm_buttons_work(tmp_path: Path, library: Library) -> None:
    async with DiscordEnv.running(tmp_path, library, message_content=True) as env:
        await env.command("Coach", "qotd post", category="behavioural")
        question = env.last("Question of the day")
        await env.say("Alice", question["id"], ANSWER)
        await env.fake.wait_for(lambda: any("On your answer" in env.text(m) for m in env.fake.dms_to(env.uid("Alice"))))
        nudge = next(m for m in env.fake.dms_to(env.uid("Alice")) if "On your answer" in env.text(m))
        custom_id = env.button(nudge, "self-rate")
        guild = str(env.guild.id)
        assert custom_id.startswith(f"mpd:self-rate:{guild}/"), custom_id  # the DM's button names its server
        saved = await env.press_in_dm("Alice", nudge, custom_id)
        assert "You rated your answer 1/5" in env.said(saved)
        [stored] = await env.runtime.store.self_rated(f"discord:{guild}", env.uid("Alice"))
        assert stored.score == 1 and stored.category == "behavioural"
