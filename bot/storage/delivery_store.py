"""The store's delivery repository (timers, inbox, outbox) and the adapters' key-value
space: thin async wrappers over bot/storage/delivery.py, mixed into SqliteStore."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TypeVar

from bot.core.messages import Notify, Post
from bot.core.ports import OutboxItem, Timer
from bot.storage import delivery
from bot.storage.calls import StoreCalls

T = TypeVar("T")


class DeliveryMethods(StoreCalls):
    async def ops_stats(self, now: datetime) -> dict[str, float]:
        """For /metrics and /readyz (bot/ops.py); also proves the database answers."""
        return await self._read(lambda db: delivery.ops_stats(db, now))

    # --- timers ------------------------------------------------------------------------------

    async def due_timers(self, now: datetime, limit: int = 100) -> list[Timer]:
        return await self._read(lambda db: delivery.due_timers(db, now, limit))

    async def take_timer(self, key: str, due: datetime) -> bool:
        return await self._write(lambda db: delivery.take_timer(db, key, due))

    # --- outbox ------------------------------------------------------------------------------

    async def add_outbox(
        self, tenant: str, items: Sequence[tuple[str, Post | Notify, str | None]], at: datetime
    ) -> None:
        if items:
            await self._write(lambda db: delivery.add_outbox(db, tenant, items, at))

    async def pending_outbox(
        self, now: datetime, lane: tuple[str, str] | None = None, limit: int = 200
    ) -> list[OutboxItem]:
        return await self._read(lambda db: delivery.pending_outbox(db, now, lane, limit))

    async def next_outbox_due(self) -> datetime | None:
        return await self._read(delivery.next_outbox_due)

    async def lease_lane(self, tenant: str, lane: str, owner: str, now: datetime, until: datetime) -> bool:
        return await self._write(lambda db: delivery.lease_lane(db, tenant, lane, owner, now, until))

    async def release_lane(self, tenant: str, lane: str, owner: str) -> None:
        await self._write(lambda db: delivery.release_lane(db, tenant, lane, owner))

    async def outbox_sent(self, item_id: int, message_id: str) -> None:
        await self._write(lambda db: delivery.outbox_sent(db, item_id, message_id))

    async def outbox_retry(self, item_id: int, not_before: datetime, error: str) -> None:
        await self._write(lambda db: delivery.outbox_retry(db, item_id, not_before, error))

    async def outbox_failed(self, item_id: int, error: str) -> None:
        await self._write(lambda db: delivery.outbox_failed(db, item_id, error))

    # --- inbox -------------------------------------------------------------------------------

    async def inbox_add(self, source: str, body: str, at: datetime, owner: str, lease_until: datetime) -> int:
        return await self._write(lambda db: delivery.inbox_add(db, source, body, at, owner, lease_until))

    async def inbox_renew(self, owner: str, lease_until: datetime) -> int:
        return await self._write(lambda db: delivery.inbox_renew(db, owner, lease_until))

    async def inbox_claim(
        self, source: str, owner: str, now: datetime, lease_until: datetime, limit: int = 500
    ) -> list[tuple[int, str]]:
        return await self._write(lambda db: delivery.inbox_claim(db, source, owner, now, lease_until, limit))

    async def inbox_done(self, item_id: int) -> None:
        await self._exec("DELETE FROM inbox WHERE id = ?", (item_id,))

    async def inbox_pending(self, source: str) -> list[tuple[int, str]]:
        return await self._read(lambda db: delivery.inbox_pending(db, source))

    # --- the adapters' own state -------------------------------------------------------------

    async def kv_put(self, namespace: str, key: str, value: str, at: datetime) -> None:
        await self._write(lambda db: delivery.kv_put(db, namespace, key, value, at))

    async def kv_get(self, namespace: str, key: str) -> str | None:
        rows = await self._fetch("SELECT value FROM adapter_state WHERE namespace = ? AND key = ?", (namespace, key))
        return str(rows[0][0]) if rows else None

    async def kv_scan(self, namespace: str, prefix: str = "") -> list[tuple[str, str, str]]:
        return await self._read(lambda db: delivery.kv_scan(db, namespace, prefix))

    async def kv_delete(self, namespace: str, key: str) -> None:
        await self._exec("DELETE FROM adapter_state WHERE namespace = ? AND key = ?", (namespace, key))
