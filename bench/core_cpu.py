"""The Python CPU one rating event costs a bot process before any database work: the real
events through the real `Dispatcher.handle` on a SQLite store, with the CPU split three ways:
- the event loop's thread (the core, asyncio, the store's hand-offs);
- the store's functions in SQLite's thread, outside sqlite3's calls (the repositories' Python,
  the batch's merging of tally deltas, the core's scoring the store calls);
- sqlite3's own calls (`execute`, `executemany`, fetching), which on PostgreSQL the server does;
  the score functions SQLite calls back into Python fall in here too.
The first two are what a process pays in Python per event whatever its database; on
PostgreSQL the driver's work (encoding, decoding, round trips) comes on top.

    .venv/bin/python bench/core_cpu.py [--events N]
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from scene import drive, seed_scene

from bot.storage.sqlite import SqliteStore

T = TypeVar("T")


class _Engine:
    """CPU seconds inside sqlite3's calls, and in the store's thread altogether."""

    def __init__(self) -> None:
        self.inside = 0.0
        self.thread = 0.0


class _TimedCursor:
    def __init__(self, cursor: sqlite3.Cursor, engine: _Engine) -> None:
        self._cursor, self._engine = cursor, engine

    def _timed(self, call: Callable[[], T]) -> T:
        started = time.thread_time()
        try:
            return call()
        finally:
            self._engine.inside += time.thread_time() - started

    def fetchone(self) -> Any:
        return self._timed(self._cursor.fetchone)

    def fetchall(self) -> list[Any]:
        return self._timed(self._cursor.fetchall)

    def __iter__(self) -> Iterator[Any]:
        return iter(self.fetchall())

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cursor, name)


class _TimedConnection:
    """The sqlite3 connection as the store's functions see it, timing sqlite3's own calls."""

    def __init__(self, conn: sqlite3.Connection, engine: _Engine) -> None:
        self._conn, self._engine = conn, engine

    def execute(self, sql: str, parameters: Any = (), /) -> _TimedCursor:
        started = time.thread_time()
        try:
            return _TimedCursor(self._conn.execute(sql, parameters), self._engine)
        finally:
            self._engine.inside += time.thread_time() - started

    def executemany(self, sql: str, parameters: Any, /) -> _TimedCursor:
        started = time.thread_time()
        try:
            return _TimedCursor(self._conn.executemany(sql, parameters), self._engine)
        finally:
            self._engine.inside += time.thread_time() - started

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


class TimedSqliteStore(SqliteStore):
    """SqliteStore whose database-thread work is timed (one proxy, so the store's per-connection memo holds)."""

    engine = _Engine()
    _proxy: _TimedConnection | None = None

    async def _in_thread(self, fn: Callable[[Any], T]) -> T:
        db = self._db
        assert db is not None, "store is closed"
        engine = self.engine

        def run() -> T:
            if self._proxy is None:
                self._proxy = _TimedConnection(db._conn, engine)
            started = time.thread_time()
            try:
                return fn(self._proxy)
            finally:
                engine.thread += time.thread_time() - started

        result: T = await db._execute(run)  # type: ignore[no-untyped-call]
        return result


@dataclass
class CoreCpu:
    events: int
    refused: int
    loop: float  # seconds per event, each
    store_python: float
    sqlite: float
    wall: float

    @property
    def python(self) -> float:
        """The Python a process pays per event before any database work."""
        return self.loop + self.store_python


async def measure(answers: int, events: int, in_flight: int) -> CoreCpu:
    """After as many warm-up events, `events` rating events through the real core on SQLite."""
    with tempfile.TemporaryDirectory(prefix="mockpanel-core-cpu-") as tmp:
        store = await TimedSqliteStore.open(str(Path(tmp) / "core.db"), checkpoint=False)
        scene = await seed_scene(store, answers, -(-2 * events // answers))
        try:
            await drive(scene.dispatcher, scene.events(0, events, "w"), in_flight)
            measured = scene.events(events, events, "t")
            engine = TimedSqliteStore.engine
            loop0, inside0, thread0 = time.thread_time(), engine.inside, engine.thread
            wall, refused = await drive(scene.dispatcher, measured, in_flight)
            loop = time.thread_time() - loop0
            inside, thread = engine.inside - inside0, engine.thread - thread0
        finally:
            await store.close()
    return CoreCpu(events, refused, loop / events, (thread - inside) / events, inside / events, wall / events)


def show(c: CoreCpu) -> str:
    return (
        f"  per event: event loop thread {c.loop * 1e6:.0f} us + the store's Python in its thread"
        f" {c.store_python * 1e6:.0f} us = Python {c.python * 1e6:.0f} us;  sqlite3's calls {c.sqlite * 1e6:.0f} us;"
        f"  wall {c.wall * 1e6:.0f} us  ({c.events:,} events, refused {c.refused})"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--events", type=int, default=5_000)
    parser.add_argument("--in-flight", type=int, default=100)
    args = parser.parse_args()
    print(show(asyncio.run(measure(200, args.events, args.in_flight))))
    sys.exit(0)
