"""The core knows no chat platform and no database driver."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import bot.core

FORBIDDEN = {"discord", "slack_bolt", "slack_sdk", "aiosqlite", "asyncpg", "sqlite3", "aiohttp", "prometheus_client"}
CORE = Path(bot.core.__file__).parent


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("path", sorted(CORE.rglob("*.py")), ids=lambda p: str(p.relative_to(CORE)))
def test_core_module_imports_no_platform_or_driver(path: Path) -> None:
    assert imported_roots(path) & FORBIDDEN == set()


def test_the_walk_sees_the_core_and_would_catch_a_leak(tmp_path: Path) -> None:
    assert len(list(CORE.rglob("*.py"))) > 15
    leak = tmp_path / "leak.py"
    leak.write_text("import os\nfrom discord.ext import commands\n", encoding="utf-8")
    assert imported_roots(leak) & FORBIDDEN == {"discord"}
