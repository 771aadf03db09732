"""The embedded store: SQLite through aiosqlite, WAL, numbered migrations, group commit.

Every read and write is a small function run in a database thread. One loop hands the
writer's thread every write waiting at once, in one transaction (group commit). At 1,000
events/s that is far cheaper than a thread hop per call and a commit per write, and each caller
still learns its own result, a writer only once its transaction has committed.
Reads outside a transaction go to read-only connections, each with a thread of its own and a
trip at a time (bot.storage.sqlite_reads), so a long one (a big community's ratings, read
before an event's transaction) never holds back anyone's writes, nor the reads that come after
it: WAL lets them read the last commit while the writer writes. Every write is acknowledged only after its COMMIT, so a read asked for after a write's
acknowledgement sees it. Each trip reads in one snapshot and ends it, so no reader holds back
the checkpoints between trips. A `:memory:` database (a second connection would be another,
empty database) and a store opened with `separate_reads=False` read through the writer's loop,
before its writes, as one connection must.
The deltas the batch's ratings and answers add to the boards are merged (bot.storage.batch)
and written once per row at the end of the batch.
Automatic checkpoints are off, and no checkpoint runs in the write path: a background task
with its own connection runs short PASSIVE checkpoints (each copies what was committed since
the one before, so the WAL starts over whenever one catches up between two commits), and a
TRUNCATE only once writes have been idle for a while.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import sqlite3
import time
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar

import aiosqlite

from bot.core.errors import MockpanelError
from bot.storage import batch
from bot.storage.repositories import MEMO, RoundVersions, StoreMethods
from bot.storage.sql import Db, read_migrations
from bot.storage.sqlite_reads import BUSY_MS, Call, Outcome, Readers, run_reads, settle

T = TypeVar("T")
MAX_BATCH = 512
CHECKPOINT_EVERY = 0.1  # seconds between background checkpoint rounds
CHECKPOINT_PASSES = 4  # passes a round, at most: each copies what the one before left
CHECKPOINT_IDLE = 2.0  # seconds without a commit before the WAL is truncated
CACHE_KIB = 65_536  # page cache of the main connection
READERS = 2  # read-only connections: a long read on one, the other reads go on the other
PRIVATE = ("", ":memory:")  # paths whose database exists only in its one connection
WAL_LIMIT = 64 * 2**20  # bytes: a WAL that starts over is cut back to this

# The store whose transaction the running task is inside: a call to that store's queue from
# there would wait for the transaction that waits for it.
_INSIDE: contextvars.ContextVar[SqliteStore | None] = contextvars.ContextVar("inside_transaction", default=None)


def migrations() -> list[tuple[int, str]]:
    return read_migrations("migrations")


class SqliteStore(StoreMethods):
    def __init__(self, path: str) -> None:
        self.path = path
        self.on_transaction: Callable[[float], None] | None = None  # seconds; bot/runtime.py meters it
        self._db: aiosqlite.Connection | None = None
        self._readers: Readers | None = None  # None: reads run in the writer's loop
        self._reads: list[Call] = []
        self._writes: list[Call] = []
        self._pending = asyncio.Event()
        self._writer: asyncio.Task[None] | None = None
        self._closing = False
        self._checkpointer: asyncio.Task[None] | None = None
        self._exclusive = asyncio.Lock()  # a held transaction, or one trip of the loop
        self.batches = 0  # commits made, for the benchmark

    @classmethod
    async def open(
        cls, path: str, *, migrate: bool = True, checkpoint: bool = True, separate_reads: bool = True
    ) -> SqliteStore:
        """`separate_reads=False` keeps one connection: reads wait for the writer (a benchmark's
        "before"); a `:memory:` database always has one."""
        store = cls(path)
        store._db = await aiosqlite.connect(path, isolation_level=None)
        for pragma in (
            "PRAGMA journal_mode=WAL",
            "PRAGMA synchronous=NORMAL",
            "PRAGMA foreign_keys=ON",
            f"PRAGMA busy_timeout={BUSY_MS}",
            "PRAGMA wal_autocheckpoint=0",
            f"PRAGMA cache_size=-{CACHE_KIB}",
            f"PRAGMA journal_size_limit={WAL_LIMIT}",
        ):
            await store._db.execute(pragma)
        await store._in_thread(batch.register_functions)
        try:
            if migrate:
                await store.migrate()
            if separate_reads and path not in PRIVATE:
                store._readers = await Readers.open(path, READERS)  # after the migrations: it cannot write
        except BaseException:
            await store._db.close()  # refused (a newer schema) or broken: nothing left open
            raise
        store._writer = asyncio.create_task(store._run_loop())
        if checkpoint and path not in PRIVATE:
            store._checkpointer = asyncio.create_task(store._checkpoint_loop())
        return store

    # --- plumbing ----------------------------------------------------------------------------

    async def _in_thread(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run a sqlite3 function in the connection's own thread: one hop for many statements."""
        db = self._db
        assert db is not None, "store is closed"
        result: T = await db._execute(lambda: fn(db._conn))  # type: ignore[no-untyped-call]
        return result

    async def _read(self, fn: Callable[[Db], T]) -> T:
        if self._readers is None:
            return await self._submit(self._reads, fn)
        self._check_outside()
        return await self._readers.submit(fn)

    async def _write(self, fn: Callable[[Db], T]) -> T:
        return await self._submit(self._writes, fn)

    def _check_outside(self) -> None:
        assert self._db is not None and not self._closing, "store is closed"
        if _INSIDE.get() is self:
            raise RuntimeError("inside a transaction, use the store it gave (ctx.store), not the store itself")

    async def _submit(self, calls: list[Call], fn: Callable[[Db], T]) -> T:
        self._check_outside()
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        calls.append((fn, future))
        self._pending.set()
        return await future

    async def _run_loop(self) -> None:
        while True:
            await self._pending.wait()
            self._pending.clear()
            if self._closing:
                return
            reads, self._reads = self._reads, []
            writes, self._writes = self._writes[:MAX_BATCH], self._writes[MAX_BATCH:]
            if self._writes:
                self._pending.set()
            cycle = functools.partial(_run_cycle, reads=[fn for fn, _ in reads], writes=[fn for fn, _ in writes])
            try:
                async with self._exclusive:
                    read_outcomes, write_outcomes = await self._in_thread(cycle)
            except Exception as exc:  # the thread could not run the cycle at all
                read_outcomes, write_outcomes = [(False, exc)] * len(reads), [(False, exc)] * len(writes)
            self.batches += bool(writes)
            settle(reads + writes, read_outcomes + write_outcomes)

    async def _checkpoint_loop(self) -> None:
        """Keep the WAL short from outside the write path. A PASSIVE checkpoint never waits
        for the writer; each pass copies what was committed since the last, so passes stay
        short, and once one finishes between two commits the next transaction starts the
        WAL over. Only when writes have stopped for a while is the file truncated (TRUNCATE
        waits for the writer, so it never runs while writes are coming)."""
        checkpointer = await aiosqlite.connect(self.path)
        await checkpointer.execute("PRAGMA busy_timeout=0")
        last_batches, idle_since, truncated = self.batches, time.monotonic(), True
        try:
            while True:
                await asyncio.sleep(CHECKPOINT_EVERY)
                if self.batches == last_batches:  # nothing committed since the last round
                    if not truncated and time.monotonic() - idle_since >= CHECKPOINT_IDLE:
                        with contextlib.suppress(sqlite3.Error):
                            async with checkpointer.execute("PRAGMA wal_checkpoint(TRUNCATE)") as cursor:
                                row = await cursor.fetchone()
                            truncated = row is not None and row[0] == 0  # busy (a read in a trip): again
                    continue
                last_batches, idle_since, truncated = self.batches, time.monotonic(), False
                for _ in range(CHECKPOINT_PASSES):
                    try:
                        async with checkpointer.execute("PRAGMA wal_checkpoint(PASSIVE)") as cursor:
                            row = await cursor.fetchone()
                    except sqlite3.Error:
                        break
                    if row is None or row[1] == row[2]:
                        break  # all copied: the next transaction starts the WAL over
        finally:
            await checkpointer.close()

    shared = False  # one process: its own locks keep it consistent

    async def take_turn(self, tenant: str, scope: str) -> None:
        """Nothing to wait for: a held SQLite transaction already keeps every other writer out."""

    async def pass_gate(self, key: str, spacing: float) -> None:
        """Nothing to wait for: no other process uses this file (the caller spaces its own)."""

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqliteStore]:
        """One event's whole handling in one transaction: reads see its own writes, and
        nothing of it is kept unless the block ends without an error. Other writes wait; reads
        outside it go on (on the read-only connections) and see what was committed before it."""
        async with self._exclusive:
            view = _Transaction(self)
            token = _INSIDE.set(self)
            started = time.perf_counter()
            try:
                # Inside the try: cancelled while BEGIN runs in the thread, it is still undone.
                await self._in_thread(lambda db: db.execute("BEGIN IMMEDIATE"))
                yield view
                await self._in_thread(lambda db: db.execute("COMMIT"))
                self.batches += 1  # a commit like any other: the checkpointer looks at this
            except BaseException:
                await asyncio.shield(self._in_thread(_rollback))
                raise
            finally:
                _INSIDE.reset(token)
                view.closed = True
                if self.on_transaction is not None:
                    self.on_transaction(time.perf_counter() - started)

    async def checkpoint(self) -> None:
        await self._in_thread(lambda db: db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall())

    async def migrate(self) -> int:
        def run(db: sqlite3.Connection) -> int:
            version = int(db.execute("PRAGMA user_version").fetchone()[0])
            known = max((number for number, _ in migrations()), default=0)
            if version > known:
                # A newer mockpanel wrote this file: older code would misread or damage it.
                raise MockpanelError(
                    f"the database {self.path} is at schema version {version}, but this mockpanel knows only "
                    f"up to {known}: it was upgraded by a newer mockpanel. Install that version (or newer), "
                    "or restore the backup taken before the upgrade (docs/deploy.md)."
                )
            for number, script in migrations():
                if number > version:
                    db.executescript(f"BEGIN;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;")
                    version = number
            return version

        return await self._in_thread(run)

    async def close(self) -> None:
        if self._checkpointer is not None:
            self._checkpointer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._checkpointer
        if self._writer is not None:  # let it finish the trip it is on, then stop
            self._closing = True
            self._pending.set()
            await self._writer
        if self._readers is not None:
            await self._readers.close()  # before the checkpoint below, which waits for readers
            self._readers = None
        if self._db is not None:
            # Reads still waiting run, as they would have on a closing connection; writes still
            # waiting never started, and their callers learn so.
            reads, self._reads = self._reads, []
            if reads:
                trip = functools.partial(run_reads, reads=[fn for fn, _ in reads])
                settle(reads, await self._in_thread(trip))
            for _, future in self._writes:
                future.cancel()
            self._writes = []
            await self.checkpoint()
            await self._db.close()
            self._db = None


