"""Wiring: settings -> store, banks, dispatcher and scheduler, shared by every entry point."""

from __future__ import annotations

import asyncio
import contextlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from bot.config import Settings
from bot.core.banks import Library, load_paths, shipped_bank_dir
from bot.core.clock import Clock
from bot.core.dispatcher import Dispatcher
from bot.core.errors import MockpanelError
from bot.core.flows.context import Libraries
from bot.core.ports import Outbox, Store
from bot.core.scheduler import Scheduler
from bot.core.weak_chart import WeakAreaChart
from bot.storage.sqlite import SqliteStore

REPLAY_WAIT = 30.0  # seconds timers wait at most for what the last process acknowledged


@dataclass
class Runtime:
    store: Store
    dispatcher: Dispatcher
    scheduler: Scheduler
    library: Library
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


# One thread draws every chart: matplotlib keeps its fonts (and their glyph caches) per thread,
# so a pool of threads would hold a copy each. Charts wait their turn; drawing holds the GIL anyway.
_CHART_THREAD = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mockpanel-chart")


async def render_chart(chart: WeakAreaChart) -> bytes:
    """Draw off the event loop. matplotlib is imported by the first chart, in the chart thread,
    so a bot that never draws one never loads it."""
    return await asyncio.get_running_loop().run_in_executor(_CHART_THREAD, _draw, chart)


def _draw(chart: WeakAreaChart) -> bytes:
    from bot.charts import render_weak_areas

    return render_weak_areas(chart)


async def open_store(db: str) -> Store:
    if db.startswith(("postgres://", "postgresql://")):
        raise MockpanelError(
            "PostgreSQL storage is not available in this version; set MOCKPANEL_DB to a SQLite file path."
        )
    return await SqliteStore.open(db)


async def build(settings: Settings, outbox: Outbox, clock: Clock, library: Library | None = None) -> Runtime:
    library = library or load_banks(settings)
    store = await open_store(settings.db)
    dispatcher = Dispatcher(store, outbox, Libraries(library, store), clock)
    dispatcher.renderer = render_chart
    return Runtime(store, dispatcher, Scheduler(store, dispatcher, clock), library)
