"""Benchmark: signed Slack Events API rating requests against real `mockpanel run slack --http`
processes on one PostgreSQL database, one process against `--workers 2`, in alternating rounds.

    .venv/bin/python bench/slack_http.py --db-url postgresql://mockpanel@127.0.0.1:55432/postgres

Each round starts the process(es) on a fresh schema of their own (created here, dropped after),
with the project's fake Slack (tests/fakes) on 127.0.0.1 for the Web API, so nothing reaches
the internet. A question of the day is posted and answered through the same HTTP path, then
every (rater, answer) pair sends one `reaction_added`, signed as Slack signs it, `--in-flight`
at a time. Two figures per round (see bench/README.md):
- acked/s: requests answered 200 (the event is in the inbox: kept, not yet handled);
- handled/s: from the first request until every rating is committed and the inbox is empty.
Each run also accounts for the CPU of the measured window (bench/procstat.py): the bot's
process(es), the PostgreSQL server's processes, this benchmark's own process (the load
generator, and the fake Slack, which runs in it), and everything else on the machine; CPU ms
per event of each, and the machine's busy cores. From the 1-process runs it prints the ceiling
that arithmetic allows 2 workers on this machine's cores.
A benchmark, not a test: it asserts no time, but it does check every rating counted once.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import json
import os
import signal
import socket
import statistics
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the fakes live in tests/, beside bot/

import aiohttp  # noqa: E402
import asyncpg  # noqa: E402
from ingest_pg import APPLICATION, bench_schema  # noqa: E402
from procstat import Meter, Sample, Usage, foreign_backends, postmaster_of  # noqa: E402
from procstat import table as cpu_table  # noqa: E402

from bot.adapters.slack.config import EVENTS_PATH  # noqa: E402
from bot.storage.pg_schema import safe_url  # noqa: E402
from tests.fakes.slack_driver import SIGNING_SECRET, HttpTransport, SlackDriver, sign  # noqa: E402
from tests.fakes.slack_fake import BOT_TOKEN, FakeSlack, Posted  # noqa: E402
from tests.fakes.slack_world import PROXY_VARIABLES, fake_slack  # noqa: E402

EMOJI = ("one", "two", "three", "four", "five")


@dataclass
class Sizes:
    answers: int = 40
    raters: int = 100  # every rater rates every answer: answers x raters events
    channels: int = 8  # the answers are spread over this many channels' questions of the day
    in_flight: int = 64
    rounds: int = 3  # each round: one process, then two workers


SMOKE = Sizes(answers=6, raters=10, channels=2, in_flight=8, rounds=1)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.asynccontextmanager
async def mockpanel(
    fake: FakeSlack, db_url: str, port: int, workers: int | None
) -> AsyncIterator[asyncio.subprocess.Process]:
    """`mockpanel run slack --http` (with `--workers N` when given), until every process
    listens; stopped with Ctrl-C afterwards, as a person would."""
    env = {
        k: v for k, v in os.environ.items() if k not in PROXY_VARIABLES and not k.startswith(("SLACK_", "MOCKPANEL_"))
    }
    env.update(
        PYTHONPATH=str(ROOT), MOCKPANEL_DB=db_url, MOCKPANEL_LOG_LEVEL="INFO", SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_API_URL=fake.api_url, SLACK_FILES_URL=fake.files_url,
        SLACK_HTTP_HOST="127.0.0.1",
    )  # fmt: skip
    extra = ["--workers", str(workers)] if workers else []
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "slack", "--http", "--port", str(port), *extra,
        cwd=ROOT, env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert process.stderr is not None
    stderr = process.stderr
    listening = asyncio.Event()
    log: list[str] = []

    async def drain() -> None:  # read every line, so a full pipe never stalls the process
        while line := (await stderr.readline()).decode():
            log.append(line)
            if sum("Slack HTTP mode" in seen and "listening on" in seen for seen in log) >= (workers or 1):
                listening.set()

    reading = asyncio.ensure_future(drain())
    try:
        try:
            await asyncio.wait_for(listening.wait(), 60)
        except TimeoutError:
            raise SystemExit("mockpanel did not start listening:\n" + "".join(log[-40:])) from None
        yield process
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGINT)
            try:
                await asyncio.wait_for(process.wait(), 20)
            except TimeoutError:
                process.kill()
                await process.wait()
        reading.cancel()
        errors = [line for line in log if " ERROR " in line or "Traceback" in line]
        if errors:
            print("  the process logged errors:\n    " + "    ".join(errors[:5]))


def new_posts(fake: FakeSlack, channel: str, before: int) -> list[Posted]:
    """The questions of the day posted in `channel` since there were `before` (the fake outlives a round)."""
    return fake.titled("Question of the day", channel)[before:]


async def until(probe: asyncpg.Connection, sql: str, want: int, timeout: float = 300) -> None:
    async def watch() -> None:
        while int(await probe.fetchval(sql)) != want:
            await asyncio.sleep(0.02)  # a look costs the server a little CPU, counted as its own

    await asyncio.wait_for(watch(), timeout)


@dataclass
class Result:
    workers: int
    events: int
    acked: float  # seconds until the last 200
    handled: float  # seconds until every rating was committed and the inbox was empty
    ratings: int
    received: int  # sum of received_n over the community's all-time board: each rating once
    ack_cpu: Usage  # first request -> last 200
    all_cpu: Usage  # first request -> every rating committed and the inbox empty
    drain_cpu: Usage  # last 200 -> every rating committed

    @property
    def ok(self) -> bool:
        return self.ratings == self.received == self.events


async def one_round(fake: FakeSlack, server_url: str, workers: int | None, sizes: Sizes) -> Result:
    port = free_port()
    async with bench_schema(server_url) as db_url, mockpanel(fake, db_url, port, workers) as process:
        probe = await asyncpg.connect(db_url)
        probe_pid = int(await probe.fetchval("SELECT pg_backend_pid()"))
        server = postmaster_of(probe_pid)
        if server is None:
            print("  (the server's processes are not on this machine: its CPU below is 0, not measured)")
        # The probe's backend (this benchmark polling for the end) is counted apart from the server's.
        meter = Meter(
            {"mockpanel": lambda: process.pid, "probe": lambda: probe_pid, "postgres": lambda: server},
            explicit=("pg others",),
        )

        async def sample() -> Sample:  # other programs' backends on a shared server are not the run's
            return meter.sample({"pg others": await foreign_backends(probe, APPLICATION)})

        url = f"http://127.0.0.1:{port}{EVENTS_PATH}"
        d = SlackDriver(fake, HttpTransport(url))
        try:
            # One question of the day per channel; a process works off each channel's events in
            # arrival order, one at a time, so the channels are what it can do at once.
            channels = [f"C{c + 1}" for c in range(sizes.channels)]
            questions = {}
            for channel in channels:
                before = len(fake.titled("Question of the day", channel))
                assert await d.command("UCOACH", "qotd post", channel=channel) == 200
                found = await fake.wait_for(functools.partial(new_posts, fake, channel, before), timeout=30)
                questions[channel] = found[0].ts
            authors = [(f"UA{i:03d}", channels[i % len(channels)]) for i in range(sizes.answers)]
            stamps = [
                (await d.reply(a, questions[c], f"{a} answers: situation, task, action, result", channel=c), c)
                for a, c in authors
            ]
            await until(probe, "SELECT COUNT(*) FROM answers", len(authors))
            # Built, encoded and signed before the clock starts: the load generator shares the cores.
            stamp = int(time.time())
            requests = []
            for r in range(sizes.raters):
                for i, (ts, channel) in enumerate(stamps):
                    reaction = d.reaction(f"UR{r:03d}", ts, EMOJI[(r + i) % 5], channel=channel)
                    body = json.dumps(d.event_body(reaction, f"EvB{r:03d}x{i:03d}")).encode()
                    headers = {
                        "Content-Type": "application/json",
                        "X-Slack-Request-Timestamp": str(stamp),
                        "X-Slack-Signature": sign(SIGNING_SECRET, body, stamp),
                    }
                    requests.append((body, headers))
            statuses: list[int] = []
            queue = iter(requests)
            connector = aiohttp.TCPConnector(limit=sizes.in_flight, force_close=False)
            async with aiohttp.ClientSession(connector=connector) as session:

                async def sender() -> None:
                    for body, headers in queue:
                        async with session.post(url, data=body, headers=headers) as response:
                            statuses.append(response.status)
                            await response.read()

                first = await sample()
                started = time.perf_counter()
                await asyncio.gather(*(sender() for _ in range(sizes.in_flight)))
                acked = time.perf_counter() - started
                at_ack = await sample()
                await until(probe, "SELECT COUNT(*) FROM ratings", len(requests))
                await until(probe, "SELECT COUNT(*) FROM inbox", 0)
                handled = time.perf_counter() - started
                # Before the process stops: its backends are still alive, and so are its workers.
                last = await sample()
            refused = [s for s in statuses if s != 200]
            if refused:
                print(f"  {len(refused)} requests not acked 200: {sorted(set(refused))}")
            ratings = int(await probe.fetchval("SELECT COUNT(*) FROM ratings"))
            received = int(
                await probe.fetchval("SELECT SUM(received_n) FROM board WHERE scope = '*' AND period = 'all'")
            )
        finally:
            await d.close()
            await probe.close()
    return Result(
        workers or 1, len(requests), acked, handled, ratings, received,
        meter.usage(first, at_ack), meter.usage(first, last), meter.usage(at_ack, last),
    )  # fmt: skip


def show(result: Result) -> None:
    label = "1 process" if result.workers == 1 else f"--workers {result.workers}"
    print(
        f"  {label:<12} {result.events:,} events: acked {result.events / result.acked:7,.0f}/s ({result.acked:.2f} s),"
        f" handled {result.events / result.handled:7,.0f}/s ({result.handled:.2f} s);"
        f" ratings {result.ratings:,}, counted {result.received:,}{'' if result.ok else '  MISMATCH'}"
    )
    rows = [
        ("ack phase (start -> last 200)", result.ack_cpu),
        ("drain (last 200 -> handled)", result.drain_cpu),
        ("whole (start -> handled)", result.all_cpu),
    ]
    for line in cpu_table([(label, usage, result.events) for label, usage in rows], ["pg others", *PARTS]):
        print(line)


PARTS = ["mockpanel", "postgres", "probe", "loadgen"]  # the run's; "pg others" counts as other


def ceilings(usage: Usage, cores: int, other: bool = True) -> tuple[float, float]:
    """What a 1-process run's CPU allows `cores` workers: (1) if each event costs the machine
    what it did, the machine saturates at cores / busy cores; (2) if a worker is bound by its own
    core and everything else (server, load generator, the rest) grows with the events, at
    cores / (1 + rest / bot). With `other` False, as if nothing else ran on the machine (other programs' processes
    and PostgreSQL backends left out). The
    probe's backend (the benchmark's polling) counts with the load generator."""
    rest = sum(usage.parts[p] for p in ("postgres", "probe", "loadgen"))
    if other:
        rest += usage.parts["other"] + usage.parts["pg others"]
    bot = usage.parts["mockpanel"]
    busy = usage.busy_cores - (0.0 if other else (usage.parts["other"] + usage.parts["pg others"]) / usage.seconds)
    return cores / busy, cores / (1 + rest / bot) if bot > 0 else float("nan")


async def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--db-url", required=True, help="the PostgreSQL server (a schema of its own is made)")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, one round")
    parser.add_argument("--workers", type=int, default=2, help="the worker count to compare with one process")
    parser.add_argument("--one-only", action="store_true", help="only the one-process run")
    parser.add_argument("--answers", type=int)
    parser.add_argument("--raters", type=int)
    parser.add_argument("--channels", type=int)
    parser.add_argument("--in-flight", type=int)
    parser.add_argument("--rounds", type=int)
    args = parser.parse_args(argv)
    base = SMOKE if args.smoke else Sizes()
    sizes = Sizes(
        **{k: getattr(args, k) or getattr(base, k) for k in ("answers", "raters", "channels", "in_flight", "rounds")}
    )
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"mockpanel Slack HTTP benchmark  {datetime.now(UTC):%Y-%m-%d %H:%M} UTC  {os.cpu_count()} cpus;"
        f" load average {load}\n  PostgreSQL at {safe_url(args.db_url)}; {sizes.answers * sizes.raters:,} rating"
        f" events a run over {sizes.channels} channel(s) of one workspace, {sizes.in_flight} in flight;"
        f" {sizes.rounds} round(s)"
    )
    results: list[Result] = []
    async with fake_slack() as fake:
        for user in [f"UA{i:03d}" for i in range(sizes.answers)] + [f"UR{r:03d}" for r in range(sizes.raters)]:
            fake.add_user(user, f"Person {user}")
        for _ in range(sizes.rounds):
            for workers in [None] if args.one_only else [None, args.workers]:
                results.append(await one_round(fake, args.db_url, workers, sizes))
                show(results[-1])
    ones = [r for r in results if r.workers == 1]
    many = [r for r in results if r.workers > 1]
    if many:
        pairs = list(zip(ones, many, strict=True))
        handled = statistics.median(o.handled / m.handled for o, m in pairs)
        acked = statistics.median(o.acked / m.acked for o, m in pairs)
        print(
            f"  ratio --workers {args.workers} / 1 process, median of {len(pairs)} rounds: handled {handled:.2f},"
            f" acked {acked:.2f}   (target >= 1.6 on 2 cores)"
        )
    cores = os.cpu_count() or 1
    print(f"  ceiling for {args.workers} workers on {cores} cores from the 1-process runs (median of {len(ones)}):")
    for label, pick in (("handled (whole window)", "all_cpu"), ("acked (ack phase)", "ack_cpu")):
        for other in (True, False):
            found = [ceilings(getattr(r, pick), cores, other) for r in ones]
            rest = "postgres + probe + loadgen" + (" + other + pg others" if other else "")
            print(
                f"    {label + ('' if other else ', other left out'):<40} {cores} / busy cores"
                f" {statistics.median(c for c, _ in found):.2f};  {cores} / (1 + ({rest}) / mockpanel)"
                f" {statistics.median(c for _, c in found):.2f}   (per run: {', '.join(f'{a:.2f}/{b:.2f}' for a, b in found)})"
            )
    for label, pick in (("handled", "all_cpu"), ("acked", "ack_cpu")):
        usages: list[Usage] = [getattr(r, pick) for r in ones]
        own = statistics.median(u.parts["mockpanel"] / u.seconds for u in usages)
        rate = statistics.median(r.events / (r.handled if pick == "all_cpu" else r.acked) for r in ones)
        ours = statistics.median(sum(u.parts[p] for p in PARTS) / r.events for u, r in zip(usages, ones, strict=True))
        print(
            f"    {label}: the 1-process bot used {own:.2f} of a core (1.00 = bound by its own CPU); at"
            f" {ours * 1000:.2f} ms CPU an event (bot + server + probe + load generator) {cores} cores saturate at"
            f" {cores / ours:,.0f} events/s = {cores / ours / rate:.2f} x the 1-process {rate:,.0f}/s"
        )
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"  load average after: {load}")
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