def _run_cycle(
    db: sqlite3.Connection,
    reads: list[Callable[[sqlite3.Connection], Any]],
    writes: list[Callable[[sqlite3.Connection], Any]],
) -> tuple[list[Outcome], list[Outcome]]:
    """One trip to the writer's thread: the waiting reads (one connection only), then the writes."""
    read_outcomes = run_reads(db, reads) if reads else []
    if not writes:
        return read_outcomes, []
    MEMO[id(db)] = {}
    try:
        write_outcomes = _run_batch(db, writes)
    except Exception as exc:  # the commit itself failed: every writer learns it
        write_outcomes = [(False, exc)] * len(writes)
    finally:
        del MEMO[id(db)]
    return read_outcomes, write_outcomes


def _run_batch(db: sqlite3.Connection, fns: list[Callable[[sqlite3.Connection], Any]]) -> list[tuple[bool, Any]]:
    """One transaction for the whole batch; a savepoint each, so one failing write (say a
    duplicate answer) is rolled back alone, its deltas with it, and the others still commit.
    The deltas of the writes that defer them (ratings, answers) are merged and written at the
    end; before any other write they are written out, so it sees the aggregates as they are."""
    outcomes: list[tuple[bool, Any]] = []
    pending = batch.Pending()
    memo = MEMO.get(id(db), {})
    db.execute("BEGIN IMMEDIATE")
    try:
        for fn in fns:
            deferring = batch.is_deferring(fn)
            if not deferring:
                batch.flush(db, pending)
            if not getattr(fn, "keeps_rounds", False):
                memo.clear()  # it may change a round
            db.execute("SAVEPOINT one")
            try:
                if deferring:
                    with batch.layer(db, pending):
                        result = fn(db)
                else:
                    result = fn(db)
                db.execute("RELEASE one")
                outcomes.append((True, result))
            except Exception as exc:
                db.execute("ROLLBACK TO one")
                db.execute("RELEASE one")
                outcomes.append((False, exc))
        batch.flush(db, pending)
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
    return outcomes


