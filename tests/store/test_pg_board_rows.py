"""The PostgreSQL batch writer's board rows (bot.storage.pg_board.write_board) when another
transaction makes a row this one needs between this one's take (FOR UPDATE: it found none)
and its make (INSERT ... ON CONFLICT DO NOTHING: waits for the other's insert, then makes
nothing): it must take the other's row once that commits and add to it, and move the rank
counts from the other's score, not as a new row's."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from typing import Any

import asyncpg

from bot.core import tallies
from bot.core.tallies import BoardKey
from bot.storage import pg_board
from bot.storage.postgres import PostgresStore
from bot.storage.postgres_db import PgDb, plain_numbers, run_sync, wait
from bot.storage.sql import Cursor, Db
from tests.store.helpers import TENANT, answer, new_round
from tests.store.rating_batch_scene import BUCKETS, RECOUNT

TIMEOUT = 10
PRIOR = 3.0
SHARED: BoardKey = (TENANT, "*", "all", "zed")  # made by A while B waits to make it
B_ONLY: BoardKey = (TENANT, "c:general", "all", "zed")  # made by B
THERE: BoardKey = (TENANT, "*", "all", "yan")  # there before either: taken by B


class PausedBeforeMake:
    """B's connection: stops just before its make (its take has run) until told to go on, and
    keeps what each statement returned."""

    dialect = "postgresql"

    def __init__(self, db: Db) -> None:
        self.db = db
        self.at_make = asyncio.Event()
        self.go = asyncio.Event()
        self.returned: list[tuple[str, list[Any]]] = []

    def execute(self, sql: str, parameters: Sequence[Any] = (), /) -> Cursor:
        if sql == pg_board._BOARD_MAKE_PG and not self.at_make.is_set():
            self.at_make.set()
            wait(asyncio.wait_for(self.go.wait(), TIMEOUT))
        cursor = self.db.execute(sql, parameters)
        self.returned.append((sql, list(cursor.fetchall())))  # a copy: the writer extends its lists
        return cursor

    def executemany(self, sql: str, parameters: Iterable[Sequence[Any]], /) -> Any:
        return self.db.executemany(sql, parameters)


# The community's prior given: the writer takes no community row here (which would make B wait
# at its first statement instead of at its make).
PRIORS = {TENANT: PRIOR}


async def connect(url: str) -> asyncpg.Connection:
    conn = await asyncpg.connect(url)
    await plain_numbers(conn)
    return conn


async def until_waiting(store: PostgresStore, pid: int) -> None:
    """Until the server shows backend `pid` waiting for another's lock (a query a time, no sleep)."""
    async with asyncio.timeout(TIMEOUT):
        while not (await store._fetch("SELECT cardinality(pg_blocking_pids(?)) > 0", (pid,)))[0][0]:
            pass


async def board_row(store: PostgresStore, key: BoardKey) -> tuple[list[int], float]:
    rows = await store._fetch(
        "SELECT answers, received_sum, received_n, given, streak_points, score FROM board"
        " WHERE tenant = ? AND scope = ? AND period = ? AND user_id = ?",
        key,
    )
    assert len(rows) == 1, key
    return [int(v) for v in rows[0][:5]], float(rows[0][5])


async def test_a_row_made_meanwhile_by_another_transaction_is_taken_and_added_to(pg_store: PostgresStore) -> None:
    await answer(pg_store, await new_round(pg_store), "yan")
    there_before, _ = await board_row(pg_store, THERE)
    a_adds = {SHARED: [0, 4, 1, 0, 0]}
    b_adds = {SHARED: [0, 5, 1, 1, 0], B_ONLY: [0, 5, 1, 0, 0], THERE: [0, 3, 1, 0, 0]}
    conn_a, conn_b = await connect(pg_store.url), await connect(pg_store.url)
    try:
        tx_b = conn_b.transaction()
        await tx_b.start()
        b_db = PausedBeforeMake(PgDb(conn_b))
        b = asyncio.create_task(run_sync(pg_board.write_board, b_db, b_adds, PRIORS))
        await asyncio.wait_for(b_db.at_make.wait(), TIMEOUT)  # B has taken what there was: not SHARED
        tx_a = conn_a.transaction()
        await tx_a.start()
        await run_sync(pg_board.write_board, PgDb(conn_a), a_adds, PRIORS)  # A makes SHARED
        b_db.go.set()
        await until_waiting(pg_store, conn_b.get_server_pid())  # B's make waits on A's insert
        await tx_a.commit()
        await asyncio.wait_for(b, TIMEOUT)
        await tx_b.commit()
    finally:
        await conn_a.close()
        await conn_b.close()

    made = [rows for sql, rows in b_db.returned if sql == pg_board._BOARD_MAKE_PG]
    assert [tuple(r[:4]) for r in made[0]] == [B_ONLY], "B made only its own row"
    takes = [rows for sql, rows in b_db.returned if sql.endswith(pg_board._BOARD_TAKE_PG)]
    assert [[tuple(r[:4]) for r in rows] for rows in takes] == [[THERE], [SHARED]], "B took A's row after all"
    for key, tally in {
        SHARED: [0, 9, 2, 1, 0],
        B_ONLY: [0, 5, 1, 0, 0],
        THERE: [a + b for a, b in zip(there_before, b_adds[THERE], strict=True)],
    }.items():
        assert await board_row(pg_store, key) == (tally, tallies.row_score(tally, PRIOR)), key
    assert await pg_store._fetch(BUCKETS, ()) == await pg_store._fetch(RECOUNT.format(""), ())
    assert await pg_store._fetch("SELECT * FROM board_buckets_paused", ()) == [], "the pause ended with each"
