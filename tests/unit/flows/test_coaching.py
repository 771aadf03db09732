"""Nudges, self-rating and the chart on /mock me, as conversations through the dispatcher."""

from __future__ import annotations

from bot.chart_thread import render_chart
from bot.core.flows.context import Reply
from bot.core.messages import Message
from bot.core.weak_chart import CHART_FILENAME, WeakAreaChart
from tests.fakes.harness import Harness, text_of
from tests.fakes.outbox import SentNote

STORY = "At my last job the deadline moved. My task was the launch. I organised the team and we cut costs by 20%."


async def qotd(h: Harness) -> str:
    await h.command("coach", "qotd post behavioural")
    return h.outbox.last_titled("Question of the day").message_id


def nudges_to(h: Harness, user: str) -> list[SentNote]:
    return [n for n in h.outbox.notes if n.user_id == user and n.message.title == "On your answer"]


def messages(replies: list[Reply]) -> list[Message]:
    return [r for r in replies if isinstance(r, Message)]


async def test_a_thread_answer_gets_private_nudges_in_its_thread(h: Harness) -> None:
    question = await qotd(h)
    await h.reply("alice", question, STORY)
    [note] = nudges_to(h, "alice")
    assert not note.direct and note.thread_id == question  # Slack: chat.postEphemeral in the thread
    text = note.message.text
    assert "22 words" in text and "on the short side of the 60-120 s" in text
    assert "STAR: Situation ✓, Task ✓, Action ✓, Result ✓" in text
    assert '"I" 3× versus "we" 1×' in text  # my, my, I; we and "measurable result: yes" in text
    assert note.message.fields and note.message.fields[0].value.startswith("☐ ")
    assert [b.label for b in note.message.buttons] == ["1", "2", "3", "4", "5"]
    assert "never a score" in (note.message.footer or "")
    await h.reply("alice", question, "and a follow-up comment")  # discussion, not an answer: no second nudge
    assert len(nudges_to(h, "alice")) == 1


async def test_a_private_answer_gets_them_as_a_reply_after_the_confirmation(h: Harness) -> None:
    await qotd(h)
    replies = messages(await h.command("bob", "answer We all did it."))
    assert "Answer posted in the thread" in replies[0].text
    assert replies[-1].title == "On your answer" and "say what you did yourself" in replies[-1].text
    assert not nudges_to(h, "bob")


async def test_nudges_and_self_rating_are_switched_off_per_community_and_per_person(h: Harness) -> None:
    assert "Only organisers" in text_of(await h.command("alice", "config nudges off"))
    assert "on in this community" in text_of(await h.command("coach", "config nudges on"))
    assert "No more nudges" in text_of(await h.command("alice", "privacy nudges off"))
    question = await qotd(h)
    await h.reply("alice", question, STORY)
    await h.reply("bob", question, STORY)
    [alice] = nudges_to(h, "alice")
    assert "STAR" not in alice.message.text and alice.message.buttons  # still asked to self-rate
    assert "STAR" in nudges_to(h, "bob")[0].message.text
    await h.command("coach", "config nudges off")
    await h.command("coach", "config self-rating off")
    assert "Nudges on answers: off\nSelf-rating: off" in text_of(await h.command("alice", "config show"))
    await h.reply("chen", question, STORY)
    assert not nudges_to(h, "chen")


async def test_self_rating_comes_first_and_me_shows_the_gap(h: Harness) -> None:
    question = await qotd(h)
    answer = await h.reply("alice", question, STORY)
    five = nudges_to(h, "alice")[0].message.buttons[4]
    assert "Only the author" in text_of(await h.press("bob", five.action, five.value))
    assert "You rated your answer 5/5" in text_of(await h.press("alice", five.action, five.value))
    await h.react("bob", answer, 3)
    await h.react("chen", answer, 3)
    four = nudges_to(h, "alice")[0].message.buttons[3]
    assert "Peers have already rated" in text_of(await h.press("alice", four.action, four.value))
    assert "You rate yourself 2.0 higher than your peers in Behavioural (1 answer)" in text_of(
        await h.command("alice", "me")
    )
    assert (await h.store.export_user(h.tenant, "alice"))["self_ratings"][0]["score"] == 5
    await h.command("alice", "privacy delete")
    await h.press("alice", "confirm-delete", "alice")
    assert "self_ratings" not in await h.store.export_user(h.tenant, "alice")


async def rated_answer(h: Harness, ratings: int) -> None:
    question = await qotd(h)
    answer = await h.reply("alice", question, STORY)
    for rater, score in zip(("bob", "chen", "dara", "eve"), (2, 3, 4, 2), strict=False):
        if ratings:
            await h.react(rater, answer, score)
            ratings -= 1


async def test_me_attaches_the_chart_once_there_are_enough_ratings(h: Harness) -> None:
    h.dispatcher.renderer = render_chart
    await rated_answer(h, 3)
    weak = next(m for m in messages(await h.command("alice", "me")) if m.title == "Weak areas")
    assert weak.attachment is not None and weak.attachment.filename == CHART_FILENAME
    assert weak.attachment.mime == "image/png" and weak.attachment.data.startswith(b"\x89PNG")
    assert "your two weakest areas: **Behavioural**" in weak.text


async def test_below_the_minimum_me_is_text_only(h: Harness) -> None:
    h.dispatcher.renderer = render_chart
    await rated_answer(h, 2)
    replies = messages(await h.command("alice", "me"))
    assert all(m.attachment is None for m in replies)
    assert "Not enough ratings yet (2 of 3)" in text_of(replies)


async def test_a_chart_that_fails_to_draw_leaves_the_text(h: Harness) -> None:
    async def broken(chart: WeakAreaChart) -> bytes:
        raise RuntimeError("no fonts")

    h.dispatcher.renderer = broken
    await rated_answer(h, 3)
    weak = next(m for m in messages(await h.command("alice", "me")) if m.title == "Weak areas")
    assert weak.attachment is None and "could not be drawn" in weak.text and "Behavioural" in weak.text
