"""Delivery of the outbox: 429s waited out on the fake clock, order per lane, permanent
refusals reported, a crash between sending and recording, rows left by a dead process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.core.clock import FakeClock
from bot.core.delivery import Delivery
from bot.core.errors import SendLater, SendRefused
from bot.core.messages import Message, Notify, Post
from bot.storage.sqlite import SqliteStore
from tests.fakes.faulty_store import FaultPlan, FaultyStore, InjectedFault
from tests.fakes.outbox import RecordingOutbox

TENANT = "test:community"


class RefusingOutbox(RecordingOutbox):
    """A platform that answers 429 (`later` times, with retry_after) or refuses for good the
    posts whose text names a channel in `refused`."""

    def __init__(self, later: int = 0, retry_after: float | None = 2.0, refused: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.later = later
        self.retry_after = retry_after
        self.refused = refused
        self.attempts: list[str] = []

    async def post(
        self, tenant: str, channel_id: str, message: Message, thread_id: str | None = None, *, key: str | None = None
    ) -> str:
        self.attempts.append(message.text)
        if channel_id in self.refused:
            raise SendRefused("Missing Access")
        if self.later:
            self.later -= 1
            raise SendLater("429 Too Many Requests", self.retry_after)
        return await super().post(tenant, channel_id, message, thread_id, key=key)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[str]:
    path = str(tmp_path / "delivery.db")
    store = await SqliteStore.open(path)
    await store.close()
    yield path


async def queue(store: SqliteStore, clock: FakeClock, *texts: str, channel: str = "c1", report_to: str = "") -> None:
    items = [("post", Post(channel, Message(text=t)), report_to or None) for t in texts]
    await store.add_outbox(TENANT, items, clock.now())  # type: ignore[arg-type]


async def settle(delivery: Delivery, clock: FakeClock, rounds: int = 30) -> None:
    """Run the loop's work, moving the clock to each retry instead of sleeping."""
    for _ in range(rounds):
        await delivery.run_due()
        due = await delivery.store.next_outbox_due()
        if due is None:
            return
        clock.set(max(due, clock.now()))
    raise AssertionError("the outbox never emptied")


async def test_ten_429s_in_a_row_and_the_post_still_goes_once(db: str, clock: FakeClock) -> None:
    store = await SqliteStore.open(db)
    try:
        platform = RefusingOutbox(later=10, retry_after=3.0)
        delivery = Delivery(store, platform, clock)
        await queue(store, clock, "Results for question 1")
        start = clock.now()
        assert not await delivery.flush(TENANT, ["c1"])  # refused: it waits, it is not dropped
        for _ in range(10):
            due = await store.next_outbox_due()
            assert due == clock.now() + timedelta(seconds=3)  # the platform's retry_after
            clock.set(due)
            await delivery.run_due()
        assert [p.message.text for p in platform.posts] == ["Results for question 1"]
        assert len(platform.attempts) == 11 and delivery.retried == 10 and delivery.delivered == 1
        assert clock.now() - start == timedelta(seconds=30)
        assert await store.next_outbox_due() is None
    finally:
        await store.close()


async def test_without_retry_after_the_backoff_grows(db: str, clock: FakeClock) -> None:
    store = await SqliteStore.open(db)
    try:
        platform = RefusingOutbox(later=4, retry_after=None)
        delivery = Delivery(store, platform, clock)
        await queue(store, clock, "one")
        waits = []
        await delivery.run_due()
        while platform.later or not platform.posts:
            due = await store.next_outbox_due()
            assert due is not None
            waits.append((due - clock.now()).total_seconds())
            clock.set(due)
            await delivery.run_due()
        assert waits == [1.0, 2.0, 4.0, 8.0]
        assert [p.message.text for p in platform.posts] == ["one"]
    finally:
        await store.close()


