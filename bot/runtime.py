"""Wiring: settings -> store, banks, dispatcher and scheduler, shared by every entry point."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from bot.config import Settings
from bot.core.banks import Library, load_paths, shipped_bank_dir
from bot.core.clock import Clock
from bot.core.dispatcher import Dispatcher
from bot.core.errors import MockpanelError
from bot.core.flows.context import Libraries
from bot.core.ports import Outbox, Store
from bot.core.scheduler import Scheduler
from bot.storage.sqlite import SqliteStore


@dataclass
class Runtime:
    store: Store
    dispatcher: Dispatcher
    scheduler: Scheduler
    library: Library

    async def background(self) -> None:
        """The loops every running bot needs: timers, and delivery of what is left in the
        outbox (retries, and rows a stopped process did not get to)."""
        await asyncio.gather(self.scheduler.run(), self.dispatcher.delivery.run())

    async def close(self) -> None:
        await self.store.close()


def load_banks(settings: Settings) -> Library:
    return load_paths([shipped_bank_dir(), *(Path(p) for p in settings.banks)])


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
    return Runtime(store, dispatcher, Scheduler(store, dispatcher, clock), library)
