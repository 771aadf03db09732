from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.core.banks import Library, load_paths, shipped_bank_dir
from bot.core.clock import FakeClock
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
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    opened = await SqliteStore.open(str(tmp_path / "test.db"))
    yield opened
    await opened.close()


@pytest.fixture
async def h(store: SqliteStore, library: Library, clock: FakeClock) -> Harness:
    return Harness(store, library, clock)
