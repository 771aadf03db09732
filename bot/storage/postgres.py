"""The shared store: PostgreSQL through an asyncpg pool, for several bot processes on one
database (Discord shards, Slack HTTP workers, several hosts).

The repository methods and every SQL statement are SQLite's (bot.storage.repositories), run
over asyncpg by bot.storage.postgres_db. What differs is only how work reaches the database:
each read takes a pooled connection; each write is a transaction of its own; an event's
`transaction()` holds one connection from its first read to its commit. No in-process lock
keeps another process out, so what must not happen twice is decided in the database:
- a channel's turn: `take_turn` takes a transaction-level advisory lock;
- a timer: the firing event takes its row with FOR UPDATE SKIP LOCKED (bot.storage.delivery);
- an outbox lane: a lease with an expiry (bot.storage.delivery), so a dead process's rows go
  out from another one;
- an event id: claimed in the transaction of its effects, as on SQLite;
- ratings waiting at once share one transaction and a few statements (bot.storage.pg_ratings),
  since a rating alone is a dozen round trips and a commit that waits for the disk;
- a gate (`pass_gate`, Discord's IDENTIFY spacing): a session-level advisory lock on a
  connection of its own, closed `spacing` seconds after the lock is granted.
Two transactions that meet on the same rows (a deadlock, a serialization failure) are reported
as `Conflict`, which the dispatcher answers by handling the whole event again.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import time
import urllib.parse
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Any, TypeVar

import asyncpg

from bot.core.errors import MockpanelError
from bot.core.ports import AnswerRecord, Conflict, RatingChange, RoundRecord
from bot.storage import pg_inbox, pg_ratings, pg_schema
from bot.storage.pg_queue import CallQueue
from bot.storage.postgres_db import PgDb, plain_numbers, run_sync
from bot.storage.repositories import RoundVersions, StoreMethods
from bot.storage.sql import Db

T = TypeVar("T")
log = logging.getLogger(__name__)
WRITE_ATTEMPTS = 5  # a single write that meets another transaction's rows is tried again
STATEMENT_CACHE = 512  # prepared statements kept per connection (the store has about 200)
GATE_CLASS = 0x6D70  # first key of a gate's two-key advisory lock (turns use the one-key form: apart)
GATE_CONNECT_TIMEOUT = 10.0
BATCH_LIMIT = 1_000  # calls in one batch (bot.storage.pg_queue); more waiting go in the next one
Target = tuple[dict[str, Any], AnswerRecord | None, RoundRecord | None]
_RETRYABLE = (asyncpg.exceptions.DeadlockDetectedError, asyncpg.exceptions.SerializationError)
# The connection went away (a server restart, a failover, an idle timeout): the pool opens a
# new one on the next acquire, so work that never reached its commit is simply done again.
_CONNECTION_LOST = (
    asyncpg.exceptions.ConnectionDoesNotExistError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.ConnectionFailureError,
    asyncpg.exceptions.InternalClientError,  # a dropped idle connection, noticed on first use
    ConnectionError,
)


class DatabaseUnavailable(ConnectionError):
    """PostgreSQL could not be reached for a while: the work is not done, and may come again
    (a platform's retry, the inbox, a timer's next look); not a message for the person."""


class PostgresStore(StoreMethods):
    shared = True  # other processes write too: timers and outbox rows may appear from elsewhere

    def __init__(self, url: str, pool: asyncpg.Pool) -> None:
        self.url = url
        self.where = pg_schema.safe_url(url)
        self.on_transaction: Callable[[float], None] | None = None  # seconds; bot/runtime.py meters it
        self._pool = pool
        self._gates: set[asyncio.Task[None]] = set()  # gates held, each let go when its spacing ends
        # Ratings, and the reads before them, of every event being handled at once: together;
        # ratings in a queue per community, so one held up (waiting on another process's rows)
        # holds up no other community's.
        self._ratings: dict[str, CallQueue[tuple[RatingChange, str | None], bool]] = {}
        self.rating_batch_limit = BATCH_LIMIT
        self._targets: CallQueue[tuple[str, str], Target] = CallQueue(self._rating_targets, BATCH_LIMIT)
        # The Slack inbox's row of each request before its ack, and its deletion once handled.
        self._inbox_adds: CallQueue[pg_inbox.InboxRow, int] = CallQueue(self._add_to_inbox, BATCH_LIMIT)
        self._inbox_dones: CallQueue[int, None] = CallQueue(self._done_in_inbox, BATCH_LIMIT)

    @classmethod
    async def open(cls, url: str, *, migrate: bool = True, min_size: int = 1, max_size: int = 10) -> PostgresStore:
        try:
            pool = await asyncpg.create_pool(
                url,
                min_size=min_size,
                max_size=max_size,
                statement_cache_size=STATEMENT_CACHE,
                reset=_keep_session,
                init=plain_numbers,
            )
        except Exception as exc:  # asyncpg raises many kinds; each becomes one line naming the fix
            raise MockpanelError(pg_schema.describe_connect_error(url, exc)) from None
        store = cls(url, pool)
        if migrate:
            try:
                await store.migrate()
            except BaseException:
                await pool.close()
                raise
        return store

    async def migrate(self) -> int:
        async with self._pool.acquire() as conn:
            return await pg_schema.migrate(conn, self.where)

    async def close(self) -> None:
        queues: list[CallQueue[Any, Any]] = [
            *self._ratings.values(),
            self._targets,
            self._inbox_adds,
            self._inbox_dones,
        ]
        for queue in queues:
            await queue.close()
        for gate in list(self._gates):
            gate.cancel()
        await asyncio.gather(*self._gates, return_exceptions=True)
        await self._pool.close()

    # --- the two primitives the repositories are written over --------------------------------

    async def _read(self, fn: Callable[[Db], T]) -> T:
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            try:
                async with self._pool.acquire() as conn:
                    return await run_sync(fn, PgDb(conn))
            except _CONNECTION_LOST as exc:
                if attempt == WRITE_ATTEMPTS:
                    raise DatabaseUnavailable(f"lost the connection to PostgreSQL at {self.where}: {exc}") from exc
                await self._connection_lost(exc)
        raise AssertionError("unreachable")

    async def _connection_lost(self, exc: BaseException) -> None:
        """The server dropped a connection: its idle siblings are likely gone too (a restart,
        a failover), so the pool replaces them all as they are next taken."""
        log.warning("the connection to PostgreSQL went away (%s); reconnecting", exc)
        await self._pool.expire_connections()

    async def _write(self, fn: Callable[[Db], T]) -> T:
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            committing = False
            try:
                async with self._pool.acquire() as conn:
                    tx = conn.transaction()
                    await tx.start()
                    try:
                        result = await run_sync(fn, PgDb(conn))
                    except BaseException:
                        if not conn.is_closed():
                            await tx.rollback()
                        raise
                    committing = True
                    await tx.commit()
                    return result
            except _RETRYABLE:
                if attempt == WRITE_ATTEMPTS:
                    raise
                log.info("a write met another transaction's rows; trying again (%d)", attempt)
            except _CONNECTION_LOST as exc:
                # Lost before the commit: nothing was kept, do it again on a new connection.
                # Lost during the commit: it may have been kept; the caller must hear of it.
                if committing or attempt == WRITE_ATTEMPTS:
                    raise DatabaseUnavailable(f"lost the connection to PostgreSQL at {self.where}: {exc}") from exc
                await self._connection_lost(exc)
        raise AssertionError("unreachable")

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[PostgresStore]:
        """One event's whole handling in one transaction on one connection; nothing of it is
        kept unless the block ends without an error."""
        started = time.perf_counter()
        conn, outer = await self._begin()
        try:
            view = _Transaction(self, conn)
            try:
                yield view
                await outer.commit()
            except _RETRYABLE as exc:
                await outer.rollback()
                raise Conflict(f"another process changed the same rows: {exc}") from exc
            except _CONNECTION_LOST as exc:
                # Handled again from its reads on a new connection; had the commit gone through
                # after all, the event's claimed id makes the second run a quiet no-op.
                await self._connection_lost(exc)
                raise Conflict(f"lost the connection to PostgreSQL: {exc}") from exc
            except BaseException:
                if not conn.is_closed():
                    await outer.rollback()
                raise
            finally:
                view.closed = True
                if self.on_transaction is not None:
                    self.on_transaction(time.perf_counter() - started)
        finally:
            await self._pool.release(conn)

    async def _begin(self) -> tuple[asyncpg.Connection, asyncpg.transaction.Transaction]:
        """A pooled connection with a transaction started on it; a connection the server
        dropped while it sat idle is replaced."""
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            conn = await self._pool.acquire()
            outer = conn.transaction()
            try:
                await outer.start()
                return conn, outer
            except _CONNECTION_LOST as exc:
                await self._pool.release(conn)
                if attempt == WRITE_ATTEMPTS:
                    raise DatabaseUnavailable(f"cannot reach PostgreSQL at {self.where}: {exc}") from exc
                await self._connection_lost(exc)
            except BaseException:
                await self._pool.release(conn)
                raise
        raise AssertionError("unreachable")

    async def apply_rating(self, change: RatingChange, event_id: str | None = None) -> bool:
        """With the other ratings of its community waiting in this process, in one transaction;
        returns once it has committed."""
        queue = self._ratings.get(change.answer.tenant)
        if queue is None:
            queue = self._ratings[change.answer.tenant] = CallQueue(self._apply_ratings, self.rating_batch_limit)
        return await queue.submit((change, event_id))

    async def rating_target(self, tenant: str, message_id: str) -> Target:
        return await self._targets.submit((tenant, message_id))

    async def _apply_ratings(self, batch: list[tuple[RatingChange, str | None]]) -> list[bool | Exception]:
        outcomes: list[bool | Exception] = [False] * len(batch)
        for run in pg_ratings.runs(batch):
            changes = [batch[i] for i in run]
            for i, outcome in zip(run, await self._apply_run(changes), strict=True):
                outcomes[i] = outcome
        return outcomes

    async def _apply_run(self, run: list[tuple[RatingChange, str | None]]) -> list[bool | Exception]:
        try:
            return list(await self._write(lambda db: pg_ratings.apply_ratings(db, run)))
        except (DatabaseUnavailable, *_RETRYABLE) as exc:
            return [exc] * len(run)  # the same for every rating in it
        except Exception as exc:
            if len(run) == 1:
                return [exc]
            # Something in the data (not the connection): one at a time, so only that rating fails.
            log.info("a batch of %d ratings failed; trying them one at a time", len(run), exc_info=True)
        outcomes: list[bool | Exception] = []
        for change, event_id in run:
            try:
                outcomes.append(await StoreMethods.apply_rating(self, change, event_id))
            except Exception as exc:
                outcomes.append(exc)
        return outcomes

    async def inbox_add(self, source: str, body: str, at: datetime, owner: str, lease_until: datetime) -> int:
        return await self._inbox_adds.submit((source, body, at, owner, lease_until))

    async def inbox_done(self, item_id: int) -> None:
        await self._inbox_dones.submit(item_id)

    async def _add_to_inbox(self, rows: list[pg_inbox.InboxRow]) -> list[int]:
        return await self._write(lambda db: pg_inbox.add_all(db, rows))

    async def _done_in_inbox(self, ids: list[int]) -> list[None]:
        return await self._write(lambda db: pg_inbox.done_all(db, ids))

    async def _rating_targets(self, wanted: list[tuple[str, str]]) -> list[Target]:
        return await self._read(lambda db: pg_ratings.rating_targets(db, wanted))

    async def take_turn(self, tenant: str, scope: str) -> None:
        raise RuntimeError("a channel's turn is taken inside a transaction (ctx.store)")

    async def pass_gate(self, key: str, spacing: float) -> None:
        """A session-level advisory lock, on a connection of its own (not the pool's: the lock
        outlives this call), closed `spacing` seconds after the lock is granted. Closing lets
        the lock go; so does the server when this process dies and its connection drops.
        PostgreSQL grants a lock to its waiters in the order they came."""
        try:
            conn = await asyncpg.connect(self.url, timeout=GATE_CONNECT_TIMEOUT)
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise DatabaseUnavailable(f"could not reach PostgreSQL at {self.where} for a gate: {exc}") from exc
        try:
            await conn.execute("SELECT pg_advisory_lock($1, $2)", *gate_key(key))
        except BaseException as exc:
            conn.terminate()  # cancelled while waiting, the lock may yet be granted: drop the session
            if isinstance(exc, _CONNECTION_LOST):
                raise DatabaseUnavailable(f"lost the connection to PostgreSQL at {self.where}: {exc}") from exc
            raise
        gate = asyncio.create_task(_let_go(conn, spacing))
        self._gates.add(gate)
        gate.add_done_callback(self._gates.discard)


async def _keep_session(conn: asyncpg.Connection) -> None:
    """What the pool runs as a connection comes back, after asyncpg has rolled back any open
    transaction: nothing more. Its default (unlock session advisory locks, close cursors,
    UNLISTEN, RESET ALL) costs a round trip per store call, and the store leaves none of that
    behind: its advisory locks are transaction-level, and it sets, listens and opens nothing."""


async def _let_go(conn: asyncpg.Connection, spacing: float) -> None:
    try:
        await asyncio.sleep(spacing)
    except asyncio.CancelledError:  # the store is closing
        conn.terminate()
        raise
    try:
        await conn.close(timeout=GATE_CONNECT_TIMEOUT)
    except Exception:  # already dropped, or the server is gone: the lock went with the session
        conn.terminate()


def gate_key(key: str) -> tuple[int, int]:
    """The two keys of a gate's advisory lock: the gates' class and a stable 32-bit hash."""
    digest = hashlib.blake2b(key.encode(), digest_size=4).digest()
    return GATE_CLASS, int.from_bytes(digest, "big", signed=True)


def with_schema(url: str, schema: str) -> str:
    """The URL with its connections' `search_path` set to `schema` (asyncpg passes query
    parameters it does not know to the server as settings)."""
    parts = urllib.parse.urlsplit(url)
    query = [(k, v) for k, v in urllib.parse.parse_qsl(parts.query) if k != "search_path"]
    query.append(("search_path", schema))
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


def turn_key(tenant: str, scope: str) -> int:
    """The advisory lock id of a channel's (or a community's) turn: a stable signed 64-bit hash."""
    digest = hashlib.blake2b(f"{tenant}\x00{scope}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class _Transaction(RoundVersions, PostgresStore):
    """The store as seen from inside `transaction()`: every call on the held connection, a
    write in a savepoint of its own (so a write that fails, say a duplicate answer, leaves
    nothing and the transaction goes on)."""

    # Inside a transaction: at once, on its connection.
    apply_rating = StoreMethods.apply_rating
    rating_target = StoreMethods.rating_target
    inbox_add = StoreMethods.inbox_add
    inbox_done = StoreMethods.inbox_done

    def __init__(self, parent: PostgresStore, conn: asyncpg.Connection) -> None:
        self.url, self.where, self.on_transaction = parent.url, parent.where, None
        self._pool, self._gates = parent._pool, parent._gates
        self._conn = conn
        self._db = PgDb(conn)
        self._versions: dict[int, int] = {}
        self.closed = False

    async def _read(self, fn: Callable[[Db], T]) -> T:
        assert not self.closed, "the transaction has ended"
        return await run_sync(fn, self._db)

    async def _write(self, fn: Callable[[Db], T]) -> T:
        assert not self.closed, "the transaction has ended"
        async with self._conn.transaction():  # a savepoint
            return await run_sync(fn, self._db)

    async def take_turn(self, tenant: str, scope: str) -> None:
        """Wait until no other process is handling an event of this channel; held to the commit."""
        await self._conn.execute("SELECT pg_advisory_xact_lock($1)", turn_key(tenant, scope))

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[PostgresStore]:
        yield self  # already inside one

    async def close(self) -> None:
        raise RuntimeError("close the store, not a transaction")
