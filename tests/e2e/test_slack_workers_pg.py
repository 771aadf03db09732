"""Several real `mockpanel run slack --http` processes on one PostgreSQL database (issue 9's
Done-when): the fake Slack sends each request to a random process and each retry of an event to
another one (and treats some 200s as too late, so processes see redeliveries of each other's
work). A group, a blind and a panel round and a scheduled question of the day finish with every
timer fired once, no rating counted twice and every post delivered once; then one process is
killed with SIGKILL while its outbox holds a post, and the others finish the round on time and
deliver what it had left. Also `--workers 3` on one port."""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import signal
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from bot.adapters.slack.config import EVENTS_PATH
from bot.core.delivery import LEASE
from tests.e2e.test_slack_process import free_port, mockpanel_process, wait_until_listening
from tests.e2e.test_slack_workers import healthz, started_pids
from tests.fakes.slack_driver import HttpTransport, SlackDriver
from tests.fakes.slack_fake import APP_TOKEN, FakeSlack, Posted
from tests.fakes.slack_spread import SpreadSocketTransport, SpreadTransport
from tests.fakes.slack_world import fake_slack

PROCESSES = 3
BOARD_RATINGS = "SELECT SUM(received_n) FROM board WHERE scope = '*' AND period = 'all'"
PEOPLE = ("UALICE", "UBOB", "UCHEN")
STAGES = "answer 20s rate 10s lobby 10s"  # the shortest stages (10 s) where nothing else waits


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with fake_slack() as started:
        yield started


class Bots:
    """The running processes: their event URLs, and their logs read as they come (a full pipe
    would stop a process)."""

    def __init__(self) -> None:
        self.processes: list[asyncio.subprocess.Process] = []
        self.urls: list[str] = []
        self.logs: list[list[str]] = []
        self._readers: list[asyncio.Task[None]] = []

    def trouble(self) -> str:
        """What the processes warned of, for a failure's message."""
        return "".join(f"[{i}] {line}" for i, lines in enumerate(self.logs) for line in lines if "INFO" not in line)

    def read(self, process: asyncio.subprocess.Process, lines: list[str]) -> None:
        async def drain() -> None:
            assert process.stderr is not None
            while line := await process.stderr.readline():
                lines.append(line.decode())

        self._readers.append(asyncio.create_task(drain()))


@contextlib.asynccontextmanager
async def bots(fake: FakeSlack, tmp_path: Path, pg_url: str) -> AsyncIterator[Bots]:
    running = Bots()
    async with contextlib.AsyncExitStack() as stack:
        for i in range(PROCESSES):
            port = free_port()
            env = {"MOCKPANEL_DB": pg_url, "SLACK_API_URL": fake.api_url_of(str(i))}
            process = await stack.enter_async_context(mockpanel_process(fake, tmp_path, port, **env))
            lines = await wait_until_listening(process)
            running.processes.append(process)
            running.urls.append(f"http://127.0.0.1:{port}{EVENTS_PATH}")
            running.logs.append(lines)
            running.read(process, lines)
        yield running


async def query(pg_url: str, sql: str) -> Any:
    connection = await asyncpg.connect(pg_url)  # its query sets the test's search_path
    try:
        return await connection.fetchval(sql)
    finally:
        await connection.close()


async def query_all(pg_url: str, sql: str) -> list[tuple[Any, ...]]:
    connection = await asyncpg.connect(pg_url)  # its query sets the test's search_path
    try:
        return [tuple(r) for r in await connection.fetch(sql)]
    finally:
        await connection.close()


async def poll(probe: Callable[[], Awaitable[bool]], timeout: float) -> None:
    """The database has no events to wait on: look every few milliseconds, within a deadline."""

    async def watch() -> None:
        while not await probe():
            await asyncio.sleep(0.05)

    await asyncio.wait_for(watch(), timeout)


async def modal(fake: FakeSlack, callback: str, channel: str, after: int) -> dict[str, Any]:
    """The first `callback` modal for `channel` opened since `after` views had been opened."""

    def find() -> list[dict[str, Any]]:
        return [
            dict(o["view"]) for o in fake.opened_views[after:]
            if o["view"].get("callback_id") == callback
            and json.loads(o["view"].get("private_metadata") or "{}").get("channel") == channel
        ]  # fmt: skip

    return (await fake.wait_for(find, timeout=20))[0]


