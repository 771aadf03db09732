"""Time comes from an injected clock so tests advance time instead of sleeping."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...

    async def sleep_until(self, when: datetime, wake: asyncio.Event) -> None:
        """Return at `when`, or earlier if `wake` is set."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep_until(self, when: datetime, wake: asyncio.Event) -> None:
        delay = max(0.0, (when - self.now()).total_seconds())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wake.wait(), timeout=delay)


class OffsetClock(SystemClock):
    """Real time plus a jump the user asked for (the terminal's `!wait 5m`)."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, delta: timedelta) -> None:
        self.offset += delta


class FakeClock:
    """A clock that only moves when told to. `advance` wakes anyone sleeping past the new time."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
        self._waiters: list[asyncio.Event] = []

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> None:
        self.set(self._now + delta)

    def set(self, when: datetime) -> None:
        self._now = when
        for waiter in self._waiters:
            waiter.set()
        self._waiters.clear()

    async def sleep_until(self, when: datetime, wake: asyncio.Event) -> None:
        while self._now < when and not wake.is_set():
            moved = asyncio.Event()
            self._waiters.append(moved)
            tasks = {asyncio.ensure_future(wake.wait()), asyncio.ensure_future(moved.wait())}
            _, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            for task in pending:
                task.cancel()


def utc(when: datetime) -> datetime:
    return when.astimezone(UTC)


def iso(when: datetime) -> str:
    return utc(when).isoformat()


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text)