async def test_a_lane_keeps_its_order_while_its_head_waits(db: str, clock: FakeClock) -> None:
    store = await SqliteStore.open(db)
    try:
        platform = RefusingOutbox(later=3, retry_after=5.0)
        delivery = Delivery(store, platform, clock)
        await queue(store, clock, "first", "second", "third")
        await queue(store, clock, "elsewhere", channel="c2")
        await delivery.run_due()
        # c1's head waits; nothing behind it overtakes; the other lane is not held up (c1's
        # first post took all three 429s).
        clock.advance(timedelta(seconds=5))
        await delivery.run_due()
        clock.advance(timedelta(seconds=1))
        await delivery.run_due()  # not yet due again: nothing of c1 moves
        assert [p.channel_id for p in platform.posts] == ["c2"]
        assert platform.attempts.count("second") == 0
        await settle(delivery, clock)
        assert [p.message.text for p in platform.posts if p.channel_id == "c1"] == ["first", "second", "third"]
    finally:
        await store.close()


async def test_a_refused_post_is_reported_to_the_organiser_and_the_lane_moves_on(db: str, clock: FakeClock) -> None:
    store = await SqliteStore.open(db)
    try:
        platform = RefusingOutbox(refused=("gone",))
        delivery = Delivery(store, platform, clock)
        await queue(store, clock, "to a channel we lost", channel="gone", report_to="coach")
        await queue(store, clock, "after it", channel="gone", report_to="coach")
        await queue(store, clock, "fine", channel="c1", report_to="coach")
        await settle(delivery, clock)
        assert platform.attempts.count("to a channel we lost") == 1  # permanent: not retried
        assert platform.attempts.count("after it") == 1  # the lane moved on
        assert [p.message.text for p in platform.posts] == ["fine"]
        notes = [(n.user_id, n.message.text) for n in platform.notes]
        assert len(notes) == 2 and all(user == "coach" and "I could not post in <#gone>" in t for user, t in notes)
        assert all("Missing Access" in t for _, t in notes)
        failed = await store._fetch("SELECT COUNT(*) FROM outbox WHERE status = 'failed'", ())
        assert failed == [(2,)] and delivery.refused == 2
    finally:
        await store.close()


async def test_a_crash_between_sending_and_recording_sends_again_at_most_once(db: str, clock: FakeClock) -> None:
    store = await SqliteStore.open(db)
    try:
        await queue(store, clock, "Rating open", "Results")
        platform = RecordingOutbox()
        # Fail the record of the first post: its transaction (step 1 is the lane's read, step 2
        # the read that gives the row, so step 3 opens the record's transaction) is undone.
        plan = FaultPlan(fail_at=3)
        with pytest.raises(InjectedFault):
            await Delivery(FaultyStore(store, plan), platform, clock).run_due()  # type: ignore[arg-type]
        assert plan.failed == "transaction" and plan.failed_in_record
        assert [p.message.text for p in platform.posts] == ["Rating open"]  # sent, not recorded
        # The process is gone; a new one on the same database picks the rows up.
        await settle(Delivery(store, platform, clock), clock)
        assert [p.message.text for p in platform.posts] == ["Rating open", "Rating open", "Results"]
        await settle(Delivery(store, platform, clock), clock)
        assert len(platform.posts) == 3  # and never again
    finally:
        await store.close()


async def test_rows_left_by_a_dead_process_are_delivered_by_a_new_one(db: str, clock: FakeClock) -> None:
    first = await SqliteStore.open(db)
    platform = RefusingOutbox(later=1)
    await queue(first, clock, "lobby open", "Question 1/2")
    await first.add_outbox(TENANT, [("notify", Notify("bob", "c1", Message(text="reminder")), None)], clock.now())
    await Delivery(first, platform, clock).run_due()  # 429: the lane waits for later
    assert platform.posts == [] and [n.message.text for n in platform.notes] == ["reminder"]
    await first.close()  # the process stops with rows still in the outbox
    clock.advance(timedelta(minutes=5))
    second = await SqliteStore.open(db)
    try:
        await settle(Delivery(second, platform, clock), clock)
        assert [p.message.text for p in platform.posts] == ["lobby open", "Question 1/2"]
        assert [n.message.text for n in platform.notes] == ["reminder"]
        assert await second.next_outbox_due() is None
    finally:
        await second.close()