@dataclass
class World:
    d: SlackDriver
    fake: FakeSlack
    pg_url: str


async def titled(w: World, prefix: str, channel: str, timeout: float = 40) -> Posted:
    """The post, once its process has recorded it as sent: people react to what they see, and
    another process must find the message by its ts (see `recorded`)."""
    posted = (await w.fake.wait_for(lambda: w.fake.titled(prefix, channel), timeout))[0]
    await recorded(w, posted.ts)
    return posted


async def recorded(w: World, ts: str) -> None:
    sql = f"SELECT COUNT(*) FROM outbox WHERE message_id LIKE '%{ts}%' AND status = 'sent'"
    await poll(lambda: _is(query(w.pg_url, sql), 1), 20)


async def start_and_join(w: World, text: str, title: str, channel: str, people: tuple[str, ...]) -> Posted:
    """The organiser starts a round, people join by its button; its first question, once up."""
    await w.d.command("UCOACH", text, channel)
    lobby = await titled(w, title, channel)
    for user in people:
        assert await w.d.press(user, lobby, "join") == 200
    return await titled(w, "Question 1/1", channel)


async def group_round(w: World) -> int:
    """C1: three people answer and rate each other (6 ratings)."""
    d = w.d
    question = await start_and_join(w, f"group start questions 1 {STAGES}", "Group round", "C1", PEOPLE)
    answers = {u: await d.reply(u, question.ts, f"{u}'s answer, with a result", "C1") for u in PEOPLE}
    await titled(w, "Rating open", "C1")
    for rater, author, emoji in [("UBOB", "UALICE", "five"), ("UCHEN", "UALICE", "four"), ("UALICE", "UBOB", "three"),
                                 ("UCHEN", "UBOB", "two"), ("UALICE", "UCHEN", "four"), ("UBOB", "UCHEN", "four")]:  # fmt: skip
        assert await d.react(rater, answers[author], emoji, "C1") == 200
    await titled(w, "Final results", "C1")
    return 6


async def blind_round(w: World) -> int:
    """C2: answers in a modal, revealed together, one rating."""
    d, fake = w.d, w.fake
    start = f"group start blind questions 1 {STAGES}"
    question = await start_and_join(w, start, "Blind group round", "C2", ("UDARA", "UEVE"))
    for user in ("UDARA", "UEVE"):
        seen = len(fake.opened_views)
        await d.press(user, question, "answer")
        await d.submit(user, await modal(fake, "mock:answer", "C2", seen), text=f"{user}'s private answer")

    def reveals() -> list[Posted]:
        found = [m for m in fake.messages if m.channel == "C2" and "answered" in m.content]
        return found if len(found) == 2 else []

    revealed = await fake.wait_for(reveals)
    daras = next(m for m in revealed if "UDARA's private answer" in m.content)  # Eve rates Dara, not herself
    await recorded(w, daras.ts)
    await d.react("UEVE", daras.ts, "four", "C2")
    await titled(w, "Final results", "C2")
    return 1


async def panel_round(w: World) -> int:
    """C3: Bob is the candidate; one rating and one rubric feedback, his summary by DM."""
    d, fake = w.d, w.fake
    start = f"panel start <@UBOB|bob> case questions 1 {STAGES}"
    question = await start_and_join(w, start, "Panel round", "C3", ("UALICE", "UCHEN"))
    answer = await d.reply("UBOB", question.ts, "I'd segment the market, then size each segment.", "C3")
    rating = await titled(w, "Rating open", "C3")
    await d.react("UALICE", answer, "four", "C3")
    seen = len(fake.opened_views)
    await d.press("UCHEN", rating, "feedback")
    form = await modal(fake, "mock:feedback", "C3", seen)
    await d.submit("UCHEN", form, scores="structure: 2\nclarity: 4", keep="Calm", stop="Guessing", start="Segmenting")
    await fake.wait_for(lambda: any("Your panel feedback" in t for t in fake.private_to("UBOB")), timeout=40)
    return 1


