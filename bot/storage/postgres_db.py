"""The store's functions on PostgreSQL: the same synchronous calls they make on sqlite3
(`execute`, `executemany`, a cursor's `fetchone`/`fetchall`/`rowcount`), each one awaiting
asyncpg underneath.

A store function runs in a greenlet (`run_sync`); when it calls `execute`, the greenlet hands
the asyncpg coroutine to the event loop's side and resumes with its result. This is how
SQLAlchemy's asyncio layer runs its synchronous core over asyncpg: no thread, no second copy
of the SQL, and the event loop never blocks. The only rewriting is the placeholders (`?` and
`?N` become `$n`); everything else the SQL says must already mean the same on both engines.
"""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any, TypeVar

import asyncpg
import greenlet

T = TypeVar("T")
_PLACEHOLDER = re.compile(r"'(?:[^']|'')*'|\?(\d+)?")
_ROWS = re.compile(r"^\s*(SELECT|WITH|VALUES)\b|\bRETURNING\b", re.IGNORECASE)


class _StoreGreenlet(greenlet.greenlet):  # type: ignore[misc]
    """A store function being run by `run_sync`."""


async def run_sync(fn: Callable[..., T], *args: Any) -> T:
    """Run a synchronous store function, awaiting each statement it hands over."""
    worker = _StoreGreenlet(fn)
    handed = worker.switch(*args)
    while not worker.dead:
        try:
            value = await handed
        except BaseException:
            handed = worker.throw(*sys.exc_info())
        else:
            handed = worker.switch(value)
    result: T = handed
    return result


def wait(awaitable: Awaitable[T]) -> T:
    """From inside a store function: let the event loop run `awaitable`, and go on with its result."""
    current = greenlet.getcurrent()
    if not isinstance(current, _StoreGreenlet):
        raise RuntimeError("a PostgreSQL store function runs only through run_sync")
    result: T = current.parent.switch(awaitable)
    return result


@functools.lru_cache(maxsize=1024)
def translate(sql: str) -> tuple[str, bool]:
    """The statement with $n placeholders, and whether it returns rows."""
    counter = 0

    def number(match: re.Match[str]) -> str:
        nonlocal counter
        if match.group(0).startswith("'"):
            return match.group(0)  # a string literal stays as it is
        if match.group(1):
            return "$" + match.group(1)
        counter += 1
        return f"${counter}"

    return _PLACEHOLDER.sub(number, sql), bool(_ROWS.search(sql))


def _plain_number(text: str) -> int | float:
    # SUM over BIGINT is NUMERIC on PostgreSQL; SQLite hands back int or float, and so do we.
    value = Decimal(text)
    if not value.is_finite():  # NaN, Infinity: no int to make of them
        return float(value)
    return int(value) if value == value.to_integral_value() else float(value)


async def plain_numbers(conn: asyncpg.Connection) -> None:
    """Every NUMERIC this connection reads comes back as an int or a float: decoded so once,
    by asyncpg, rather than each value of each row looked at after."""
    await conn.set_type_codec("numeric", encoder=str, decoder=_plain_number, schema="pg_catalog", format="text")


class PgCursor:
    def __init__(self, rows: list[tuple[Any, ...]], rowcount: int, names: Sequence[str] = ()) -> None:
        self._rows = rows
        self.rowcount = rowcount
        self.description = [(name,) for name in names]  # what export and report read of it

    def fetchone(self) -> tuple[Any, ...] | None:
        return self._rows[0] if self._rows else None

    def fetchall(self) -> list[tuple[Any, ...]]:
        return self._rows

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        return iter(self._rows)


class PgDb:
    """One asyncpg connection (with `plain_numbers`), called the way bot/storage calls sqlite3."""

    dialect = "postgresql"

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    def execute(self, sql: str, parameters: Sequence[Any] = (), /) -> PgCursor:
        query, returns_rows = translate(sql)
        if returns_rows:
            records = wait(self.conn.fetch(query, *parameters))
            rows = [tuple(record) for record in records]
            return PgCursor(rows, len(rows), list(records[0].keys()) if records else ())
        status: str = wait(self.conn.execute(query, *parameters))
        last = status.rsplit(" ", 1)[-1]
        return PgCursor([], int(last) if last.isdigit() else -1)

    def executemany(self, sql: str, parameters: Iterable[Sequence[Any]], /) -> None:
        rows = [tuple(p) for p in parameters]
        if rows:
            wait(self.conn.executemany(translate(sql)[0], rows))
