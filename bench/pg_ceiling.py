"""What the ingest target on PostgreSQL could be at best on this machine (issue 9): the rows one
rating event writes in our schema, written for many events the cheapest way a perfect design
could, beside the per-row baseline and our real path, in alternating rounds; with the CPU each
costs the server and the client; and the core's own Python CPU per rating event.

    .venv/bin/python bench/pg_ceiling.py --db-url postgresql://mockpanel@127.0.0.1:55432/postgres
    .venv/bin/python bench/pg_ceiling.py --db-url URL --smoke     # tiny sizes, a few seconds

1. Trace: one steady-state rating through the real store (`Dispatcher.handle` -> PostgresStore,
   asyncpg's query logger on its connection), and every row it wrote, per table (a row's text
   and its `xmin` before and after: a rewrite that changes nothing counts as a rewrite).
2. Rounds: ours (the real path, 100 in flight) / the ceiling / the baseline (bench/ingest_pg.py:
   one asyncpg upsert committed per row). The ceiling writes those same rows, for the same kind
   of events on a fresh schema built by the project's migrations (indexes, triggers, foreign
   keys), with one multi-row statement per table per batch (`INSERT … SELECT FROM unnest(…)`,
   `ON CONFLICT` where our code upserts), the batch's deltas merged first (a board row touched
   by 200 ratings is written once), the rank-count triggers paused as the store's batch writer
   pauses them and the merged counts written once, one transaction per batch: `--batches`,
   100 (what 100 events in flight allow, each waiting for its own commit) and 1,000 by default.
   It keeps every aggregate it needs in memory (no read at all), so it does less than any real
   store could. Each turn's CPU: the server's processes and this client's (bench/procstat.py).
3. The core's Python CPU per rating event (bench/core_cpu.py): the same events through the
   real `Dispatcher.handle` on a SQLite store, the event loop thread's CPU plus the store's
   Python in SQLite's thread, sqlite3's own calls left out.
Then the best a single process could do: min(1 / Python, cores / (Python + the ceiling's
server CPU)), with the Python of the core alone and with the ceiling's client CPU added (the
process's Python overlapped perfectly with the server's work), and the measured ceiling with
the core's Python in series; each against 2.0 x the baseline.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg
import core_cpu
import rating_rows
from ingest_pg import APPLICATION, bench_schema, describe, open_baseline, open_pg_scene, run_baseline
from ingest_pg import baseline_row as pg_baseline_row
from procstat import Meter, Usage, foreign_backends, postmaster_of
from scene import NOW, TENANT, drive

from bot.core import scoring, tallies
from bot.core.events import ReactionAdded
from bot.core.rounds.ratings import DEFAULT_RATING_EMOJI
from bot.storage.pg_schema import safe_url


@dataclass(frozen=True)
class Sizes:
    answers: int = 200
    per_round: int = 10_000  # ceiling and baseline: events a round
    ours_per_round: int = 2_000  # our real path: events a round (it is ~20x slower)
    rounds: int = 3
    batches: tuple[int, ...] = (100, 1_000)  # ceiling: events a transaction (100: what 100 in flight allow)
    in_flight: int = 100
    core_events: int = 5_000  # the core's CPU, on SQLite


SMOKE = Sizes(answers=50, per_round=600, ours_per_round=100, rounds=1, batches=(10, 200), in_flight=10, core_events=300)


# --- 2. the ceiling writer -----------------------------------------------------------------------

_SQL = {
    "pause": "INSERT INTO board_buckets_paused (writer) VALUES ('ceiling')",
    "resume": "DELETE FROM board_buckets_paused WHERE writer = 'ceiling'",
    "processed_events": "INSERT INTO processed_events (tenant, event_id, seen_at)"
    " SELECT $1, e, $3 FROM unnest($2::text[]) AS e ON CONFLICT DO NOTHING",
    "rating_log": "INSERT INTO rating_log (answer_id, rater_id, dimension, ord, score, expect)"
    " SELECT a, r, '', o, s, NULL FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[]) AS u(a, r, o, s)"
    " ON CONFLICT DO NOTHING",
    "ratings": "INSERT INTO ratings (tenant, answer_id, rater_id, dimension, score, created_at)"
    " SELECT $1, a, r, '', s, $5 FROM unnest($2::bigint[], $3::text[], $4::bigint[]) AS u(a, r, s)"
    " ON CONFLICT (answer_id, rater_id, dimension) DO UPDATE SET score = excluded.score, created_at = excluded.created_at",
    "users": "INSERT INTO users (tenant, user_id, display_name) SELECT $1, u, n FROM unnest($2::text[], $3::text[]) AS x(u, n)"
    " ON CONFLICT DO NOTHING",
    "given_daily": "INSERT INTO given_daily (tenant, user_id, day, n) SELECT $1, u, $3, n FROM unnest($2::text[], $4::bigint[])"
    " AS x(u, n) ON CONFLICT (tenant, user_id, day) DO UPDATE SET n = excluded.n",
    "communities": "UPDATE communities SET rating_sum = $2, rating_n = $3 WHERE tenant = $1",
    "skills": "INSERT INTO skills (tenant, user_id, area, day, n, total) SELECT $1, u, a, $4, n, t"
    " FROM unnest($2::text[], $3::text[], $5::bigint[], $6::bigint[]) AS x(u, a, n, t)"
    " ON CONFLICT (tenant, user_id, area, day) DO UPDATE SET n = excluded.n, total = excluded.total",
    "board": "INSERT INTO board (tenant, scope, period, user_id, answers, received_sum, received_n, given,"
    " streak_points, hidden, score) SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::bigint[],"
    " $6::bigint[], $7::bigint[], $8::bigint[], $9::bigint[], $10::integer[], $11::double precision[])"
    " ON CONFLICT (tenant, scope, period, user_id) DO UPDATE SET answers = excluded.answers,"
    " received_sum = excluded.received_sum, received_n = excluded.received_n, given = excluded.given,"
    " score = excluded.score",
    "board_buckets": "INSERT INTO board_buckets (tenant, scope, period, bucket, n)"
    " SELECT $1, * FROM unnest($2::text[], $3::text[], $4::bigint[], $5::bigint[])"
    " ON CONFLICT (tenant, scope, period, bucket) DO UPDATE SET n = board_buckets.n + excluded.n",
}
BoardKey = tuple[str, str, str]  # scope, period, user


class Ceiling:
    """Writes rating events' rows with one statement per table per batch, from aggregates it
    keeps in memory (a perfect cache: nothing is read back)."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn
        self.day = NOW.date().isoformat()
        self.periods = scoring.period_keys(NOW)
        self.written: dict[int, collections.Counter[str]] = {}  # batch size -> rows per table
        self.events: collections.Counter[int] = collections.Counter()  # batch size -> events written

    async def load(self) -> None:
        conn = self.conn
        await conn.execute("INSERT INTO communities (tenant) VALUES ($1) ON CONFLICT DO NOTHING", TENANT)
        self.answers = {
            r["message_id"]: (int(r["id"]), r["user_id"], r["channel_id"], r["category"])
            for r in await conn.fetch("SELECT id, message_id, user_id, channel_id, category FROM answers")
        }
        self.board: dict[BoardKey, list[Any]] = {
            (r[0], r[1], r[2]): list(r[3:])
            for r in await conn.fetch(
                "SELECT scope, period, user_id, answers, received_sum, received_n, given, streak_points, hidden,"
                " score FROM board WHERE tenant = $1",
                TENANT,
            )
        }
        self.given: dict[str, int] = {}
        self.skills: dict[tuple[str, str], list[int]] = {}
        row = await conn.fetchrow("SELECT rating_sum, rating_n, prior_mean FROM communities WHERE tenant = $1", TENANT)
        assert row is not None
        self.sum, self.n, self.prior = int(row[0]), int(row[1]), float(row[2])

    async def write(self, events: list[ReactionAdded], size: int) -> None:
        ids: list[str] = []
        logs: tuple[list[Any], ...] = ([], [], [], [])  # answer, rater, order, score: rating_log's columns
        rates: tuple[list[Any], ...] = ([], [], [])  # answer, rater, score: ratings' columns
        raters: dict[str, str] = {}
        touched: dict[BoardKey, float | None] = {}  # board rows changed: their score before the batch
        given_rows: set[str] = set()
        skill_rows: set[tuple[str, str]] = set()
        for e in events:
            answer_id, author, channel, category = self.answers[e.message_id]
            score = DEFAULT_RATING_EMOJI.index(e.emoji) + 1
            rater = e.user.user_id
            ids.append(e.event_id)
            for column, value in zip(logs, (answer_id, rater, tallies.encode_order(e.order or ()), score), strict=True):
                column.append(value)
            for column, value in zip(rates, (answer_id, rater, score), strict=True):
                column.append(value)
            raters[rater] = e.user.display_name
            self.sum, self.n = self.sum + score, self.n + 1
            for scope in ("*", f"c:{channel}"):
                for period in self.periods:
                    self._board(touched, (scope, period, author), received=score)
            before = self.given.get(rater, 0)
            self.given[rater] = before + 1
            given_rows.add(rater)
            if before < scoring.GIVEN_DAILY_CAP:
                for scope in ("*", f"c:{channel}"):
                    for period in self.periods:
                        self._board(touched, (scope, period, rater), given=1)
            skill = self.skills.setdefault((author, f"category:{category}"), [0, 0])
            skill[0] += 1
            skill[1] += score
            skill_rows.add((author, f"category:{category}"))
        board_rows, buckets = [], collections.Counter[tuple[str, str, int]]()
        for key, old in touched.items():
            row = self.board[key]
            row[-1] = tallies.row_score(row[:5], self.prior)
            if row[5] == 0:  # shown: the rank counts move with its whole point
                if old is not None:
                    buckets[(key[0], key[1], int(old))] -= 1
                buckets[(key[0], key[1], int(row[-1]))] += 1
            board_rows.append((*key, *row))
        buckets = collections.Counter({k: v for k, v in buckets.items() if v})
        stamp = NOW.isoformat()
        columns = list(zip(*board_rows, strict=True))
        bucket_cols: list[tuple[Any, ...]] = list(zip(*((s, p, b, n) for (s, p, b), n in buckets.items()), strict=True))
        bucket_cols = bucket_cols or [(), (), (), ()]
        given = sorted(given_rows)
        skills = sorted(skill_rows)
        statements: list[tuple[str, tuple[Any, ...], int]] = [
            ("pause", (), 0),
            ("processed_events", (TENANT, ids, stamp), len(ids)),
            ("rating_log", (logs[0], logs[1], logs[2], logs[3]), len(ids)),
            ("ratings", (TENANT, rates[0], rates[1], rates[2], stamp), len(ids)),
            ("users", (TENANT, list(raters), list(raters.values())), len(raters)),
            ("given_daily", (TENANT, given, self.day, [self.given[u] for u in given]), len(given)),
            ("communities", (TENANT, self.sum, self.n), 1),
            (
                "skills",
                (
                    TENANT,
                    [u for u, _ in skills],
                    [a for _, a in skills],
                    self.day,
                    [self.skills[k][0] for k in skills],
                    [self.skills[k][1] for k in skills],
                ),
                len(skills),
            ),
            ("board", (TENANT, *(list(c) for c in columns)), len(board_rows)),
            ("board_buckets", (TENANT, *(list(c) for c in bucket_cols)), len(buckets)),
            ("resume", (), 0),
        ]
        written = self.written.setdefault(size, collections.Counter())
        async with self.conn.transaction():
            for name, args, rows in statements:
                await self.conn.execute(_SQL[name], *args)
                written[name] += rows
        self.events[size] += len(events)

    def _board(self, touched: dict[BoardKey, float | None], key: BoardKey, received: int = 0, given: int = 0) -> None:
        row = self.board.get(key)
        if key not in touched:
            touched[key] = None if row is None else float(row[-1])
        if row is None:
            row = self.board[key] = [0, 0, 0, 0, 0, 0, 0.0]
        if received:
            row[1] += received
            row[2] += 1
        row[3] += given

    def per_event(self, size: int) -> str:
        events = self.events[size]
        return ", ".join(f"{name} {rows / events:.3g}" for name, rows in self.written[size].items() if rows)


