"""/mock me progress and /mock raters through the real discord.py client and the fake Discord:
the progress chart as an ephemeral file on the interaction reply, and the organisers' rater
list as a private reply that others are refused."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from bot.charts import SIZE
from bot.core.banks import Library
from bot.core.progress import PROGRESS_FILENAME
from tests.fakes import discord_model as model
from tests.fakes.discord_env import DiscordEnv

ANSWER = "At my last job the deadline moved. My task was the launch. I organised the team and we cut costs by 20%."


async def a_week(env: DiscordEnv, scores: tuple[int, int, int]) -> None:
    """Alice answers a question of the day; Bob, Chen and Dara rate it."""
    await env.command("Coach", "qotd post", category="behavioural")
    answered = await env.command("Alice", "answer", text=ANSWER)
    assert "posted in the thread" in env.said(answered)
    question = env.last("Question of the day")
    post = [m for m in env.thread(question["id"]) if "**Alice** answered" in env.text(m)][-1]
    for rater, score in zip(("Bob", "Chen", "Dara"), scores, strict=True):
        await env.react(rater, post["id"], score)


async def test_me_progress_sends_the_chart_privately_after_two_weeks(tmp_path: Path, library: Library) -> None:
    async with DiscordEnv.running(tmp_path, library) as env:
        await a_week(env, (2, 3, 2))
        first = await env.command("Alice", "me", view="progress")
        assert not [a for m in first.messages() for a in m["attachments"]]
        assert "A chart comes with 2 weeks" in env.said(first)
        await env.advance(days=8)
        await a_week(env, (4, 4, 3))
        reply = await env.command("Alice", "me", view="progress")
        messages = reply.messages()
        assert messages and all(m["flags"] & model.EPHEMERAL for m in messages), "only Alice sees it"
        files = [a for m in messages for a in m["attachments"]]
        assert [f["filename"] for f in files] == [PROGRESS_FILENAME]
        assert Image.open(io.BytesIO(env.fake.files[files[0]["id"]])).size == SIZE
        assert "over 2 weeks with ratings (6 ratings)" in env.said(reply)
        assert not [m for m in env.fake.messages.values() if m["attachments"] and not m["flags"] & model.EPHEMERAL]


async def test_raters_is_a_private_reply_for_organisers_only(tmp_path: Path, library: Library) -> None:
    async with DiscordEnv.running(tmp_path, library) as env:
        await a_week(env, (2, 3, 5))
        refused = await env.command("Alice", "raters")
        assert all(m["flags"] & model.EPHEMERAL for m in refused.messages())
        assert "organisers" in env.said(refused).lower() and "Rater calibration" not in env.said(refused)
        reply = await env.command("Coach", "raters")
        assert reply.messages() and all(m["flags"] & model.EPHEMERAL for m in reply.messages())
        said = env.said(reply)
        assert "Rater calibration" in said and "No rater stands out" in said
        assert "**Dara** +" in said and "**Bob** -" in said  # the most lenient and the harshest
