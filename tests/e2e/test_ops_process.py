"""Operating the real `mockpanel run slack` process: /metrics after a group round counts that
round's events, ratings and posts; /readyz follows the Socket Mode connection; SIGTERM in the
middle of a round exits 0 within 10 s, and after a restart the round finishes with nothing lost."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
import time
from pathlib import Path

import aiohttp

from bot.adapters.slack.config import EVENTS_PATH
from tests.e2e.test_slack_process import ROOT, fake, free_port, mockpanel_process, wait_until_listening  # noqa: F401
from tests.fakes import discord_model as model
from tests.fakes.discord_fake import FakeDiscord
from tests.fakes.process import interrupt
from tests.fakes.slack_driver import HttpTransport, SlackDriver
from tests.fakes.slack_fake import APP_TOKEN, FakeSlack, Posted

PLAYERS = ("UALICE", "UBOB", "UCHEN")
RATINGS = [
    ("UBOB", "UALICE", "five"), ("UCHEN", "UALICE", "four"), ("UALICE", "UBOB", "three"),
    ("UCHEN", "UBOB", "two"), ("UALICE", "UCHEN", "four"), ("UBOB", "UCHEN", "four"),
]  # fmt: skip


async def get(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        return response.status, await response.text()


def sample(exposition: str, name: str, **labels: str) -> float:
    """One sample's value from the Prometheus text format (0 when absent)."""
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in exposition.splitlines():
        match = re.fullmatch(rf"{re.escape(name)}(?:\{{(.*)\}})? (\S+)", line)
        if match and ",".join(sorted((match.group(1) or "").split(","))) == wanted:
            return float(match.group(2))
    return 0.0


async def start_round(d: SlackDriver, slack: FakeSlack) -> dict[str, str]:
    """Lobby, three players, question 1 and their answers; returns the answers' ts by player."""
    assert await d.command("UCOACH", "group start questions 1 answer 5m rate 3m lobby 2m") == 200
    lobby = (await slack.wait_for(lambda: slack.titled("Group round")))[0]
    for user in PLAYERS:
        assert await d.press(user, lobby, "join") == 200
    await slack.wait_for(lambda: len([m for m in slack.ephemerals if "joined" in m.content]) == 3)
    await d.command("UCOACH", "next")
    question: Posted = (await slack.wait_for(lambda: slack.titled("Question 1/1")))[0]
    answers = {user: await d.reply(user, question.ts, f"{user}'s answer, with a result") for user in PLAYERS}
    await slack.wait_for(lambda: slack.titled("Rating open"))
    return answers


async def rate(d: SlackDriver, answers: dict[str, str], ratings: list[tuple[str, str, str]]) -> None:
    for rater, author, emoji in ratings:
        assert await d.react(rater, answers[author], emoji) == 200


async def finish(d: SlackDriver, slack: FakeSlack) -> Posted:
    await d.command("UCOACH", "next")
    return (await slack.wait_for(lambda: slack.titled("Final results")))[0]


async def test_metrics_count_the_rounds_events_ratings_and_posts(fake: FakeSlack, tmp_path: Path) -> None:  # noqa: F811
    port = free_port()  # HTTP mode: /metrics shares Slack's port
    async with mockpanel_process(fake, tmp_path, port, MOCKPANEL_LOG_FORMAT="json") as process:
        log = await wait_until_listening(process)
        d = SlackDriver(fake, HttpTransport(f"http://127.0.0.1:{port}{EVENTS_PATH}"))
        try:
            answers = await start_round(d, fake)
            await rate(d, answers, RATINGS)
            final = await finish(d, fake)
            seen = len(fake.called("chat.postMessage"))  # private summaries may still be going out
            status, health = await get(f"http://127.0.0.1:{port}/healthz")
            ready, body = await get(f"http://127.0.0.1:{port}/readyz")
            status_m, text = await get(f"http://127.0.0.1:{port}/metrics")

            async def caught_up() -> str:  # the last post's answer may still be on its way back
                while True:
                    _, text = await get(f"http://127.0.0.1:{port}/metrics")
                    if (
                        sample(text, "mockpanel_platform_api_calls_total", platform="slack", method="chat.postMessage")
                        >= seen
                    ):
                        return text
                    await asyncio.sleep(0.05)

            text = await asyncio.wait_for(caught_up(), 10)
        finally:
            await d.close()
    assert final.content.index("Alice") < final.content.index("Chen") < final.content.index("Bob")
    assert (status, health, ready, status_m) == (200, "ok", 200, 200), body
    assert sample(text, "mockpanel_events_total", type="ReactionAdded", outcome="ok") == len(RATINGS)
    assert sample(text, "mockpanel_events_total", type="ButtonPressed", outcome="ok") == len(PLAYERS)
    assert sample(text, "mockpanel_events_total", type="MessagePosted", outcome="ok") == len(PLAYERS)
    assert sample(text, "mockpanel_events_total", type="CommandInvoked", outcome="ok") == 3
    assert sample(text, "mockpanel_event_handling_seconds_count", type="ReactionAdded") == len(RATINGS)
    assert sample(text, "mockpanel_deliveries_total", kind="post", outcome="delivered") >= 3  # lobby, question, results
    counted = sample(text, "mockpanel_platform_api_calls_total", platform="slack", method="chat.postMessage")
    assert 3 <= seen <= counted <= len(fake.called("chat.postMessage"))
    assert sample(text, "mockpanel_db_transaction_seconds_count") >= len(RATINGS)
    assert sample(text, "mockpanel_rounds_running") == 0  # finished
    assert sample(text, "mockpanel_outbox_backlog") == 0
    assert all(line.startswith("{") for line in log), "MOCKPANEL_LOG_FORMAT=json: one JSON object per line"


