"""Issue 14, done when: a QOTD channel with the default pool (qotd-mode questions of the shipped
banks, no category filter) posts every weekday for three years without a repeat."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.core.clock import FakeClock
from tests.fakes.harness import Harness

FIRST, LAST = date(2027, 1, 1), date(2029, 12, 31)  # three calendar years
WEEKDAYS = [
    FIRST + timedelta(days=n) for n in range((LAST - FIRST).days + 1) if (FIRST + timedelta(days=n)).weekday() < 5
]


async def test_three_years_of_weekdays_without_a_repeat(h: Harness, clock: FakeClock) -> None:
    library, _ = await h.dispatcher.libraries.get(h.tenant)
    pool = {q.id for q in library.pick(mode="qotd")}
    clock.set(datetime(2026, 12, 31, 12, 0, tzinfo=UTC))
    await h.command("coach", "qotd schedule 09:00 Europe/London weekdays")
    end = datetime(2029, 12, 31, 23, 0, tzinfo=UTC)
    while (due := await h.store.next_timer_due()) is not None and due <= end:
        clock.set(due)  # from timer to timer: each post, then its closing
        await h.scheduler.run_due()
    posts = h.outbox.titled("Question of the day ·")
    ids = [p.message.footer.split(" · id ")[1].split(".")[0] for p in posts]  # type: ignore[union-attr]
    days = [p.message.title.split(" · ")[1] for p in posts]  # type: ignore[union-attr]
    assert days == [d.isoformat() for d in WEEKDAYS]  # every weekday, once, in order
    repeats = len(ids) - len(set(ids))
    assert repeats == 0, f"{repeats} repeats: the qotd pool has {len(pool)} questions for {len(ids)} weekdays"
    assert set(ids) <= pool
