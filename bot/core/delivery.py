"""Delivery: outbox rows out to the platforms, after the transaction that wrote them.

Rows of one lane (a channel, or one person's private notes) go out one at a time, in order;
lanes go side by side. A temporary refusal (429, a 5xx, a timeout) puts the row back for later,
after the platform's `retry_after` or a growing backoff, for as long as the platform keeps
saying "later": the lane waits behind it, so order holds. A permanent refusal (no access, an
unknown channel) is reported privately to whoever the row names and the lane moves on.
Once a post is out, its platform message id is recorded, and what depends on it (thread refs,
revealed answers, the message-to-round index) is written with it in one small transaction.
A crash between sending and recording sends the row again at most once; on Discord not even
that, since each send carries the row's key as its nonce.
With several processes on one database (PostgreSQL), a lane is delivered by whichever holds
its lease (a row in the store with an expiry, renewed as the rows go out); another process's
lane is left to it, and taken over once its lease runs out (the process died).
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from bot.core.clock import Clock
from bot.core.errors import SendLater, SendRefused
from bot.core.messages import Message, Notify, Post
from bot.core.pacing import Pacer
from bot.core.ports import Outbox, OutboxItem, Store

log = logging.getLogger(__name__)
IDLE_CHECK = timedelta(minutes=1)  # look again now and then ...
SHARED_CHECK = timedelta(seconds=1)  # ... and often when other processes add rows too
LEASE = timedelta(seconds=15)  # a lane's lease: how long a dead process holds up its lane
BACKOFF_FIRST = 1.0  # seconds, doubled with every attempt ...
BACKOFF_MAX = 300.0  # ... up to five minutes
MAX_UNEXPLAINED = 8  # an error the adapter could not classify: give up after this many tries
FAR_FUTURE = timedelta(days=36500)
REFUSED = (
    "I could not post in <#{channel}>: {reason}. Check that I may view the channel, post, "
    "create threads and send messages in threads there."
)


def process_name() -> str:
    """This process, as leases name it: unique across hosts and restarts (a pid is reused)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


def backoff(attempts: int, retry_after: float | None) -> float:
    if retry_after is not None and retry_after >= 0:
        return retry_after
    return float(min(BACKOFF_FIRST * 2 ** max(attempts, 0), BACKOFF_MAX))


