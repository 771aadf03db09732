"""A database written by a newer mockpanel is refused with a clear message, and left as it was."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.core.errors import MockpanelError
from bot.storage.sqlite import SqliteStore, migrations


async def test_a_database_newer_than_the_code_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "newer.db"
    store = await SqliteStore.open(str(path))
    current = await store.migrate()
    await store.close()
    assert current == max(n for n, _ in migrations())
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {current + 1}")
    with pytest.raises(
        MockpanelError, match=rf"schema version {current + 1}, but this mockpanel knows only up to {current}"
    ):
        await SqliteStore.open(str(path))
    store = await SqliteStore.open(str(path), migrate=False)
    try:
        with pytest.raises(MockpanelError, match="upgraded by a newer mockpanel"):
            await store.migrate()
    finally:
        await store.close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == current + 1


async def test_an_older_database_is_migrated_at_start(tmp_path: Path) -> None:
    store = await SqliteStore.open(str(tmp_path / "fresh.db"))
    try:
        assert await store.migrate() == max(n for n, _ in migrations())
        assert await store.migrate() == max(n for n, _ in migrations())  # again: nothing to do
    finally:
        await store.close()