async def scheduled_qotd(w: World) -> None:
    """C4: the question of the day at the next whole minute (UTC)."""
    d = w.d
    at = datetime.now(UTC) + timedelta(minutes=1 if datetime.now(UTC).second < 45 else 2)
    await d.command("UCOACH", f"qotd schedule {at:%H:%M} UTC daily", "C4")
    await titled(w, "Question of the day", "C4", timeout=150)


def posted_twice(fake: FakeSlack) -> list[tuple[str, str | None, str]]:
    seen = Counter((m.channel, m.thread_ts, m.content) for m in fake.messages)
    return [key for key, n in seen.items() if n > 1]


async def test_three_processes_on_one_database_play_every_kind_of_round_then_one_is_killed(
    slack: FakeSlack, tmp_path: Path, pg_url: str
) -> None:
    fake = slack
    rng = random.Random(9)
    async with bots(fake, tmp_path, pg_url) as running:
        spread = SpreadTransport(running.urls, rng, late_acks=0.2)
        d = SlackDriver(fake, spread)
        w = World(d, fake, pg_url)
        try:
            ratings = await asyncio.wait_for(
                asyncio.gather(group_round(w), blind_round(w), panel_round(w), scheduled_qotd(w)),
                200,
            )
            assert {r.endpoint for r in spread.routes} == set(range(PROCESSES)), "every process had work"
            assert any(r.retry for r in spread.routes), "and retries went to another process"
            sent = sum(r for r in ratings if r)
            rows = await query_all(
                pg_url,
                "SELECT a.channel_id, a.user_id, r.rater_id FROM ratings r JOIN answers a ON a.id = r.answer_id WHERE r.dimension = ''",
            )
            assert len(rows) == sent, f"{rows} {running.trouble()}"
            board = await query_all(pg_url, "SELECT user_id, scope, period, received_n FROM board WHERE period = 'all'")
            assert await query(pg_url, BOARD_RATINGS) == sent, f"0 ratings double counted on the boards: {board}"
            for channel in ("C1", "C2", "C3"):
                for title in ("Question 1/1", "Final results"):
                    assert len(fake.titled(title, channel)) == 1, f"{title} in {channel}: its timer fired once"
            assert len(fake.titled("Question of the day", "C4")) == 1
            assert not posted_twice(fake), "every post delivered once"

            # A process is killed with a post in its outbox: its chat.postMessage never returns.
            # It takes `group start`, so the lobby post is its own and its lane (C5) is held by it.
            victim, survivors = 0, [1, 2]
            fake.stalled.add((str(victim), "chat.postMessage"))
            await spread.close()
            d.transport = HttpTransport(running.urls[victim])
            assert await d.command("UCOACH", f"group start questions 1 {STAGES}", "C5") == 200
            await d.transport.close()
            pending = "SELECT COUNT(*) FROM outbox WHERE status = 'pending'"
            await poll(lambda: _is(query(pg_url, pending), 1), 20)  # the lobby post, committed, not sent
            d.transport = SpreadTransport([running.urls[i] for i in survivors], rng)
            for user in ("UALICE", "UBOB"):
                assert await d.command(user, "join", "C5") == 200
            running.processes[victim].send_signal(signal.SIGKILL)
            await running.processes[victim].wait()
            killed = time.monotonic()

            # The lobby timer fires elsewhere on time; its lane is taken over once the lease runs out.
            lobby = await titled(w, "Group round", "C5", timeout=LEASE.total_seconds() + 10)
            question = await titled(w, "Question 1/1", "C5", timeout=LEASE.total_seconds() + 10)
            took = time.monotonic() - killed
            answers = [await d.reply(u, question.ts, f"{u} answers in C5", "C5") for u in ("UALICE", "UBOB")]
            rating_open = await titled(w, "Rating open", "C5")
            await d.react("UBOB", answers[0], "five", "C5")
            await d.react("UALICE", answers[1], "three", "C5")
            final = await titled(w, "Final results", "C5", timeout=20)
        finally:
            await d.close()
    assert {c.via for c in fake.called("chat.postMessage") if c.params.get("channel") == "C5"} <= {"1", "2"}
    assert rating_open.thread_ts == question.ts and "5.00" in final.content and "3.00" in final.content
    assert took < LEASE.total_seconds() + 5, f"the question went out {took:.1f} s after the kill"
    assert float(lobby.ts) < float(question.ts), "the lane's order kept: the dead process's lobby post first"
    assert len(fake.titled("Rating open", "C5")) == 1 and len(fake.titled("Final results", "C5")) == 1
    assert not posted_twice(fake), "what the dead process had left went out once"
    assert await query(pg_url, BOARD_RATINGS) == sent + 2
    timers = await query_all(pg_url, "SELECT kind, channel_id FROM timers ORDER BY key")
    assert [t for t in timers if t[1] != "C4"] == [], f"no round's timer left: {timers}"


