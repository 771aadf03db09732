"""`mockpanel db copy | backup` as a person runs them: a real process, its output and exit code."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.core.banks import Library
from bot.core.clock import FakeClock
from tests.fakes.busy_community import played_database
from tests.fakes.process import ROOT


def mockpanel(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    base = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), "MOCKPANEL_LOG_LEVEL": "WARNING"}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=cwd, env={**base, **env}, capture_output=True, text=True, timeout=60
    )


@pytest.fixture
async def played(tmp_path: Path, library: Library, clock: FakeClock) -> Path:
    return await played_database(tmp_path / "mockpanel.db", library, clock)


def counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as db:
        names = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {name: db.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0] for name in names}


async def test_copy_prints_one_verified_summary_and_progress_lines_on_stderr(played: Path, tmp_path: Path) -> None:
    done = mockpanel("db", "copy", "--from", "mockpanel.db", "--to", "copy.db", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("\n") == 1
    assert done.stdout.startswith("copied ") and "verified" in done.stdout and "identical" in done.stdout
    tables = counts(played)
    assert len(done.stderr.splitlines()) == len(tables)  # not a terminal: one plain line per table
    assert all(re.fullmatch(r"\w+: [\d,]+/[\d,]+ rows", line) for line in done.stderr.splitlines())
    assert f"answers: {tables['answers']}/{tables['answers']} rows" in done.stderr.splitlines()
    assert counts(tmp_path / "copy.db") == tables
    again = mockpanel("db", "copy", "--from", "mockpanel.db", "--to", "copy.db", cwd=tmp_path)
    assert again.returncode == 2 and again.stdout == ""
    assert again.stderr.startswith("mockpanel: the target copy.db is not empty") and "--force" in again.stderr
    assert again.stderr.count("\n") == 1 and "Traceback" not in again.stderr
    forced = mockpanel("db", "copy", "--from", "mockpanel.db", "--to", "copy.db", "--force", cwd=tmp_path)
    assert forced.returncode == 0, forced.stderr


@pytest.mark.parametrize(
    ("source", "target", "says"),
    [
        ("missing.db", "copy.db", "the source missing.db does not exist"),
        ("mockpanel.db", "mockpanel.db", "--from and --to are the same database"),
        ("mockpanel.db", "nowhere/copy.db", "the folder"),
        ("mockpanel.db", "postgresql://mp@127.0.0.1:notaport/db", "--to: not a PostgreSQL URL"),
        ("mockpanel.db", "postgresql://mp:pw@127.0.0.1:9/db", "--to: cannot reach PostgreSQL at 127.0.0.1:9"),
        ("postgresql://mp:pw@127.0.0.1:9/db", "copy.db", "--from: cannot reach PostgreSQL"),
    ],
)
async def test_bad_input_is_one_line_and_exit_2(
    played: Path, tmp_path: Path, source: str, target: str, says: str
) -> None:
    done = mockpanel("db", "copy", "--from", source, "--to", target, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("mockpanel: ") and says in done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr and "pw@" not in done.stderr
    assert not (tmp_path / "copy.db").exists()


async def test_backup_of_mockpanel_db_refuses_to_overwrite(played: Path, tmp_path: Path) -> None:
    done = mockpanel("db", "backup", "backup.db", cwd=tmp_path, MOCKPANEL_DB=str(played))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"backed up {played} (schema version ")
    assert counts(tmp_path / "backup.db") == counts(played)
    again = mockpanel("db", "backup", "backup.db", cwd=tmp_path, MOCKPANEL_DB=str(played))
    assert again.returncode == 2 and "exists already" in again.stderr and again.stderr.count("\n") == 1
    assert mockpanel("db", "backup", "backup.db", "--force", "--db", str(played), cwd=tmp_path).returncode == 0


def test_backup_on_postgresql_prints_the_pg_dump_line(tmp_path: Path) -> None:
    done = mockpanel("db", "backup", "mp.dump", cwd=tmp_path, MOCKPANEL_DB="postgresql://mp:s3cret@db:5432/mockpanel")
    assert done.returncode == 2
    assert "  pg_dump --format=custom --file=mp.dump postgresql://mp@db:5432/mockpanel\n" in done.stderr
    assert "s3cret" not in done.stderr and not (tmp_path / "mp.dump").exists()
