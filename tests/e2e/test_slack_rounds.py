"""Whole rounds through Slack: the question of the day, group rounds (normal and blind), panel
rounds with rubric feedback, and practice, with answers in threads, ratings as reactions,
buttons and modals, over signed HTTP requests to the real Bolt app."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.core import scoring
from bot.core.banks import Library
from bot.core.clock import FakeClock
from tests.fakes.slack_world import SlackWorld, slack_world


@pytest.fixture
async def slack(tmp_path: Path, library: Library, clock: FakeClock) -> AsyncIterator[SlackWorld]:
    async with slack_world(tmp_path, library, clock) as world:
        yield world


async def scores(world: SlackWorld, round_id: int, q_index: int = 0) -> dict[str, tuple[int, int]]:
    return {s.display_name: (s.n, s.total) for s in await world.runtime.store.answer_scores(round_id, q_index)}


async def test_question_of_the_day_answers_ratings_edits_and_close(slack: SlackWorld) -> None:
    d, fake = slack.driver, slack.fake
    await d.command("UCOACH", "qotd post")
    question = fake.last_titled("Question of the day")
    assert "<!date^" in question.content, "the closing time is a native countdown"
    alice = await d.reply("UALICE", question.ts, "I rebuilt the onboarding guide and halved ramp-up time.")
    bob = await d.reply("UBOB", question.ts, "I organised the study group's mock interviews.")
    await d.react("UBOB", alice, "four", event_id="EvTWICE")
    await d.react("UBOB", alice, "four", event_id="EvTWICE")  # the same delivery twice counts once
    await d.react("UCHEN", alice, "five")
    await d.react("UCHEN", alice, "three")  # changes their mind: the latest counts
    await d.react("UALICE", bob, "two")
    await d.react("UEVE", bob, "heart_eyes")  # not a rating
    assert await scores(slack, 1) == {"Alice": (2, 7), "Bob": (1, 2)}

    await d.react("UALICE", alice, "five")  # a self-rating: refused privately
    assert any("own answer" in text for text in fake.private_to("UALICE"))
    assert not fake.called("reactions.remove"), "Slack can't remove others' reactions: it is ignored instead"
    await d.react("UALICE", bob, "two", remove=True)
    assert (await scores(slack, 1))["Bob"] == (0, 0)

    await d.edit("UALICE", alice, "old", "I rebuilt the onboarding guide; ramp-up fell from 6 to 3 weeks.")
    answer = await slack.runtime.store.answer_by_message(slack.tenant, f"C1:{alice}")
    assert answer is not None and "6 to 3 weeks" in answer.text
    await d.delete("UBOB", bob, "I organised…")
    assert await slack.runtime.store.answer_by_message(slack.tenant, f"C1:{bob}") is None
    assert [a.user_id for a in await slack.runtime.store.answers_for(1)] == ["UALICE"]

    await slack.advance(hours=24)
    closed = fake.last_titled("Question of the day: closed")
    assert closed.thread_ts == question.ts and "Alice" in closed.content


async def test_bot_messages_and_housekeeping_subtypes_are_not_answers(slack: SlackWorld) -> None:
    d, fake = slack.driver, slack.fake
    await d.command("UCOACH", "qotd post")
    question = fake.last_titled("Question of the day")
    base = {"type": "message", "channel": "C1", "thread_ts": question.ts}
    await d.event({**base, "user": "UALICE", "ts": fake.new_ts(), "text": "joined", "subtype": "channel_join"})
    await d.event({**base, "bot_id": "B9", "ts": fake.new_ts(), "text": "a bot's answer", "subtype": "bot_message"})
    await d.event({**base, "user": "UALICE", "ts": fake.new_ts(), "text": "top-level chat", "thread_ts": None})
    assert await slack.runtime.store.answers_for(1) == []
    assert not fake.called("users.info") or {c.params["user"] for c in fake.called("users.info")} == {"UCOACH"}


async def test_scheduled_question_of_the_day_posts_at_its_time(slack: SlackWorld) -> None:
    await slack.driver.command("UCOACH", "qotd schedule 09:30 Europe/London weekdays")
    assert not slack.fake.titled("Question of the day")
    await slack.advance(minutes=30)
    posted = slack.fake.last_titled("Question of the day")
    assert posted.title.startswith("Question of the day · 2026-03-02")


async def join_by_button(world: SlackWorld, *users: str) -> None:
    lobby = world.fake.last_titled("Group round") if world.fake.titled("Group round") else None
    lobby = lobby or world.fake.last_titled("Blind group round")
    for user in users:
        await world.driver.press(user, lobby, "join")


async def test_group_round_with_buttons_threads_reactions_and_results(slack: SlackWorld) -> None:
    d, fake = slack.driver, slack.fake
    await d.command("UCOACH", "group start behavioural questions 2 answer 2m rate 1m lobby 1m")
    await join_by_button(slack, "UALICE", "UBOB", "UCHEN")
    await d.press("UCHEN", fake.last_titled("Group round"), "leave")
    assert "You joined the round (3 in it)." in fake.private_to("UCHEN")[-2]
    await slack.advance(minutes=1)
    for q in (1, 2):
        question = fake.last_titled(f"Question {q}/2")
        alice = await d.reply("UALICE", question.ts, f"Alice's answer to question {q}")
        bob = await d.reply("UBOB", question.ts, f"Bob's answer to question {q}")
        rating = fake.last_titled("Rating open")
        assert rating.thread_ts == question.ts, "everyone answered: rating opens in the thread at once"
        await d.react("UALICE", bob, "three")
        await d.react("UBOB", alice, "five")
        await d.react("UCHEN", alice, "one")  # left the round: not counted
        await slack.advance(minutes=1)
        assert fake.last_titled(f"Results for question {q}").thread_ts == question.ts
    final = fake.last_titled("Final results")
    assert final.content.index("Alice") < final.content.index("Bob")
    assert any("Only the round's participants" in t for t in fake.private_to("UCHEN"))
    board = await slack.runtime.store.leaderboard(slack.tenant, scoring.COMMUNITY_SCOPE, "all")
    assert {r.display_name: r.answers for r in board} == {"Alice": 2, "Bob": 2}


async def test_blind_round_answers_in_a_modal_and_reveals_them_together(slack: SlackWorld) -> None:
    d, fake = slack.driver, slack.fake
    await d.command("UCOACH", "group start blind questions 1 answer 2m rate 1m lobby 1m")
    await join_by_button(slack, "UALICE", "UBOB")
    await slack.advance(minutes=1)
    question = fake.last_titled("Question 1/1")
    await d.reply("UALICE", question.ts, "a public reply in a blind round")
    assert any("This round is blind" in t for t in fake.private_to("UALICE"))
    assert fake.ephemerals[-1].thread_ts == question.ts, "the note shows in the thread where they wrote"
    await d.press("UALICE", question, "answer")
    opened = fake.opened_views[-1]
    assert opened["view"]["callback_id"] == "mock:answer" and opened["trigger_id"].startswith("trigger-")
    await d.submit("UALICE", opened["view"], text="My private answer about <b>teamwork</b>")
    assert any("saved privately" in t for t in fake.private_to("UALICE"))
    assert not [m for m in fake.messages if "answered" in m.content], "nothing is revealed early"
    await d.press("UBOB", question, "answer")
    await d.submit("UBOB", fake.opened_views[-1]["view"], text="Bob's private answer")
    revealed = [m for m in fake.messages if "answered" in m.content]
    assert len(revealed) == 2 and all(m.thread_ts == question.ts for m in revealed)
    assert "&lt;b" in revealed[0].content and "<b>" not in revealed[0].content
    await d.react("UBOB", revealed[0].ts, "four")
    await slack.advance(minutes=1)
    assert "4.00 from 1 rating" in fake.last_titled("Final results").content


async def test_panel_round_with_rubric_feedback_modal_and_private_summary(slack: SlackWorld) -> None:
    d, fake = slack.driver, slack.fake
    await d.command("UCOACH", "panel start <@UBOB|bob> case questions 1 answer 3m rate 2m lobby 1m")
    lobby = fake.last_titled("Panel round")
    assert "Candidate: *Bob*" in lobby.content
    for user in ("UALICE", "UCHEN"):
        await d.press(user, lobby, "join")
    await slack.advance(minutes=1)
    question = fake.last_titled("Question 1/1")
    await d.reply("UALICE", question.ts, "What assumptions would you make?")  # a follow-up, not an answer
    answer = await d.reply("UBOB", question.ts, "I'd segment the market, then size each segment.")
    rating = fake.last_titled("Rating open")
    await d.react("UALICE", answer, "four")
    await d.press("UCHEN", rating, "feedback")
    form = fake.opened_views[-1]["view"]
    assert form["callback_id"] == "mock:feedback" and len(form["title"]["text"]) <= 24
    await d.submit("UCHEN", form, scores="structure: 2\nclarity: 4", keep="Calm", stop="Guessing", start="Segmenting")
    assert any("feedback is saved" in t for t in fake.private_to("UCHEN"))
    await slack.advance(minutes=2)
    summary = fake.private_to("UBOB")
    assert any("Your panel feedback" in t and "Keep:" in t and "Segmenting" in t for t in summary)
    assert [c.params["users"] for c in fake.called("conversations.open")] == ["UBOB"]


async def test_practice_question_privately_answered_through_the_button(slack: SlackWorld) -> None:
    d, fake = slack.driver, slack.fake
    await d.command("UALICE", "practice behavioural")
    practice = next(m for m in fake.ephemerals if m.title == "Practice question")
    await d.press("UALICE", practice, "answer")
    await d.submit("UALICE", fake.opened_views[-1]["view"], text="Situation, task, action, result.")
    review = fake.ephemerals[-1]
    assert review.title.startswith("Answer saved") and review.user == "UALICE"
    assert not fake.messages, "practice is private"


async def test_lobby_buttons_after_the_round_ended_say_so(slack: SlackWorld) -> None:
    d, fake = slack.driver, slack.fake
    await d.command("UCOACH", "group start lobby 1m")
    lobby = fake.last_titled("Group round")
    await d.command("UCOACH", "end")
    await d.press("UALICE", lobby, "join")
    assert "This round has ended." in fake.private_to("UALICE")[-1]