# --- the rounds ------------------------------------------------------------------------------------


@dataclass
class Turn:
    name: str
    events: int
    seconds: float
    cpu: Usage

    @property
    def rate(self) -> float:
        return self.events / self.seconds

    def cpu_ms(self, part: str) -> float:
        return self.cpu.parts[part] * 1000 / self.events


async def metered(meter: Meter, conn: asyncpg.Connection, name: str, events: int, work: Any) -> Turn:
    """Other programs' backends on a shared server are not counted as the server's."""
    before = meter.sample({"pg others": await foreign_backends(conn, APPLICATION)})
    started = time.perf_counter()
    await work
    seconds = time.perf_counter() - started
    after = meter.sample({"pg others": await foreign_backends(conn, APPLICATION)})
    return Turn(name, events, seconds, meter.usage(before, after))


async def rounds(url: str, sizes: Sizes) -> tuple[dict[str, list[Turn]], bool]:
    warm_n = max(sizes.batches)
    total = sizes.rounds * sizes.per_round * len(sizes.batches) + warm_n
    ours_total = sizes.rounds * sizes.ours_per_round + sizes.ours_per_round // 2
    print(
        f"\n2. Rounds: ours ({sizes.ours_per_round:,} events, {sizes.in_flight} in flight, pool of 10), the ceiling"
        f" ({sizes.per_round:,} events in transactions of {' and of '.join(f'{b:,}' for b in sizes.batches)} events)"
        f" and the baseline ({sizes.per_round:,} rows), {sizes.rounds} round(s), each in a schema of its own"
    )
    ceilings = [f"ceiling {b}" for b in sizes.batches]
    turns: dict[str, list[Turn]] = {name: [] for name in ["ours", *ceilings, "baseline"]}
    async with bench_schema(url) as ours_url, bench_schema(url) as ceiling_url:
        ours = await open_pg_scene(ours_url, sizes.answers, -(-ours_total // sizes.answers), 10)
        # The ceiling's answers and users come from the real write path, as ours do.
        seeded = await open_pg_scene(ceiling_url, sizes.answers, -(-total // sizes.answers), 1)
        conn = await asyncpg.connect(ceiling_url)
        base = await open_baseline(ceiling_url)
        try:
            server = postmaster_of(int(await conn.fetchval("SELECT pg_backend_pid()")))
            if server is None:
                print("  (the server's processes are not on this machine: its CPU below is 0, not measured)")
            meter = Meter({"postgres": lambda: server}, self_name="client", explicit=("pg others",))
            writer = Ceiling(conn)
            await writer.load()
            events = iter(seeded.events(0, total, "c"))
            ours_events = iter(ours.events(0, ours_total, "o"))
            warm = [next(events) for _ in range(warm_n)]
            await writer.write(warm, 0)
            await run_baseline(base, [pg_baseline_row(e) for e in warm])
            await drive(ours.dispatcher, [next(ours_events) for _ in range(sizes.ours_per_round // 2)], sizes.in_flight)
            for r in range(sizes.rounds):
                mine = [next(ours_events) for _ in range(sizes.ours_per_round)]
                turns["ours"].append(
                    await metered(meter, conn, "ours", len(mine), drive(ours.dispatcher, mine, sizes.in_flight))
                )
                for size, name in zip(sizes.batches, ceilings, strict=True):
                    chunk = [next(events) for _ in range(sizes.per_round)]
                    batches = [chunk[i : i + size] for i in range(0, len(chunk), size)]
                    turns[name].append(await metered(meter, conn, name, len(chunk), _all(writer, batches, size)))
                rows = [pg_baseline_row(e) for e in chunk]  # the same ratings as the ceiling's last turn
                turns["baseline"].append(await metered(meter, conn, "baseline", len(rows), run_baseline(base, rows)))
                done = ", ".join(f"{name} {t[-1].rate:,.0f}/s" for name, t in turns.items())
                print(f"    round {r + 1}: {done}")
            stored = int(await conn.fetchval("SELECT COUNT(*) FROM ratings"))
            logged = int(await conn.fetchval("SELECT COUNT(*) FROM rating_log"))
            counted = int(await conn.fetchval("SELECT rating_n FROM communities WHERE tenant = $1", TENANT))
            for size in sizes.batches:
                print(f"  ceiling {size} wrote, per event: {writer.per_event(size)} (rows; merged per batch)")
            ok = stored == logged == counted == total
            print(
                f"  ceiling check: ratings {stored:,}, rating_log {logged:,}, community count {counted:,} of {total:,}"
                + ("" if ok else "  MISMATCH")
            )
        finally:
            await conn.close()
            await base.close()
            await ours.store.close()
            await seeded.store.close()
    return turns, ok


async def _all(writer: Ceiling, batches: list[list[ReactionAdded]], size: int) -> None:
    for batch in batches:
        await writer.write(batch, size)


def report(turns: dict[str, list[Turn]], core: core_cpu.CoreCpu) -> bool:
    """Prints the figures and the verdict; returns whether 2.0 x the baseline is within reach
    with transactions of the smallest batch (what the benchmark's in-flight events allow)."""
    cores = os.cpu_count() or 1
    print(
        f"  {'':<14}{'events/s (median)':>18}{'server CPU ms/ev':>18}{'client CPU ms/ev':>18}{'others ms/ev':>14}"
        f"{'busy cores':>12}   by round"
    )
    for name, ts in turns.items():
        print(
            f"  {name:<14}{statistics.median(t.rate for t in ts):18,.0f}"
            f"{statistics.median(t.cpu_ms('postgres') for t in ts):18.3f}"
            f"{statistics.median(t.cpu_ms('client') for t in ts):18.3f}"
            f"{statistics.median(t.cpu_ms('other') + t.cpu_ms('pg others') for t in ts):14.3f}"
            f"{statistics.median(t.cpu.busy_cores for t in ts):12.2f}   " + " ".join(f"{t.rate:,.0f}" for t in ts)
        )
    base = turns["baseline"]
    baseline = statistics.median(b.rate for b in base)
    ratios = {
        name: statistics.median(t.rate / b.rate for t, b in zip(ts, base, strict=True)) for name, ts in turns.items()
    }
    print(
        "  ratio / baseline (median of the rounds' ratios): "
        + ", ".join(f"{n} {r:.2f}" for n, r in ratios.items() if n != "baseline")
    )
    print("\n3. The core's Python CPU per rating event (the real Dispatcher.handle on SQLite, bench/core_cpu.py)")
    print(core_cpu.show(core))
    target = 2 * baseline
    print(f"\nThe best a single bot process could do (2.0 x baseline = {target:,.0f} events/s; the cores are shared):")
    verdicts = []
    for name, ts in turns.items():
        if not name.startswith("ceiling"):
            continue
        ceiling = statistics.median(t.rate for t in ts)
        server = statistics.median(t.cpu.parts["postgres"] / t.events for t in ts)
        driver = statistics.median(t.cpu.parts["client"] / t.events for t in ts)
        print(f"  {name} (server {server * 1e6:.0f} us/event, its client {driver * 1e6:.0f} us/event):")
        bests = []
        for label, python in (
            ("the core's Python only", core.python),
            ("+ the ceiling's client CPU", core.python + driver),
        ):
            alone = 1 / python  # one process is one Python thread
            machine = cores / (python + server)  # the server's CPU shares the same cores
            best = min(alone, machine)
            bests.append(best)
            print(
                f"    {label:<28} 1 / Python {alone:8,.0f};  {cores} cores / (Python + server) {machine:8,.0f}"
                f"  -> {best:8,.0f} events/s = {best / baseline:.2f} x baseline"
            )
        serial = 1 / (1 / ceiling + core.python)  # no overlap of the core's work with the ceiling's trips
        print(
            f"    the ceiling as measured plus the core's Python in series: {serial:,.0f} events/s = {serial / baseline:.2f} x baseline"
        )
        verdicts.append((name, bests[0] >= target, bests[1] >= target))
    for name, optimistic, with_driver in verdicts:
        print(
            f"  -> {name}: 2.0 x the baseline is {'within' if optimistic else 'OUT OF'} reach counting the core's Python"
            f" only, {'within' if with_driver else 'OUT OF'} reach counting the driver's CPU too"
        )
    return verdicts[0][1]


async def run(url: str, sizes: Sizes) -> bool:
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"mockpanel PostgreSQL ingest ceiling  {datetime.now(UTC):%Y-%m-%d %H:%M} UTC  {os.cpu_count()} cpus;"
        f" load average {load}\n  at {safe_url(url)}: {await describe(url)}"
    )
    await rating_rows.trace(url, sizes.answers)
    turns, ok = await rounds(url, sizes)
    core = await core_cpu.measure(sizes.answers, sizes.core_events, sizes.in_flight)
    report(turns, core)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"\nload average after: {load}")
    return ok and core.refused == 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--db-url", required=True, help="the PostgreSQL server (schemas of its own are made)")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, one round")
    for name in ("per_round", "ours_per_round", "rounds"):
        parser.add_argument("--" + name.replace("_", "-"), type=int)
    parser.add_argument("--batches", help="ceiling: events a transaction, comma-separated (default 100,1000)")
    args = parser.parse_args(argv)
    base = SMOKE if args.smoke else Sizes()
    picked: dict[str, Any] = {
        k: getattr(args, k) for k in ("per_round", "ours_per_round", "rounds") if getattr(args, k)
    }
    if args.batches:
        picked["batches"] = tuple(int(b) for b in args.batches.split(","))
    sizes = Sizes(**{**base.__dict__, **picked})
    return 0 if asyncio.run(run(args.db_url, sizes)) else 1


if __name__ == "__main__":
    sys.exit(main())
