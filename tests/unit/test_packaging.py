"""A non-editable install must carry every package and the shipped banks."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_package_under_bot_is_listed_in_pyproject() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(config["tool"]["setuptools"]["packages"])
    found = {
        ".".join(path.parent.relative_to(ROOT).parts)
        for path in (ROOT / "bot").rglob("__init__.py")
        if "__pycache__" not in path.parts
    }
    assert found <= listed, f"add to pyproject.toml: {sorted(found - listed)}"
    assert "mockpanel_banks" in listed
    assert config["tool"]["setuptools"]["package-dir"]["mockpanel_banks"] == "question_banks"
    assert "migrations/*.sql" in config["tool"]["setuptools"]["package-data"]["bot.storage"]
