"""`mockpanel doctor` on a SQLite file: read without writing, whatever the file is called (a `#`,
a `?` or a space in its name is part of the name, not of SQLite's URI)."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

import pytest

from bot.cli import main
from bot.doctor import Report, _sqlite_schedules, check_sqlite
from bot.storage.sqlite import migrations

NAMES = ["mock#panel.db", "mock?panel.db", "mock panel.db", "mock%20panel.db"]


@pytest.mark.parametrize("name", NAMES)
def test_the_doctor_reads_the_database_it_is_given_whatever_its_name(tmp_path: Path, name: str) -> None:
    db = tmp_path / name
    assert main(["migrate", "--db", str(db)]) == 0
    with contextlib.closing(sqlite3.connect(db)) as conn:
        conn.execute("INSERT INTO qotd_schedules (tenant, channel_id, spec) VALUES ('slack:T1', 'C1', '{}')")
        conn.commit()
    report = Report(out=lambda _: None)
    check_sqlite(report, str(db))
    known = max(number for number, _ in migrations())
    assert report.lines == [(True, f"✓ database {db} opens, schema version {known} (current)")]
    assert _sqlite_schedules(str(db)) == [("slack:T1", "C1")]
    # Nothing opened beside it (a WAL database's reader may make its -wal and -shm files).
    assert {p.name for p in tmp_path.iterdir()} <= {name, f"{name}-wal", f"{name}-shm"}
