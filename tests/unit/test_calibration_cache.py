"""The per-community calibration cache on its own, over a store that only knows ratings and
their version: a hit fits nothing, every version change fits again, the staleness allowed
inside a transaction is bounded in ratings and seconds, memory in communities, and one
community's ratings never answer for another's."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import cast

import pytest

from bot.core import calibration_cache
from bot.core.calibration import Calibration, Rated, calibrate
from bot.core.calibration_cache import STALE_RATINGS, STALE_SECONDS, CalibrationCache
from bot.core.clock import FakeClock
from bot.core.ports import Store

A, B, C = "test:a", "test:b", "test:c"


class Ratings:
    """The three reads the cache makes, over ratings kept in lists; `rate` moves the version
    as the store's triggers do."""

    def __init__(self) -> None:
        self.ratings: dict[str, list[Rated]] = {}
        self.versions: dict[str, int] = {}
        self.reads: list[str] = []

    def rate(self, tenant: str, *ratings: Rated) -> None:
        self.ratings.setdefault(tenant, []).extend(ratings)
        self.versions[tenant] = self.versions.get(tenant, 0) + len(ratings)

    def rerate(self, tenant: str, index: int, score: int) -> None:
        old = self.ratings[tenant][index]
        self.ratings[tenant][index] = Rated(old.answer_id, old.dimension, old.rater_id, score)
        self.versions[tenant] += 1

    async def ratings_version(self, tenant: str) -> int:
        return self.versions.get(tenant, 0)

    async def shared_ratings(self, tenant: str, limit: int) -> list[Rated]:
        self.reads.append(tenant)
        return self.ratings.get(tenant, [])[-limit:]

    async def rater_score_counts(self, tenant: str) -> list[tuple[str, int, int]]:
        return [(r.rater_id, int(r.score), 1) for r in self.ratings.get(tenant, []) if r.dimension == ""]


def pair(answer: int, kind: int, fair: int) -> tuple[Rated, Rated]:
    return Rated(answer, "", "kind", kind), Rated(answer, "", "fair", fair)


