"""Nothing acknowledged is lost: about 1,000 signed rating events go to the real
`mockpanel run slack --http` process, which is killed with SIGKILL and stopped with SIGTERM in
the middle. Every event that got a 200 is handled exactly once after the restarts; those that
got no answer are sent again, as Slack retries them."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sqlite3
from collections.abc import Callable
from pathlib import Path

import aiohttp

from bot.adapters.slack.config import EVENTS_PATH
from tests.e2e.test_slack_process import fake, free_port, mockpanel_process, wait_until_listening  # noqa: F401
from tests.fakes.slack_driver import HttpTransport, SlackDriver
from tests.fakes.slack_fake import FakeSlack

PEOPLE = [f"UP{i:02d}" for i in range(32)]  # 32 answers x 31 raters = 992 rating events
EMOJI = ("one", "two", "three", "four", "five")


async def poll_until(probe: Callable[[], bool], timeout: float = 30) -> None:
    """The process's database is the only thing to watch here (ratings make no Slack call),
    so look at it every few milliseconds, within a deadline."""

    async def watch() -> None:
        while not probe():
            await asyncio.sleep(0.02)

    await asyncio.wait_for(watch(), timeout)


def count(db: Path, sql: str) -> int:
    with contextlib.closing(sqlite3.connect(db)) as connection:
        return int(connection.execute(sql).fetchone()[0])


async def send_all(d: SlackDriver, events: list[tuple[str, dict[str, object]]]) -> tuple[list[str], list[str]]:
    """Send events 20 at a time; returns the ids that got a 200 and those that got nothing."""
    acked: list[str] = []
    lost: list[str] = []

    async def one(event_id: str, event: dict[str, object]) -> None:
        try:
            status = await d.event(event, event_id)
        except (aiohttp.ClientError, OSError):
            status = 0
        (acked if status == 200 else lost).append(event_id)

    for start in range(0, len(events), 20):
        await asyncio.gather(*(one(event_id, event) for event_id, event in events[start : start + 20]))
    return acked, lost


async def test_every_acknowledged_rating_survives_a_kill_and_a_sigterm(fake: FakeSlack, tmp_path: Path) -> None:  # noqa: F811
    for user in PEOPLE:
        fake.add_user(user, f"Person {user[2:]}")
    db = tmp_path / "process.db"
    port = free_port()
    events: list[tuple[str, dict[str, object]]] = []
    d = SlackDriver(fake, HttpTransport(f"http://127.0.0.1:{port}{EVENTS_PATH}"))
    try:
        async with mockpanel_process(fake, tmp_path, port) as process:
            await wait_until_listening(process)
            assert await d.command("UCOACH", "qotd post") == 200
            (question,) = await fake.wait_for(lambda: fake.titled("Question of the day"))
            answers = {user: await d.reply(user, question.ts, f"{user} answers with a result") for user in PEOPLE}
            await poll_until(lambda: count(db, "SELECT COUNT(*) FROM answers") == len(PEOPLE))
            for n, (rater, (_author, ts)) in enumerate(
                (rater, item) for rater in PEOPLE for item in answers.items() if item[0] != rater
            ):
                events.append((f"EvR{n:05d}", d.reaction(rater, ts, EMOJI[n % 5])))
            third = len(events) // 3

            # 1. SIGKILL in the middle of the first third.
            sending = asyncio.ensure_future(send_all(d, events[:third]))
            await poll_until(lambda: count(db, "SELECT COUNT(*) FROM ratings") > third // 2)
            process.send_signal(signal.SIGKILL)
            acked, lost = await sending
            await process.wait()
        async with mockpanel_process(fake, tmp_path, port) as process:
            await wait_until_listening(process)
            # 2. SIGTERM in the middle of the second third; the process exits 0.
            sending = asyncio.ensure_future(send_all(d, events[third : 2 * third]))
            await poll_until(lambda: count(db, "SELECT COUNT(*) FROM ratings") > third + third // 2)
            process.send_signal(signal.SIGTERM)
            more_acked, more_lost = await sending
            try:
                assert await asyncio.wait_for(process.wait(), 10) == 0
            except TimeoutError:
                process.kill()
                assert process.stderr is not None
                raise AssertionError((await process.stderr.read()).decode()[:6000]) from None
            acked += more_acked
            lost += more_lost
        async with mockpanel_process(fake, tmp_path, port) as process:
            await wait_until_listening(process)
            # 3. The rest, and Slack's retries of whatever got no answer.
            by_id = dict(events)
            rest_acked, rest_lost = await send_all(d, events[2 * third :] + [(i, by_id[i]) for i in lost])
            assert not rest_lost
            acked += rest_acked
            # A command in the same channel is handled after every queued rating.
            assert await d.command("UCOACH", "leaderboard all channel") == 200
            await fake.wait_for(lambda: fake.titled("Leaderboard"), timeout=60)
            await poll_until(lambda: count(db, "SELECT COUNT(*) FROM inbox") == 0)
    finally:
        await d.close()
    assert set(acked) == {event_id for event_id, _ in events}
    assert count(db, "SELECT COUNT(*) FROM ratings") == len(events), "every acknowledged rating counted once"
    assert count(db, "SELECT SUM(received_n) FROM board WHERE scope = '*' AND period = 'all'") == len(events)
