"""One interface over both engines for `mockpanel db copy`: the source is read in one snapshot,
the target written in one transaction. This module has the interface and SQLite's side
(the standard library's sqlite3: a copy is one job, so blocking calls are fine); PostgreSQL's
side is bot/dbtools/engines_pg.py.
"""

from __future__ import annotations

import abc
import contextlib
import os
import sqlite3
import urllib.parse
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

from bot.config import is_postgres_url
from bot.core.errors import MockpanelError
from bot.dbtools.tables import BOOKKEEPING, Column, Table, sqlite_kind
from bot.storage.sqlite import SqliteStore, migrations

BATCH = 5_000  # rows read and written at a time


def latest_version() -> int:
    """The schema version this mockpanel writes (the two engines' migrations share numbers)."""
    return max(number for number, _ in migrations())


def read_only_uri(path: Path) -> str:
    """SQLite's URI for opening a file read-only (a `?` or `#` in the name quoted)."""
    return f"file:{urllib.parse.quote(str(path.resolve()))}?mode=ro"


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class Endpoint(abc.ABC):
    """A database at one end of a copy."""

    dialect: str
    label: str  # for messages: a path, or a URL without its password

    @abc.abstractmethod
    async def version(self) -> int:
        """The schema version, 0 for a database mockpanel never migrated."""

    @abc.abstractmethod
    async def tables(self) -> dict[str, Table]:
        """Every table of the schema but bookkeeping (schema_version, SQLite's own)."""

    @abc.abstractmethod
    async def foreign_keys(self) -> list[tuple[str, str]]:
        """(child table, parent table) for each foreign key."""

    @abc.abstractmethod
    async def count(self, table: str) -> int: ...

    @abc.abstractmethod
    def read(
        self, table: str, columns: Sequence[str], where: str = "", params: Sequence[Any] = ()
    ) -> AsyncIterator[list[Sequence[Any]]]:
        """The rows in batches of at most BATCH; `where` is portable SQL with ? placeholders."""

    @abc.abstractmethod
    async def begin_read(self) -> None:
        """From here on every read sees one snapshot (the source keeps running meanwhile)."""

    @abc.abstractmethod
    async def migrate(self) -> None:
        """Bring the schema to the latest version (committed on its own, before the copy)."""

    @abc.abstractmethod
    async def begin_write(self, tables: Sequence[str]) -> None:
        """Start the copy's one transaction, with the tables' triggers off until `finish_write`:
        the rows they would derive are copied as they are."""

    @abc.abstractmethod
    async def empty(self, tables: Sequence[str]) -> None:
        """Delete every row of these tables (children first), inside the transaction."""

    @abc.abstractmethod
    async def insert(self, table: Table, rows: list[tuple[Any, ...]]) -> None: ...

    @abc.abstractmethod
    async def finish_write(self) -> None:
        """Triggers back on; PostgreSQL's identities past the ids copied. Still uncommitted."""

    @abc.abstractmethod
    async def commit(self) -> None: ...

    @abc.abstractmethod
    async def rollback(self) -> None: ...

    @abc.abstractmethod
    async def close(self) -> None: ...

    @abc.abstractmethod
    async def identity(self) -> tuple[str, ...]:
        """What makes two endpoints the same database (a copy onto itself is refused)."""


