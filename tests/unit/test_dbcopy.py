"""`mockpanel db copy` between SQLite files: every table, one transaction, verified."""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path

import pytest

from bot.core.banks import Library
from bot.core.clock import FakeClock
from bot.core.errors import MockpanelError
from bot.dbtools import copy as copy_module
from bot.dbtools.copy import CopyMismatch, copy_database
from bot.dbtools.engines import SqliteEndpoint, latest_version
from bot.dbtools.progress import Progress
from bot.storage.sqlite import SqliteStore
from tests.fakes.busy_community import ALWAYS_EMPTY, played_database, table_rows, what_people_see


def quiet() -> Progress:
    return Progress(io.StringIO(), tty=False)


@pytest.fixture
async def source(tmp_path: Path, library: Library, clock: FakeClock) -> Path:
    return await played_database(tmp_path / "source.db", library, clock)


async def test_every_table_is_copied_row_for_row_and_boards_and_weak_areas_read_the_same(
    source: Path, tmp_path: Path, clock: FakeClock
) -> None:
    before = table_rows(source)
    assert [name for name, rows in before.items() if not rows] == sorted(ALWAYS_EMPTY)  # the scene fills the rest
    target = tmp_path / "target.db"
    copied = await copy_database(str(source), str(target), progress=quiet())
    assert table_rows(target) == before
    assert copied.tables == len(before) and copied.rows == sum(len(rows) for rows in before.values())
    assert copied.verdict.communities == 2 and copied.verdict.people == 8
    assert "verified" in copied.summary() and "2 communities' all-time boards" in copied.summary()
    seen = []
    for path in (source, target):
        store = await SqliteStore.open(str(path))
        seen.append(await what_people_see(store, clock.now().date()))
        await store.close()
    assert seen[0] == seen[1]
    assert any(row for key, row in seen[0].items() if key.endswith("board"))


async def test_the_copy_keeps_working_as_a_database(source: Path, tmp_path: Path, library: Library) -> None:
    """Triggers come back after the copy: a rating on the copy still moves the rank counts."""
    target = tmp_path / "target.db"
    await copy_database(str(source), str(target), progress=quiet())
    with sqlite3.connect(source) as a, sqlite3.connect(target) as b:
        query = "SELECT name, sql FROM sqlite_master WHERE type IN ('trigger', 'index') ORDER BY name"
        assert a.execute(query).fetchall() == b.execute(query).fetchall()
        assert b.execute("PRAGMA user_version").fetchone()[0] == latest_version()
        assert b.execute("PRAGMA foreign_key_check").fetchall() == []
    store = await SqliteStore.open(str(target))
    await store.set_opt_out("discord:guild-1", "alice", True)  # board_buckets_update fires
    await store.close()
    with sqlite3.connect(target) as b:
        (shown,) = b.execute("SELECT SUM(n) FROM board_buckets WHERE scope = '*' AND period = 'all'").fetchone()
        (rows,) = b.execute("SELECT COUNT(*) FROM board WHERE scope = '*' AND period = 'all' AND hidden = 0").fetchone()
        assert shown == rows


async def test_a_non_empty_target_is_refused_unless_forced_and_force_replaces_it(source: Path, tmp_path: Path) -> None:
    target = tmp_path / "target.db"
    await copy_database(str(source), str(target), progress=quiet())
    with sqlite3.connect(target) as db:
        db.execute("INSERT INTO inbox (source, body, received_at) VALUES ('x', 'left over', '2026-01-01')")
    with pytest.raises(MockpanelError, match=r"is not empty .*--force"):
        await copy_database(str(source), str(target), progress=quiet())
    assert len(table_rows(target)["inbox"]) == 2  # untouched
    await copy_database(str(source), str(target), force=True, progress=quiet())
    assert table_rows(target) == table_rows(source)


async def test_the_same_database_on_both_sides_is_refused(source: Path, tmp_path: Path) -> None:
    before = table_rows(source)
    with pytest.raises(MockpanelError, match="same database"):
        await copy_database(str(source), str(source), force=True, progress=quiet())
    (tmp_path / "link.db").symlink_to(source)
    with pytest.raises(MockpanelError, match="same database"):
        await copy_database(str(source), str(tmp_path / "link.db"), force=True, progress=quiet())
    assert table_rows(source) == before


@pytest.mark.parametrize(
    ("version", "message"),
    [
        (latest_version() + 1, "knows only up to"),
        (latest_version() - 1, "run `mockpanel migrate"),
        (0, "not a mockpanel"),
    ],
)
async def test_a_source_at_another_schema_is_refused_and_no_target_is_left(
    source: Path, tmp_path: Path, version: int, message: str
) -> None:
    with sqlite3.connect(source) as db:
        db.execute(f"PRAGMA user_version = {version}")
    target = tmp_path / "target.db"
    with pytest.raises(MockpanelError, match=message):
        await copy_database(str(source), str(target), progress=quiet())
    assert not target.exists()


