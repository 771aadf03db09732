"""Benchmark: how long rater calibration (bot.core.calibration.calibrate) takes on a community
of a given size, the work each calibrated read (/mock me, the calibrated board, /mock raters,
/mock report) needs; and, with `--events`, what that costs other communities: a `/mock me`
through the dispatcher on a real SQLite store holding ~20,000 shared ratings, with another
community's ratings written meanwhile. A benchmark, not a test: it asserts nothing.

    cd <checkout> && .venv/bin/python bench/calibration.py --answers 2000 --raters 3
    .venv/bin/python bench/calibration.py --answers 6667 --raters 3 --members 600    # ~ the 20,000 window
    .venv/bin/python bench/calibration.py --events --answers 6667 --members 600      # /mock me, cold and warm
    .venv/bin/python bench/calibration.py --events --answers 6667 --members 600 --one-connection  # reads wait
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta

from bot.core.banks import load_paths, shipped_bank_dir
from bot.core.calibration import Rated, calibrate
from bot.core.clock import FakeClock
from bot.core.dispatcher import Dispatcher
from bot.core.events import Actor, CommandInvoked
from bot.core.flows.context import Libraries
from bot.core.messages import Message, Notify
from bot.core.ports import AnswerRecord, NewAnswer, RatingChange
from bot.storage.sqlite import SqliteStore

BIG, OTHER = "bench:big", "bench:other"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def community(answers: int, per_answer: int, members: int, seed: int = 1) -> list[Rated]:
    rng = random.Random(seed)
    raters = [f"u{i}" for i in range(members)]
    leniency = {r: rng.gauss(0, 0.6) for r in raters}
    out = []
    for a in range(answers):
        quality = rng.uniform(1.5, 4.5)
        for r in rng.sample(raters, per_answer):
            out.append(Rated(a, "", r, min(5, max(1, round(quality + leniency[r] + rng.gauss(0, 0.7))))))
    return out


class NullOutbox:
    async def post(self, tenant: str, channel_id: str, message: Message, thread_id: str | None = None,
                   *, key: str | None = None) -> str:  # fmt: skip
        return "posted"

    async def notify(self, tenant: str, note: Notify, *, key: str | None = None) -> None:
        return None


def new_answer(tenant: str, round_id: int, q: int, user: str) -> NewAnswer:
    return NewAnswer(tenant=tenant, round_id=round_id, q_index=q, question_id="beh-001", category="behavioural",
                     user_id=user, display_name=user, channel_id="c1", message_id=f"m{q}", text="An answer.",
                     at=T0 + timedelta(seconds=q), hidden=False, counts_for_board=True)  # fmt: skip


async def fill(store: SqliteStore, ratings: list[Rated], members: int) -> None:
    """The synthetic community's answers and ratings, written as the bot writes them."""
    round_id = await store.create_round(BIG, "c1", "group", {}, T0)
    authors = [f"u{(a * 7) % members}" for a in range(max(r.answer_id for r in ratings) + 1)]
    answers: list[AnswerRecord] = []
    for start in range(0, len(authors), 500):
        answers += await asyncio.gather(*(store.add_answer(new_answer(BIG, round_id, q, authors[q]))
                                          for q in range(start, min(start + 500, len(authors)))))  # fmt: skip
    changes = [RatingChange(answers[r.answer_id], r.rater_id, r.rater_id, int(r.score), T0 + timedelta(hours=1))
               for r in ratings if r.rater_id != authors[r.answer_id]]  # fmt: skip
    for start in range(0, len(changes), 1000):
        await asyncio.gather(*(store.apply_rating(c) for c in changes[start : start + 1000]))


async def events(args: argparse.Namespace) -> None:
    ratings = community(args.answers, args.raters, args.members)
    with tempfile.TemporaryDirectory() as tmp:
        store = await SqliteStore.open(os.path.join(tmp, "bench.db"), separate_reads=not args.one_connection)
        try:
            started = time.perf_counter()
            await fill(store, ratings, args.members)
            other_round = await store.create_round(OTHER, "c1", "group", {}, T0)
            other = await store.add_answer(new_answer(OTHER, other_round, 0, "o1"))
            shared = len(await store.shared_ratings(BIG, 10**9))
            print(f"{shared:,} shared ratings written in {time.perf_counter() - started:.1f} s")
            dispatcher = Dispatcher(
                store, NullOutbox(), Libraries(load_paths([shipped_bank_dir()]), store), FakeClock()
            )
            ids = iter(range(10**9))

            async def me() -> float:
                event = CommandInvoked(event_id=f"me{next(ids)}", tenant=BIG, channel_id="c1",
                                       user=Actor("u1", "u1"), text="me")  # fmt: skip
                start = time.perf_counter()
                await dispatcher.handle(event)
                return (time.perf_counter() - start) * 1000

            async def other_rating(n: int) -> tuple[float, float]:
                # The other community's rating: the store read and write a reaction makes
                # (bot.core.flows.ratings): (the write's ms, the read's and the write's ms).
                start = time.perf_counter()
                await store.rating_target(OTHER, "m0")
                written = time.perf_counter()
                await store.apply_rating(RatingChange(other, f"r{n}", "r", 1 + n % 5, T0))
                end = time.perf_counter()
                return (end - written) * 1000, (end - start) * 1000

            async def during_me() -> tuple[float, list[tuple[float, float]]]:
                task = asyncio.create_task(me())
                waits = []
                n = 0
                while not task.done():
                    waits.append(await other_rating(n))
                    n += 1
                    await asyncio.sleep(0.002)  # a rating every few ms from the other community
                return await task, waits

            await me()  # the banks parsed, the statements prepared
            for label in ("cold", "warm", "warm"):
                if label == "cold":
                    await store.apply_rating(RatingChange(other, "x", "x", 3, T0))  # elsewhere: no effect
                    # A rating in the big community itself: any cache must miss.
                    await store.apply_rating(RatingChange(
                        await store.answer_by_message(BIG, "m0"), "fresh", "fresh", 4, T0))  # type: ignore[arg-type]  # fmt: skip
                took, waits = await during_me()
                writes, reactions = [w for w, _ in waits], [r for _, r in waits]
                print(f"/mock me ({label}): {took:.0f} ms; the other community's {len(waits)} ratings meanwhile: "
                      f"write median {statistics.median(writes):.1f} ms, max {max(writes):.0f} ms; "
                      f"read + write median {statistics.median(reactions):.1f} ms, max {max(reactions):.0f} ms")  # fmt: skip
        finally:
            await store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=2000)
    parser.add_argument("--raters", type=int, default=3, help="raters per answer")
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--events", action="store_true", help="through the dispatcher on a SQLite store")
    parser.add_argument("--one-connection", action="store_true",
                        help="with --events: the store's reads on its writer's connection, as before")  # fmt: skip
    args = parser.parse_args()
    with open("/proc/loadavg") as f:
        print(f"load average: {' '.join(f.read().split()[:3])}")
    if args.events:
        asyncio.run(events(args))
        return
    ratings = community(args.answers, args.raters, args.members)
    times = []
    for _ in range(args.runs):
        start = time.perf_counter()
        found = calibrate(ratings)
        times.append((time.perf_counter() - start) * 1000)
    print(f"{len(ratings):,} shared ratings, {len(found.raters)} raters: median {statistics.median(times):.0f} ms, "
          f"max {max(times):.0f} ms; {len(found.flagged())} listed")  # fmt: skip


if __name__ == "__main__":
    main()
