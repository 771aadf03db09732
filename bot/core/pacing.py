"""Outbound pacing: token buckets per key, so the bot stays inside each platform's limits
instead of collecting 429s (Slack: about one message a second per channel, short bursts are
fine; Discord: five per five seconds per channel). Delivery retries the rare 429 that still
happens, after the `retry_after` the platform gave."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field


@dataclass
class _Bucket:
    tokens: float
    updated: float


@dataclass
class Pacer:
    """At most `rate` acquisitions a second per key, after an initial burst of `burst`.
    Waiters for one key go in arrival order; keys don't wait for each other."""

    rate: float
    burst: float = 1.0
    now: Callable[[], float] = time.monotonic
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    _buckets: dict[Hashable, _Bucket] = field(default_factory=dict)
    _locks: dict[Hashable, asyncio.Lock] = field(default_factory=dict)

    async def acquire(self, key: Hashable) -> float:
        """Wait for a token for `key`; returns how long it waited."""
        if self.rate <= 0:
            return 0.0
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            waited = 0.0
            bucket = self._buckets.setdefault(key, _Bucket(self.burst, self.now()))
            while True:
                now = self.now()
                bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
                bucket.updated = now
                if bucket.tokens >= 1:
                    bucket.tokens -= 1
                    return waited
                delay = (1 - bucket.tokens) / self.rate
                await self.sleep(delay)
                waited += delay


def unpaced() -> Pacer:
    """No waiting at all (tests that are not about pacing)."""
    return Pacer(rate=0)
