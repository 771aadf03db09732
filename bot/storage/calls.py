"""What the store's repository mixins build on: a read and a write, each a plain sqlite3
function run in the database thread (SqliteStore supplies them: group commit, or inside a held
transaction)."""

from __future__ import annotations

import sqlite3
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


class StoreCalls(ABC):
    @abstractmethod
    async def _read(self, fn: Callable[[sqlite3.Connection], T]) -> T: ...

    @abstractmethod
    async def _write(self, fn: Callable[[sqlite3.Connection], T]) -> T: ...

    async def _exec(self, sql: str, params: tuple[Any, ...]) -> None:
        await self._write(lambda db: db.execute(sql, params))

    async def _fetch(self, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        return await self._read(lambda db: [tuple(r) for r in db.execute(sql, params).fetchall()])