async def test_a_missing_source_or_target_folder_is_one_clear_error(source: Path, tmp_path: Path) -> None:
    with pytest.raises(MockpanelError, match="does not exist"):
        await copy_database(str(tmp_path / "nope.db"), str(tmp_path / "t.db"), progress=quiet())
    with pytest.raises(MockpanelError, match=r"folder .* does not exist"):
        await copy_database(str(source), str(tmp_path / "no" / "t.db"), progress=quiet())
    (tmp_path / "junk.db").write_bytes(b"not a database at all" * 100)
    with pytest.raises(MockpanelError, match="not a SQLite database"):
        await copy_database(str(tmp_path / "junk.db"), str(tmp_path / "t.db"), progress=quiet())
    with pytest.raises(MockpanelError, match="mysql:// is not a database"):
        await copy_database(str(source), "mysql://x@y/z", progress=quiet())


async def test_a_copy_that_does_not_verify_is_rolled_back(
    source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "target.db"
    await copy_database(str(source), str(target), progress=quiet())  # a target with rows: --force below
    before = table_rows(target)
    insert = SqliteEndpoint.insert

    async def lose_one_skill(self: SqliteEndpoint, table, rows):  # type: ignore[no-untyped-def]
        await insert(self, table, rows[:-1] if table.name == "skills" else rows)

    monkeypatch.setattr(SqliteEndpoint, "insert", lose_one_skill)
    n = len(before["skills"])
    with pytest.raises(CopyMismatch, match=f"skills has {n} rows in the source but {n - 1} .*1 weak-area rows differ"):
        await copy_database(str(source), str(target), force=True, progress=quiet())
    assert table_rows(target) == before  # the emptying went with the rollback


async def test_a_changed_value_fails_the_verification(
    source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Equal counts are not enough: one score off on a board is caught."""
    convert_rows = copy_module.convert_rows

    def nudge(table: str, convert, rows):  # type: ignore[no-untyped-def]
        out = convert_rows(table, convert, rows)
        return [(*r[:-2], r[-2] + 0.5, r[-1]) for r in out] if table == "board" else out

    monkeypatch.setattr(copy_module, "convert_rows", nudge)
    target = tmp_path / "target.db"
    with pytest.raises(CopyMismatch, match=r"board rows \(all time\) differ, in discord:guild-1, slack:T0001"):
        await copy_database(str(source), str(target), progress=quiet())
    assert not target.exists()


async def test_loose_sqlite_values_are_stored_as_the_target_column_says(tmp_path: Path) -> None:
    """Values of every column type, NULLs, unicode and a big text; numbers SQLite kept as text."""
    source = tmp_path / "source.db"
    await (await SqliteStore.open(str(source))).close()
    big = "ß☃𝄞 " * 300_000  # over a million characters
    with sqlite3.connect(source) as db:
        db.execute("INSERT INTO communities VALUES ('t', '{\"k\": \"ü\"}', '7', 2.0, '3.5')")
        db.execute(
            "INSERT INTO rounds (id, tenant, channel_id, kind, status, state, created_at, version)"
            " VALUES (5, 't', 'c', 'group', 'open', ?, '2026-03-02T09:00:00+00:00', 1.0)",
            (big,),
        )
        db.execute(
            "INSERT INTO outbox (tenant, lane, kind, body, report_to, created_at, not_before, last_error,"
            " message_id) VALUES ('t', 'l', 'post', '{}', NULL, 'x', 'y', NULL, NULL)"
        )
    target = tmp_path / "target.db"
    await copy_database(str(source), str(target), progress=quiet())
    with sqlite3.connect(target) as db:
        row = db.execute("SELECT config, rating_sum, rating_n, prior_mean FROM communities").fetchone()
        assert row == ('{"k": "ü"}', 7, 2, 3.5) and [type(v) for v in row] == [str, int, int, float]
        assert db.execute("SELECT state = ?, version FROM rounds", (big,)).fetchone() == (1, 1)
        assert db.execute("SELECT report_to, last_error, message_id FROM outbox").fetchone() == (None, None, None)


async def test_a_value_the_target_cannot_hold_names_its_table_and_column(tmp_path: Path) -> None:
    source = tmp_path / "source.db"
    await (await SqliteStore.open(str(source))).close()
    with sqlite3.connect(source) as db:
        db.execute("INSERT INTO communities (tenant, rating_sum) VALUES ('t', 'many')")
    with pytest.raises(MockpanelError, match="communities: column rating_sum holds 'many', which is not a whole"):
        await copy_database(str(source), str(tmp_path / "target.db"), progress=quiet())


async def test_progress_is_a_bar_on_a_terminal_and_lines_otherwise(source: Path, tmp_path: Path) -> None:
    plain, bar = io.StringIO(), io.StringIO()
    await copy_database(str(source), str(tmp_path / "a.db"), progress=Progress(plain, tty=False))
    await copy_database(str(source), str(tmp_path / "b.db"), progress=Progress(bar, tty=True))
    lines = plain.getvalue().splitlines()
    n = len(table_rows(source)["answers"])
    assert f"answers: {n}/{n} rows" in lines and "\r" not in plain.getvalue()
    assert "\ranswers" in bar.getvalue() and f"[########################] {n}/{n} rows" in bar.getvalue()
    assert len(lines) == len(table_rows(source))