def _rollback(db: sqlite3.Connection) -> None:
    if db.in_transaction:
        db.execute("ROLLBACK")


class _Transaction(RoundVersions, SqliteStore):
    """The store as seen from inside `transaction()`: every call runs at once in the held
    transaction (a write in a savepoint of its own, so a write that fails leaves nothing)."""

    def __init__(self, parent: SqliteStore) -> None:  # shares the parent's connection
        self.path = parent.path
        self._db = parent._db
        self._parent = parent
        self._versions: dict[int, int] = {}
        self.closed = False

    async def _read(self, fn: Callable[[Db], T]) -> T:
        assert not self.closed, "the transaction has ended"
        return await self._in_thread(fn)

    async def _write(self, fn: Callable[[Db], T]) -> T:
        assert not self.closed, "the transaction has ended"
        return await self._in_thread(functools.partial(_in_savepoint, fn=fn))

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqliteStore]:
        yield self  # already inside one

    async def close(self) -> None:
        raise RuntimeError("close the store, not a transaction")


def _in_savepoint(db: sqlite3.Connection, fn: Callable[[sqlite3.Connection], T]) -> T:
    db.execute("SAVEPOINT one_write")
    try:
        result = fn(db)
    except BaseException:
        db.execute("ROLLBACK TO one_write")
        db.execute("RELEASE one_write")
        raise
    db.execute("RELEASE one_write")
    return result
