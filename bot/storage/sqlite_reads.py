"""SQLite's reads outside a transaction: read-only connections beside the writer's, each in a
thread of its own (bot.storage.sqlite says why). Every read waiting when a connection is free
runs in one trip to its thread, in one snapshot that ends with the trip."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import aiosqlite

from bot.storage import batch
from bot.storage.repositories import MEMO
from bot.storage.sql import Db

T = TypeVar("T")
BUSY_MS = 5000  # how long a connection waits for a lock (a checkpoint starting the WAL over, say)
READER_CACHE_KIB = 16_384  # page cache of each read-only connection

Call = tuple[Callable[[Db], Any], asyncio.Future[Any]]  # a function and its caller's future
Outcome = tuple[bool, Any]  # (True, result) or (False, the exception it raised)


class Readers:
    """A few read-only connections sharing one queue: a connection that is free takes every
    read waiting, so a long read holds up only the reads that came with it, and the others
    go on on another connection."""

    def __init__(self, dbs: list[aiosqlite.Connection]) -> None:
        self._dbs = dbs
        self._calls: list[Call] = []
        self._pending = asyncio.Event()
        self._closing = False
        self._loops = [asyncio.create_task(self._run_loop(db)) for db in dbs]

    @classmethod
    async def open(cls, path: str, count: int) -> Readers:
        dbs: list[aiosqlite.Connection] = []
        try:
            for _ in range(count):
                db = await aiosqlite.connect(path, isolation_level=None)
                dbs.append(db)
                for pragma in (
                    "PRAGMA query_only=ON",
                    f"PRAGMA busy_timeout={BUSY_MS}",
                    f"PRAGMA cache_size=-{READER_CACHE_KIB}",
                ):
                    await db.execute(pragma)
                await db._execute(lambda conn=db: batch.register_functions(conn._conn))  # type: ignore[no-untyped-call]
        except BaseException:
            for db in dbs:
                await db.close()
            raise
        return cls(dbs)

    async def submit(self, fn: Callable[[Db], T]) -> T:
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._calls.append((fn, future))
        self._pending.set()
        return await future

    async def _run_loop(self, db: aiosqlite.Connection) -> None:
        while True:
            await self._pending.wait()
            if self._closing:
                return
            self._pending.clear()  # this connection takes all there is; more wakes another
            calls, self._calls = self._calls, []
            if calls:
                await _trip(db, calls)

    async def close(self) -> None:
        """Finish the trips under way, run the reads still waiting, as one connection would, and close."""
        self._closing = True
        self._pending.set()
        await asyncio.gather(*self._loops)
        calls, self._calls = self._calls, []
        if calls:
            await _trip(self._dbs[0], calls)
        for db in self._dbs:
            await db.close()


async def _trip(db: aiosqlite.Connection, calls: list[Call]) -> None:
    fns = [fn for fn, _ in calls]
    try:
        outcomes: list[Outcome] = await db._execute(lambda: run_reads(db._conn, fns))  # type: ignore[no-untyped-call]
    except Exception as exc:  # the thread could not run the trip at all
        outcomes = [(False, exc)] * len(calls)
    settle(calls, outcomes)


def run_reads(db: sqlite3.Connection, reads: Sequence[Callable[[sqlite3.Connection], Any]]) -> list[Outcome]:
    """A trip's reads, in one snapshot (so the trip's memo of rounds and settings holds), which
    ends with the trip: a snapshot kept would stop the checkpoints from starting the WAL over.
    So a read hands back rows, never a live cursor (an unfinished one keeps its snapshot)."""
    outcomes: list[Outcome] = []
    MEMO[id(db)] = {}
    try:
        db.execute("BEGIN")
        for fn in reads:
            try:
                result = fn(db)
                if isinstance(result, sqlite3.Cursor):
                    result.close()
                    raise TypeError("a read must return its rows, not a cursor")
                outcomes.append((True, result))
            except Exception as exc:
                outcomes.append((False, exc))
    finally:
        del MEMO[id(db)]
        if db.in_transaction:
            db.execute("ROLLBACK")
    return outcomes


def settle(calls: list[Call], outcomes: list[Outcome]) -> None:
    for (_, future), (ok, value) in zip(calls, outcomes, strict=True):
        if future.done():
            continue
        if ok:
            future.set_result(value)
        else:
            future.set_exception(value)
