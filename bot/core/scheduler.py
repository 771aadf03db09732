"""Durable timers. Rows in the store's `timers` table; one loop sleeps until the next is due;
on start, overdue timers fire at once. A firing timer re-enters through the dispatcher as a
`TimerFired` event, so timers and people go through the same rules. The row is taken (deleted)
in the same transaction as the timer's work: a crash before that commits leaves it to fire
again, and the next phase's timer is set in that same transaction, so a round never sits
without one."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from datetime import timedelta

from bot.core.clock import Clock, iso
from bot.core.dispatcher import Dispatcher
from bot.core.events import SYSTEM, TimerFired
from bot.core.ports import Store, Timer

log = logging.getLogger(__name__)
IDLE_CHECK = timedelta(minutes=5)
SHARED_CHECK = timedelta(seconds=1)  # other processes set timers too: look often
RETRY_AFTER = timedelta(seconds=30)
MAX_ATTEMPTS = 5
ATTEMPT = "_attempt"  # also look again now and then: another process may add timers


class Scheduler:
    def __init__(self, store: Store, dispatcher: Dispatcher, clock: Clock) -> None:
        self.store = store
        self.dispatcher = dispatcher
        self.clock = clock
        self._wake = asyncio.Event()
        dispatcher.on_timer_set = self._wake.set

    async def run_due(self) -> int:
        """Fire every timer that is due now, in due order; returns how many fired. Timers set
        while firing (the next phase) fire too if they are already due."""
        fired = 0
        while True:
            timers = await self.store.due_timers(self.clock.now())
            if not timers:
                return fired
            for timer in timers:
                event = TimerFired(
                    event_id=f"timer:{timer.key}:{iso(timer.due)}",
                    tenant=timer.tenant,
                    channel_id=timer.channel_id,
                    user=SYSTEM,
                    kind=timer.kind,
                    payload=timer.payload,
                    timer_key=timer.key,
                    due=timer.due,
                )
                try:
                    await self.dispatcher.handle(event)
                except Exception:
                    log.exception("timer %s failed", timer.key)
                    await self._retry(timer)
                fired += 1

    async def _retry(self, timer: Timer) -> None:
        """Put a failed timer back a little later (a new due time, so a new event id): a
        passing outage must not leave a round stuck with no timer."""
        if await self.store.timer_due(timer.key) != timer.due:
            return  # its event committed after all (or it was moved): putting it back would fire it twice
        attempt = int(timer.payload.get(ATTEMPT, 0)) + 1
        if attempt > MAX_ATTEMPTS:
            log.error("timer %s dropped after %d attempts", timer.key, MAX_ATTEMPTS)
            await self.store.cancel_timer(timer.key)
            return
        due = self.clock.now() + RETRY_AFTER * attempt
        await self.store.set_timer(dataclasses.replace(timer, due=due, payload={**timer.payload, ATTEMPT: attempt}))

    async def run(self) -> None:
        while True:
            self._wake.clear()
            await self.run_due()
            due = await self.store.next_timer_due()
            limit = self.clock.now() + (SHARED_CHECK if self.store.shared else IDLE_CHECK)
            await self.clock.sleep_until(min(due, limit) if due else limit, self._wake)
