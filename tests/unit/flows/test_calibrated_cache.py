"""Rater calibration through the dispatcher, kept between events: fitted before the event's
transaction (never inside it, so another community's ratings are written meanwhile), once per
change to the community's ratings, and a `/mock me` after a new rating sees it."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

import pytest

from bot.core.banks import Library
from bot.core.calibration import Calibration, Rated, calibrate
from bot.core.clock import FakeClock
from bot.core.home import home_messages
from bot.storage import coaching
from bot.storage.coaching_store import CoachingMethods
from bot.storage.sqlite import SqliteStore
from tests.fakes.harness import Harness, text_of
from tests.unit.flows.test_calibrated import ANSWER, community, question


@pytest.fixture
def reads(h: Harness, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every read of the shared ratings: "store" through the store itself, "transaction"
    through an event's transaction (either engine)."""
    seen: list[str] = []
    original = CoachingMethods.shared_ratings

    async def counted(self: CoachingMethods, tenant: str, limit: int) -> list[Rated]:
        seen.append("store" if self is h.store else "transaction")
        return await original(self, tenant, limit)

    monkeypatch.setattr(CoachingMethods, "shared_ratings", counted)
    return seen


def hold_score_counts(monkeypatch: pytest.MonkeyPatch, tenant: str) -> tuple[asyncio.Event, asyncio.Event]:
    """The community's score counts (read before its fit) are held until `release` is set;
    `started` says the read has begun."""
    started, release = asyncio.Event(), asyncio.Event()
    original = CoachingMethods.rater_score_counts

    async def held(self: CoachingMethods, asked: str) -> list[tuple[str, int, int]]:
        if asked == tenant:
            started.set()
            await asyncio.wait_for(release.wait(), 10)
        return await original(self, asked)

    monkeypatch.setattr(CoachingMethods, "rater_score_counts", held)
    return started, release


async def dee_answer(h: Harness, channel: str = "c5") -> str:
    thread = await question(h, channel)
    return await h.reply("dee", thread, ANSWER, channel=channel)


async def test_a_second_me_with_no_rating_change_reads_and_fits_nothing_again(h: Harness, reads: list[str]) -> None:
    await community(h)
    first = text_of(await h.command("dee", "me"))
    assert text_of(await h.command("dee", "me")) == first
    await h.command("dee", "me progress")
    await h.command("coach", "raters")
    await h.command("dee", "leaderboard all community calibrated")
    await h.command("dee", "practice")
    await h.command("coach", "report")
    await h.command("dee", "privacy export")
    assert reads == ["store"]  # one read, outside any transaction, for all of them


@pytest.mark.parametrize("change", ["new rating", "re-rated", "removed"])
async def test_a_me_after_a_rating_change_sees_the_new_calibration(
    h: Harness, reads: list[str], library: Library, clock: FakeClock, change: str
) -> None:
    await community(h)
    answer = await dee_answer(h)
    await h.react("fair", answer, 3, channel="c5")
    before = text_of(await h.command("dee", "me"))
    if change == "new rating":
        await h.react("flat", answer, 5, channel="c5")
    elif change == "re-rated":
        await h.react("fair", answer, 5, channel="c5")  # another emoji: the same count of ratings
        assert [(r.n, r.total) for r in await h.store.skills(h.tenant, "dee") if r.day == clock.now().date()
                and r.area == "category:behavioural"] == [(4, 20)]  # fmt: skip
    else:
        await h.react("fair", answer, 3, remove=True, channel="c5")
    after = text_of(await h.command("dee", "me"))
    assert after != before
    # What a process with nothing kept says: the same.
    assert text_of(await Harness(h.store, library, clock, h.tenant).command("dee", "me")) == after
    assert reads == ["store", "store", "store"]  # each change read once, outside the transaction


