"""Each community's rater calibration, kept between events (bot.core.calibration does the
arithmetic; the store's `ratings_version` says when a kept one stops holding).

The fit runs over up to CALIBRATION_WINDOW shared ratings: a fifth of a second and more in a
big community. Run inside an event's transaction, it held SQLite's one writer (every other
event of the process, of any community, waited) or the event's PostgreSQL locks that long. So:

- A calibration is kept per community with the version of the community's ratings it was
  computed from. The version is a counter in the database (rating_versions) that every
  insert, change and removal of a rating moves (migration 010's triggers), whichever process
  or writer made it:
  re-rating 4 -> 5 moves it though the count stays, and another process's rating invalidates
  this process's copy. Reading it is one primary-key look-up.
- `current`, called before the event's transaction: exact. A moved version means the ratings
  are read again and the fit runs in a worker thread, so the event loop and the store keep
  serving everyone else meanwhile; events that miss together share one computation.
- `within`, inside the transaction: the kept calibration when the version is unchanged, and
  also when it moved a little (ratings committed between `current` and the transaction's
  start): at most STALE_RATINGS changes behind and STALE_SECONDS old. Staleness is allowed
  there because the alternative is the very fit in the transaction this module exists to
  avoid, and because those few ratings move leniencies little: one rating moves its rater's
  leniency by about 4 / their shared ratings at most (and by at most 0.4 while the shrinkage
  toward 0 still holds it), everyone else's far less, through the items and the group's zero.
  Calibrated views are read-only: one a few seconds behind is what the reader would have seen
  a few seconds earlier. Beyond the bound (an event nobody prepared, a burst of ratings) the
  fit runs in the transaction after all, in a worker thread (the event loop still runs).
  Outside a transaction nothing stale is served: the tests of exact numbers see exact ones.
- At most MAX_COMMUNITIES communities are kept; the least recently used goes first.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.calibration import Calibration, calibrate, score_counts
from bot.core.clock import Clock
from bot.core.ports import Store

CALIBRATION_WINDOW = 20_000  # leniency is measured on the most recent shared ratings (bounded work)
MAX_COMMUNITIES = 64  # calibrations kept: ~0.5 KB per rater (600 raters: ~0.3 MB), 64 at most ~20 MB
STALE_RATINGS = 20  # inside a transaction: rating changes a kept calibration may be behind ...
STALE_SECONDS = 10.0  # ... and how old it may be


@dataclass(frozen=True)
class Kept:
    version: int  # the community's ratings_version the calibration was computed from
    calibration: Calibration
    read_at: datetime  # when its ratings were read


async def compute(store: Store, tenant: str, version: int, now: datetime, window: int = CALIBRATION_WINDOW) -> Kept:
    """The calibration of the community's ratings, read through `store` after `version` was:
    a rating committed in between makes the result newer than its version says, never older,
    so it is at worst computed once more. The fit runs in a worker thread."""
    shared = await store.shared_ratings(tenant, window)
    given = score_counts(await store.rater_score_counts(tenant))
    return Kept(version, await asyncio.to_thread(calibrate, shared, given), now)


class CalibrationCache:
    """Per community, the last calibration computed and the ratings version it holds for.
    One per store (the dispatcher's): the versions are that database's."""

    def __init__(self, clock: Clock, size: int = MAX_COMMUNITIES, window: int = CALIBRATION_WINDOW) -> None:
        self.clock = clock
        self.size = size
        self.window = window
        self._kept: OrderedDict[str, Kept] = OrderedDict()
        self._running: dict[str, tuple[int, asyncio.Future[Kept]]] = {}
        self.computed = 0  # fits run, for tests and the benchmark
        self.stale_served = 0  # kept calibrations served behind the current version (`within`)

    def kept(self, tenant: str) -> Kept | None:
        return self._kept.get(tenant)

    async def current(self, store: Store, tenant: str) -> Calibration:
        """Exact, through `store` outside any transaction: kept if the ratings have not changed
        since, else computed again (once, however many events ask at the same time)."""
        version = await store.ratings_version(tenant)
        found = self._hit(tenant, version)
        if found is not None:
            return found.calibration
        running = self._running.get(tenant)
        if running is None or running[0] < version:  # none, or one that read older ratings
            running = self._start(store, tenant, version)
        return (await asyncio.shield(running[1])).calibration

    async def within(self, tx: Store, tenant: str) -> Calibration:
        """Inside an event's transaction `tx`: the kept calibration if it still holds, or is
        within the staleness bound (module docstring); else computed here, through `tx`."""
        version = await tx.ratings_version(tenant)
        found = self._kept.get(tenant)
        if found is not None and found.version <= version:
            behind = version - found.version
            if behind == 0 or (
                behind <= STALE_RATINGS and self.clock.now() - found.read_at <= timedelta(seconds=STALE_SECONDS)
            ):
                self._kept.move_to_end(tenant)
                self.stale_served += bool(behind)
                return found.calibration
        return (await self._compute(tx, tenant, version)).calibration

    def _hit(self, tenant: str, version: int) -> Kept | None:
        found = self._kept.get(tenant)
        if found is None or found.version != version:
            return None
        self._kept.move_to_end(tenant)
        return found

    def _start(self, store: Store, tenant: str, version: int) -> tuple[int, asyncio.Future[Kept]]:
        running = (version, asyncio.ensure_future(self._compute(store, tenant, version)))
        self._running[tenant] = running

        def done(_: asyncio.Future[Kept]) -> None:
            if self._running.get(tenant) is running:
                del self._running[tenant]

        running[1].add_done_callback(done)
        return running

    async def _compute(self, store: Store, tenant: str, version: int) -> Kept:
        kept = await compute(store, tenant, version, self.clock.now(), self.window)
        self.computed += 1
        self._keep(tenant, kept)
        return kept

    def _keep(self, tenant: str, kept: Kept) -> None:
        # The last one computed wins, even over a higher version that finished first: that
        # costs at most one fit more, where refusing a lower one would never keep anything
        # again if a database went back to a lower count (a restored backup).
        self._kept[tenant] = kept
        self._kept.move_to_end(tenant)
        while len(self._kept) > self.size:
            self._kept.popitem(last=False)