class Delivery:
    def __init__(self, store: Store, outbox: Outbox, clock: Clock, pacers: Mapping[str, Pacer] | None = None) -> None:
        self.store = store
        self.outbox = outbox
        self.clock = clock
        self.pacers: dict[str, Pacer] = dict(pacers or {})  # by platform: "slack", "discord"
        self._lanes: dict[tuple[str, str], asyncio.Lock] = {}
        self._draining: dict[tuple[str, str], asyncio.Task[None]] = {}
        self._wake = asyncio.Event()
        self.owner = process_name()
        self._elsewhere: dict[tuple[str, str], datetime] = {}  # lanes another process holds, until about then
        self.delivered = 0  # counters, for tests and metrics
        self.retried = 0
        self.refused = 0

    def wake(self) -> None:
        self._wake.set()

    async def flush(self, tenant: str, lanes: Iterable[str]) -> bool:
        """Deliver what is waiting in these lanes now, in order. False if something could not
        go yet (it stays in the outbox, and the background loop keeps trying)."""
        results = await asyncio.gather(*(self._drain((tenant, lane)) for lane in lanes))
        return all(results)

    async def run(self) -> None:
        """The background loop: rows left by a retry, a crash or another process. Each lane
        drains in a task of its own, so one slow lane (a long backlog, a long 429) holds up
        no other; a store error is logged and the loop tries again a little later."""
        try:
            await self._loop()
        finally:  # stopping: lanes mid-send finish with the process, their rows stay pending
            for task in list(self._draining.values()):
                task.cancel()

    async def _loop(self) -> None:
        while True:
            self._wake.clear()
            now = self.clock.now()
            limit = now + (SHARED_CHECK if self.store.shared else IDLE_CHECK)
            try:
                ready = await self._ready_lanes()
                for lane in ready:
                    if lane not in self._draining and not self._held_elsewhere(lane, now):
                        self._draining[lane] = asyncio.create_task(self._drain_in_background(lane))
                due = await self.store.next_outbox_due()
                if due is not None and due <= now and ready:
                    # What is due is being sent already, here (a drain wakes the loop when it
                    # ends) or by another process (look again when its lease may run out).
                    due = min((self._elsewhere[lane] for lane in ready if lane in self._elsewhere), default=limit)
            except Exception:
                log.exception("the delivery loop could not read the outbox; trying again shortly")
                due = now + timedelta(seconds=BACKOFF_FIRST)
            await self.clock.sleep_until(min(due, limit) if due else limit, self._wake)

    def _held_elsewhere(self, lane: tuple[str, str], now: datetime) -> bool:
        until = self._elsewhere.get(lane)
        if until is not None and until <= now:
            del self._elsewhere[lane]
            return False
        return until is not None

    async def run_due(self) -> None:
        """Deliver everything that is ready now, and return when it is done (tests, tools)."""
        await asyncio.gather(*(self._drain(lane) for lane in await self._ready_lanes()))

    async def _ready_lanes(self) -> list[tuple[str, str]]:
        items = await self.store.pending_outbox(self.clock.now())
        return list(dict.fromkeys((item.tenant, item.lane) for item in items))

    async def _drain_in_background(self, lane: tuple[str, str]) -> None:
        try:
            await self._drain(lane)
        except Exception:
            log.exception("delivery in %s failed; the rows stay in the outbox", lane[1])
        finally:
            self._draining.pop(lane, None)
            self._wake.set()  # the loop looks again: more may have come meanwhile

    async def _drain(self, lane: tuple[str, str]) -> bool:
        lock = self._lanes.setdefault(lane, asyncio.Lock())
        async with lock:
            leased_until = await self._lease(lane)
            if leased_until is None:
                return True  # another process is delivering this lane; it sends these rows too
            try:
                while True:
                    items = await self.store.pending_outbox(self.clock.now(), lane, limit=50)
                    if not items:
                        break
                    for item in items:
                        if self.clock.now() > leased_until - LEASE / 2:
                            leased_until = await self._lease(lane)
                            if leased_until is None:
                                return True  # this process stalled past its lease: the lane moved on
                        if not await self._send(item):
                            return False
                # Rows still pending here wait for an earlier row's retry.
                return not await self.store.pending_outbox(self.clock.now() + FAR_FUTURE, lane, limit=1)
            finally:
                if self.store.shared:
                    await self.store.release_lane(*lane, self.owner)

    async def _lease(self, lane: tuple[str, str]) -> datetime | None:
        """Take or renew this process's lease of the lane: until when, or None if another holds it.
        A store no other process writes to needs none (and a restart after a crash must not wait
        for the lease the crashed process left)."""
        now = self.clock.now()
        if not self.store.shared:
            return now + FAR_FUTURE
        until = now + LEASE
        if await self.store.lease_lane(*lane, self.owner, now, until):
            self._elsewhere.pop(lane, None)
            return until
        self._elsewhere[lane] = until  # at the latest: its holder renews it for LEASE at a time
        return None

    async def _send(self, item: OutboxItem) -> bool:
        """Send one row; True when the lane may move on (sent, or refused for good)."""
        pacer = self.pacers.get(item.tenant.split(":", 1)[0])
        if pacer is not None and isinstance(item.effect, Post):
            await pacer.acquire((item.tenant, item.lane))
        try:
            message_id = await self._deliver(item)
        except SendRefused as error:
            await self._give_up(item, str(error))
            return True
        except SendLater as error:
            await self._later(item, str(error), error.retry_after)
            return False
        except Exception as error:  # not classified by the adapter: retry a few times
            log.warning("delivery of outbox row %d failed: %r", item.id, error)
            if item.attempts + 1 >= MAX_UNEXPLAINED:
                await self._give_up(item, repr(error))
                return True
            await self._later(item, repr(error), None)
            return False
        await self._record(item, message_id)
        self.delivered += 1
        return True

    async def _deliver(self, item: OutboxItem) -> str:
        effect = item.effect
        if isinstance(effect, Notify):
            await self.outbox.notify(item.tenant, effect, key=f"mp{item.id}")
            return ""
        thread_id = None
        if effect.thread_ref:
            thread_id = await self.store.message_for_ref(item.tenant, effect.thread_ref)
        return await self.outbox.post(item.tenant, effect.channel_id, effect.message, thread_id, key=f"mp{item.id}")

    async def _record(self, item: OutboxItem, message_id: str) -> None:
        effect = item.effect
        async with self.store.transaction() as tx:
            await tx.outbox_sent(item.id, message_id)
            if isinstance(effect, Post) and effect.ref is not None and message_id:
                if effect.ref.startswith("a:"):
                    await tx.reveal_answer(int(effect.ref[2:]), message_id)
                else:
                    round_id = int(effect.ref[1:].split(":", 1)[0]) if effect.ref.startswith("r") else None
                    await tx.record_post(item.tenant, message_id, round_id, effect.ref)

    async def _later(self, item: OutboxItem, reason: str, retry_after: float | None) -> None:
        self.retried += 1
        when = self.clock.now() + timedelta(seconds=backoff(item.attempts, retry_after))
        await self.store.outbox_retry(item.id, when, reason)
        self._wake.set()  # the loop sleeps until the earliest retry

    async def _give_up(self, item: OutboxItem, reason: str) -> None:
        self.refused += 1
        log.error("outbox row %d refused for good: %s", item.id, reason)
        effect = item.effect
        async with self.store.transaction() as tx:  # the refusal and its report, or neither
            await tx.outbox_failed(item.id, reason)
            if isinstance(effect, Post) and item.report_to:
                text = REFUSED.format(channel=effect.channel_id, reason=reason)
                note = Notify(item.report_to, effect.channel_id, Message(text=text))
                await tx.add_outbox(item.tenant, [("notify", note, None)], self.clock.now())
        self._wake.set()
