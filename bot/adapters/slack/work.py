"""Ack first, work after: a listener queues its work and returns, so Slack gets its answer at
once. Work for one channel runs in arrival order (a rating sent before `/mock next` counts
before the results are drawn up); channels run side by side. Jobs that commute with each other
(ratings: the platform's order of each rating decides, not the order they are handled in) may
run side by side within their channel too, but never past the channel's other work: a run of
them starts after everything queued before it and finishes before anything queued after it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field

log = logging.getLogger(__name__)
Job = Callable[[], Awaitable[None]]


@dataclass
class _Step:
    """One place in a channel's queue: a job alone, or a run of jobs that go side by side."""

    side_by_side: bool
    jobs: list[Job] = field(default_factory=list)
    started: int = 0  # jobs of a run already going (a run still open takes more)
    running: set[asyncio.Task[None]] = field(default_factory=set)
    woken: asyncio.Event = field(default_factory=asyncio.Event)


class SerialWork:
    def __init__(self) -> None:
        self._queues: dict[Hashable, deque[_Step]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._pending = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._closed = False

    def submit(self, key: Hashable, job: Job, *, side_by_side: bool = False) -> None:
        """Queue `job` behind the others for `key` (with `side_by_side`, beside the jobs just
        before it that are side by side too). Never waits, so call it before `ack()`. After
        `close()` nothing more starts: what was received is in the inbox for next time."""
        if self._closed:
            return
        self._pending += 1
        self._idle.clear()
        queue = self._queues.get(key)
        if queue is not None:
            if side_by_side and queue[-1].side_by_side:
                queue[-1].jobs.append(job)  # a run going now starts it at once
                queue[-1].woken.set()
            else:
                queue.append(_Step(side_by_side, [job]))
            return
        self._queues[key] = deque([_Step(side_by_side, [job])])
        task = asyncio.get_running_loop().create_task(self._drain(key))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _drain(self, key: Hashable) -> None:
        queue = self._queues[key]
        try:
            while queue:
                step = queue[0]
                if step.side_by_side:
                    await self._run_side_by_side(key, step, queue)
                else:
                    await self._run_one(key, step.jobs[0])
                queue.popleft()
        finally:
            self._queues.pop(key, None)

    async def _run_side_by_side(self, key: Hashable, step: _Step, queue: deque[_Step]) -> None:
        """The run's jobs at once, and those joining it while it goes (until a job of another
        kind is queued behind it, which closes it)."""
        while True:
            while step.started < len(step.jobs):
                task = asyncio.get_running_loop().create_task(self._run_one(key, step.jobs[step.started]))
                step.started += 1
                for tasks in (step.running, self._tasks):  # close() stops these too
                    tasks.add(task)
                    task.add_done_callback(tasks.discard)
                task.add_done_callback(lambda _: step.woken.set())
            if not step.running:
                return
            step.woken.clear()
            await step.woken.wait()

    async def _run_one(self, key: Hashable, job: Job) -> None:
        try:
            await job()
        except Exception:
            log.exception("Slack work for %s failed", key)
        finally:
            self._done()

    def _done(self) -> None:
        self._pending -= 1
        if self._pending == 0:
            self._idle.set()

    async def settled(self, timeout: float = 10.0) -> None:
        """Wait until every queued job has finished (tests, and a clean shutdown)."""
        await asyncio.wait_for(self._idle.wait(), timeout)

    async def close(self) -> None:
        self._closed = True
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task
