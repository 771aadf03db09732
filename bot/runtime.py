"""Wiring: settings -> store, banks, dispatcher and scheduler, shared by every entry point."""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field
from pathlib import Path

from bot import metrics
from bot.chart_thread import render_chart
from bot.config import Settings, is_postgres_url
from bot.core.banks import Library, load_paths, shipped_bank_dir
from bot.core.clock import Clock
from bot.core.delivery import Delivery
from bot.core.dispatcher import Dispatcher
from bot.core.events import Event, TimerFired
from bot.core.flows.context import Libraries, Reply
from bot.core.messages import Notify
from bot.core.ports import Outbox, OutboxItem, Store
from bot.core.scheduler import Scheduler
from bot.ops import Health
from bot.storage.sqlite import SqliteStore

REPLAY_WAIT = 30.0  # seconds timers wait at most for what the last process acknowledged


@dataclass
class Runtime:
    store: Store
    dispatcher: Dispatcher
    scheduler: Scheduler
    library: Library
    health: Health = field(init=False)
    replays: set[str] = field(default_factory=set)  # adapters still working off their inbox
    _replayed: asyncio.Event = field(default_factory=asyncio.Event)

    def expect_replay(self, adapter: str) -> None:
        """Timers wait until this adapter has worked off what the last process acknowledged:
        a rating Slack was told it got must count before the timer that closes rating fires."""
        self.replays.add(adapter)
        self._replayed.clear()

    def replay_finished(self, adapter: str) -> None:
        self.replays.discard(adapter)
        if not self.replays:
            self._replayed.set()

    def __post_init__(self) -> None:
        self.health = Health(self.store, self.dispatcher.clock)

    async def background(self) -> None:
        """The loops every running bot needs: timers, and delivery of what is left in the
        outbox (retries, and rows a stopped process did not get to)."""
        await asyncio.gather(self._timers(), self.dispatcher.delivery.run())

    async def _timers(self) -> None:
        if self.replays:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._replayed.wait(), REPLAY_WAIT)
        await self.scheduler.run()

    async def close(self) -> None:
        await self.store.close()


_LOADED: dict[tuple[tuple[str, int, int], ...], Library] = {}


def load_banks(settings: Settings) -> Library:
    """The shipped banks and MOCKPANEL_BANKS, parsed once per process: a second call with the
    same files (same size and modification time) gets the same library."""
    paths = [shipped_bank_dir(), *(Path(p) for p in settings.banks)]
    key = tuple(_signature(p) for p in paths)
    if key not in _LOADED:
        _LOADED.clear()  # a changed file: only the current set is kept
        _LOADED[key] = load_paths(paths)
    return _LOADED[key]


def _signature(path: Path) -> tuple[str, int, int]:
    try:
        files = sorted(path.iterdir()) if path.is_dir() else [path]
        stats = [f.stat() for f in files]
    except OSError:
        return (str(path), -1, -1)  # load_paths names the problem
    return (str(path), sum(s.st_size for s in stats) + len(stats), max((s.st_mtime_ns for s in stats), default=0))


async def open_store(db: str, *, pool_min: int = 1, pool_max: int = 10) -> Store:
    """MOCKPANEL_DB: a SQLite file path (the default), or a postgresql:// URL."""
    if is_postgres_url(db):
        from bot.storage.postgres import PostgresStore  # asyncpg only where it is used

        return await PostgresStore.open(db, min_size=pool_min, max_size=pool_max)
    return await SqliteStore.open(db)


async def build(settings: Settings, outbox: Outbox, clock: Clock, library: Library | None = None) -> Runtime:
    library = library or load_banks(settings)
    store = await open_store(settings.db, pool_min=settings.db_pool_min, pool_max=settings.db_pool_max)
    store.on_transaction = metrics.TRANSACTION.observe
    dispatcher = MeteredDispatcher(store, outbox, Libraries(library, store), clock)
    dispatcher.renderer = render_chart
    return Runtime(store, dispatcher, Scheduler(store, dispatcher, clock), library)


class MeteredDelivery(Delivery):
    """The core's delivery loop, with each row's outcome (read from its own counters) and
    send time in bot/metrics.py."""

    async def _send(self, item: OutboxItem) -> bool:
        before = (self.delivered, self.retried, self.refused)
        try:
            return await super()._send(item)
        finally:
            kind = "notify" if isinstance(item.effect, Notify) else "post"
            for outcome, was, now in zip(
                ("delivered", "retried", "refused"), before, (self.delivered, self.retried, self.refused), strict=True
            ):
                if now > was:
                    metrics.DELIVERIES.labels(kind, outcome).inc(now - was)

    async def _deliver(self, item: OutboxItem) -> str:
        started = time.perf_counter()
        try:
            return await super()._deliver(item)
        finally:
            kind = "notify" if isinstance(item.effect, Notify) else "post"
            metrics.DELIVERY_LATENCY.labels(kind).observe(time.perf_counter() - started)


class MeteredDispatcher(Dispatcher):
    """Every event (people's and timers') counted by type and outcome, and timed."""

    def __init__(self, store: Store, outbox: Outbox, libraries: Libraries, clock: Clock) -> None:
        super().__init__(store, outbox, libraries, clock)
        self.delivery = MeteredDelivery(store, outbox, clock)

    async def handle(self, event: Event) -> list[Reply]:
        if isinstance(event, TimerFired) and event.due is not None:
            metrics.TIMER_FIRED_LAG.observe(max((self.clock.now() - event.due).total_seconds(), 0.0))
        with metrics.timed_event(type(event).__name__):
            return await super().handle(event)
