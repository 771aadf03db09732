"""The PostgreSQL schema means what the SQLite one means: the same tables, columns (in order,
with their NOT NULLs and defaults), keys, indexes, foreign keys, checks and triggers, read
from each engine's catalog; the rank-count triggers count the same under the same writes;
and identity columns follow ids a copy inserted."""

from __future__ import annotations

import random
import re
import sqlite3
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest

from bot.storage import pg_schema, sqlite

# SQLite INTEGER columns that are 0/1 flags: INTEGER on PostgreSQL (the code compares `= 0`);
# every other SQLite INTEGER is BIGINT there.
FLAGS = {("users", "opted_out"), ("answers", "hidden"), ("answers", "withdrawn"), ("board", "hidden")}
FLAGS |= {("coaching_prefs", "nudges")}
TYPES = {"TEXT": {"text"}, "REAL": {"double precision"}, "INTEGER": {"bigint"}}


def sqlite_db() -> sqlite3.Connection:
    db = sqlite3.connect(":memory:", isolation_level=None)
    db.execute("PRAGMA foreign_keys=ON")
    for number, script in sqlite.migrations():
        db.executescript(f"BEGIN;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;")
    return db


@pytest.fixture
async def pg(pg_url: str) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(pg_url)
    await pg_schema.migrate(conn, pg_url)
    yield conn
    await conn.close()


def _default(text: str | None) -> str | None:
    """A column default as both catalogs can show it: '{}'::text and '{}' are one default."""
    return None if text is None else re.sub(r"::[a-z ]+$", "", text)


def _predicate(text: str | None) -> str | None:
    return None if text is None else re.sub(r"[()\s]", "", text).lower()


def sqlite_catalog(db: sqlite3.Connection) -> dict[str, dict[str, Any]]:
    tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    catalog = {}
    for table in tables:
        info = db.execute(f"PRAGMA table_info({table})").fetchall()  # cid, name, type, notnull, default, pk
        indexes = {}
        for _, name, unique, origin, partial in db.execute(f"PRAGMA index_list({table})"):
            if origin == "pk":
                continue
            columns = tuple(row[2] for row in db.execute(f"PRAGMA index_info({name})"))
            where = None
            if partial:
                sql = db.execute("SELECT sql FROM sqlite_master WHERE name = ?", (name,)).fetchone()[0]
                where = sql.split(" WHERE ", 1)[1]
            indexes[name if origin == "c" else f"unique{columns}"] = (bool(unique), columns, _predicate(where))
        sql = db.execute("SELECT sql FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]
        catalog[table] = {
            "columns": [(name, bool(notnull or pk), _default(dflt)) for _, name, _, notnull, dflt, pk in info],
            "types": {name: kind for _, name, kind, *_ in info},
            "primary key": tuple(name for _, name, *_, pk in sorted(info, key=lambda c: c[5]) if pk),
            "indexes": indexes,
            "foreign keys": sorted((row[3], row[2], row[4]) for row in db.execute(f"PRAGMA foreign_key_list({table})")),
            "checks": sql.upper().count("CHECK ("),
            "triggers": sorted(
                row[0]
                for row in db.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?", (table,)
                )
            ),
        }
    return catalog


_PG_INDEXES = """
SELECT t.relname AS tbl, i.relname AS name, x.indisprimary AS pk, x.indisunique AS uniq,
       x.indisprimary OR EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid) AS constraint_,
       ARRAY(SELECT a.attname FROM unnest(x.indkey) WITH ORDINALITY k(attnum, o)
             JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum ORDER BY k.o) AS cols,
       pg_get_expr(x.indpred, x.indrelid) AS pred
  FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
 WHERE t.relnamespace = current_schema()::regnamespace
"""
_PG_CONSTRAINTS = """
SELECT c.conrelid::regclass::text AS tbl, c.contype::text AS kind, f.relname AS target,
       ARRAY(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY k(n, o)
             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.o) AS cols,
       ARRAY(SELECT a.attname FROM unnest(c.confkey) WITH ORDINALITY k(n, o)
             JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.o) AS target_cols
  FROM pg_constraint c LEFT JOIN pg_class f ON f.oid = c.confrelid
 WHERE c.connamespace = current_schema()::regnamespace AND c.contype IN ('f', 'c')
"""


