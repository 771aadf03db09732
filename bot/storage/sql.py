"""What a store function is given: a connection it runs statements on, the same few calls on
both engines. On SQLite that is the sqlite3 connection itself (the function runs in its
thread); on PostgreSQL it is `bot.storage.postgres_db.PgDb`, the same calls over asyncpg.
So a function of bot/storage is written once, and its SQL is the portable kind (see
docs/storage.md); `dialect_of(db)` names the engine where a statement must differ."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from importlib import resources
from typing import Any, Protocol


class Cursor(Protocol):
    @property
    def rowcount(self) -> int: ...

    @property
    def description(self) -> Any: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


class Db(Protocol):
    def execute(self, sql: str, parameters: Sequence[Any] = ..., /) -> Cursor: ...

    def executemany(self, sql: str, parameters: Iterable[Sequence[Any]], /) -> Any: ...


def dialect_of(db: Db) -> str:
    """'postgresql' or 'sqlite'."""
    return str(getattr(db, "dialect", "sqlite"))


def is_postgres(db: Db) -> bool:
    return dialect_of(db) == "postgresql"


def read_migrations(folder_name: str) -> list[tuple[int, str]]:
    """One engine's numbered migrations (bot/storage/migrations/ or migrations_pg/), in order:
    (number, SQL). Both engines number them alike."""
    folder = resources.files("bot.storage") / folder_name
    found = []
    for item in folder.iterdir():
        if item.name.endswith(".sql"):
            found.append((int(item.name.split("_", 1)[0]), item.read_text(encoding="utf-8")))
    return sorted(found)


def unnest_columns(rows: Sequence[Sequence[Any]], width: int) -> list[list[Any]]:
    """Rows as the column arrays PostgreSQL's `unnest(?::type[], …)` takes (empty arrays for
    no rows): one statement for many rows, where each row its own would be a round trip."""
    return [list(column) for column in zip(*rows, strict=True)] if rows else [[] for _ in range(width)]