async def test_another_communitys_rating_is_written_while_the_ratings_are_read(
    h: Harness, library: Library, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reading a big community's ratings takes a while: held here until the other community's
    rating has been written, which on SQLite can only be if the read is outside the event's
    transaction (the one writer is free)."""
    await community(h)
    other = Harness(h.store, library, clock, tenant="test:other")
    other_answer = await dee_answer(other, "c1")
    started, release = hold_score_counts(monkeypatch, h.tenant)
    me = asyncio.create_task(h.command("dee", "me"))
    await asyncio.wait_for(started.wait(), 10)
    await asyncio.wait_for(other.react("kind", other_answer, 4), 5)
    assert not me.done()
    release.set()
    assert "calibrated 4.00" in text_of(await asyncio.wait_for(me, 10))


async def test_another_communitys_rating_is_written_while_a_big_fit_runs(
    h: Harness, library: Library, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fit (a fifth of a second and more in a big community) is held here until the other
    community's rating has been written: it can only finish if the fit neither holds the
    store's writer nor the event loop."""
    await community(h)
    other = Harness(h.store, library, clock, tenant="test:other")
    other_answer = await dee_answer(other, "c1")
    started, release = threading.Event(), threading.Event()

    def held(*args: Any, **kw: Any) -> Calibration:
        started.set()
        assert release.wait(10), "the other community's rating never got through"
        return calibrate(*args, **kw)

    monkeypatch.setattr("bot.core.calibration_cache.calibrate", held)
    me = asyncio.create_task(h.command("dee", "me"))
    assert await asyncio.to_thread(started.wait, 10)
    await asyncio.wait_for(other.react("kind", other_answer, 4), 10)
    assert not me.done()
    release.set()
    assert "calibrated 4.00" in text_of(await asyncio.wait_for(me, 10))
    assert [r.total for r in await h.store.skills("test:other", "dee")] == [4]


async def test_calibrated_reads_inside_the_transaction_when_nothing_prepared_them(
    h: Harness, reads: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An event the dispatcher did not know reads the calibration still gets it right."""
    await community(h)
    nothing: Callable[..., Any] = lambda *a, **kw: False  # noqa: E731
    monkeypatch.setattr("bot.core.flows.calibrated.needs_calibration", nothing)
    assert "calibrated 4.00" in text_of(await h.command("dee", "me"))
    assert reads == ["transaction"]
    assert "calibrated 4.00" in text_of(await h.command("dee", "me"))
    assert reads == ["transaction"]  # kept for the next one


async def test_the_slack_app_home_shares_the_kept_calibration(h: Harness, reads: list[str]) -> None:
    """The App Home (read-only, no transaction) opens often: it fits only after a rating change,
    and what it shows is exact, as /mock me's is."""
    await community(h)
    await h.command("dee", "me")
    for _ in range(2):
        shown = await home_messages(h.dispatcher, h.tenant, h.actor("dee"))
        assert "calibrated 4.00" in "\n".join(m.text for m in shown)
    assert reads == ["store"]  # /mock me's fit, kept for both App Home views
    answer = await dee_answer(h)
    await h.react("fair", answer, 3, channel="c5")
    await home_messages(h.dispatcher, h.tenant, h.actor("dee"))
    assert reads == ["store", "store"]  # a rating changed: fitted again, outside any transaction


async def test_the_channels_other_events_go_on_while_a_big_communitys_ratings_are_read(
    h: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fit is brought up to date before the event takes its channel's turn: a /mock me in
    a big community does not hold up the next event in the same channel."""
    await community(h)
    await dee_answer(h)  # a change since the last fit: the next /mock me must read again
    started, release = hold_score_counts(monkeypatch, h.tenant)
    me = asyncio.create_task(h.command("dee", "me"))
    await asyncio.wait_for(started.wait(), 10)
    assert "/mock" in text_of(await asyncio.wait_for(h.command("ann", "help"), 5))
    assert not me.done()
    release.set()
    assert "calibrated" in text_of(await asyncio.wait_for(me, 10))


async def test_another_communitys_reaction_goes_through_while_the_store_reads_the_ratings(
    sqlite_store: SqliteStore, library: Library, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The read itself is held here, in the SQLite thread that runs it (the ~55 ms of a big
    community): another community's reaction, its read and its write, goes through meanwhile,
    which it can only if the read runs beside the writer and beside the other reads."""
    h = Harness(sqlite_store, library, clock)
    await community(h)
    other = Harness(sqlite_store, library, clock, tenant="test:other")
    other_answer = await dee_answer(other, "c1")
    started, release = threading.Event(), threading.Event()
    original = coaching.shared_ratings

    def held(db: Any, tenant: str, limit: int) -> list[Rated]:
        if tenant == h.tenant:
            started.set()
            assert release.wait(10), "the other community's reaction never got through"
        return original(db, tenant, limit)

    monkeypatch.setattr(coaching, "shared_ratings", held)
    me = asyncio.create_task(h.command("dee", "me"))
    try:
        assert await asyncio.to_thread(started.wait, 10)
        await asyncio.wait_for(other.react("kind", other_answer, 4), 5)
        assert [r.total for r in await sqlite_store.skills("test:other", "dee")] == [4]
        assert not me.done()
    finally:
        release.set()
    assert "calibrated 4.00" in text_of(await asyncio.wait_for(me, 10))