async def pg_catalog(conn: asyncpg.Connection) -> dict[str, dict[str, Any]]:
    tables = await conn.fetch(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY 1"
    )
    catalog: dict[str, dict[str, Any]] = {}
    for (table,) in tables:
        columns = await conn.fetch(
            "SELECT column_name, is_nullable, column_default, data_type FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
            table,
        )
        triggers = await conn.fetch(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = $1::regclass AND NOT tgisinternal ORDER BY 1", table
        )
        catalog[table] = {
            "columns": [(c["column_name"], c["is_nullable"] == "NO", _default(c["column_default"])) for c in columns],
            "types": {c["column_name"]: c["data_type"] for c in columns},
            "primary key": (),
            "indexes": {},
            "foreign keys": [],
            "checks": 0,
            "triggers": [row[0] for row in triggers],
        }
    for row in await conn.fetch(_PG_INDEXES):
        entry, cols = catalog[row["tbl"]], tuple(row["cols"])
        if row["pk"]:
            entry["primary key"] = cols
        else:
            key = f"unique{cols}" if row["constraint_"] else row["name"]
            entry["indexes"][key] = (row["uniq"], cols, _predicate(row["pred"]))
    for row in await conn.fetch(_PG_CONSTRAINTS):
        entry = catalog[row["tbl"]]
        if row["kind"] == "c":
            entry["checks"] += 1
        else:
            for mine, theirs in zip(row["cols"], row["target_cols"], strict=True):
                entry["foreign keys"].append((mine, row["target"], theirs))
            entry["foreign keys"].sort()
    return catalog


async def test_every_sqlite_table_has_the_same_postgresql_table(pg: asyncpg.Connection) -> None:
    lite, post = sqlite_catalog(sqlite_db()), await pg_catalog(pg)
    assert set(post) == set(lite) | {"schema_version"}
    for table, expected in lite.items():
        got = post[table]
        for part in ("columns", "primary key", "indexes", "foreign keys", "checks", "triggers"):
            assert got[part] == expected[part], f"{table}: {part}"
        for column, kind in expected["types"].items():
            wanted = {"integer"} if (table, column) in FLAGS else TYPES[kind]
            assert got["types"][column] in wanted, f"{table}.{column}: SQLite {kind}, PostgreSQL {got['types'][column]}"


async def test_the_guard_sees_a_difference(pg: asyncpg.Connection) -> None:
    """The comparison above can fail: an index over other columns is caught."""
    await pg.execute("DROP INDEX posts_ref; CREATE INDEX posts_ref ON posts (ref, tenant)")
    lite, post = sqlite_catalog(sqlite_db()), await pg_catalog(pg)
    assert post["posts"]["indexes"] != lite["posts"]["indexes"]
    assert post["posts"]["columns"] == lite["posts"]["columns"]


# --- the rank counts (board_buckets) --------------------------------------------------------

_BUCKETS = "SELECT tenant, scope, period, bucket, n FROM board_buckets ORDER BY 1, 2, 3, 4"
_TRUTH = (
    "SELECT tenant, scope, period, bucket, COUNT(*) FROM (SELECT tenant, scope, period, hidden,"
    " CAST({bucket} AS BIGINT) AS bucket FROM board) AS b WHERE hidden = 0 GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4"
)


def _writes(rng: random.Random, keys: list[tuple[str, ...]], count: int) -> list[tuple[str, tuple[Any, ...]]]:
    """Random writes to board in the SQL both engines take (? placeholders, made $n below)."""
    out: list[tuple[str, tuple[Any, ...]]] = []
    for _ in range(count):
        score = rng.choice([float(rng.randint(-1, 6)), round(rng.uniform(-2, 7), 3), -0.0])
        choice = rng.random() if keys else 0.0
        if choice < 0.35:
            key = (
                rng.choice("ab"),
                rng.choice(["*", "c:1"]),
                rng.choice(["all", "2026-W48"]),
                f"u{rng.randint(0, 40)}",
            )
            if key in keys:
                continue
            keys.append(key)
            sql = "INSERT INTO board (tenant, scope, period, user_id, score, hidden) VALUES (?, ?, ?, ?, ?, ?)"
            out.append((sql, (*key, score, int(rng.random() < 0.2))))
            continue
        key = rng.choice(keys)
        where = " WHERE tenant = ? AND scope = ? AND period = ? AND user_id = ?"
        if choice < 0.55:
            out.append(("UPDATE board SET score = ?" + where, (score, *key)))
        elif choice < 0.7:
            out.append(("UPDATE board SET hidden = ?" + where, (int(rng.random() < 0.5), *key)))
        elif choice < 0.8:
            out.append(("UPDATE board SET score = ?, hidden = ?" + where, (score, int(rng.random() < 0.5), *key)))
        elif choice < 0.9:
            out.append(("UPDATE board SET answers = answers + 1" + where, key))
        else:
            keys.remove(key)
            out.append(("DELETE FROM board" + where, key))
    return out


