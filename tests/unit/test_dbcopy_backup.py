"""`mockpanel db backup`: SQLite's online backup, while the store is open and writing."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.core.errors import MockpanelError
from bot.dbtools.backup import UsePgDump, backup, pg_commands
from bot.storage.sqlite import SqliteStore

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


async def test_a_backup_taken_while_the_bot_runs_holds_what_is_only_in_the_wal(tmp_path: Path) -> None:
    db = tmp_path / "mockpanel.db"
    store = await SqliteStore.open(str(db))  # automatic checkpoints are off: commits stay in the WAL
    try:
        for n in range(50):
            await store.kv_put("test", f"k{n}", "ünïcødé " * 100, AT)
        assert (tmp_path / "mockpanel.db-wal").stat().st_size > 0
        said = backup(str(db), str(tmp_path / "copy.db"))
        await store.kv_put("test", "after", "not in the backup", AT)  # the bot writes on meanwhile
    finally:
        await store.close()
    assert said.startswith(f"backed up {db} (schema version ") and said.endswith(f"to {tmp_path / 'copy.db'}")
    with sqlite3.connect(tmp_path / "copy.db") as copy:
        assert copy.execute("SELECT COUNT(*) FROM adapter_state WHERE namespace = 'test'").fetchone() == (50,)
        assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)  # one self-contained file
    assert not (tmp_path / "copy.db-wal").exists()
    assert [p.name for p in tmp_path.iterdir() if "partial" in p.name] == []


async def test_an_existing_file_is_kept_unless_forced(tmp_path: Path) -> None:
    db = tmp_path / "mock panel?#1.db"  # characters SQLite's URIs give a meaning
    await (await SqliteStore.open(str(db))).close()
    target = tmp_path / "backup.db"
    target.write_text("an older backup")
    with pytest.raises(MockpanelError, match=r"exists already; .*--force"):
        backup(str(db), str(target))
    assert target.read_text() == "an older backup"
    (tmp_path / "backup.db-wal").write_text("stale")
    backup(str(db), str(target), force=True)
    assert not (tmp_path / "backup.db-wal").exists()
    with sqlite3.connect(target) as copy:
        assert copy.execute("PRAGMA quick_check").fetchone() == ("ok",)
    with pytest.raises(MockpanelError, match="is the database itself"):
        backup(str(db), str(db), force=True)


def test_bad_paths_are_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(MockpanelError, match=r"there is no database at .*MOCKPANEL_DB or --db"):
        backup(str(tmp_path / "nope.db"), str(tmp_path / "b.db"))
    (tmp_path / "a.db").write_bytes(b"x" * 4096)
    with pytest.raises(MockpanelError, match="could not back up"):
        backup(str(tmp_path / "a.db"), str(tmp_path / "b.db"))
    assert not (tmp_path / "b.db").exists()


def test_postgresql_gets_the_pg_dump_line_without_the_password() -> None:
    url = "postgresql://mp:s3cret@db.example:5433/mockpanel?search_path=tenant_a&sslmode=require"
    with pytest.raises(UsePgDump) as advice:
        backup(url, "/backups/mp.dump")
    dump, restore = pg_commands(url, "/backups/mp.dump")
    assert dump == (
        "pg_dump --format=custom --schema=tenant_a --file=/backups/mp.dump "
        "'postgresql://mp@db.example:5433/mockpanel?sslmode=require'"
    )
    assert restore.startswith("pg_restore --clean --if-exists --no-owner '--dbname=postgresql://mp@db.example")
    assert dump in str(advice.value) and restore in str(advice.value) and "s3cret" not in str(advice.value)
