"""The Slack inbox with several processes on one database: each row belongs to the process that
received it, which renews its lease while it lives; rows whose lease ran out (their process was
killed, or its host lost) are claimed by another process and worked off there. So every request
Slack was told was received is handled, on some host, without a restart of the one that took it;
and two processes starting together never both replay the same row (the claim is one statement;
on PostgreSQL it skips rows another process is claiming)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from bot.core.clock import Clock, SystemClock
from bot.core.delivery import process_name
from bot.core.ports import Store

log = logging.getLogger(__name__)
SOURCE = "slack"  # the inbox rows this adapter writes
LEASE = timedelta(seconds=15)  # how long a dead process's rows wait before another takes them
SYSTEM = SystemClock()
RENEW_EVERY = 5.0  # seconds; well inside the lease, so a live process never loses its rows


class LeasedInbox:
    def __init__(self, store: Store, route: Callable[[int, str], None], clock: Clock = SYSTEM) -> None:
        self.store = store
        self.clock = clock
        self.route = route  # queue the work for one claimed row (id, body)
        self.owner = process_name()

    async def add(self, body: str) -> int:
        now = self.clock.now()
        return await self.store.inbox_add(SOURCE, body, now, self.owner, now + LEASE)

    async def claim(self) -> int:
        """Queue every row no live process holds; how many there were."""
        now = self.clock.now()
        rows = await self.store.inbox_claim(SOURCE, self.owner, now, now + LEASE)
        for inbox_id, body in rows:
            self.route(inbox_id, body)
        return len(rows)

    async def release(self) -> None:
        """On a clean stop: what this process did not finish may be taken over at once."""
        try:
            await self.store.inbox_renew(self.owner, datetime.fromtimestamp(0, UTC))
        except Exception as error:
            log.warning("could not hand the Slack inbox leases back: %r", error)

    async def keep(self) -> None:
        """Renew this process's leases and take over those of processes that died, for ever."""
        while True:
            await asyncio.sleep(RENEW_EVERY)
            try:
                await self.store.inbox_renew(self.owner, self.clock.now() + LEASE)
                taken = await self.claim()
            except Exception as error:  # the database away for a moment: the next round tries again
                log.warning("could not renew the Slack inbox leases: %r", error)
                continue
            if taken:
                log.info("took over %d Slack request(s) a stopped process had received", taken)
