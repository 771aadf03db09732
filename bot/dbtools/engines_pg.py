"""PostgreSQL's end of a copy, over one asyncpg connection: the source in a read-only
REPEATABLE READ snapshot, the target in one transaction, rows in with COPY (binary, typed by
the target's columns), identities moved past the ids copied before the commit."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from typing import Any

import asyncpg

from bot.core.errors import MockpanelError
from bot.dbtools.engines import BATCH, Endpoint, quote
from bot.dbtools.tables import BOOKKEEPING, Column, Table, pg_kind
from bot.storage import pg_schema

CONNECT_WITHIN = 10.0  # seconds
_COLUMNS = """
SELECT c.table_name, c.column_name, c.data_type
  FROM information_schema.columns c
  JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
 WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
 ORDER BY c.table_name, c.ordinal_position
"""
_FOREIGN_KEYS = """
SELECT child.relname, parent.relname
  FROM pg_constraint k
  JOIN pg_class child ON child.oid = k.conrelid
  JOIN pg_class parent ON parent.oid = k.confrelid
 WHERE k.contype = 'f' AND child.relnamespace = current_schema()::regnamespace
"""
_TRIGGERED = """
SELECT DISTINCT c.relname
  FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid
 WHERE NOT g.tgisinternal AND c.relnamespace = current_schema()::regnamespace
 ORDER BY c.relname
"""


class PgEndpoint(Endpoint):
    dialect = "postgresql"

    def __init__(self, url: str, conn: asyncpg.Connection, schema: str) -> None:
        self.label = pg_schema.safe_url(url)
        self._conn = conn
        self._schema = schema
        self._transaction: Any = None
        self._triggered: list[str] = []

    @classmethod
    async def open(cls, url: str, *, source: bool) -> PgEndpoint:
        side = "--from" if source else "--to"
        try:
            conn = await asyncpg.connect(url, timeout=CONNECT_WITHIN)
        except Exception as error:  # malformed URL, server down, password refused: one line each
            raise MockpanelError(f"{side}: {pg_schema.describe_connect_error(url, error)}") from None
        schema = await conn.fetchval("SELECT current_schema()")
        if schema is None:
            await conn.close()
            raise MockpanelError(
                f"{side}: {pg_schema.safe_url(url)}: none of the schemas in its search_path exists; create the schema "
                "first (CREATE SCHEMA ...) or fix search_path."
            )
        return cls(url, conn, str(schema))

    async def version(self) -> int:
        return int(await pg_schema.schema_version(self._conn))

    async def tables(self) -> dict[str, Table]:
        columns: dict[str, list[Column]] = {}
        for table, column, data_type in await self._conn.fetch(_COLUMNS):
            if table not in BOOKKEEPING:
                columns.setdefault(table, []).append(Column(column, pg_kind(table, column, data_type)))
        return {name: Table(name, tuple(found)) for name, found in columns.items()}

    async def foreign_keys(self) -> list[tuple[str, str]]:
        return [(str(child), str(parent)) for child, parent in await self._conn.fetch(_FOREIGN_KEYS)]

    async def count(self, table: str) -> int:
        return int(await self._conn.fetchval(f"SELECT COUNT(*) FROM {quote(table)}"))

    async def read(
        self, table: str, columns: Sequence[str], where: str = "", params: Sequence[Any] = ()
    ) -> AsyncIterator[list[Sequence[Any]]]:
        numbered = where
        for n in range(1, len(params) + 1):
            numbered = numbered.replace("?", f"${n}", 1)
        sql = f"SELECT {', '.join(map(quote, columns))} FROM {quote(table)}" + (f" WHERE {numbered}" if where else "")
        batch: list[Sequence[Any]] = []
        async for record in self._conn.cursor(sql, *params, prefetch=BATCH):  # needs the open transaction
            batch.append(tuple(record))
            if len(batch) >= BATCH:
                yield batch
                batch = []
        if batch:
            yield batch

    async def begin_read(self) -> None:
        self._transaction = self._conn.transaction(isolation="repeatable_read", readonly=True)
        await self._transaction.start()

    async def migrate(self) -> None:
        await pg_schema.migrate(self._conn, self.label)

    async def begin_write(self, tables: Sequence[str]) -> None:
        self._transaction = self._conn.transaction()
        await self._transaction.start()
        # The triggers would derive rows (board_buckets) that are copied as they are; switching
        # them off is part of the transaction, so they are on again for everyone else.
        self._triggered = [str(r[0]) for r in await self._conn.fetch(_TRIGGERED)]
        for table in self._triggered:
            await self._conn.execute(f"ALTER TABLE {quote(table)} DISABLE TRIGGER USER")

    async def empty(self, tables: Sequence[str]) -> None:
        if tables:
            await self._conn.execute(f"TRUNCATE {', '.join(map(quote, tables))}")

    async def insert(self, table: Table, rows: list[tuple[Any, ...]]) -> None:
        await self._conn.copy_records_to_table(
            table.name, records=rows, columns=list(table.names), schema_name=self._schema
        )

    async def finish_write(self) -> None:
        for table in self._triggered:
            await self._conn.execute(f"ALTER TABLE {quote(table)} ENABLE TRIGGER USER")
        self._triggered = []
        await pg_schema.reset_identities(self._conn)

    async def commit(self) -> None:
        await self._transaction.commit()
        self._transaction = None

    async def rollback(self) -> None:
        if self._transaction is not None:
            transaction, self._transaction = self._transaction, None
            await transaction.rollback()

    async def close(self) -> None:
        with contextlib.suppress(Exception):  # a lost connection: nothing left to roll back
            await self.rollback()
        with contextlib.suppress(Exception):
            await self._conn.close()

    async def identity(self) -> tuple[str, ...]:
        row = await self._conn.fetchrow(
            "SELECT inet_server_addr()::text, inet_server_port()::text, current_database(), current_schema()"
        )
        return ("postgresql", *(str(value) for value in row))