async def _is(value: Awaitable[Any], expected: int, at_least: bool = False) -> bool:
    got = int(await value)
    return got >= expected if at_least else got == expected


async def test_three_workers_share_one_port_and_stop_together(slack: FakeSlack, tmp_path: Path, pg_url: str) -> None:
    fake = slack
    # A fresh schema: the three workers migrate it together (the migrator's advisory lock).
    port = free_port()
    async with mockpanel_process(fake, tmp_path, port, ("--http", "--workers", "3"), MOCKPANEL_DB=pg_url) as parent:
        seen: list[str] = []
        for _ in range(3):
            seen += await wait_until_listening(parent)
        pids = started_pids(seen)
        assert len(set(pids)) == 3 and sum("(worker" in line and "listening on" in line for line in seen) == 3
        assert all([await healthz(port) == 200 for _ in range(20)])
        d = SlackDriver(fake, HttpTransport(f"http://127.0.0.1:{port}{EVENTS_PATH}"))
        try:
            for n in range(6):
                assert await d.command("UCOACH", "help", f"CH{n}") == 200
            await fake.wait_for(lambda: len(fake.responses) + len(fake.ephemerals) >= 6, timeout=20)
        finally:
            await d.close()
        parent.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(parent.wait(), 12) == 0


async def test_socket_mode_processes_share_the_envelopes_and_survive_one_killed(
    slack: FakeSlack, tmp_path: Path, pg_url: str
) -> None:
    """Two Socket Mode processes, one connection each; Slack spreads the envelopes over both,
    and after one is killed sends everything over the other."""
    fake = slack
    people = [f"UP{i}" for i in range(4)]
    for user in people:
        fake.add_user(user, f"Person {user[2:]}")
    d = SlackDriver(fake, SpreadSocketTransport(fake, random.Random(10)))
    env = {"MOCKPANEL_DB": pg_url, "SLACK_APP_TOKEN": APP_TOKEN}
    async with contextlib.AsyncExitStack() as stack:
        processes, logs = [], Bots()
        for i in range(2):
            env["SLACK_API_URL"] = fake.api_url_of(str(i))
            process = await stack.enter_async_context(mockpanel_process(fake, tmp_path, free_port(), (), **env))
            await wait_until_listening(process, "Socket Mode: connected")
            logs.read(process, [])
            processes.append(process)
        w = World(d, fake, pg_url)
        await d.command("UCOACH", "qotd post")
        question = await titled(w, "Question of the day", "C1")
        answers = {u: await d.reply(u, question.ts, f"{u} answers with a result") for u in people}
        await poll(lambda: _is(query(pg_url, "SELECT COUNT(*) FROM answers"), len(people)), 20)
        ratings = [(r, ts) for r in people for a, ts in answers.items() if a != r]
        for n, (rater, ts) in enumerate(ratings[:6]):
            await d.react(rater, ts, ("two", "four")[n % 2])
        assert {number for _, number in fake.carried} == {1, 2}, "envelopes went over both connections"

        processes[0].send_signal(signal.SIGKILL)
        await processes[0].wait()
        await fake.wait_for(lambda: len(fake.live_sockets()) == 1)
        for n, (rater, ts) in enumerate(ratings[6:]):
            await d.react(rater, ts, ("two", "four")[n % 2])
        await poll(lambda: _is(query(pg_url, "SELECT COUNT(*) FROM ratings"), len(ratings)), 30)
    assert await query(pg_url, BOARD_RATINGS) == len(ratings), "every rating counted once"
    assert len(fake.titled("Question of the day")) == 1
