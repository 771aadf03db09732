"""Settings from the environment and .env, and the `mockpanel` command."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.config import Settings


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


def test_bank_validate_list_and_show(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["bank", "list"]) == 0
    out = capsys.readouterr().out
    assert "520 questions in 13 categories" in out
    assert main(["bank", "show", "tech-001"]) == 0
    assert "follow-ups:" in capsys.readouterr().out
    assert main(["bank", "show", "nope"]) == 2
    bad = tmp_path / "bad.yaml"
    bad.write_text("bank: {id: x, name: X, licence: MIT}\nquestions:\n  - id: q1\n    txt: hello\n", encoding="utf-8")
    assert main(["bank", "validate", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "bad.yaml, line 4, field `questions[0].txt`: unknown field" in err


def test_migrate_and_postgres_message(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["migrate", "--db", str(tmp_path / "m.db")]) == 0
    assert "schema version 1" in capsys.readouterr().out
    assert main(["migrate", "--db", "postgresql://localhost/x"]) == 2
    assert "PostgreSQL storage is not available" in capsys.readouterr().err
