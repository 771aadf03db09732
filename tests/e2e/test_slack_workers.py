"""`mockpanel run slack --workers N`: the parent process and its workers, as real processes
against the fake Slack (SQLite allows one worker; several are tested on PostgreSQL in
test_slack_workers_pg.py), and the one-line refusals."""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
from pathlib import Path

import aiohttp
import pytest

from bot.adapters.slack.workers import ops_ports
from bot.cli import main
from bot.config import Settings
from tests.e2e.test_slack_process import fake, free_port, mockpanel_process, wait_until_listening  # noqa: F401
from tests.fakes.slack_driver import HttpTransport, SlackDriver
from tests.fakes.slack_fake import FakeSlack

STARTED = re.compile(r"worker (\d+) started \(pid (\d+)\)")


def started_pids(lines: list[str]) -> list[int]:
    return [int(m.group(2)) for line in lines if (m := STARTED.search(line))]


async def healthz(port: int) -> int:
    async with aiohttp.ClientSession() as session, session.get(f"http://127.0.0.1:{port}/healthz") as response:
        return response.status


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def until_gone(pid: int, timeout: float = 10) -> None:
    """A process that is not our child can't be waited for: look, within a deadline."""

    async def watch() -> None:
        while alive(pid):
            await asyncio.sleep(0.02)

    await asyncio.wait_for(watch(), timeout)


@pytest.mark.parametrize(
    ("argv", "env", "said"),
    [
        (["--workers", "3", "--http"], {}, "--workers 3 needs PostgreSQL"),
        (["--workers", "x", "--http"], {}, "--workers is a whole number of worker processes, at least 1 (not 'x')"),
        (["--workers", "0"], {}, "at least 1 (not '0')"),
        (["--workers", "11"], {"MOCKPANEL_DB": "postgresql://u@127.0.0.1:1/db"}, "10 Socket Mode connections"),
        (
            ["--workers", "2", "--http", "--port", "3001"],
            {"MOCKPANEL_DB": "postgresql://u@127.0.0.1:1/db", "MOCKPANEL_HTTP_PORT": "3000"},
            "needs ports 3000-3001 free of Slack's --port 3001",
        ),
    ],
)
def test_what_workers_cannot_do_is_refused_in_one_line(
    argv: list[str],
    env: dict[str, str],
    said: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith(("MOCKPANEL_", "SLACK_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("MOCKPANEL_DB", str(tmp_path / "one.db"))
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "secret")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(["run", "slack", *argv]) == 2
    err = capsys.readouterr().err
    assert said in err and err.count("\n") == 1, err
    assert not (tmp_path / "one.db").exists(), "nothing was started"


async def test_the_parent_restarts_a_killed_worker_and_stops_cleanly_on_sigterm(
    fake: FakeSlack,  # noqa: F811
    tmp_path: Path,
) -> None:
    port = free_port()
    async with mockpanel_process(fake, tmp_path, port, ("--http", "--workers", "1")) as parent:
        seen = await wait_until_listening(parent)
        assert any("(worker 1/1, pid" in line for line in seen)
        (first,) = started_pids(seen)
        assert first != parent.pid and await healthz(port) == 200

        os.kill(first, signal.SIGKILL)  # a worker dies: the parent says so and starts another
        seen = await wait_until_listening(parent)
        assert any("exited unexpectedly with status -9; starting it again in 0.5 s" in line for line in seen)
        (second,) = started_pids(seen)
        assert second != first and await healthz(port) == 200
        d = SlackDriver(fake, HttpTransport(f"http://127.0.0.1:{port}/slack/events"))
        try:
            assert await d.command("UCOACH", "help") == 200  # the new worker does the work
            await fake.wait_for(lambda: fake.responses or fake.ephemerals, timeout=10)
        finally:
            await d.close()

        parent.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(parent.wait(), 12) == 0
        assert not alive(second), "the worker stopped before the parent exited"


async def test_a_worker_stops_by_itself_when_its_parent_is_killed(fake: FakeSlack, tmp_path: Path) -> None:  # noqa: F811
    port = free_port()
    async with mockpanel_process(fake, tmp_path, port, ("--http", "--workers", "1")) as parent:
        (worker,) = started_pids(await wait_until_listening(parent))
        parent.send_signal(signal.SIGKILL)
        await parent.wait()
        await until_gone(worker)  # no orphan left serving the port
    with pytest.raises(aiohttp.ClientConnectionError):
        await healthz(port)


@pytest.mark.parametrize(
    ("http_port", "ports"),
    [(None, [None, None, None]), (3000, [3000, 3000, 3000]), (8080, [8080, 8081, 8082]), (0, [0, 0, 0])],
)
def test_each_worker_gets_its_own_metrics_port_unless_they_share_slacks(
    http_port: int | None, ports: list[int | None]
) -> None:
    args = argparse.Namespace(port=3000, http=True)
    assert ops_ports(args, Settings(http_port=http_port), 3) == ports
