"""The PostgreSQL migrator: a fresh schema reaches the latest version, a second run and a
concurrent run change nothing, a newer database is refused as on SQLite, a failing migration
leaves nothing behind; and each way a connection fails is one line naming what to fix."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from bot.core.errors import MockpanelError
from bot.storage import pg_schema
from bot.storage.sqlite import SqliteStore
from bot.storage.sqlite import migrations as sqlite_migrations

LATEST = max(number for number, _ in pg_schema.migrations())


@pytest.fixture
async def conn(pg_url: str) -> AsyncIterator[asyncpg.Connection]:
    opened = await asyncpg.connect(pg_url)
    yield opened
    await opened.close()


async def _shape(conn: asyncpg.Connection) -> list[tuple[object, ...]]:
    """Every column, index and trigger of the schema, to see that nothing moved."""
    rows = await conn.fetch(
        "SELECT table_name, column_name, data_type, column_default FROM information_schema.columns"
        " WHERE table_schema = current_schema()"
        " UNION ALL SELECT tablename, indexname, indexdef, '' FROM pg_indexes WHERE schemaname = current_schema()"
        " UNION ALL SELECT tgrelid::regclass::text, tgname, '', '' FROM pg_trigger WHERE NOT tgisinternal"
        "   AND tgrelid::regclass::text NOT LIKE '%.%'"
        " ORDER BY 1, 2"
    )
    return [tuple(row) for row in rows]


def test_the_postgresql_migrations_are_the_sqlite_ones() -> None:
    folder = Path(pg_schema.__file__).parent
    assert sorted(p.name for p in (folder / "migrations_pg").glob("*.sql")) == sorted(
        p.name for p in (folder / "migrations").glob("*.sql")
    )


async def test_a_fresh_schema_migrates_to_the_latest_version(conn: asyncpg.Connection, pg_url: str) -> None:
    assert await pg_schema.schema_version(conn) == 0
    assert await pg_schema.migrate(conn, pg_url) == LATEST == sqlite_migrations()[-1][0]  # the same numbers
    assert await pg_schema.schema_version(conn) == LATEST
    assert await conn.fetch("SELECT version FROM schema_version") == [(LATEST,)]
    assert await conn.fetchval("SELECT to_regclass('slack_installations')") is None  # 004 moved and dropped it


async def test_migrating_twice_changes_nothing(conn: asyncpg.Connection, pg_url: str) -> None:
    await pg_schema.migrate(conn, pg_url)
    await conn.execute("INSERT INTO communities (tenant) VALUES ('discord:1')")
    before = await _shape(conn)
    assert await pg_schema.migrate(conn, pg_url) == LATEST
    assert await _shape(conn) == before
    assert await conn.fetch("SELECT tenant, config FROM communities") == [("discord:1", "{}")]
    assert await conn.fetch("SELECT version FROM schema_version") == [(LATEST,)]


async def test_an_older_schema_gets_only_the_migrations_it_lacks(
    conn: asyncpg.Connection, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    everything = pg_schema.migrations()
    monkeypatch.setattr(pg_schema, "migrations", lambda: everything[:3])
    assert await pg_schema.migrate(conn, pg_url) == 3
    await conn.execute(
        "INSERT INTO slack_installations VALUES ('', 'T1', '', '{\"bot_token\": \"x\"}', '2026-01-01T00:00:00')"
    )
    monkeypatch.setattr(pg_schema, "migrations", lambda: everything)
    assert await pg_schema.migrate(conn, pg_url) == LATEST
    # 004 moved the installation as SQLite's does: key team|user|enterprise.
    assert await conn.fetch("SELECT namespace, key, value FROM adapter_state") == [
        ("slack.installations", "T1||", '{"bot_token": "x"}')
    ]


async def test_two_processes_starting_together_migrate_once(pg_url: str) -> None:
    first, second, holder = [await asyncpg.connect(pg_url) for _ in range(3)]
    try:
        # Both migrators queue behind a held lock, so they truly start together.
        async with holder.transaction():
            await holder.execute("SELECT pg_advisory_xact_lock($1)", pg_schema.MIGRATE_LOCK)
            runs = [asyncio.create_task(pg_schema.migrate(c, pg_url)) for c in (first, second)]
            pids = [first.get_server_pid(), second.get_server_pid()]
            async with asyncio.timeout(10):
                while (
                    await holder.fetchval(
                        "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND pid = ANY($1)",
                        pids,
                    )
                    < 2
                ):
                    await asyncio.sleep(0.005)  # poll the server's lock table, bounded by the timeout
        # A migration run twice would fail (CREATE TABLE of a table that exists).
        assert await asyncio.gather(*runs) == [LATEST, LATEST]
        assert await first.fetch("SELECT version FROM schema_version") == [(LATEST,)]
    finally:
        for c in (first, second, holder):
            await c.close()


async def test_a_failing_migration_leaves_nothing_behind(
    conn: asyncpg.Connection, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    await pg_schema.migrate(conn, pg_url)
    broken = (LATEST + 1, "CREATE TABLE half_done (x INTEGER); SELECT no_such_function();")
    everything = pg_schema.migrations()
    monkeypatch.setattr(pg_schema, "migrations", lambda: [*everything, broken])
    with pytest.raises(asyncpg.UndefinedFunctionError):
        await pg_schema.migrate(conn, pg_url)
    assert await conn.fetchval("SELECT to_regclass('half_done')") is None
    assert await pg_schema.schema_version(conn) == LATEST


async def test_a_database_newer_than_the_code_is_refused_as_on_sqlite(
    conn: asyncpg.Connection, pg_url: str, tmp_path: Path
) -> None:
    await pg_schema.migrate(conn, pg_url)
    await conn.execute("UPDATE schema_version SET version = $1", LATEST + 1)
    before = await _shape(conn)
    scheme, rest = pg_url.split("://", 1)
    where = f"{scheme}://{rest.rpartition('@')[0].split(':')[0] or 'someone'}:s3cret@{rest.rpartition('@')[2]}"
    with pytest.raises(MockpanelError) as refused:
        await pg_schema.migrate(conn, where)
    message = str(refused.value)
    assert "s3cret" not in message and pg_schema.safe_url(where) in message
    assert f"schema version {LATEST + 1}, but this mockpanel knows only up to {LATEST}" in message
    assert await _shape(conn) == before and await pg_schema.schema_version(conn) == LATEST + 1

    path = tmp_path / "newer.db"  # SQLite's refusal of the same thing reads the same
    store = await SqliteStore.open(str(path))
    await store.close()
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {LATEST + 1}")
    with pytest.raises(MockpanelError) as sqlite_refused:
        await SqliteStore.open(str(path))
    assert message.replace(pg_schema.safe_url(where), "DB") == str(sqlite_refused.value).replace(str(path), "DB")
