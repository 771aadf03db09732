from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.core.banks import Library, load_paths, shipped_bank_dir
from bot.core.clock import FakeClock
from bot.core.ports import Store
from bot.runtime import open_store
from bot.storage.sqlite import SqliteStore
from tests.fakes.harness import Harness
from tests.pg import pg_server_url, pg_url

__all__ = ["pg_server_url", "pg_url"]  # PostgreSQL fixtures (tests/pg.py), for every test

_LIBRARY: Library | None = None


@pytest.fixture
def library() -> Library:
    global _LIBRARY
    if _LIBRARY is None:
        _LIBRARY = load_paths([shipped_bank_dir()])
    return _LIBRARY


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def engine_db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The database the harness tests run on: SQLite, or with MOCKPANEL_TEST_ENGINE=postgresql
    (and MOCKPANEL_TEST_PG) every one of them on PostgreSQL, in a fresh schema each."""
    if os.environ.get("MOCKPANEL_TEST_ENGINE", "sqlite") == "postgresql":
        return str(request.getfixturevalue("pg_url"))
    return str(tmp_path / "test.db")


@pytest.fixture(params=["sqlite", "postgresql"])
def each_engine_db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database of each engine in turn: a SQLite file, then a PostgreSQL URL with a fresh
    schema (skipped with one line when no server is configured, a failure in CI)."""
    if request.param == "sqlite":
        return str(tmp_path / "test.db")
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
async def store(engine_db: str) -> AsyncIterator[Store]:
    opened = await open_store(engine_db)
    yield opened
    await opened.close()


@pytest.fixture
async def sqlite_store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    """For a test of SQLite's own behaviour, whichever engine the others run on."""
    opened = await SqliteStore.open(str(tmp_path / "test.db"))
    yield opened
    await opened.close()


@pytest.fixture
async def h(store: Store, library: Library, clock: FakeClock) -> Harness:
    return Harness(store, library, clock)
