"""The ingest benchmark on PostgreSQL (`bench/ingest.py --db-url URL`): ratings through the real
`Dispatcher.handle` into `PostgresStore`, beside a raw asyncpg loop (one upsert, committed, per
row) over the same ratings, in alternating rounds; and the latency at a steady rate.

Everything happens in a schema of its own (`bench_<random>`), created at the start and dropped
at the end, so the server's other schemas are never touched.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import statistics
import time
import urllib.parse
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import asyncpg
from scene import NOW, TENANT, Scene, Sizes, drive, open_loop, seed_scene

from bot.core.clock import iso
from bot.core.events import ReactionAdded
from bot.core.rounds.ratings import DEFAULT_RATING_EMOJI
from bot.storage.pg_schema import safe_url
from bot.storage.postgres import PostgresStore, with_schema

# Every connection the benchmarks make in their schemas says so (asyncpg passes the URL's
# application_name to the server), so their CPU accounting can tell other clients' backends apart.
APPLICATION = "mockpanel-bench"
SETTINGS = ("server_version", "fsync", "synchronous_commit", "wal_sync_method", "shared_buffers")


@contextlib.asynccontextmanager
async def bench_schema(url: str) -> AsyncIterator[str]:
    """A URL whose connections work in a fresh schema, dropped (with everything in it) after."""
    schema = "bench_" + secrets.token_hex(4)
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(f"CREATE SCHEMA {schema}")
        try:
            yield tagged(with_schema(url, schema))
        finally:
            await conn.execute(f"DROP SCHEMA {schema} CASCADE")
    finally:
        await conn.close()


def tagged(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    query = [(k, v) for k, v in urllib.parse.parse_qsl(parts.query) if k != "application_name"]
    query.append(("application_name", APPLICATION))
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


async def describe(url: str) -> str:
    """The server's durability settings, an empty round trip's median now, and the load."""
    conn = await asyncpg.connect(url)
    try:
        shown = [f"{name} {await conn.fetchval(f'SHOW {name}')}" for name in SETTINGS]
        trips = []
        for _ in range(1_000):
            started = time.perf_counter()
            await conn.fetchval("SELECT 1")
            trips.append(time.perf_counter() - started)
    finally:
        await conn.close()
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"PostgreSQL {', '.join(shown)}\n  asyncpg round trip median {statistics.median(trips) * 1e6:.0f} us;"
        f" load average {load}"
    )


async def open_pg_scene(url: str, answers: int, raters: int, pool: int) -> Scene[PostgresStore]:
    # The pool starts full, so opening connections is not measured.
    return await seed_scene(await PostgresStore.open(url, min_size=pool, max_size=pool), answers, raters)


# The baseline: what a plain asyncpg program would do with each rating, on a ratings-like table
# (the same key and secondary index as the store's `ratings`).
_BASELINE_SCHEMA = (
    "CREATE TABLE baseline_ratings (tenant TEXT NOT NULL, answer_id BIGINT NOT NULL, rater_id TEXT NOT NULL,"
    " dimension TEXT NOT NULL, score BIGINT NOT NULL, created_at TEXT NOT NULL,"
    " PRIMARY KEY (answer_id, rater_id, dimension))",
    "CREATE INDEX baseline_ratings_rater ON baseline_ratings (tenant, rater_id)",
)
_BASELINE_UPSERT = (
    "INSERT INTO baseline_ratings (tenant, answer_id, rater_id, dimension, score, created_at)"
    " VALUES ($1, $2, $3, '', $4, $5)"
    " ON CONFLICT (answer_id, rater_id, dimension) DO UPDATE SET score = excluded.score"
)


def baseline_row(e: ReactionAdded) -> tuple[Any, ...]:
    return (TENANT, int(e.message_id[1:]) + 1, e.user.user_id, DEFAULT_RATING_EMOJI.index(e.emoji) + 1, iso(NOW))


async def open_baseline(url: str) -> asyncpg.Connection:
    conn = await asyncpg.connect(url)
    for sql in _BASELINE_SCHEMA:
        await conn.execute(sql)
    return conn


async def run_baseline(conn: asyncpg.Connection, rows: list[tuple[Any, ...]]) -> float:
    """The naive way: one upsert per rating, each its own transaction (asyncpg outside a
    transaction block: the server commits each statement, and waits for its WAL flush)."""
    started = time.perf_counter()
    for r in rows:
        await conn.execute(_BASELINE_UPSERT, *r)
    return time.perf_counter() - started


BUSY = 10  # the second throughput run has this many times the events in flight…
BUSY_EVENTS = 5  # …and this many times the events (a batch is up to 1,000: enough rounds of them)


async def throughput(url: str, sizes: Sizes, pool: int, label: str = "1.") -> bool:
    """Ours and the baseline take turns on the same events, round by round. Returns whether
    every event counted (refused 0, every rating stored)."""
    rounds = 6 if sizes.events >= 6_000 else 1
    print(
        f"\n{label} Throughput on PostgreSQL: {sizes.events:,} rating events, {sizes.in_flight:,} in flight, pool of"
        f" {pool} connections; ours and the baseline take turns, {rounds} round{'s' if rounds > 1 else ''}"
    )
    answers, raters = 200, max(50, min(1_000, sizes.events // 20))
    scene = await open_pg_scene(url, answers, raters, pool)
    base = await open_baseline(url)
    warm = min(1_000, sizes.events // 10)
    warm_events = scene.events(0, warm, "w")
    events = scene.events(warm, sizes.events, "t")
    size = -(-len(events) // rounds)
    chunks = [events[i : i + size] for i in range(0, len(events), size)]
    ours_time = base_time = 0.0
    by_round: list[tuple[float, float]] = []  # seconds per event: ours, the baseline's
    refused = 0
    try:
        await drive(scene.dispatcher, warm_events, sizes.in_flight)
        await run_baseline(base, [baseline_row(e) for e in warm_events])
        for chunk in chunks:
            elapsed, refusals = await drive(scene.dispatcher, chunk, sizes.in_flight)
            ours_time += elapsed
            refused += refusals
            base_elapsed = await run_baseline(base, [baseline_row(e) for e in chunk])
            base_time += base_elapsed
            by_round.append((elapsed / len(chunk), base_elapsed / len(chunk)))
        stored = await scene.ratings_stored()
        # The community's rating count is read, moved and written back by every rating: a lost
        # update between two connections would show here.
        counted = (await scene.store._fetch("SELECT rating_n FROM communities WHERE tenant = ?", (TENANT,)))[0][0]
        base_stored = int(await base.fetchval("SELECT COUNT(*) FROM baseline_ratings"))
    finally:
        await scene.store.close()
        await base.close()
    expected = min(warm + sizes.events, answers * raters)
    ours = sizes.events / ours_time
    print(f"  ours: Dispatcher.handle -> PostgresStore              {ours:8,.0f} events/s   ({ours_time:.2f} s)")
    print(
        f"        refused {refused}; ratings stored {stored:,} of {expected:,} expected;"
        f" the community's rating count {counted:,}"
    )
    print(
        f"  baseline: asyncpg upsert, committed, per row            {sizes.events / base_time:8,.0f} rows/s"
        f"     ({base_time:.2f} s; {base_stored:,} rows)"
    )
    ratio = statistics.median(b / o for o, b in by_round)
    print(f"  ratio ours / baseline: median of {len(by_round)} rounds {ratio:.2f}   (target >= 2.0)")
    print("  by round (events/s, ours / baseline): " + "  ".join(f"{1 / o:,.0f}/{1 / b:,.0f}" for o, b in by_round))
    print(f"  per event, ours: median {statistics.median(o for o, _ in by_round) * 1e6:.1f} us")
    return refused == 0 and stored == expected == counted and base_stored == expected


async def latency(url: str, sizes: Sizes, pool: int) -> None:
    measured = max(1, round(sizes.rate * sizes.seconds))
    warm = max(1, round(sizes.rate * min(1.0, sizes.seconds)))
    print(
        f"\n2. Latency on PostgreSQL: {sizes.rate:,.0f} events/s open loop for {sizes.seconds:g} s"
        f" ({measured:,} events, after {warm:,} warm-up events), pool of {pool}"
    )
    scene = await open_pg_scene(url, 200, max(50, (warm + measured) // 200 + 1), pool)
    try:
        fed = await open_loop(scene.dispatcher, scene.events(0, warm + measured, "l"), sizes.rate)
    finally:
        await scene.store.close()
    fed.report(warm)
    print(f"  achieved {fed.achieved(warm):,.0f} events/s; target p99 <= 5 ms")


async def run(url: str, sizes: Sizes, parts: list[str], pool: int) -> bool:
    """The PostgreSQL parts asked for; False if an event did not count as it should."""
    print(f"\nPostgreSQL at {safe_url(url)}, {datetime.now(UTC):%H:%M} UTC\n  {await describe(url)}")
    ok = True
    for part in parts:
        # Each part in a schema of its own: the store's migrations, then an empty community.
        async with bench_schema(url) as scoped:
            if part == "throughput":
                ok = await throughput(scoped, sizes, pool) and ok
            elif part == "latency":
                await latency(scoped, sizes, pool)
        if part == "throughput":
            # Ratings waiting together share a transaction (bot.storage.pg_ratings): with 100 in
            # flight a batch is at most 100; a busy gateway or Slack inbox has many more waiting.
            busy = replace(sizes, in_flight=sizes.in_flight * BUSY, events=sizes.events * BUSY_EVENTS)
            async with bench_schema(url) as scoped:
                ok = await throughput(scoped, busy, pool, "1b.") and ok
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"\nload average after: {load}")
    return ok


if __name__ == "__main__":  # for a quick look; bench/ingest.py --db-url is the way in
    import sys

    sys.exit(0 if asyncio.run(run(sys.argv[1], Sizes(), ["throughput", "latency"], 10)) else 1)
