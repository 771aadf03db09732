"""Benchmark: ratings in through the dispatcher, and leaderboard / weak-area reads at scale.

    cd /work/main && /work/venv/bin/python bench/ingest.py     # full sizes, a few minutes
    /work/venv/bin/python bench/ingest.py --smoke              # tiny sizes, a few seconds

Three parts, each printing figures (see bench/README.md for what they mean):

1. throughput: N reaction events through `Dispatcher.handle` into SQLite on a temp file, a
   bounded number in flight, against a raw aiosqlite loop (one upsert + one commit per row)
   over the same rows, in the same run;
2. latency: events fed on an open-loop schedule (default 1,000/s), arrival to commit;
3. reads: a database of 1,000,000 ratings over 100,000 users, built straight into the tables,
   then the top-10, one user's rank and a weak-area summary, timed through the store.

A benchmark, not a test: nothing here asserts a time. `--smoke` (and `--verify`) does check
one thing, that the synthetic database equals what the real write path builds from the same
answers and ratings, so the read figures are measured on data the bot could have written.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import aiosqlite
from scene import (
    NOW,
    SMOKE,
    TENANT,
    Scene,
    Sizes,
    drive,
    library,
    open_loop,
    seed_scene,
    spread,
)

from bot.core import scoring
from bot.core.analytics import summarise
from bot.core.clock import iso
from bot.core.events import ReactionAdded
from bot.core.ports import AnswerRecord, NewAnswer, RatingChange
from bot.core.rounds.ratings import DEFAULT_RATING_EMOJI
from bot.storage.batch import register_functions, score_sql
from bot.storage.sqlite import SqliteStore


async def open_scene(path: Path, answers: int, raters: int, big: Path | None = None) -> Scene[SqliteStore]:
    """On a fresh database, or on a copy of `big` (the read database: 1M ratings, 100k users
    in the same community), so the boards and indexes written to are full-sized."""
    if big is not None:
        shutil.copyfile(big, path)
        os.sync()  # the copy's 0.5 GB of writeback would otherwise land in the measurement
    return await seed_scene(await SqliteStore.open(str(path)), answers, raters)


def remove_db(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


_BASELINE_SCHEMA = (
    "CREATE TABLE ratings (tenant TEXT NOT NULL, answer_id INTEGER NOT NULL, rater_id TEXT NOT NULL,"
    " dimension TEXT NOT NULL, score INTEGER NOT NULL, created_at TEXT NOT NULL,"
    " PRIMARY KEY (answer_id, rater_id, dimension)) WITHOUT ROWID",
    "CREATE INDEX ratings_rater ON ratings (tenant, rater_id)",
)
_BASELINE_UPSERT = (
    "INSERT INTO ratings (tenant, answer_id, rater_id, dimension, score, created_at) VALUES (?, ?, ?, '', ?, ?)"
    " ON CONFLICT (answer_id, rater_id, dimension) DO UPDATE SET score = excluded.score"
)


def baseline_row(e: ReactionAdded) -> tuple[Any, ...]:
    """The rating an event carries, as the baseline stores it."""
    return (TENANT, int(e.message_id[1:]) + 1, e.user.user_id, DEFAULT_RATING_EMOJI.index(e.emoji) + 1, iso(NOW))


async def open_baseline(path: Path) -> aiosqlite.Connection:
    db = await aiosqlite.connect(str(path))
    for sql in ("PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", *_BASELINE_SCHEMA):
        await db.execute(sql)
    await db.commit()
    return db


async def run_baseline(db: aiosqlite.Connection, rows: list[tuple[Any, ...]]) -> float:
    """The naive way: one upsert and one commit per rating, awaited one after another."""
    started = time.perf_counter()
    for r in rows:
        await db.execute(_BASELINE_UPSERT, r)
        await db.commit()
    return time.perf_counter() - started


async def throughput(work: Path, sizes: Sizes, big: Path | None = None) -> None:
    """Ours on a fresh database, the baseline, and (with `big`) ours on a copy of the 1M-rating
    database take turns on the same events, round by round, so the machine's noise hits all."""
    rounds = 6 if sizes.events >= 6_000 else 1
    print(
        f"\n1. Throughput: {sizes.events:,} rating events, {sizes.in_flight} in flight; ours (fresh database"
        f"{', and on a copy of ' + big.name if big else ''}) and the baseline take turns,"
        f" {rounds} round{'s' if rounds > 1 else ''}"
    )
    answers, raters = 200, max(50, min(1_000, sizes.events // 20))
    scenes = [await open_scene(work / "throughput.db", answers, raters)]
    if big is not None:
        scenes.append(await open_scene(work / "throughput-big.db", answers, raters, big))
    base_db = await open_baseline(work / "baseline.db")
    warm = min(1_000, sizes.events // 10)
    warm_events = scenes[0].events(0, warm, "w")
    events = scenes[0].events(warm, sizes.events, "t")
    size = math.ceil(len(events) / rounds)
    chunks = [events[i : i + size] for i in range(0, len(events), size)]
    ours_time = [0.0] * len(scenes)
    base_time = 0.0
    by_round: list[list[float]] = []  # seconds per event: each scene's, then the baseline's
    refused = 0
    try:
        for scene in scenes:
            await drive(scene.dispatcher, warm_events, sizes.in_flight)
        await run_baseline(base_db, [baseline_row(e) for e in warm_events])
        batches = [scene.store.batches for scene in scenes]
        for chunk in chunks:
            per_event = []
            for i, scene in enumerate(scenes):
                elapsed, refusals = await drive(scene.dispatcher, chunk, sizes.in_flight)
                ours_time[i] += elapsed
                refused += refusals
                per_event.append(elapsed / len(chunk))
            base_elapsed = await run_baseline(base_db, [baseline_row(e) for e in chunk])
            base_time += base_elapsed
            by_round.append([*per_event, base_elapsed / len(chunk)])
        commits = scenes[0].store.batches - batches[0]
        stored = [await scene.ratings_stored() for scene in scenes]
    finally:
        for scene in scenes:
            await scene.store.close()
        await base_db.close()
    expected = min(warm + sizes.events, answers * raters)
    base = sizes.events / base_time
    labels = ["fresh database", f"copy of {big.name}" if big else ""]
    for i, label in enumerate(labels[: len(scenes)]):
        ours = sizes.events / ours_time[i]
        print(
            f"  ours, {label + ':':<20} Dispatcher.handle -> SqliteStore {ours:8,.0f} events/s   ({ours_time[i]:.2f} s)"
        )
    print(
        f"        {commits:,} commits, {2 * sizes.events / commits:.1f} writes per commit (2 per event);"
        f" refused {refused}; ratings stored {', '.join(f'{n:,}' for n in stored)} of {expected:,} expected"
    )
    print(f"  baseline: aiosqlite upsert + commit per row           {base:8,.0f} rows/s     ({base_time:.2f} s)")
    median_ratio = statistics.median(r[-1] / r[0] for r in by_round)
    print(f"  ratio ours (fresh) / baseline: median of {len(by_round)} rounds {median_ratio:.2f}   (target >= 2.0)")
    print("  by round (events/s, " + " / ".join(["fresh", "big"][: len(scenes)]) + " / baseline): "
          + "  ".join("/".join(f"{1 / t:,.0f}" for t in r) for r in by_round))  # fmt: skip
    print(f"  per event, fresh: median {statistics.median(r[0] for r in by_round) * 1e6:.1f} us")
    if len(scenes) > 1:
        grown = statistics.median(r[1] / r[0] for r in by_round)
        print(f"  per event, big database: median {statistics.median(r[1] for r in by_round) * 1e6:.1f} us")
        print(f"  per-event cost, big database / fresh: median of {len(by_round)} rounds {grown:.2f}   (target <= 1.2)")
    for name in ("throughput.db", "throughput-big.db", "baseline.db"):
        remove_db(work / name)


async def latency(work: Path, sizes: Sizes, big: Path | None = None) -> None:
    measured = max(1, round(sizes.rate * sizes.seconds))
    warm = max(1, round(sizes.rate * min(1.0, sizes.seconds)))
    where = f"on a copy of {big.name}" if big else "on a fresh database"
    print(
        f"\n2. Latency {where}: {sizes.rate:,.0f} events/s open loop for {sizes.seconds:g} s"
        f" ({measured:,} events, after {warm:,} warm-up events)"
    )
    scene = await open_scene(work / "latency.db", 200, max(50, (warm + measured) // 200 + 1), big)
    events = scene.events(0, warm + measured, "l")
    try:
        batches = scene.store.batches
        fed = await open_loop(scene.dispatcher, events, sizes.rate)
        commits = scene.store.batches - batches
    finally:
        await scene.store.close()
    fed.report(warm)
    print(
        f"  achieved {fed.achieved(warm):,.0f} events/s; {commits:,} commits for {len(events):,} events"
        "; target p99 <= 5 ms"
    )
    remove_db(work / "latency.db")


# --- 3: reads over a big database ---------------------------------------------------------------

CHANNELS = 8
DAYS = 56  # eight weeks of questions of the day, one a channel a day
LAST_DAY = NOW.date() - timedelta(days=1)


@dataclass(frozen=True)
class Round:
    id: int
    channel: str
    day: date
    question_id: str
    category: str

    @property
    def posted(self) -> datetime:
        return datetime(self.day.year, self.day.month, self.day.day, 9, tzinfo=UTC)

    def state(self) -> dict[str, Any]:
        return {
            "question_id": self.question_id,
            "category": self.category,
            "closes_at": iso(self.posted + timedelta(hours=24)),
            "scheduled_day": self.day.isoformat(),
        }


@dataclass(frozen=True)
class SynAnswer:
    id: int
    round: Round
    user: int
    at: datetime


@dataclass
class Synthetic:
    """A community's history: rounds, answers and ratings, in time order."""

    users: int
    rounds: list[Round]
    answers: list[SynAnswer]
    ratings: list[tuple[int, int, int, datetime]]  # answer id, rater, score, when

    def timeline(self) -> list[tuple[datetime, int, int]]:
        """(when, 0, answer id) and (when, 1, rating index), in the order they happened."""
        items = [(a.at, 0, a.id) for a in self.answers]
        items += [(r[3], 1, i) for i, r in enumerate(self.ratings)]
        items.sort()
        return items


def uid(user: int) -> str:
    return f"u{user:06d}"


def name(user: int) -> str:
    return f"User {user}"


def opted_out(user: int) -> bool:
    return user % 100 == 37  # one user in a hundred hides from the boards


def synthesise(users: int, ratings: int, seed: int = 7) -> Synthetic:
    """Answers and ratings with a realistic skew: a few members answer and rate a lot, most a
    little (about ten ratings a user on average); each member has a level and each category a
    bias, so weak areas differ; a rating comes within twelve hours of the answer."""
    rng = random.Random(seed)
    categories = sorted(library().categories)
    first = LAST_DAY - timedelta(days=DAYS - 1)
    rounds: list[Round] = []
    for d in range(DAYS):
        for c in range(CHANNELS):
            category = categories[rng.randrange(len(categories))]
            rounds.append(Round(len(rounds) + 1, f"ch{c}", first + timedelta(days=d), f"{category}-{d:03d}", category))

    def member() -> int:
        return min(users - 1, int(users * rng.random() ** 1.5))

    drafts: list[tuple[datetime, Round, int]] = []
    answered: set[tuple[int, int]] = set()
    for _ in range(max(1, ratings // 5)):
        for _attempt in range(20):
            user, round_ = member(), rounds[rng.randrange(len(rounds))]
            if (round_.id, user) not in answered:
                answered.add((round_.id, user))
                drafts.append((round_.posted + timedelta(seconds=rng.randrange(12 * 3600)), round_, user))
                break
    drafts.sort(key=lambda d: (d[0], d[1].id, d[2]))
    answers = [SynAnswer(i + 1, r, u, at) for i, (at, r, u) in enumerate(drafts)]

    level = [2.4 + 1.6 * ((u * 0.6180339887) % 1.0) for u in range(users)]
    bias = {c: (i % 5 - 2) * 0.25 for i, c in enumerate(categories)}
    rated: set[int] = set()
    out: list[tuple[int, int, int, datetime]] = []
    while len(out) < ratings and len(rated) < len(answers) * (users - 1):
        answer = answers[rng.randrange(len(answers))]
        rater = member()
        key = answer.id * users + rater
        if rater == answer.user or key in rated:
            continue
        rated.add(key)
        mean = level[answer.user] + bias[answer.round.category] * (1 if answer.user % 2 else -1)
        score = min(5, max(1, round(rng.gauss(mean, 0.9))))
        out.append((answer.id, rater, score, answer.at + timedelta(seconds=rng.randrange(60, 12 * 3600))))
    return Synthetic(users, rounds, answers, out)


def _period_keys(day: date, cache: dict[date, tuple[str, str, str]]) -> tuple[str, str, str]:
    if day not in cache:
        cache[day] = scoring.period_keys(datetime(day.year, day.month, day.day, tzinfo=UTC))
    return cache[day]


def write_direct(path: Path, syn: Synthetic) -> None:
    """Write `syn` straight into the tables with the aggregates the write path would keep: a
    replay of the rating rules in Python, then executemany in one transaction, with the
    secondary indexes built after the rows."""
    answer_text = "In my last role I led a migration under a deadline: the situation, the task, what I did, the result."
    by_id = {a.id: a for a in syn.answers}
    active: set[int] = set()
    streaks: dict[tuple[str, int], list[Any]] = {}
    streak_points: dict[int, int] = {}
    received: dict[int, list[int]] = {}
    given_daily: dict[tuple[int, date], int] = {}
    given: dict[tuple[int, str, date], int] = {}
    skills: dict[tuple[int, str, date], list[int]] = {}
    total = n = 0
    prior = scoring.DEFAULT_PRIOR_MEAN
    for _, kind, index in syn.timeline():
        if kind == 0:  # an answer: touches the author, extends a streak
            a = by_id[index]
            active.add(a.user)
            row = streaks.get((a.round.channel, a.user))
            length = 1
            if row is not None and row[1] == a.round.day - timedelta(days=1):
                length = row[0] + 1
            streaks[(a.round.channel, a.user)] = [length, a.round.day]
            streak_points[a.id] = scoring.streak_bonus(length)
            continue
        answer_id, rater, score, at = syn.ratings[index]
        a = by_id[answer_id]
        active.add(rater)
        tally = received.setdefault(answer_id, [0, 0])
        tally[0] += score
        tally[1] += 1
        skill = skills.setdefault((a.user, a.round.category, at.date()), [0, 0])
        skill[0] += 1
        skill[1] += score
        count = given_daily[(rater, at.date())] = given_daily.get((rater, at.date()), 0) + 1
        if count <= scoring.GIVEN_DAILY_CAP:
            given[(rater, a.round.channel, at.date())] = given.get((rater, a.round.channel, at.date()), 0) + 1
        total, n = total + score, n + 1
        live = scoring.prior_mean(total, n)
        if abs(live - prior) >= scoring.PRIOR_DRIFT:
            prior = live

    # Tallies by (user, channel, day), then onto every board that day counts for.
    tallies: dict[tuple[int, str, date], list[int]] = {}
    for a in syn.answers:
        rsum, rn = received.get(a.id, (0, 0))
        t = tallies.setdefault((a.user, a.round.channel, a.at.date()), [0, 0, 0, 0, 0])
        t[0] += 1
        t[1] += rsum
        t[2] += rn
        t[4] += streak_points[a.id]
    for (rater, channel, day), points in given.items():
        tallies.setdefault((rater, channel, day), [0, 0, 0, 0, 0])[3] += points
    board: dict[tuple[str, str, int], list[int]] = {}
    keys: dict[date, tuple[str, str, str]] = {}
    for (user, channel, day), t in tallies.items():
        for scope in scoring.scopes(channel):
            for period in _period_keys(day, keys):
                row = board.get((scope, period, user))
                if row is None:
                    board[(scope, period, user)] = list(t)
                else:
                    row[0] += t[0]
                    row[1] += t[1]
                    row[2] += t[2]
                    row[3] += t[3]
                    row[4] += t[4]

    users = sorted(active | {u for u in range(syn.users) if opted_out(u)})
    db = sqlite3.connect(path, isolation_level=None)
    register_functions(db)
    try:
        db.execute("PRAGMA journal_mode=OFF")
        db.execute("PRAGMA synchronous=OFF")
        db.execute("PRAGMA cache_size=-400000")
        db.execute("PRAGMA foreign_keys=OFF")
        indexes = db.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
            " AND tbl_name IN ('answers', 'ratings', 'board', 'rounds')"
        ).fetchall()
        triggers = db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").fetchall()
        db.execute("BEGIN")
        for index_name, _ in indexes:
            db.execute(f"DROP INDEX {index_name}")
        for trigger_name, _ in triggers:  # the rank counts are built once at the end instead
            db.execute(f"DROP TRIGGER {trigger_name}")
        db.execute(
            "INSERT INTO communities (tenant, config, rating_sum, rating_n, prior_mean) VALUES (?, '{}', ?, ?, ?)",
            (TENANT, total, n, prior),
        )
        db.executemany(
            "INSERT INTO users (tenant, user_id, display_name, opted_out) VALUES (?, ?, ?, ?)",
            ((TENANT, uid(u), name(u) if u in active else "", int(opted_out(u))) for u in users),
        )
        db.executemany(
            # version 1: created open, then closed once (each write of a round's state counts one)
            "INSERT INTO rounds (id, tenant, channel_id, kind, status, state, created_at, version)"
            " VALUES (?, ?, ?, 'qotd', 'closed', ?, ?, 1)",
            ((r.id, TENANT, r.channel, json.dumps(r.state()), iso(r.posted)) for r in syn.rounds),
        )
        db.executemany(
            "INSERT INTO answers (id, tenant, round_id, q_index, question_id, category, user_id, channel_id, message_id,"
            " text, created_at, hidden, withdrawn, streak_points) VALUES (?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, 0, 0, ?)",
            (
                (
                    a.id,
                    TENANT,
                    a.round.id,
                    a.round.question_id,
                    a.round.category,
                    uid(a.user),
                    a.round.channel,
                    f"m{a.id}",
                    answer_text,
                    iso(a.at),
                    streak_points[a.id],
                )
                for a in syn.answers
            ),
        )
        db.executemany(
            "INSERT INTO ratings (tenant, answer_id, rater_id, dimension, score, created_at) VALUES (?, ?, ?, '', ?, ?)",
            sorted((TENANT, r[0], uid(r[1]), r[2], iso(r[3])) for r in syn.ratings),
        )
        db.executemany(
            "INSERT INTO board (tenant, scope, period, user_id, answers, received_sum, received_n, given,"
            " streak_points, hidden) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            sorted((TENANT, s, p, uid(u), *v, int(opted_out(u))) for (s, p, u), v in board.items()),
        )
        db.execute(f"UPDATE board SET score = {score_sql()} WHERE tenant = ?", (prior, TENANT))
        db.execute(
            "INSERT INTO board_buckets (tenant, scope, period, bucket, n) SELECT tenant, scope, period,"
            " CAST(score AS INTEGER), COUNT(*) FROM board WHERE hidden = 0"
            " GROUP BY tenant, scope, period, CAST(score AS INTEGER)"
        )
        db.executemany(
            "INSERT INTO skills (tenant, user_id, area, day, n, total) VALUES (?, ?, ?, ?, ?, ?)",
            sorted((TENANT, uid(u), f"category:{c}", d.isoformat(), *v) for (u, c, d), v in skills.items()),
        )
        db.executemany(
            "INSERT INTO given_daily (tenant, user_id, day, n) VALUES (?, ?, ?, ?)",
            sorted((TENANT, uid(u), d.isoformat(), k) for (u, d), k in given_daily.items()),
        )
        db.executemany(
            "INSERT INTO streaks (tenant, channel_id, user_id, length, last_day) VALUES (?, ?, ?, ?, ?)",
            sorted((TENANT, c, uid(u), v[0], v[1].isoformat()) for (c, u), v in streaks.items()),
        )
        for _, sql in indexes + triggers:
            db.execute(sql)
        db.execute("COMMIT")
        db.execute("PRAGMA journal_mode=WAL")  # no ANALYZE: the bot never runs it, so plans stay its own
    finally:
        db.close()


async def replay(store: SqliteStore, syn: Synthetic) -> None:
    """The same history through the real write path, one write at a time (for --verify)."""
    for u in range(syn.users):
        if opted_out(u):
            await store.set_opt_out(TENANT, uid(u), True)
    for r in syn.rounds:
        assert await store.create_round(TENANT, r.channel, "qotd", r.state(), r.posted) == r.id
    by_id = {a.id: a for a in syn.answers}
    records: dict[int, AnswerRecord] = {}
    text = "In my last role I led a migration under a deadline: the situation, the task, what I did, the result."
    for _, kind, index in syn.timeline():
        if kind == 0:
            a = by_id[index]
            new = NewAnswer(
                TENANT,
                a.round.id,
                0,
                a.round.question_id,
                a.round.category,
                uid(a.user),
                name(a.user),
                a.round.channel,
                f"m{a.id}",
                text,
                a.at,
                streak_day=a.round.day,
                previous_streak_day=a.round.day - timedelta(days=1),
            )
            records[a.id] = await store.add_answer(new)
            assert records[a.id].id == a.id
        else:
            answer_id, rater, score, at = syn.ratings[index]
            assert await store.apply_rating(RatingChange(records[answer_id], uid(rater), name(rater), score, at))
    for r in syn.rounds:
        await store.save_round(r.id, "closed", r.state())


_COMPARED = {
    "users": "tenant, user_id",
    "rounds": "id",
    "answers": "id",
    "ratings": "answer_id, rater_id, dimension",
    "board": "tenant, scope, period, user_id",
    "skills": "tenant, user_id, area, day",
    "given_daily": "tenant, user_id, day",
    "streaks": "tenant, channel_id, user_id",
    "communities": "tenant",
    "board_buckets": "tenant, scope, period, bucket",
}


async def verify(work: Path, users: int, ratings: int) -> bool:
    """Build a small database both ways and compare every table the builder writes."""
    syn = synthesise(users, ratings, seed=11)
    direct_path, replay_path = work / "verify-direct.db", work / "verify-replay.db"
    store = await SqliteStore.open(str(direct_path), checkpoint=False)
    await store.close()
    write_direct(direct_path, syn)
    store = await SqliteStore.open(str(replay_path), checkpoint=False)
    try:
        await replay(store, syn)
    finally:
        await store.close()
    ok = True
    with sqlite3.connect(direct_path) as a, sqlite3.connect(replay_path) as b:
        for table, order in _COMPARED.items():
            # A rank bucket left empty keeps its row (n = 0): the same counts either way.
            where = " WHERE n > 0" if table == "board_buckets" else ""
            rows_a = a.execute(f"SELECT * FROM {table}{where} ORDER BY {order}").fetchall()
            rows_b = b.execute(f"SELECT * FROM {table}{where} ORDER BY {order}").fetchall()
            if rows_a != rows_b:
                ok = False
                diff = next((x, y) for x, y in zip([*rows_a, None], [*rows_b, None], strict=False) if x != y)
                print(f"  MISMATCH in {table}: {len(rows_a)} rows direct, {len(rows_b)} replayed; first: {diff}")
    print(
        f"  synthetic builder vs real write path ({users} users, {len(syn.ratings)} ratings): "
        f"{'identical' if ok else 'DIFFERENT'} ({', '.join(_COMPARED)})"
    )
    return ok


async def timed(reps: int, call: Callable[[], Awaitable[object]]) -> list[float]:
    for _ in range(min(50, reps)):
        await call()
    samples = []
    for _ in range(reps):
        started = time.perf_counter()
        await call()
        samples.append(time.perf_counter() - started)
    return samples


async def build_reads_db(work: Path, sizes: Sizes, reuse: Path | None) -> Path:
    print(f"\nRead database: {sizes.ratings:,} ratings over {sizes.users:,} users")
    path = reuse or work / "reads.db"
    if reuse is not None and reuse.exists():
        print(f"  reusing {reuse}")
    else:
        started = time.perf_counter()
        syn = synthesise(sizes.users, sizes.ratings)
        generated = time.perf_counter() - started
        store = await SqliteStore.open(str(path), checkpoint=False)
        await store.close()
        write_direct(path, syn)
        print(
            f"  built in {time.perf_counter() - started:.1f} s ({generated:.1f} s generating),"
            f" {path.stat().st_size / 2**20:,.0f} MiB"
        )
        del syn
    return path


async def reads(path: Path, sizes: Sizes) -> None:
    print(f"\n3. Reads: {sizes.ratings:,} ratings over {sizes.users:,} users, {sizes.reps:,} repetitions each")
    store = await SqliteStore.open(str(path))
    try:

        async def one(sql: str, *params: Any) -> Any:
            return (await store._fetch(sql, params))[0][0]

        week = scoring.period_key("week", NOW)
        counts = {
            p: await one(
                "SELECT COUNT(*) FROM board WHERE tenant = ? AND scope = '*' AND period = ? AND hidden = 0", TENANT, p
            )
            for p in ("all", week)
        }
        n_ratings = await one("SELECT COUNT(*) FROM ratings")
        n_board = await one("SELECT COUNT(*) FROM board")
        n_skills = await one("SELECT COUNT(*) FROM skills")
        print(
            f"  rows: ratings {n_ratings:,}, board {n_board:,}, skills {n_skills:,};"
            f" board '*'/all shows {counts['all']:,} users, '*'/{week} {counts[week]:,}"
        )

        async def middle(period: str) -> str:
            return str(
                await one(
                    "SELECT user_id FROM board WHERE tenant = ? AND scope = '*' AND period = ? AND hidden = 0"
                    " ORDER BY score DESC, user_id LIMIT 1 OFFSET ?",
                    TENANT,
                    period,
                    counts[period] // 2,
                )
            )

        typical, typical_week = await middle("all"), await middle(week)
        busiest = str(
            await one(
                "SELECT user_id FROM skills WHERE tenant = ? GROUP BY user_id ORDER BY COUNT(*) DESC LIMIT 1", TENANT
            )
        )
        today = NOW.date()

        async def weak_areas(user: str) -> object:
            return summarise(await store.skills(TENANT, user), today)

        rank = await store.board_row(TENANT, "*", "all", typical)
        assert rank is not None
        skill_rows = {u: len(await store.skills(TENANT, u)) for u in (typical, busiest)}
        reps = sizes.reps
        spread("top-10, '*' / all", await timed(reps, lambda: store.leaderboard(TENANT, "*", "all")))
        spread(f"top-10, 'c:ch0' / {week}", await timed(reps, lambda: store.leaderboard(TENANT, "c:ch0", week)))
        spread(
            f"rank, '*' / all, middle user (#{rank[1]:,})",
            await timed(reps, lambda: store.board_row(TENANT, "*", "all", typical)),
        )
        spread(
            f"rank, '*' / {week}, middle user",
            await timed(reps, lambda: store.board_row(TENANT, "*", week, typical_week)),
        )
        spread(f"weak areas, middle user ({skill_rows[typical]} rows)", await timed(reps, lambda: weak_areas(typical)))
        spread(f"weak areas, busiest user ({skill_rows[busiest]} rows)", await timed(reps, lambda: weak_areas(busiest)))
        print("  targets: top-10 <= 1 ms, rank <= 5 ms, weak areas <= 1 ms")
    finally:
        await store.close()


# --- main --------------------------------------------------------------------------------------


def parse(argv: Sequence[str] | None = None) -> tuple[Sizes, argparse.Namespace]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, a few seconds (CI)")
    parser.add_argument("--events", type=int, help="throughput: rating events (default 20,000)")
    parser.add_argument("--in-flight", type=int, help="throughput: events handled at once (default 100)")
    parser.add_argument("--rate", type=float, help="latency: events per second (default 1,000)")
    parser.add_argument("--seconds", type=float, help="latency: seconds to feed events (default 5)")
    parser.add_argument("--users", type=int, help="reads: users (default 100,000)")
    parser.add_argument("--ratings", type=int, help="reads: ratings (default 1,000,000)")
    parser.add_argument("--reps", type=int, help="reads: repetitions of each read (default 2,000)")
    parser.add_argument(
        "--only", choices=("throughput", "latency", "reads"), action="append", help="run only these parts"
    )
    parser.add_argument("--reads-db", type=Path, help="build the read database here, or reuse it if it exists")
    parser.add_argument(
        "--big", action="store_true", help="also run throughput and latency on a copy of the read database"
    )
    parser.add_argument("--verify", action="store_true", help="check the synthetic builder against the write path")
    parser.add_argument(
        "--db-url", help="run throughput and latency on this PostgreSQL server instead (in a schema of its own)"
    )
    parser.add_argument("--pool", type=int, default=10, help="PostgreSQL: the store's pool size (default 10)")
    parser.add_argument("--dir", type=Path, help="where to put the temporary databases (default: the system temp dir)")
    args = parser.parse_args(argv)
    base = SMOKE if args.smoke else Sizes()
    chosen = {k: getattr(args, k) for k in ("events", "in_flight", "rate", "seconds", "users", "ratings", "reps")}
    return Sizes(**{k: v if v is not None else getattr(base, k) for k, v in chosen.items()}), args


async def noise_probe() -> str:
    """How long one empty trip to an aiosqlite thread and back takes now, and the load: on a
    shared virtual machine both move a lot, and the baseline's speed moves with them."""
    async with aiosqlite.connect(":memory:") as db:
        trips = []
        for _ in range(1_000):
            started = time.perf_counter()
            await db.execute("SELECT 1")
            trips.append(time.perf_counter() - started)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"aiosqlite round trip median {statistics.median(trips) * 1e6:.0f} us; load average {load}"


async def main(argv: Sequence[str] | None = None) -> int:
    sizes, args = parse(argv)
    parts = args.only or ["throughput", "latency", "reads"]
    print(
        f"mockpanel ingest benchmark  {datetime.now(UTC):%Y-%m-%d %H:%M} UTC  python {sys.version.split()[0]}"
        f"  sqlite {sqlite3.sqlite_version}  {os.cpu_count()} cpus  {'smoke sizes' if args.smoke else ''}"
    )
    if args.db_url:
        import ingest_pg  # asyncpg only where it is used

        chosen = [p for p in parts if p in ("throughput", "latency")]
        return 0 if await ingest_pg.run(args.db_url, sizes, chosen, args.pool) or not args.smoke else 1
    ok = True
    with tempfile.TemporaryDirectory(prefix="mockpanel-bench-", dir=args.dir) as tmp:
        work = Path(tmp)
        print(f"databases in {work}; {await noise_probe()}")
        if args.smoke or args.verify:
            print("\n0. Check")
            ok = await verify(work, 150, 1_500)
        big = await build_reads_db(work, sizes, args.reads_db) if "reads" in parts or args.big else None
        if "throughput" in parts:
            await throughput(work, sizes, big if args.big else None)
        if "latency" in parts:
            await latency(work, sizes)
            if args.big and big is not None:
                await latency(work, sizes, big)
        if "reads" in parts and big is not None:
            await reads(big, sizes)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
