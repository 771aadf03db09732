"""The store tests run on both engines: every test that takes `store` (tests/conftest.py) runs
once on SQLite and once on PostgreSQL (a fresh schema of its own; skipped with one line where
no server is configured, a failure in CI). Tests of one engine's own machinery take
`sqlite_store`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.storage.postgres import PostgresStore


@pytest.fixture(params=["sqlite", "postgresql"])
def engine_db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """MOCKPANEL_DB for the test: a SQLite file, or a PostgreSQL URL with a fresh schema."""
    if request.param == "sqlite":
        return str(tmp_path / "test.db")
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
async def pg_store(pg_url: str) -> AsyncIterator[PostgresStore]:
    """A PostgreSQL store alone, for a test of its own machinery (a fresh schema)."""
    store = await PostgresStore.open(pg_url)
    yield store
    await store.close()