class SqliteEndpoint(Endpoint):
    dialect = "sqlite"

    def __init__(self, path: str, connection: sqlite3.Connection, created: bool = False) -> None:
        self.path = path
        self.label = path
        self._db = connection
        self._triggers: list[str] = []
        self._created = created  # the copy made this file: if it fails, it takes the file away
        self._committed = False

    @classmethod
    async def open(cls, path: str, *, source: bool) -> SqliteEndpoint:
        file = Path(path).expanduser()
        if source and not file.is_file():
            raise MockpanelError(f"the source {path} does not exist; give the path of a mockpanel SQLite database.")
        if not source and not file.resolve().parent.is_dir():
            raise MockpanelError(f"can't create {path}: the folder {file.resolve().parent} does not exist.")
        created = not source and not file.exists()
        try:
            if source:  # read-only: a copy never changes its source
                connection = sqlite3.connect(read_only_uri(file), uri=True, isolation_level=None)
            else:
                connection = sqlite3.connect(file, isolation_level=None)
            connection.execute("PRAGMA busy_timeout = 5000")  # a running bot's commit takes milliseconds
            connection.execute("PRAGMA foreign_keys = ON")
            connection.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()  # is it a database at all?
        except sqlite3.DatabaseError as error:
            raise MockpanelError(f"{path} is not a SQLite database ({error}).") from None
        return cls(str(file), connection, created)

    async def version(self) -> int:
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    async def tables(self) -> dict[str, Table]:
        names = [
            r[0]
            for r in self._db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
            )
        ]
        found = {}
        for name in names:
            if name in BOOKKEEPING:
                continue
            info = self._db.execute(f"PRAGMA table_info({quote(name)})").fetchall()
            found[name] = Table(name, tuple(Column(r[1], sqlite_kind(r[2])) for r in info))
        return found

    async def foreign_keys(self) -> list[tuple[str, str]]:
        pairs = []
        for name in await self.tables():
            for row in self._db.execute(f"PRAGMA foreign_key_list({quote(name)})"):
                pairs.append((name, str(row[2])))
        return pairs

    async def count(self, table: str) -> int:
        return int(self._db.execute(f"SELECT COUNT(*) FROM {quote(table)}").fetchone()[0])

    async def read(
        self, table: str, columns: Sequence[str], where: str = "", params: Sequence[Any] = ()
    ) -> AsyncIterator[list[Sequence[Any]]]:
        sql = f"SELECT {', '.join(map(quote, columns))} FROM {quote(table)}" + (f" WHERE {where}" if where else "")
        cursor = self._db.execute(sql, tuple(params))
        while batch := cursor.fetchmany(BATCH):
            yield batch

    async def begin_read(self) -> None:
        # A deferred transaction's first read fixes the snapshot; WAL lets the bot write on.
        self._db.execute("BEGIN")
        self._db.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()

    async def migrate(self) -> None:
        store = await SqliteStore.open(self.path, checkpoint=False)  # the store's own migrations
        await store.close()

    async def begin_write(self, tables: Sequence[str]) -> None:
        self._db.execute("BEGIN IMMEDIATE")
        # SQLite cannot switch a trigger off: drop them in the transaction, put them back after.
        triggers = self._db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name")
        for name, sql in triggers.fetchall():
            self._db.execute(f"DROP TRIGGER {quote(name)}")
            self._triggers.append(sql)

    async def empty(self, tables: Sequence[str]) -> None:
        for table in reversed(tables):
            self._db.execute(f"DELETE FROM {quote(table)}")

    async def insert(self, table: Table, rows: list[tuple[Any, ...]]) -> None:
        marks = ", ".join("?" * len(table.columns))
        columns = ", ".join(map(quote, table.names))
        self._db.executemany(f"INSERT INTO {quote(table.name)} ({columns}) VALUES ({marks})", rows)

    async def finish_write(self) -> None:
        for sql in self._triggers:
            self._db.execute(sql)
        self._triggers.clear()

    async def commit(self) -> None:
        self._db.execute("COMMIT")
        self._committed = True

    async def rollback(self) -> None:
        if self._db.in_transaction:
            self._db.execute("ROLLBACK")
        self._triggers.clear()

    async def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            await self.rollback()
        self._db.close()
        if self._created and not self._committed:
            for suffix in ("", "-wal", "-shm"):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(self.path + suffix)

    async def identity(self) -> tuple[str, ...]:
        stat = os.stat(self.path)
        return ("sqlite", str(stat.st_dev), str(stat.st_ino))


async def open_endpoint(where: str, *, source: bool) -> Endpoint:
    if is_postgres_url(where):
        from bot.dbtools.engines_pg import PgEndpoint

        return await PgEndpoint.open(where, source=source)
    if "://" in where:
        raise MockpanelError(
            f"{where.split('://')[0]}:// is not a database db copy knows; give a SQLite file path or a "
            "postgresql://user:password@host:port/db URL."
        )
    return await SqliteEndpoint.open(where, source=source)
