"""`mockpanel db copy` SQLite -> PostgreSQL -> SQLite: every row, board and weak area survives.
Needs a PostgreSQL server (MOCKPANEL_TEST_PG); skips with one line without one (tests/pg.py)."""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path

import asyncpg
import pytest

from bot.core.banks import Library
from bot.core.clock import FakeClock
from bot.core.errors import MockpanelError
from bot.dbtools.copy import CopyMismatch, copy_database
from bot.dbtools.engines_pg import PgEndpoint
from bot.dbtools.progress import Progress
from bot.runtime import open_store
from bot.storage.sqlite import SqliteStore
from tests.fakes.busy_community import played_database, table_rows, what_people_see


def quiet() -> Progress:
    return Progress(io.StringIO(), tty=False)


@pytest.fixture
async def source(tmp_path: Path, library: Library, clock: FakeClock) -> Path:
    path = tmp_path / "source.db"
    await played_database(path, library, clock)
    store = await SqliteStore.open(str(path))
    try:
        # A big text of many scripts, and a row whose optional columns are all NULL.
        await store.inbox_add("slack", "ß☃𝄞 面试 " * 200_000, clock.now(), "host-1:4242", clock.now())
    finally:
        await store.close()
    with sqlite3.connect(path) as db:
        db.execute(
            "INSERT INTO outbox (tenant, lane, kind, body, report_to, created_at, not_before, last_error, message_id)"
            " VALUES ('t', 'l', 'post', '{}', NULL, 'x', 'y', NULL, NULL)"
        )
    return path


async def test_round_trip_keeps_every_row_board_and_weak_area(
    source: Path,
    tmp_path: Path,
    clock: FakeClock,
    pg_url: str,
) -> None:
    there = await copy_database(str(source), pg_url, progress=quiet())
    back = await copy_database(pg_url, str(tmp_path / "back.db"), progress=quiet())
    assert there.rows == back.rows and there.verdict.communities == back.verdict.communities == 2
    assert table_rows(tmp_path / "back.db") == table_rows(source)  # value for value, types included
    seen = []
    for where in (str(source), pg_url, str(tmp_path / "back.db")):
        store = await open_store(where)
        try:
            seen.append(await what_people_see(store, clock.now().date()))
        finally:
            await store.close()
    assert seen[0] == seen[1] == seen[2]


async def test_new_rows_on_postgresql_get_ids_after_the_copied_ones(source: Path, pg_url: str) -> None:
    await copy_database(str(source), pg_url, progress=quiet())
    with sqlite3.connect(source) as db:
        (highest,) = db.execute("SELECT MAX(id) FROM rounds").fetchone()
    conn = await asyncpg.connect(pg_url)
    try:
        new = await conn.fetchval(
            "INSERT INTO rounds (tenant, channel_id, kind, status, state, created_at)"
            " VALUES ('t', 'c', 'group', 'open', '{}', 'now') RETURNING id"
        )
        assert new > highest
        # The triggers are on again: a board row counts in its bucket.
        await conn.execute(
            "INSERT INTO board (tenant, scope, period, user_id, score) VALUES ('t', '*', 'all', 'u', 2.5)"
        )
        assert await conn.fetchval("SELECT n FROM board_buckets WHERE tenant = 't' AND bucket = 2") == 1
    finally:
        await conn.close()


async def test_a_non_empty_postgresql_target_is_refused_then_replaced_with_force(
    source: Path,
    pg_url: str,
) -> None:
    await copy_database(str(source), pg_url, progress=quiet())
    with pytest.raises(MockpanelError, match=r"is not empty .*--force"):
        await copy_database(str(source), pg_url, progress=quiet())
    again = await copy_database(str(source), pg_url, force=True, progress=quiet())
    assert again.verdict.ok
    with pytest.raises(MockpanelError, match="same database"):
        await copy_database(pg_url, pg_url + "&application_name=x", force=True, progress=quiet())


async def test_a_failed_verification_leaves_the_postgresql_target_as_it_was(
    source: Path,
    pg_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    insert = PgEndpoint.insert

    async def lose_a_board_row(self: PgEndpoint, table, rows):  # type: ignore[no-untyped-def]
        await insert(self, table, rows[1:] if table.name == "board" else rows)

    monkeypatch.setattr(PgEndpoint, "insert", lose_a_board_row)
    with pytest.raises(CopyMismatch, match="board has"):
        await copy_database(str(source), pg_url, progress=quiet())
    conn = await asyncpg.connect(pg_url)
    try:
        assert await conn.fetchval("SELECT COUNT(*) FROM answers") == 0
        assert await conn.fetchval("SELECT COUNT(*) FROM board_buckets") == 0
    finally:
        await conn.close()


async def test_text_postgresql_cannot_hold_is_refused_by_name(tmp_path: Path, pg_url: str) -> None:
    path = tmp_path / "nul.db"
    await (await SqliteStore.open(str(path))).close()
    with sqlite3.connect(path) as db:
        db.execute("INSERT INTO inbox (source, body, received_at) VALUES ('slack', ?, 'x')", ("a\x00b",))
    with pytest.raises(MockpanelError, match="the table inbox: column body holds text with a NUL"):
        await copy_database(str(path), pg_url, progress=quiet())


async def test_a_database_that_does_not_exist_is_named_in_one_line(source: Path, pg_url: str) -> None:
    server = pg_url.split("?")[0].rsplit("/", 1)[0]
    with pytest.raises(MockpanelError, match=r"^--to: database no_such_db does not exist on ") as refused:
        await copy_database(str(source), f"{server}/no_such_db", progress=quiet())
    assert "\n" not in str(refused.value)
