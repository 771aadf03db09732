"""Running the work that gateway dispatches start: in arrival order for the same message (a
reaction added then removed must not be applied the other way round), concurrently for the
rest, and observable, so a caller can wait until a dispatch has been fully handled."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import Callable, Coroutine
from typing import Any

log = logging.getLogger(__name__)


class Work:
    def __init__(self, on_error: Callable[[BaseException], None] | None = None) -> None:
        self._tails: dict[str, asyncio.Task[None]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._pending: Counter[tuple[str, int]] = Counter()
        self._seen: dict[str, int] = {}
        self._changed = asyncio.Event()
        self._on_error = on_error

    def seen(self, session: str, seq: int) -> None:
        """A dispatch has arrived (whether or not it starts any work)."""
        if seq > self._seen.get(session, 0):
            self._seen[session] = seq
        self._changed.set()

    def latest(self, session: str) -> int:
        """The sequence number of the latest dispatch seen in a session (0: none yet)."""
        return self._seen.get(session, 0)

    def submit(self, key: str | None, session: str, seq: int, work: Coroutine[Any, Any, None]) -> None:
        """Run `work` after any earlier work with the same key; `None` runs it at once."""
        previous = self._tails.get(key) if key is not None else None
        mark = (session, seq)
        self._pending[mark] += 1
        task = asyncio.create_task(self._run(previous, work, mark))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        if key is not None:
            self._tails[key] = task
            task.add_done_callback(lambda t: self._tails.pop(key) if self._tails.get(key) is t else None)

    async def _run(
        self, previous: asyncio.Task[None] | None, work: Coroutine[Any, Any, None], mark: tuple[str, int]
    ) -> None:
        try:
            if previous is not None:
                await asyncio.wait({previous})  # its outcome is its own business
            await work
        except asyncio.CancelledError:
            raise
        except Exception as error:
            log.exception("handling a Discord event failed")
            if self._on_error is not None:
                self._on_error(error)
        finally:
            self._pending[mark] -= 1
            if self._pending[mark] <= 0:
                del self._pending[mark]
            self._changed.set()

    def settled(self, session: str, seq: int) -> bool:
        return self._seen.get(session, 0) >= seq and not any(s == session and n <= seq for (s, n) in self._pending)

    def idle(self) -> bool:
        return not self._pending

    async def wait(self, condition: Callable[[], bool], timeout: float = 10.0) -> None:
        async def watch() -> None:
            while not condition():
                self._changed.clear()
                await self._changed.wait()

        await asyncio.wait_for(watch(), timeout)

    async def cancel(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(BaseException):
                await task
