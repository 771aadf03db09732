"""Regression tests for defects found in review: schedules that stop, stuck rounds, lost
summaries, misdirected feedback, lost re-answers, streaks broken by holidays, lost settings."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from bot.core.clock import FakeClock
from bot.core.events import MessageDeleted, MessagePosted
from bot.core.flows import rounds
from tests.fakes.harness import Harness, text_of


async def next_qotd(h: Harness, clock: FakeClock) -> None:
    before = len(h.outbox.titled("Question of the day ·"))
    while len(h.outbox.titled("Question of the day ·")) == before:
        due = await h.store.next_timer_due()
        assert due is not None
        clock.set(due)
        await h.scheduler.run_due()


async def test_a_day_with_no_question_does_not_stop_the_schedule(h: Harness, clock: FakeClock) -> None:
    library, _ = await h.dispatcher.libraries.get(h.tenant)
    await h.command("coach", "qotd schedule 09:00 UTC daily questions_to_ask")
    for question in library.pick(category="questions_to_ask"):
        await h.command("coach", f"bank disable {question.id}")
    await h.advance(days=1)
    assert h.outbox.titled("No question of the day today")
    await h.command("coach", "bank enable ask-001")
    await h.advance(days=1)
    assert len(h.outbox.titled("Question of the day ·")) == 1


async def test_a_failing_timer_is_retried_so_the_round_does_not_get_stuck(
    h: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    await h.command("coach", "group start lobby 1m")
    await h.command("alice", "join")
    real = rounds.on_timer
    failures = iter([OSError("disk hiccup")])

    async def flaky(ctx, payload):  # type: ignore[no-untyped-def]
        error = next(failures, None)
        if error is not None:
            raise error
        await real(ctx, payload)

    monkeypatch.setattr(rounds, "on_timer", flaky)
    await h.advance(minutes=1)
    assert not h.outbox.titled("Question 1/3")
    await h.advance(seconds=30)
    assert h.outbox.titled("Question 1/3")


async def test_ending_a_panel_on_the_last_question_of_a_turn_still_sends_the_summary(h: Harness) -> None:
    await h.command("coach", "panel start @dara questions 1 lobby 1m")
    await h.command("alice", "join")
    await h.advance(minutes=1)
    q1 = h.outbox.last_titled("Question 1/1")
    await h.reply("dara", q1.message_id, "my answer")  # rating is open now
    await h.command("coach", "end")
    assert [n.user_id for n in h.outbox.notes if n.message.title == "Your panel feedback"] == ["dara"]


async def test_feedback_from_a_form_opened_for_an_earlier_question_is_refused(h: Harness) -> None:
    await h.command("coach", "panel start @dara questions 1 answer 2m rate 1m lobby 1m rotate")
    for user in ("alice", "bob"):
        await h.command(user, "join")
    await h.advance(minutes=1)
    await h.reply("dara", h.outbox.last_titled("Question 1/3").message_id, "dara's answer")
    form = (await h.press("bob", "feedback", h.outbox.last_titled("Rating open").message.buttons[0].value))[0]
    await h.advance(minutes=1)  # rating of question 1 ends; alice is the candidate now
    await h.reply("alice", h.outbox.last_titled("Question 2/3").message_id, "alice's answer")
    replies = await h.submit("bob", "feedback", form.value, scores="structure: 1")  # type: ignore[union-attr]
    assert "closed" in text_of(replies)
    round_id = int(form.value.split(":")[0])  # type: ignore[union-attr]
    assert (await h.store.answer_scores(round_id, 1, "structure"))[0].n == 0


async def test_someone_who_deletes_their_answer_can_answer_again(h: Harness) -> None:
    await h.command("coach", "qotd post")
    post = h.outbox.last_titled("Question of the day")
    first = await h.reply("alice", post.message_id, "typo answr")
    await h.send(
        MessageDeleted(event_id="del-1", tenant=h.tenant, channel_id="c1", user=h.actor("alice"), message_id=first)
    )
    second = await h.reply("alice", post.message_id, "my real answer")
    answer = await h.store.answer_by_message(h.tenant, second)
    assert answer is not None and answer.text == "my real answer"
    row = await h.store.board_row(h.tenant, "*", "all", "alice")
    assert row is not None and row[0].answers == 1


async def test_pause_until_after_an_open_ended_pause_resumes_on_time(h: Harness, clock: FakeClock) -> None:
    clock.set(datetime(2026, 3, 2, 10, 0, tzinfo=UTC))
    await h.command("coach", "qotd schedule 09:00 UTC daily")
    await h.command("coach", "qotd pause")
    assert "paused" in text_of(await h.command("alice", "qotd show"))
    await h.advance(days=1)
    await h.command("coach", "qotd pause until 2026-03-04")
    await h.advance(days=1)  # 4 March: still paused
    assert h.outbox.titled("Question of the day ·") == []
    await h.advance(days=1)  # 5 March
    assert len(h.outbox.titled("Question of the day ·")) == 1


async def test_a_holiday_pause_does_not_break_a_streak(h: Harness, clock: FakeClock) -> None:
    clock.set(datetime(2026, 3, 2, 8, 0, tzinfo=UTC))  # Monday
    await h.command("coach", "qotd schedule 09:00 UTC weekdays")
    for _ in range(2):  # Monday, Tuesday
        await next_qotd(h, clock)
        await h.reply("alice", h.outbox.titled("Question of the day ·")[-1].message_id, "answer")
    await h.command("coach", "qotd pause until 2026-03-05")  # Wednesday and Thursday off
    await next_qotd(h, clock)  # Friday
    await h.reply("alice", h.outbox.titled("Question of the day ·")[-1].message_id, "answer")
    assert await h.store.best_streak(h.tenant, "alice") == 3


async def test_concurrent_settings_changes_in_two_channels_are_both_kept(h: Harness) -> None:
    await asyncio.gather(
        h.command("coach", "config organisers @alice", channel="c1"),
        h.command("coach", "config organiser-role mentors", channel="c2"),
    )
    config = await h.store.get_config(h.tenant)
    assert config["organisers"] == ["alice"] and config["organiser_roles"] == ["mentors"]


async def test_chat_in_a_closed_question_of_the_day_thread_gets_no_notes(h: Harness) -> None:
    await h.command("coach", "qotd post")
    post = h.outbox.last_titled("Question of the day")
    await h.advance(hours=24)
    notes = len(h.outbox.notes)
    replies = await h.send(
        MessagePosted(event_id="late", tenant=h.tenant, channel_id="c1", user=h.actor("bob"),
                      message_id="u-late", text="nice question", thread_id=post.message_id)
    )  # fmt: skip
    assert replies == [] and len(h.outbox.notes) == notes


async def test_a_rating_read_as_open_is_refused_if_results_were_drawn_up_meanwhile(
    h: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    await h.command("coach", "group start questions 1 answer 2m rate 1m lobby 1m")
    for user in ("alice", "bob"):
        await h.command(user, "join")
    await h.command("coach", "next")
    q1 = h.outbox.last_titled("Question 1/1")
    alice = await h.reply("alice", q1.message_id, "answer")
    await h.command("coach", "next")  # rating opens
    stale = await h.store.rating_target(h.tenant, alice)  # bob's reaction reads "open" ...
    await h.advance(minutes=1)  # ... the rating phase ends and the results are posted ...
    assert "Alice**: no ratings" in h.outbox.last_titled("Results for question 1").message.text

    async def stale_target(tenant: str, message_id: str) -> object:
        return stale

    monkeypatch.setattr(h.store, "rating_target", stale_target)
    await h.react("bob", alice, 5)  # ... and only then does its write arrive
    round_id = int(q1.message.buttons[0].value)
    assert (await h.store.answer_scores(round_id, 0))[0].n == 0
    row = await h.store.board_row(h.tenant, "*", "all", "alice")
    assert row is not None and row[0].received_n == 0
