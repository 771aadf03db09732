"""The store tests run on both engines: every test that takes `store` (tests/conftest.py) runs
once on SQLite and once on PostgreSQL (a fresh schema of its own; skipped with one line where
no server is configured, a failure in CI). Tests of one engine's own machinery take
`sqlite_store`."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.storage.postgres import PostgresStore


@pytest.fixture
def engine_db(each_engine_db: str) -> str:
    """The store tests run on both engines (tests/conftest.py: each_engine_db)."""
    return each_engine_db


@pytest.fixture
async def pg_store(pg_url: str) -> AsyncIterator[PostgresStore]:
    """A PostgreSQL store alone, for a test of its own machinery (a fresh schema)."""
    store = await PostgresStore.open(pg_url)
    yield store
    await store.close()
