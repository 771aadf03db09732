"""What the ingest benchmark's parts share on either engine: the sizes, the scene (an open
question of the day and the rating events on its answers), driving events through the real
`Dispatcher.handle` with a bounded number in flight or on an open-loop schedule, and printing
spreads. bench/ingest.py (SQLite) and bench/ingest_pg.py (PostgreSQL) build on it."""

from __future__ import annotations

import asyncio
import math
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from bot.core.banks import Library, load_paths, shipped_bank_dir
from bot.core.clock import FakeClock, iso
from bot.core.dispatcher import Dispatcher
from bot.core.events import Actor, ReactionAdded
from bot.core.flows.context import Libraries
from bot.core.messages import Message, Notify
from bot.core.ports import NewAnswer
from bot.core.rounds.ratings import DEFAULT_RATING_EMOJI

if TYPE_CHECKING:
    from bot.storage.postgres import PostgresStore
    from bot.storage.sqlite import SqliteStore

S = TypeVar("S", "SqliteStore", "PostgresStore")

TENANT = "bench:community"
CHANNEL = "general"
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)  # a Sunday: the current week has six days of data
QUESTION = ("behavioural-001", "behavioural")


@dataclass(frozen=True)
class Sizes:
    events: int = 20_000  # throughput: rating events through the dispatcher
    in_flight: int = 100  # throughput: events being handled at once
    rate: float = 1_000.0  # latency: events per second, open loop
    seconds: float = 5.0  # latency: how long to feed at that rate (after a 1 s warm-up)
    users: int = 100_000  # reads: users in the community
    ratings: int = 1_000_000  # reads: ratings in the database
    reps: int = 2_000  # reads: repetitions of each timed read


SMOKE = Sizes(events=400, in_flight=20, seconds=0.3, users=400, ratings=4_000, reps=20)


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    return sorted_values[max(0, math.ceil(q / 100 * len(sorted_values)) - 1)]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:7.3f} ms"


def spread(label: str, samples: list[float]) -> None:
    s = sorted(samples)
    print(
        f"  {label:<44} median {ms(statistics.median(s))}   p99 {ms(percentile(s, 99))}   max {ms(s[-1])}"
        f"   (n={len(s)})"
    )


_LIBRARY: Library | None = None


def library() -> Library:
    global _LIBRARY
    if _LIBRARY is None:
        _LIBRARY = load_paths([shipped_bank_dir()])
    return _LIBRARY


class NullOutbox:
    """An outbox that sends nothing (ratings post nothing; this is for the Outbox protocol)."""

    def __init__(self) -> None:
        self.sent = 0

    async def post(
        self, tenant: str, channel_id: str, message: Message, thread_id: str | None = None, *, key: str | None = None
    ) -> str:
        self.sent += 1
        return f"p{self.sent}"

    async def notify(self, tenant: str, note: Notify, *, key: str | None = None) -> None:
        self.sent += 1


@dataclass
class Scene(Generic[S]):
    """An open question of the day with `answers` answers that `raters` other users rate."""

    store: S
    dispatcher: Dispatcher
    answers: int
    raters: int
    round_id: int

    def events(self, first: int, count: int, prefix: str) -> list[ReactionAdded]:
        """Rating events first..first+count: each (answer, rater) pair once, then again with a
        different emoji, so every event changes a rating and counts."""
        pairs = self.answers * self.raters
        actors = [Actor(user_id=f"rater{r}", display_name=f"Rater {r}") for r in range(self.raters)]
        out = []
        for i in range(first, first + count):
            pair, cycle = i % pairs, i // pairs
            out.append(
                ReactionAdded(
                    event_id=f"{prefix}{i}",
                    tenant=TENANT,
                    channel_id=CHANNEL,
                    user=actors[pair // self.answers],
                    message_id=f"s{pair % self.answers}",
                    emoji=DEFAULT_RATING_EMOJI[(pair + cycle) % 5],
                    order=(i,),  # as a platform's clock gives it: the real ordered path
                )
            )
        return out

    async def ratings_stored(self) -> int:
        rows = await self.store._fetch(
            "SELECT COUNT(*) FROM ratings r JOIN answers a ON a.id = r.answer_id WHERE a.round_id = ?", (self.round_id,)
        )
        return int(rows[0][0])


async def seed_scene(store: S, answers: int, raters: int) -> Scene[S]:
    """The question and its answers, written through the store (on either engine)."""
    dispatcher = Dispatcher(store, NullOutbox(), Libraries(library(), store), FakeClock(NOW))
    question_id, category = QUESTION
    state = {
        "question_id": question_id,
        "category": category,
        "closes_at": iso(NOW + timedelta(hours=24)),
        "scheduled_day": NOW.date().isoformat(),
    }
    round_id = await store.create_round(TENANT, CHANNEL, "qotd", state, NOW)
    await asyncio.gather(
        *(
            store.add_answer(
                NewAnswer(
                    TENANT,
                    round_id,
                    0,
                    question_id,
                    category,
                    f"author{a}",
                    f"Author {a}",
                    CHANNEL,
                    f"s{a}",
                    f"Answer number {a}, with a situation, a task, an action and a result.",
                    NOW,
                )
            )
            for a in range(answers)
        )
    )
    return Scene(store, dispatcher, answers, raters, round_id)


async def drive(dispatcher: Dispatcher, events: list[ReactionAdded], in_flight: int) -> tuple[float, int]:
    """Handle every event with at most `in_flight` at once; returns (seconds, events that got a
    reply, which for a rating means it did not count)."""
    queue = iter(events)
    refused = 0

    async def worker() -> None:
        nonlocal refused
        for event in queue:
            if await dispatcher.handle(event):
                refused += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(in_flight)))
    return time.perf_counter() - started, refused


@dataclass
class OpenLoop:
    """When each event of an open-loop feed was due, started and done (perf_counter seconds)."""

    arrival: list[float]
    began: list[float]
    done: list[float]

    def report(self, warm: int) -> None:
        n = len(self.done)
        spread("arrival -> commit (scheduled arrival)", [self.done[i] - self.arrival[i] for i in range(warm, n)])
        spread("handle() start -> commit", [self.done[i] - self.began[i] for i in range(warm, n)])

    def achieved(self, warm: int) -> float:
        """Events per second over the measured part."""
        return (len(self.done) - warm) / (self.done[-1] - self.arrival[warm])


async def open_loop(dispatcher: Dispatcher, events: list[ReactionAdded], rate: float) -> OpenLoop:
    """Event i is started at t0 + i/rate however slowly earlier ones finish, so a stall shows
    up as a queue, not as fewer events."""
    n = len(events)
    fed = OpenLoop([0.0] * n, [0.0] * n, [0.0] * n)
    loop = asyncio.get_running_loop()
    tasks: set[asyncio.Task[Any]] = set()

    async def one(i: int) -> None:
        fed.began[i] = time.perf_counter()
        await dispatcher.handle(events[i])
        fed.done[i] = time.perf_counter()

    start = time.perf_counter() + 0.01
    for i in range(n):
        fed.arrival[i] = start + i / rate
        delay = fed.arrival[i] - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        task = loop.create_task(one(i))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    while tasks:
        await asyncio.gather(*tasks)
    return fed