def _dollars(sql: str) -> str:
    count = iter(range(1, 1000))
    return re.sub(r"\?", lambda _: f"${next(count)}", sql)


async def test_rank_counts_follow_every_write_as_on_sqlite(pg: asyncpg.Connection) -> None:
    lite, rng, keys = sqlite_db(), random.Random(9), []
    for round_ in range(30):
        paused = round_ % 3 == 2  # the batch writer's way: its own moves are not counted
        writes = _writes(rng, keys, 25)
        lite.execute("BEGIN")
        async with pg.transaction():
            if paused:
                lite.execute("INSERT INTO board_buckets_paused (writer) VALUES ('batch')")
                await pg.execute("INSERT INTO board_buckets_paused (writer) VALUES ('batch')")
            for sql, args in writes:
                lite.execute(sql, args)
                await pg.execute(_dollars(sql), *args)
            if paused:
                lite.execute("DELETE FROM board_buckets_paused")
                await pg.execute("DELETE FROM board_buckets_paused")
        lite.execute("COMMIT")
        assert [tuple(r) for r in await pg.fetch(_BUCKETS)] == lite.execute(_BUCKETS).fetchall(), f"round {round_}"
        if round_ == 1:  # nothing paused yet: the counts are the board's own
            counted = [r for r in lite.execute(_BUCKETS).fetchall() if r[4]]
            assert counted == lite.execute(_TRUTH.format(bucket="score")).fetchall()
            assert counted == [tuple(r) for r in await pg.fetch(_TRUTH.format(bucket="trunc(score)"))]
    assert await pg.fetchval("SELECT COUNT(*) FROM board_buckets_paused") == 0


async def test_a_pause_holds_only_inside_its_own_transaction(pg: asyncpg.Connection, pg_url: str) -> None:
    """Another process's batch writer pausing the triggers never stops this one's counts:
    its row in board_buckets_paused is never committed, so no one else sees it."""
    other = await asyncpg.connect(pg_url)
    try:
        async with other.transaction():
            await other.execute("INSERT INTO board_buckets_paused (writer) VALUES ('batch')")
            await pg.execute(
                "INSERT INTO board (tenant, scope, period, user_id, score) VALUES ('a', '*', 'all', 'u', 2.5)"
            )
            await other.execute(
                "INSERT INTO board (tenant, scope, period, user_id, score) VALUES ('a', '*', 'all', 'v', 2.5)"
            )
            await other.execute("DELETE FROM board_buckets_paused")
    finally:
        await other.close()
    assert [tuple(r) for r in await pg.fetch(_BUCKETS)] == [("a", "*", "all", 2, 1)]


# --- identities --------------------------------------------------------------------------------


async def test_identities_follow_the_ids_a_copy_inserted(pg: asyncpg.Connection) -> None:
    lite = sqlite_db()
    made_by_sqlite = {  # SQLite numbers an INTEGER PRIMARY KEY the code leaves out
        table
        for table, entry in sqlite_catalog(lite).items()
        if len(entry["primary key"]) == 1 and entry["types"][entry["primary key"][0]] == "INTEGER"
    }
    assert made_by_sqlite - {"self_ratings"} == {"rounds", "answers", "suggestions", "outbox", "inbox"}
    await pg.execute(
        "INSERT INTO rounds (id, tenant, channel_id, kind, status, state, created_at)"
        " VALUES (41, 't', 'c', 'group', 'open', '{}', '2026-12-01T00:00:00'),"
        " (7, 't', 'c', 'group', 'open', '{}', '2026-12-01T00:00:00')"
    )
    following = await pg_schema.reset_identities(pg)
    # self_ratings.answer_id is always the rated answer's id: no identity of its own.
    assert following == {"answers": 1, "inbox": 1, "outbox": 1, "rounds": 42, "suggestions": 1}
    new_id = await pg.fetchval(
        "INSERT INTO rounds (tenant, channel_id, kind, status, state, created_at)"
        " VALUES ('t', 'c', 'group', 'open', '{}', '2026-12-01T00:00:00') RETURNING id"
    )
    assert new_id == 42
    await pg.execute("INSERT INTO inbox (source, body, received_at) VALUES ('slack', '{}', 'now')")
    assert await pg_schema.reset_identities(pg) == {**following, "rounds": 43, "inbox": 2}