async def until_status(url: str, wanted: int, timeout: float = 20) -> str:
    """Poll an endpoint until it answers `wanted` (the process's state is only visible there)."""

    async def poll() -> str:
        while True:
            status, body = await get(url)
            if status == wanted:
                return body
            await asyncio.sleep(0.05)

    return await asyncio.wait_for(poll(), timeout)


async def test_discord_readyz_follows_the_gateway_and_metrics_count_rest_calls(tmp_path: Path) -> None:
    discord = FakeDiscord()
    await discord.start()
    discord.add_guild("Study Group", model.user("Coach"))
    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), "DISCORD_TOKEN": discord.token,
        "DISCORD_API_BASE": discord.api_base, "DISCORD_GATEWAY_URL": discord.gateway_url,
        "MOCKPANEL_DB": str(tmp_path / "bot.db"), "MOCKPANEL_HTTP_PORT": str(port), "MOCKPANEL_LOG_LEVEL": "WARNING",
    }  # fmt: skip
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "discord", cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    ready = f"http://127.0.0.1:{port}/readyz"
    try:
        await asyncio.wait_for(discord.gateway.wait_handshake(), 30)
        assert '"discord": "connected"' in await until_status(ready, 200)
        async with discord.gateway.outage(resume=True):
            assert '"discord": "not connected"' in await until_status(ready, 503)
        assert '"discord": "connected"' in await until_status(ready, 200)
        _, text = await get(f"http://127.0.0.1:{port}/metrics")
    finally:
        await interrupt(process)
        assert process.stderr is not None
        errors = (await process.stderr.read()).decode()
        await discord.close()
    assert sample(text, "mockpanel_platform_api_calls_total", platform="discord", method="GET /users/@me") >= 1
    assert sample(text, "mockpanel_connected", platform="discord") == 1
    assert "PyNaCl" not in errors and "WARNING" not in errors and "Traceback" not in errors, errors


async def test_readyz_follows_the_socket_mode_connection(fake: FakeSlack, tmp_path: Path) -> None:  # noqa: F811
    port, ops_port = free_port(), free_port()
    async with mockpanel_process(
        fake, tmp_path, port, (), SLACK_APP_TOKEN=APP_TOKEN, MOCKPANEL_HTTP_PORT=str(ops_port)
    ) as process:
        await wait_until_listening(process, "Slack Socket Mode: connected")
        url = f"http://127.0.0.1:{ops_port}/readyz"
        status, body = await get(url)
        assert status == 200, body
        # The socket goes away and Slack does not hand out a new one for now.
        fake.gates["apps.connections.open"] = asyncio.Event()
        for ws in list(fake.sockets):
            await ws.close()
        await fake.wait_for(lambda: fake.called("apps.connections.open")[1:], timeout=20)
        status, body = await get(url)
        assert status == 503 and '"slack": "not connected"' in body, body
        assert (await get(f"http://127.0.0.1:{ops_port}/healthz"))[0] == 200  # alive all the same
        _, text = await get(f"http://127.0.0.1:{ops_port}/metrics")
        assert sample(text, "mockpanel_connected", platform="slack") == 0
        fake.gates.pop("apps.connections.open").set()
        assert '"slack": "connected"' in await until_status(url, 200)


async def test_sigterm_mid_round_exits_0_within_10_s_and_the_round_finishes(fake: FakeSlack, tmp_path: Path) -> None:  # noqa: F811
    port = free_port()
    d = SlackDriver(fake, HttpTransport(f"http://127.0.0.1:{port}{EVENTS_PATH}"))
    try:
        async with mockpanel_process(fake, tmp_path, port) as process:
            await wait_until_listening(process)
            answers = await start_round(d, fake)
            await rate(d, answers, RATINGS[:3])
            process.send_signal(signal.SIGTERM)
            started = time.monotonic()
            code = await asyncio.wait_for(process.wait(), 10)
            took = time.monotonic() - started
            assert process.stderr is not None
            rest = (await process.stderr.read()).decode()
        assert code == 0 and took < 10, rest
        assert "Traceback" not in rest and "stopped; work in flight was finished" in rest
        assert "WARNING" not in rest, "no start-up warning anyone could do something about"
        async with mockpanel_process(fake, tmp_path, port) as process:
            await wait_until_listening(process)
            await rate(d, answers, RATINGS[3:])
            final = await finish(d, fake)
            await d.command("UALICE", "leaderboard all community")
            board = (await fake.wait_for(lambda: fake.titled("Leaderboard")))[0]
    finally:
        await d.close()
    assert final.content.index("Alice") < final.content.index("Chen") < final.content.index("Bob")
    assert "(1 answer, 2 ratings received)" in board.content
    assert len(fake.titled("Question 1/1")) == 1 and len(fake.titled("Final results")) == 1, "nothing sent twice"
