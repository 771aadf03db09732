"""Settings from the environment and .env, and the `mockpanel` command."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import _fresh, main
from bot.config import Settings
from bot.core.banks import Library
from bot.core.errors import MockpanelError
from bot.storage.sqlite import migrations


def test_settings_from_env_file_and_environment(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(
        "# comment\nMOCKPANEL_DB=/data/from-file.db\nexport MOCKPANEL_LOG_LEVEL='debug'\nDISCORD_TOKEN=\"secret\"\n",
        encoding="utf-8",
    )
    settings = Settings.load({"MOCKPANEL_DB": "/data/from-env.db", "MOCKPANEL_BANKS": "a:b"}, env_file)
    assert settings.db == "/data/from-env.db"  # the environment wins over the file
    assert settings.log_level == "DEBUG"
    assert settings.banks == ("a", "b")
    assert settings.secrets["DISCORD_TOKEN"] == "secret"
    assert "secret" not in repr(settings)  # tokens never reach logs through repr
    assert Settings.load({}, tmp_path / "missing.env").db == "./mockpanel.db"


def test_bank_validate_list_and_show(capsys: pytest.CaptureFixture[str], tmp_path: Path, library: Library) -> None:
    assert main(["bank", "list"]) == 0
    out = capsys.readouterr().out
    assert f"{len(library.questions)} questions in {len(library.categories)} categories" in out
    assert main(["bank", "show", "tech-001"]) == 0
    assert "follow-ups:" in capsys.readouterr().out
    assert main(["bank", "show", "nope"]) == 2
    bad = tmp_path / "bad.yaml"
    bad.write_text("bank: {id: x, name: X, licence: MIT}\nquestions:\n  - id: q1\n    txt: hello\n", encoding="utf-8")
    assert main(["bank", "validate", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "bad.yaml, line 4, field `questions[0].txt`: unknown field" in err


def test_migrate_sqlite(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["migrate", "--db", str(tmp_path / "m.db")]) == 0
    assert f"schema version {migrations()[-1][0]}" in capsys.readouterr().out


def test_migrate_postgresql(capsys: pytest.CaptureFixture[str], pg_url: str) -> None:
    assert main(["migrate", "--db", pg_url]) == 0
    assert f"schema version {migrations()[-1][0]}" in capsys.readouterr().out


def test_a_postgresql_server_that_is_not_there_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["migrate", "--db", "postgresql://someone:secret@127.0.0.1:1/x"]) == 2
    err = capsys.readouterr().err
    assert "cannot reach PostgreSQL at 127.0.0.1:1" in err and "Traceback" not in err
    assert "secret" not in err and len(err.strip().splitlines()) == 1


def test_bank_import_and_export_for_a_community(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    db = str(tmp_path / "banks.db")
    bank = tmp_path / "club.yaml"
    bank.write_text(
        "bank: {id: club, name: Club, licence: CC-BY-4.0}\nquestions:\n"
        "  - {id: club-1, text: Tell us about your best club talk., category: communication, difficulty: 1,"
        ' follow_ups: ["What next?"], signals: [Clear structure], tips: [Pick one talk.]}\n',
        encoding="utf-8",
    )
    assert main(["bank", "import", str(bank), "--community", "discord:1", "--db", db]) == 0
    assert "imported bank club (1 questions) for discord:1" in capsys.readouterr().out
    assert main(["bank", "export", "--community", "discord:1", "--db", db]) == 0
    exported = capsys.readouterr().out
    assert "club-1" in exported and "tech-001" not in exported
    assert main(["bank", "export", "--community", "slack:T1", "--db", db]) == 2  # other communities have none
    assert "no banks of its own" in capsys.readouterr().err
    assert main(["bank", "export", "--bank", "core"]) == 0
    assert "tech-001" in capsys.readouterr().out
    bank.write_text(bank.read_text(encoding="utf-8").replace("club-1", "tech-001"), encoding="utf-8")
    assert main(["bank", "import", str(bank), "--community", "discord:1", "--db", db]) == 2
    assert "duplicate question id `tech-001`" in capsys.readouterr().err


def test_demo_refuses_a_database_it_did_not_create(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    community = tmp_path / "community.db"
    assert main(["migrate", "--db", str(community)]) == 0
    before = community.read_bytes()
    assert main(["demo", "--db", str(community)]) == 2
    assert "is not a database the demo created" in capsys.readouterr().err
    assert community.read_bytes() == before


@pytest.mark.parametrize(
    ("argv", "env", "expected"),
    [
        (["bank", "list"], {"MOCKPANEL_BANKS": "/nonexistent"}, "MOCKPANEL_BANKS names '/nonexistent'"),
        (["migrate", "--db", "/nonexistent/dir/x.db"], {}, "the folder /nonexistent/dir does not exist"),
        (["bank", "list"], {"MOCKPANEL_LOG_LEVEL": "verbose"}, "MOCKPANEL_LOG_LEVEL='VERBOSE' is not a log level"),
        (["bank", "import", "nothere.yaml", "--community", "console:local"], {}, "no such file: nothere.yaml"),
    ],
)
def test_command_line_problems_are_one_line_and_a_non_zero_exit(
    argv: list[str],
    env: dict[str, str],
    expected: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.chdir(tmp_path)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert expected in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_run_without_network_is_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DISCORD_TOKEN", "MTIz.abc.def")
    monkeypatch.setenv("DISCORD_API_BASE", "http://nonexistent.invalid/api/v10")  # resolves nowhere, offline
    assert main(["run", "discord"]) == 2
    err = capsys.readouterr().err
    assert "could not connect" in err and "check the network connection" in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("env", "sizes"),
    [
        ({}, (1, 10)),
        ({"MOCKPANEL_DB_POOL_MIN": "4"}, (4, 10)),
        ({"MOCKPANEL_DB_POOL_MIN": "20"}, (20, 20)),  # a minimum alone above 10 takes the maximum along
        ({"MOCKPANEL_DB_POOL_MAX": "3"}, (1, 3)),
        ({"MOCKPANEL_DB_POOL_MIN": "2", "MOCKPANEL_DB_POOL_MAX": "5"}, (2, 5)),
    ],
)
def test_pool_sizes_always_come_out_smallest_first(env: dict[str, str], sizes: tuple[int, int], tmp_path: Path) -> None:
    settings = Settings.load(env, tmp_path / "missing.env")
    assert (settings.db_pool_min, settings.db_pool_max) == sizes


def test_a_pool_minimum_above_its_maximum_is_refused(tmp_path: Path) -> None:
    with pytest.raises(MockpanelError, match="MOCKPANEL_DB_POOL_MIN is more than MOCKPANEL_DB_POOL_MAX"):
        Settings.load({"MOCKPANEL_DB_POOL_MIN": "6", "MOCKPANEL_DB_POOL_MAX": "5"}, tmp_path / "missing.env")


@pytest.mark.parametrize("name", ["demo#1.db", "demo?.db", "my demo.db"])
def test_the_demo_knows_its_own_database_whatever_its_name(tmp_path: Path, name: str) -> None:
    db = str(tmp_path / name)
    assert _fresh(db) == db
    assert _fresh(db) == db  # its own, so started afresh, not refused
    assert [p.name for p in tmp_path.iterdir()] == [name]  # and nothing opened beside it
