"""The rows one rating event writes in our schema on PostgreSQL, found by running one through
the real store (`Dispatcher.handle` -> PostgresStore) with asyncpg's query logger on its
connection, and comparing every table before and after (a row's text and its `xmin`: a rewrite
that changes nothing counts as a rewrite). bench/pg_ceiling.py prints it as its part 1.
"""

from __future__ import annotations

import collections

import asyncpg
from ingest_pg import bench_schema, open_pg_scene
from scene import drive


async def snapshot(conn: asyncpg.Connection) -> dict[str, collections.Counter[str]]:
    tables = await conn.fetch(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
        " AND table_type = 'BASE TABLE' ORDER BY table_name"
    )
    out = {}
    for (name,) in tables:
        rows = await conn.fetch(f"SELECT t.xmin::text || ' ' || t::text FROM \"{name}\" t")
        out[name] = collections.Counter(r[0] for r in rows)
    return out


def row_changes(before: collections.Counter[str], after: collections.Counter[str]) -> tuple[int, int, int, int]:
    """(inserted, updated with a change, rewritten unchanged, deleted) between two snapshots."""
    added, removed = after - before, before - after

    def content(rows: collections.Counter[str]) -> collections.Counter[str]:  # the row's text without its xmin
        return collections.Counter(k.split(" ", 1)[1] for k in rows.elements())

    changed_added, changed_removed = content(added) - content(removed), content(removed) - content(added)
    rewritten = sum(added.values()) - sum(changed_added.values())
    inserted = max(0, sum(changed_added.values()) - sum(changed_removed.values()))
    deleted = max(0, sum(changed_removed.values()) - sum(changed_added.values()))
    return inserted, sum(changed_added.values()) - inserted, rewritten, deleted


async def trace(url: str, answers: int) -> None:
    nth = min(answers, 101)  # past the daily cap of points for rating: the common case
    print(f"\n1. One rating through the real store (steady state: a rater's rating number {nth} of the day)")
    async with bench_schema(url) as scoped:
        scene = await open_pg_scene(scoped, answers, 4, 1)
        events = scene.events(0, 2 * answers, "x")
        warm = answers + nth - 1  # rater 1's: its rows and the author's exist
        conn = await asyncpg.connect(scoped)
        try:
            await drive(scene.dispatcher, events[:warm], 1)
            before = await snapshot(conn)
            statements: list[str] = []
            async with scene.store._pool.acquire() as held:  # the pool's one connection
                held.add_query_logger(lambda q: statements.append(q.query))
            await scene.dispatcher.handle(events[warm])
            after = await snapshot(conn)
        finally:
            await conn.close()
            await scene.store.close()
    print(f"  {len(statements)} statements (round trips), in order:")
    for sql in statements:
        print("    " + " ".join(sql.split())[:110])
    print(f"  rows written, by table:   {'inserted':>9}{'updated':>9}{'rewritten unchanged':>21}{'deleted':>9}")
    for name in after:
        counts = row_changes(before.get(name, collections.Counter()), after[name])
        if any(counts):
            print(f"    {name:<22}" + f"{counts[0]:>9}{counts[1]:>9}{counts[2]:>21}{counts[3]:>9}")
    print(
        "  (board_buckets rows are the rank counts, moved by the board's writer when a row's score crosses a whole point)"
    )
