"""Question of the day: schedules, DST, pauses, no repeats, streaks, closing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core.clock import FakeClock
from tests.fakes.harness import Harness, text_of


def qotd_posts(h: Harness) -> list[str]:
    return [p.message_id for p in h.outbox.titled("Question of the day ·")]


async def next_qotd(h: Harness, clock: FakeClock) -> datetime:
    """Jump from timer to timer (closing timers are due too) until the next post; its time."""
    before = len(qotd_posts(h))
    while True:
        due = await h.store.next_timer_due()
        assert due is not None
        clock.set(due)
        await h.scheduler.run_due()
        if len(qotd_posts(h)) > before:
            return due


async def test_schedule_posts_at_local_time_on_both_sides_of_the_clock_change(h: Harness, clock: FakeClock) -> None:
    clock.set(datetime(2026, 3, 26, 12, 0, tzinfo=UTC))  # Thursday before the UK clocks go forward
    await h.command("coach", "qotd schedule 09:00 Europe/London daily")
    times = [await next_qotd(h, clock) for _ in range(4)]
    assert [t.strftime("%m-%d %H:%M") for t in times] == ["03-27 09:00", "03-28 09:00", "03-29 08:00", "03-30 08:00"]
    assert len(qotd_posts(h)) == 4


async def test_weekdays_skip_the_weekend_and_pause_until_a_date(h: Harness, clock: FakeClock) -> None:
    clock.set(datetime(2026, 3, 6, 10, 0, tzinfo=UTC))  # Friday, after 09:00
    await h.command("coach", "qotd schedule 09:00 UTC weekdays")
    assert await h.store.next_timer_due() == datetime(2026, 3, 9, 9, 0, tzinfo=UTC)  # Monday
    await h.command("coach", "qotd pause until 2026-03-10")
    await h.advance(days=3)  # Monday 10:00
    await h.advance(days=1)  # Tuesday 10:00
    assert qotd_posts(h) == []  # paused through Tuesday
    await h.advance(days=1)
    assert len(qotd_posts(h)) == 1  # Wednesday
    assert "paused" not in text_of(await h.command("alice", "qotd show"))


async def test_open_ended_pause_and_resume(h: Harness, clock: FakeClock) -> None:
    await h.command("coach", "qotd schedule 09:30 UTC daily")
    await h.command("coach", "qotd pause")
    await h.advance(days=3)
    assert qotd_posts(h) == []
    assert await h.store.next_timer_due() is None
    assert "resumed" in text_of(await h.command("coach", "qotd resume"))
    await h.advance(days=1)
    assert len(qotd_posts(h)) == 1


async def test_no_repeat_until_the_pool_is_spent(h: Harness, clock: FakeClock) -> None:
    library, _ = await h.dispatcher.libraries.get(h.tenant)
    pool = {q.id for q in library.pick(category="questions_to_ask")}
    await h.command("coach", "qotd schedule 09:00 UTC daily questions_to_ask")
    seen: list[str] = []
    for _ in range(len(pool) + 3):
        await h.advance(days=1)
    for post in h.outbox.titled("Question of the day ·"):
        seen.append(post.message.footer.split("id ")[1].split(".")[0])  # type: ignore[union-attr]
    assert set(seen[: len(pool)]) == pool  # every question once before any repeat
    assert len(seen) == len(pool) + 3


async def test_answers_ratings_close_and_streaks(h: Harness, clock: FakeClock) -> None:
    clock.set(datetime(2026, 3, 2, 8, 0, tzinfo=UTC))  # Monday
    await h.command("coach", "qotd schedule 09:00 UTC mon,wed,fri")
    streaks = []
    for _ in range(3):  # Monday, Wednesday, Friday: consecutive scheduled days
        await next_qotd(h, clock)
        post = h.outbox.titled("Question of the day ·")[-1]
        await h.reply("alice", post.message_id, "my answer")
        streaks.append(await h.store.best_streak(h.tenant, "alice"))
    assert streaks == [1, 2, 3]
    post = h.outbox.titled("Question of the day ·")[-1]
    bob = await h.reply("bob", post.message_id, "bob's answer")
    await h.reply("bob", post.message_id, "a second message is discussion")
    await h.react("alice", bob, 5)
    clock.set(clock.now() + timedelta(hours=24))
    await h.scheduler.run_due()
    closed = h.outbox.last_titled("Question of the day: closed")
    assert closed.thread_id == post.message_id
    assert "Bob**: 3.33 (mean 5.00 from 1 rating" in closed.message.text
    assert "closed" in text_of(await h.react("chen", bob, 1))


async def test_post_now_is_not_a_streak_day(h: Harness) -> None:
    await h.command("coach", "qotd post technical")
    post = h.outbox.titled("Question of the day")[-1]
    assert "technical" in (post.message.footer or "")
    await h.reply("alice", post.message_id, "answer")
    assert await h.store.best_streak(h.tenant, "alice") == 0


async def test_bad_schedules_are_refused(h: Harness) -> None:
    assert "Unknown category" in text_of(await h.command("coach", "qotd schedule 09:00 UTC daily astrology"))
    assert "timezone" in text_of(await h.command("coach", "qotd schedule 09:00 Mars/Olympus"))
    assert "no question-of-the-day schedule" in text_of(await h.command("coach", "qotd pause"))
    assert await h.store.next_timer_due() is None
