"""What the store's repository mixins build on: a read and a write, each a plain store
function of a connection (bot.storage.sql.Db). SqliteStore runs it in its database thread
(group commit, or inside a held transaction); PostgresStore on a pooled asyncpg connection."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any, TypeVar

from bot.storage.sql import Db

T = TypeVar("T")


class StoreCalls(ABC):
    @abstractmethod
    async def _read(self, fn: Callable[[Db], T]) -> T: ...

    @abstractmethod
    async def _write(self, fn: Callable[[Db], T]) -> T: ...

    async def _exec(self, sql: str, params: tuple[Any, ...]) -> None:
        await self._write(lambda db: db.execute(sql, params))

    async def _fetch(self, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        return await self._read(lambda db: [tuple(r) for r in db.execute(sql, params).fetchall()])