def community(tenant: str, ratings: Ratings, gap: int = 2, answers: int = 12) -> None:
    for a in range(answers):
        ratings.rate(tenant, *pair(a, 3 + gap // 2, 3 - gap // 2))


@pytest.fixture
def ratings() -> Ratings:
    return Ratings()


@pytest.fixture
def cache(clock: FakeClock) -> CalibrationCache:
    return CalibrationCache(clock)


def store(ratings: Ratings) -> Store:
    return cast(Store, ratings)


async def test_a_second_read_with_no_rating_change_fits_nothing(ratings: Ratings, cache: CalibrationCache) -> None:
    community(A, ratings)
    first = await cache.current(store(ratings), A)
    again = await cache.current(store(ratings), A)
    inside = await cache.within(store(ratings), A)
    assert first is again is inside
    assert cache.computed == 1 and ratings.reads == [A]
    assert first == calibrate(ratings.ratings[A], {"kind": {4: 12}, "fair": {2: 12}})
    assert first.leniency("kind") == pytest.approx(1.0) and first.leniency("fair") == pytest.approx(-1.0)


@pytest.mark.parametrize("change", ["new rating", "re-rated, same count", "removed"])
async def test_every_kind_of_rating_change_fits_again(ratings: Ratings, cache: CalibrationCache, change: str) -> None:
    community(A, ratings)
    before = await cache.current(store(ratings), A)
    if change == "new rating":
        ratings.rate(A, *pair(99, 5, 1))
    elif change == "re-rated, same count":
        ratings.rerate(A, 0, 1)  # kind's 4 becomes 1
    else:
        ratings.ratings[A].pop()
        ratings.versions[A] += 1
    after = await cache.current(store(ratings), A)
    assert cache.computed == 2
    assert after != before  # the fit of the ratings as they are now ...
    assert after == calibrate(ratings.ratings[A], score_counts_of(ratings, A))  # ... exactly


def score_counts_of(ratings: Ratings, tenant: str) -> dict[str, dict[int, int]]:
    out: dict[str, dict[int, int]] = {}
    for r in ratings.ratings[tenant]:
        out.setdefault(r.rater_id, {}).setdefault(int(r.score), 0)
        out[r.rater_id][int(r.score)] += 1
    return out


async def test_communities_are_kept_apart(ratings: Ratings, cache: CalibrationCache) -> None:
    community(A, ratings, gap=2)
    community(B, ratings, gap=0)
    assert ratings.versions[A] == ratings.versions[B]  # the same version: still each its own
    a, b = await cache.current(store(ratings), A), await cache.current(store(ratings), B)
    assert a.leniency("kind") == pytest.approx(1.0) and b.leniency("kind") == pytest.approx(0.0)
    ratings.rate(A, *pair(99, 5, 1))
    assert await cache.current(store(ratings), B) is b  # A's rating leaves B's kept
    assert await cache.current(store(ratings), A) is not a
    assert cache.computed == 3 and ratings.reads == [A, B, A]


async def test_at_most_size_communities_are_kept_least_recently_used_first(ratings: Ratings, clock: FakeClock) -> None:
    cache = CalibrationCache(clock, size=2)
    for tenant in (A, B, C):
        community(tenant, ratings)
    await cache.current(store(ratings), A)
    await cache.current(store(ratings), B)
    await cache.current(store(ratings), A)  # A used last: B is the oldest now
    await cache.current(store(ratings), C)
    assert cache.kept(A) is not None and cache.kept(B) is None and cache.kept(C) is not None
    assert cache.computed == 3
    await cache.current(store(ratings), B)
    assert cache.computed == 4 and cache.kept(A) is None  # fitted again, and A went


async def test_inside_a_transaction_a_little_staleness_is_served_and_no_more(
    ratings: Ratings, cache: CalibrationCache, clock: FakeClock
) -> None:
    community(A, ratings)
    kept = await cache.current(store(ratings), A)
    for a in range(STALE_RATINGS):  # ratings committed between `current` and the transaction
        ratings.rate(A, Rated(100 + a, "", "kind", 5))
    assert await cache.within(store(ratings), A) is kept
    assert cache.stale_served == 1 and cache.computed == 1
    ratings.rate(A, Rated(200, "", "kind", 5))  # one too many
    fresh = await cache.within(store(ratings), A)
    assert fresh is not kept and cache.computed == 2
    assert await cache.current(store(ratings), A) is fresh  # and kept for the next event
    ratings.rate(A, Rated(300, "", "kind", 5))
    clock.advance(timedelta(seconds=STALE_SECONDS + 1))  # one rating behind, but too old
    assert await cache.within(store(ratings), A) is not fresh
    assert cache.computed == 3


async def test_events_that_miss_together_share_one_fit(
    ratings: Ratings, cache: CalibrationCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    community(A, ratings)
    threads: list[str] = []

    def counted(*args: object, **kw: object) -> Calibration:
        threads.append("fit")
        return calibrate(*args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(calibration_cache, "calibrate", counted)
    found = await asyncio.gather(*(cache.current(store(ratings), A) for _ in range(5)))
    assert threads == ["fit"] and all(f is found[0] for f in found)


async def test_a_failed_fit_is_not_kept_and_the_next_read_tries_again(
    ratings: Ratings, cache: CalibrationCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    community(A, ratings)

    def broken(*args: object, **kw: object) -> Calibration:
        raise RuntimeError("no")

    monkeypatch.setattr(calibration_cache, "calibrate", broken)
    with pytest.raises(RuntimeError):
        await cache.current(store(ratings), A)
    assert cache.kept(A) is None
    monkeypatch.setattr(calibration_cache, "calibrate", calibrate)
    assert (await cache.current(store(ratings), A)).leniency("kind") == pytest.approx(1.0)
