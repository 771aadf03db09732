"""Ack first, work after: a listener queues its work and returns, so Slack gets its answer at
once. Work for one channel runs in arrival order (a rating sent before `/mock next` counts
before the results are drawn up); channels run side by side."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Hashable

log = logging.getLogger(__name__)
Job = Callable[[], Awaitable[None]]


class SerialWork:
    def __init__(self) -> None:
        self._queues: dict[Hashable, deque[Job]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._pending = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._closed = False

    def submit(self, key: Hashable, job: Job) -> None:
        """Queue `job` behind the others for `key`. Never waits, so call it before `ack()`.
        After `close()` nothing more starts: what was received is in the inbox for next time."""
        if self._closed:
            return
        self._pending += 1
        self._idle.clear()
        queue = self._queues.get(key)
        if queue is not None:
            queue.append(job)
            return
        self._queues[key] = deque([job])
        task = asyncio.get_running_loop().create_task(self._drain(key))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _drain(self, key: Hashable) -> None:
        queue = self._queues[key]
        try:
            while queue:
                try:
                    await queue[0]()
                except Exception:
                    log.exception("Slack work for %s failed", key)
                finally:
                    queue.popleft()
                    self._done()
        finally:
            self._queues.pop(key, None)

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
