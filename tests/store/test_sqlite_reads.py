"""SQLite's reads outside a transaction run on a read-only connection of their own, beside
the one writer: a long read (a big community's ratings, read before an event's transaction)
never holds back another community's writes, yet every read sees each write acknowledged
before it was asked for, and keeps no snapshot that would hold back the WAL's checkpoints."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.core.calibration import Rated
from bot.storage import coaching
from bot.storage.sqlite import SqliteStore
from tests.store.helpers import OTHER_TENANT, TENANT, answer, new_round, rating

TIMEOUT = 10


@pytest.fixture
def held_read(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[threading.Event, threading.Event]]:
    """Hold `shared_ratings` in the database thread that runs it, from its start until released."""
    started, release = threading.Event(), threading.Event()
    original = coaching.shared_ratings

    def held(db: Any, tenant: str, limit: int) -> list[Rated]:
        started.set()
        assert release.wait(TIMEOUT), "never released"
        return original(db, tenant, limit)

    monkeypatch.setattr(coaching, "shared_ratings", held)
    yield started, release
    release.set()  # a failing test must not leave the thread waiting


async def test_a_rating_elsewhere_commits_while_a_long_read_runs(
    sqlite_store: SqliteStore, held_read: tuple[threading.Event, threading.Event]
) -> None:
    store = sqlite_store
    started, release = held_read
    other = await answer(store, await new_round(store, tenant=OTHER_TENANT), "olga", tenant=OTHER_TENANT)
    read = asyncio.create_task(store.shared_ratings(TENANT, 20_000))
    assert await asyncio.to_thread(started.wait, TIMEOUT)
    # Held in the database thread: with one connection the rating would wait for the read.
    assert await asyncio.wait_for(store.apply_rating(rating(other, "rita", 4)), TIMEOUT)
    # And read meanwhile, as a reaction reads what it rates before it writes the rating.
    assert await asyncio.wait_for(store.overall_ratings(other.id), TIMEOUT) == {"rita": 4}
    assert not read.done()
    release.set()
    assert await asyncio.wait_for(read, TIMEOUT) == []


@pytest.fixture
async def held_transaction(sqlite_store: SqliteStore) -> AsyncIterator[tuple[asyncio.Event, asyncio.Event]]:
    """A transaction that has written a setting and is held open until released."""
    written, release = asyncio.Event(), asyncio.Event()

    async def hold() -> None:
        async with sqlite_store.transaction() as tx:
            await tx.save_config(TENANT, {"colour": "uncommitted"})
            written.set()
            await asyncio.wait_for(release.wait(), TIMEOUT)

    task = asyncio.create_task(hold())
    await asyncio.wait_for(written.wait(), TIMEOUT)
    yield written, release
    release.set()
    await asyncio.wait_for(task, TIMEOUT)


async def test_a_read_beside_a_held_transaction_sees_the_last_commit_at_once(
    sqlite_store: SqliteStore, held_transaction: tuple[asyncio.Event, asyncio.Event]
) -> None:
    # The held transaction saved "uncommitted"; outside it nothing is saved yet.
    assert await asyncio.wait_for(sqlite_store.get_config(TENANT), TIMEOUT) == {}
    _, release = held_transaction
    release.set()


async def test_a_read_sees_every_write_acknowledged_before_it(sqlite_store: SqliteStore) -> None:
    store = sqlite_store
    round_id = await new_round(store)
    for n in range(20):  # a write, then a read of it, each time on the other connection
        await store.save_config(TENANT, {"n": n})
        assert await store.get_config(TENANT) == {"n": n}
        async with store.transaction() as tx:
            await tx.save_round(round_id, "open", {"n": n})
        record = await store.get_round(round_id)
        assert record is not None and record.state == {"n": n}


async def test_a_read_cannot_write(sqlite_store: SqliteStore) -> None:
    """A write sent down the read path would commit outside group commit: it is refused."""
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        await sqlite_store._read(lambda db: db.execute("DELETE FROM rounds"))


async def test_a_read_keeps_no_snapshot_that_holds_back_the_checkpoint(sqlite_store: SqliteStore) -> None:
    """A read cannot hand back a live cursor (an unfinished one keeps its snapshot), and after
    reads of every kind the WAL can be truncated at once."""
    store = sqlite_store
    round_id = await new_round(store)
    for n in range(3):
        await answer(store, round_id, f"author{n}")
    with pytest.raises(TypeError, match="not a cursor"):
        await store._read(lambda db: db.execute("SELECT id FROM answers"))
    assert await store._read(lambda db: db.execute("SELECT id FROM answers").fetchone()) is not None
    await store.leaderboard(TENANT, "*", "all")
    await store.save_config(TENANT, {"after": "the reads"})
    other = sqlite3.connect(store.path, timeout=0)
    try:
        busy, _, _ = other.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    finally:
        other.close()
    assert busy == 0
    assert Path(store.path + "-wal").stat().st_size == 0


@pytest.mark.parametrize("path", [":memory:", "file"])
async def test_one_connection_stores_still_read_their_writes(path: str, tmp_path: Path) -> None:
    """`:memory:` (a second connection would be another, empty database) and a store opened
    with one connection read through the writer, as before."""
    if path == ":memory:":
        store = await SqliteStore.open(":memory:")
    else:
        store = await SqliteStore.open(str(tmp_path / "one.db"), separate_reads=False)
    try:
        await store.save_config(TENANT, {"kept": True})
        assert await store.get_config(TENANT) == {"kept": True}
    finally:
        await store.close()
