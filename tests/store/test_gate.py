"""`pass_gate`: the spacing of something all processes on one database share (Discord's
IDENTIFY rate limit). On PostgreSQL two stores stand for two processes, each with its own
pool: the second passes only when the first's spacing has run out, a gate of another key
does not wait, and a gate whose connection drops (its process died) or whose store closes is
free at once. On SQLite the one process spaces its own, so the gate never waits.

Advisory locks are shared by every schema of a database, so each test's keys are its own."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import AsyncIterator

import pytest

from bot.storage.postgres import PostgresStore, gate_key
from bot.storage.sqlite import SqliteStore

LONG = 60.0  # a spacing no test waits out: passing before it ends means the gate was let go
SHORT = 0.5


@pytest.fixture
async def two(pg_url: str) -> AsyncIterator[tuple[PostgresStore, PostgresStore]]:
    first = await PostgresStore.open(pg_url)
    second = await PostgresStore.open(pg_url, migrate=False)
    yield first, second
    await first.close()
    await second.close()


def fresh_key() -> str:
    return f"test:gate:{secrets.token_hex(6)}"


async def test_the_second_process_passes_when_the_first_ones_spacing_ends(
    two: tuple[PostgresStore, PostgresStore],
) -> None:
    first, second = two
    key = fresh_key()
    await first.pass_gate(key, SHORT)
    passed = time.monotonic()
    await asyncio.wait_for(second.pass_gate(key, SHORT), 10)
    assert time.monotonic() - passed >= SHORT - 0.01  # asyncio's timers may fire a tick early
    # ... and now the second holds it: the first waits for the second's spacing in turn.
    passed = time.monotonic()
    await asyncio.wait_for(first.pass_gate(key, SHORT), 10)
    assert time.monotonic() - passed >= SHORT - 0.01


async def test_a_gate_of_another_key_does_not_wait(two: tuple[PostgresStore, PostgresStore]) -> None:
    first, second = two
    await first.pass_gate(fresh_key(), LONG)
    await asyncio.wait_for(second.pass_gate(fresh_key(), LONG), 10)


async def test_a_held_gate_keeps_the_other_process_waiting(two: tuple[PostgresStore, PostgresStore]) -> None:
    first, second = two
    key = fresh_key()
    await first.pass_gate(key, LONG)
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(second.pass_gate(key, LONG), 1.0)


async def test_a_dropped_connection_frees_the_gate(pg_url: str, two: tuple[PostgresStore, PostgresStore]) -> None:
    first, second = two
    key = fresh_key()
    await first.pass_gate(key, LONG)
    waiting = asyncio.create_task(second.pass_gate(key, SHORT))
    classid, objid = gate_key(key)
    # The holder's connection drops, as when its process is killed: the server lets the lock go.
    ended = await second._pool.fetchval(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_locks WHERE locktype = 'advisory' AND granted"
        " AND classid = $1 AND objid = $2 AND objsubid = 2",
        classid,
        objid & 0xFFFFFFFF,  # an oid: the signed key as PostgreSQL stores it
    )
    assert ended == 1
    await asyncio.wait_for(waiting, 10)


async def test_closing_the_store_frees_its_gates(two: tuple[PostgresStore, PostgresStore]) -> None:
    first, second = two
    key = fresh_key()
    await first.pass_gate(key, LONG)
    await first.close()
    await asyncio.wait_for(second.pass_gate(key, SHORT), 10)


async def test_sqlite_passes_at_once(sqlite_store: SqliteStore) -> None:
    key = fresh_key()
    await asyncio.wait_for(asyncio.gather(sqlite_store.pass_gate(key, LONG), sqlite_store.pass_gate(key, LONG)), 5)
