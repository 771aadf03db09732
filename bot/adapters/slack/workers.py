"""`mockpanel run slack --workers N`: a parent process that runs N full bot processes (each its
own event loop, database pool, delivery loop and scheduler) and looks after them.

In HTTP mode every worker listens on the same host:port with SO_REUSEPORT, so the kernel spreads
Slack's connections over them; in Socket Mode each worker opens its own connection and Slack
spreads the envelopes (an app may hold up to 10). The workers share one PostgreSQL database,
which is what makes them safe together: the per-channel turn, the timers, the outbox and the
inbox are claimed there. The parent forwards SIGTERM and SIGINT, waits for every worker, and
starts a worker that died unexpectedly again after a pause that grows while it keeps dying.

A worker notices when its parent is gone (its stdin, a pipe from the parent, reaches its end)
and stops cleanly, so a parent killed with SIGKILL leaves no orphans serving the port."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import sys
import time
from dataclasses import dataclass

from bot.adapters.slack.config import SlackConfig
from bot.config import Settings, is_postgres_url
from bot.core.errors import MockpanelError

log = logging.getLogger("mockpanel.workers")
WORKER_ENV = "MOCKPANEL_SLACK_WORKER"  # "i/N": set by the parent in each worker's environment
STOP_WITHIN = 10.0  # seconds every worker gets after SIGTERM; stragglers get SIGKILL
FIRST_PAUSE = 0.5  # seconds before a worker that died is started again; doubles while it keeps dying
LONGEST_PAUSE = 30.0
STEADY = 60.0  # seconds a worker must have run for its next death to count as a first one
SOCKET_MODE_CONNECTIONS = 10  # what Slack allows one app


def workers_wanted(text: str | None) -> int | None:
    """`--workers`: None (not given, one plain process) or a whole number of at least 1."""
    if text is None:
        return None
    if not text.strip().isdigit() or int(text) < 1:
        raise MockpanelError(f"--workers is a whole number of worker processes, at least 1 (not {text!r}).")
    return int(text)


def check(args: argparse.Namespace, settings: Settings, workers: int) -> None:
    """Refuse, in one line, what several workers cannot do."""
    if args.platform != "slack":
        raise MockpanelError("--workers is for `mockpanel run slack` (Discord: --shards).")
    if workers > 1 and not is_postgres_url(settings.db):
        raise MockpanelError(
            f"--workers {workers} needs PostgreSQL (MOCKPANEL_DB=postgresql://...): a SQLite file serves one "
            "process, its locks live in that process's memory."
        )
    if not args.http and workers > SOCKET_MODE_CONNECTIONS:
        raise MockpanelError(
            f"Slack allows an app {SOCKET_MODE_CONNECTIONS} Socket Mode connections; --workers {workers} is too many."
        )
    SlackConfig.from_secrets(settings.secrets).check(bool(args.http))  # said once, not by every worker
    ops_ports(args, settings, workers)


def ops_ports(args: argparse.Namespace, settings: Settings, workers: int) -> list[int | None]:
    """MOCKPANEL_HTTP_PORT per worker. Unset, or equal to Slack's port: whichever worker the
    kernel picks answers /healthz, /readyz and /metrics on Slack's port. Another port P: worker
    i serves them on P + i, so Prometheus scrapes each worker as a target of its own (a shared
    port would hand each scrape to a random worker and its own counters)."""
    base = settings.http_port
    if base is None or base == 0 or (args.http and base == args.port):
        return [base] * workers
    ports = [base + i for i in range(workers)]
    if ports[-1] > 65535 or (args.http and args.port in ports):
        raise MockpanelError(
            f"MOCKPANEL_HTTP_PORT={base} with --workers {workers} needs ports {base}-{ports[-1]} free of Slack's "
            f"--port {args.port}; choose another MOCKPANEL_HTTP_PORT."
        )
    return list(ports)


def supervise(args: argparse.Namespace, settings: Settings, workers: int) -> int:
    check(args, settings, workers)
    return asyncio.run(Supervisor(_worker_command(args), ops_ports(args, settings, workers)).run())


def _worker_command(args: argparse.Namespace) -> list[str]:
    command = [sys.executable, "-m", "bot", "run", "slack", "--port", str(args.port)]
    return command + (["--http"] if args.http else [])


@dataclass
class _Worker:
    index: int
    process: asyncio.subprocess.Process | None = None
    started: float = 0.0
    pause: float = FIRST_PAUSE


class Supervisor:
    def __init__(self, command: list[str], ops: list[int | None]) -> None:
        self.command = command
        self.ops = ops
        self.workers = [_Worker(i) for i in range(len(ops))]
        self.stopping = asyncio.Event()
        self.gave_up: int | None = None  # a worker's exit status that ends the whole service
        self._starting = asyncio.Lock()  # no worker starts while the others are being stopped

    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, self.stopping.set)
        try:
            log.info("starting %d Slack worker process(es)", len(self.workers))
            watchers = [asyncio.create_task(self._keep(worker)) for worker in self.workers]
            await self.stopping.wait()
            clean = await self._stop_all()
            for watcher in watchers:
                watcher.cancel()
            await asyncio.gather(*watchers, return_exceptions=True)
        finally:
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(signum)
        if self.gave_up is not None:
            return self.gave_up
        log.info("all workers stopped" if clean else "stopped; a worker had to be killed")
        return 0 if clean else 1

    async def _start(self, worker: _Worker) -> asyncio.subprocess.Process | None:
        async with self._starting:
            if self.stopping.is_set():
                return None
            return await self._spawn(worker)

    async def _spawn(self, worker: _Worker) -> asyncio.subprocess.Process:
        env = dict(os.environ, **{WORKER_ENV: f"{worker.index + 1}/{len(self.workers)}"})
        port = self.ops[worker.index]
        if port is not None:
            env["MOCKPANEL_HTTP_PORT"] = str(port)
        # Its own session: a Ctrl-C in the terminal reaches the parent, which passes it on once.
        # stdin is a pipe from the parent: its end tells the worker the parent has gone.
        process = await asyncio.create_subprocess_exec(
            *self.command, env=env, stdin=asyncio.subprocess.PIPE, start_new_session=True
        )
        worker.process, worker.started = process, time.monotonic()
        log.info("worker %d started (pid %d)", worker.index + 1, process.pid)
        return process

    async def _keep(self, worker: _Worker) -> None:
        """Run one worker until the service stops, starting it again when it dies."""
        while not self.stopping.is_set():
            process = await self._start(worker)
            if process is None:
                return
            status = await process.wait()
            if self.stopping.is_set():
                return
            if status == 2:  # mockpanel's "fix the settings" (it said what): starting again won't help
                log.error("worker %d (pid %d) refused to run (exit 2); stopping", worker.index + 1, process.pid)
                self.gave_up = 2
                self.stopping.set()
                return
            if time.monotonic() - worker.started >= STEADY:
                worker.pause = FIRST_PAUSE
            log.warning(
                "worker %d (pid %d) exited unexpectedly with status %s; starting it again in %.1f s",
                worker.index + 1, process.pid, status, worker.pause,
            )  # fmt: skip
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stopping.wait(), worker.pause)
            worker.pause = min(worker.pause * 2, LONGEST_PAUSE)

    async def _stop_all(self) -> bool:
        """SIGTERM to every worker; True if all exited 0 within STOP_WITHIN seconds."""
        async with self._starting:
            running = [w.process for w in self.workers if w.process is not None and w.process.returncode is None]
        for process in running:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
        waits = [asyncio.create_task(p.wait()) for p in running]
        if waits:
            _, late = await asyncio.wait(waits, timeout=STOP_WITHIN)
            for process in running:
                if process.returncode is None:
                    log.warning("worker pid %d did not stop within %.0f s; killed", process.pid, STOP_WITHIN)
                    with contextlib.suppress(ProcessLookupError):
                        process.kill()
            await asyncio.gather(*(p.wait() for p in running))
            if late:
                return False
        return all(p.returncode == 0 for p in running)


def worker_index() -> str | None:
    """ "i/N" inside a worker the parent started, else None."""
    return os.environ.get(WORKER_ENV) or None


class _ParentPipe(asyncio.Protocol):
    def __init__(self) -> None:
        self.armed = True

    def connection_lost(self, exc: Exception | None) -> None:
        if self.armed:
            log.warning("the parent process has gone; stopping")
            os.kill(os.getpid(), signal.SIGTERM)  # the same clean stop as the parent's SIGTERM


async def watch_parent() -> _ParentPipe:
    """In a worker: stop cleanly once the parent's pipe on stdin closes (the parent died, even
    by SIGKILL). `disarm` the returned watcher when the worker stops for another reason."""
    _, protocol = await asyncio.get_running_loop().connect_read_pipe(_ParentPipe, sys.stdin)
    return protocol
