"""Calls that wait while the batch before them runs, and then run together as one batch.

On PostgreSQL a statement costs a round trip and a commit a WAL flush whatever they carry, so
when many events are being handled at once, their ratings (and the reads before them) are far
cheaper done as one: one transaction, a few statements over arrays. No call waits for a timer:
the first one starts a batch at once, and whatever arrives while it runs makes the next. Under
light load a batch is one call, and nothing is slower than doing it alone.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

A = TypeVar("A")
R = TypeVar("R")


class CallQueue(Generic[A, R]):
    """`run` takes the waiting calls' arguments (at most `limit`) and returns each one's
    outcome, a result or the exception that call raises; an exception `run` raises itself is
    every call's in that batch."""

    def __init__(self, run: Callable[[list[A]], Awaitable[Sequence[R | BaseException]]], limit: int) -> None:
        self._run = run
        self._limit = limit
        self._waiting: list[tuple[A, asyncio.Future[R]]] = []
        self._worker: asyncio.Task[None] | None = None

    async def submit(self, argument: A) -> R:
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._waiting.append((argument, future))
        # A task is done as soon as its coroutine returns (before its callbacks run), so a call
        # arriving just as the last batch ends starts the next one.
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._work())
        return await future

    async def close(self) -> None:
        """Stop; the batch being run is cancelled with its callers, and so are those waiting."""
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
        for _, future in self._waiting:
            future.cancel()
        self._waiting = []

    async def _work(self) -> None:
        while self._waiting:
            taken = self._waiting[: self._limit]
            del self._waiting[: len(taken)]
            futures = [future for _, future in taken]
            try:
                outcomes = await self._run([argument for argument, _ in taken])
                if len(outcomes) != len(taken):
                    raise RuntimeError(f"a batch of {len(taken)} calls gave {len(outcomes)} outcomes")
            except asyncio.CancelledError as exc:
                current = asyncio.current_task()
                if current is not None and current.cancelling():
                    for future in futures:  # this queue is closing
                        future.cancel()
                    raise
                # Cancelled inside the batch, not the queue: an error of the batch, and the next
                # calls still go.
                error = RuntimeError("the batch of calls this was in was cancelled")
                error.__cause__ = exc
                outcomes = [error] * len(taken)
            except Exception as exc:
                outcomes = [exc] * len(taken)
            for future, outcome in zip(futures, outcomes, strict=True):
                if future.done():
                    continue  # its caller gave up waiting
                if isinstance(outcome, BaseException):
                    future.set_exception(outcome)
                else:
                    future.set_result(outcome)
