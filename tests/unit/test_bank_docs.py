"""The banks' documents say what the code does."""

from __future__ import annotations

import re
from pathlib import Path

from bot.core.banks import DIMENSIONS, MODES, shipped_bank_dir

ROOT = Path(__file__).resolve().parents[2]


def test_schema_lists_the_dimension_vocabulary_the_loader_uses() -> None:
    schema = (shipped_bank_dir() / "SCHEMA.md").read_text(encoding="utf-8")
    table = dict(
        (m.group(1), (m.group(2), m.group(3)))
        for m in re.finditer(r"^\| `(\w+)` \| ([^|]+) \| ([^|]+) \|$", schema, re.M)
    )
    assert {k: (n.strip(), d.strip()) for k, (n, d) in table.items()} == DIMENSIONS
    for level in ("**1 (warm-up)**", "**2 (standard)**", "**3 (stretch)**"):
        assert level in schema
    assert all(f"`{mode}`" in schema for mode in MODES)


def test_the_banks_readme_states_the_licence_and_what_is_common_property() -> None:
    readme = (shipped_bank_dir() / "README.md").read_text(encoding="utf-8")
    assert "CC BY 4.0" in readme
    assert '"Tell me about yourself"' in readme and "common property" in readme
    assert "follow-ups, the signals of a strong answer, the tips" in readme


def test_the_readme_lists_the_new_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "`mockpanel bank stats" in readme and "`/mock config locale en-GB\\|en-US`" in readme
