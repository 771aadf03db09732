"""The real `mockpanel run slack --http` process, configured only by environment variables,
against the fake Slack: a group round played to its leaderboard."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.adapters.slack.config import EVENTS_PATH
from tests.fakes.process import interrupt
from tests.fakes.slack_driver import SIGNING_SECRET, HttpTransport, SlackDriver
from tests.fakes.slack_fake import BOT_TOKEN, FakeSlack
from tests.fakes.slack_world import PROXY_VARIABLES, fake_slack

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.asynccontextmanager
async def mockpanel_process(
    fake: FakeSlack, tmp_path: Path, port: int, mode: tuple[str, ...] = ("--http",), **extra: str
) -> AsyncIterator[asyncio.subprocess.Process]:
    """`mode`: the arguments after `run slack` besides the port (Socket Mode: ()); `extra`:
    more environment variables."""
    env = {
        k: v for k, v in os.environ.items() if k not in PROXY_VARIABLES and not k.startswith(("SLACK_", "MOCKPANEL_"))
    }
    env.update(
        PYTHONPATH=str(ROOT),
        MOCKPANEL_DB=str(tmp_path / "process.db"),
        MOCKPANEL_LOG_LEVEL="INFO",
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=fake.api_url,
        SLACK_FILES_URL=fake.files_url,
        SLACK_HTTP_HOST="127.0.0.1",
    )
    env.update(extra)  # may replace any of those
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "slack", *mode, "--port", str(port),
        cwd=tmp_path, env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        yield process
    finally:
        await interrupt(process)


async def wait_until_listening(process: asyncio.subprocess.Process, until: str = "listening on") -> list[str]:
    assert process.stderr is not None
    seen: list[str] = []

    async def read() -> None:
        while True:
            line = (await process.stderr.readline()).decode()  # type: ignore[union-attr]
            if not line:
                raise AssertionError("mockpanel exited:\n" + "".join(seen))
            seen.append(line)
            if until in line:
                return

    await asyncio.wait_for(read(), 30)
    return seen


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    async with fake_slack() as started:
        yield started


async def test_the_real_process_plays_a_group_round_to_its_leaderboard(fake: FakeSlack, tmp_path: Path) -> None:
    port = free_port()
    async with mockpanel_process(fake, tmp_path, port) as process:
        log = await wait_until_listening(process)
        assert not any(BOT_TOKEN in line or SIGNING_SECRET in line for line in log), "secrets never reach the log"
        transport = HttpTransport(f"http://127.0.0.1:{port}{EVENTS_PATH}")
        d = SlackDriver(fake, transport)
        try:
            assert await d.command("UCOACH", "group start questions 1 answer 5m rate 3m lobby 2m") == 200
            lobby = await fake.wait_for(lambda: fake.titled("Group round"))
            for user in ("UALICE", "UBOB", "UCHEN"):
                assert await d.press(user, lobby[0], "join") == 200
            await fake.wait_for(lambda: len([m for m in fake.ephemerals if "joined" in m.content]) == 3)
            await d.command("UCOACH", "next")
            (question,) = await fake.wait_for(lambda: fake.titled("Question 1/1"))
            answers = {
                user: await d.reply(user, question.ts, f"{user}'s answer, with a result")
                for user in ("UALICE", "UBOB", "UCHEN")
            }
            await fake.wait_for(lambda: fake.titled("Rating open"))
            for rater, author, emoji in [
                ("UBOB", "UALICE", "five"), ("UCHEN", "UALICE", "four"), ("UALICE", "UBOB", "three"),
                ("UCHEN", "UBOB", "two"), ("UALICE", "UCHEN", "four"), ("UBOB", "UCHEN", "four"),
            ]:  # fmt: skip
                assert await d.react(rater, answers[author], emoji) == 200
            await d.command("UCOACH", "next")  # handled after the ratings: one channel, arrival order
            final = (await fake.wait_for(lambda: fake.titled("Final results")))[0]
            assert final.content.index("Alice") < final.content.index("Chen") < final.content.index("Bob")
            await d.command("UALICE", "leaderboard all community")
            board = (await fake.wait_for(lambda: fake.titled("Leaderboard")))[0]
        finally:
            await d.close()
    lines = board.content.splitlines()
    assert [line.split("*")[1] for line in lines if line[:1].isdigit()] == ["Alice", "Chen", "Bob"]
    assert "(1 answer, 2 ratings received)" in board.content
    assert all(c.token == BOT_TOKEN for c in fake.calls if c.method.startswith("chat."))


async def test_the_real_process_answers_malformed_requests_with_4xx_and_one_warning(
    fake: FakeSlack, tmp_path: Path
) -> None:
    port = free_port()
    hostile = [
        (b'{"type": "event_callback", ', "application/json", None),  # bad JSON
        (b"[1, 2]", "application/json", None),  # not an object
        (b"payload=%7Bnot-json", "application/x-www-form-urlencoded", None),
        (b'{"a": "\xff"}', "application/json", None),  # invalid UTF-8
        (b"text=help", "text/plain", None),
        (b"text=help", "application/x-www-form-urlencoded", "1.5"),  # a fractional timestamp
        (b"text=help", "application/x-www-form-urlencoded", "soon"),
    ]
    async with mockpanel_process(fake, tmp_path, port) as process:
        await wait_until_listening(process)
        transport = HttpTransport(f"http://127.0.0.1:{port}{EVENTS_PATH}")
        try:
            statuses = []
            for body, content_type, stamp in hostile:
                extra = {"X-Slack-Request-Timestamp": stamp} if stamp else {}
                statuses.append((await transport.raw(body, content_type, **extra))[0])
        finally:
            await transport.close()
    assert process.stderr is not None
    rest = (await process.stderr.read()).decode()
    assert statuses == [400, 400, 400, 400, 415, 401, 401]
    assert "Traceback" not in rest and " 500 " not in rest
    assert rest.count("refused a Slack request") == len(hostile)
    assert not fake.calls or {c.method for c in fake.calls} == {"auth.test"}
