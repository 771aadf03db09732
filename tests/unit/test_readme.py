"""The README is what a new user follows: it must list every command, stand alone, and its
terminal walk-through must work as written."""

from __future__ import annotations

import re
from pathlib import Path

from bot.adapters.console.session import ConsoleOutbox, ConsoleSession
from bot.config import Settings
from bot.core.clock import FakeClock
from bot.core.commands import COMMANDS
from bot.runtime import build

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_command_is_in_the_readme_table() -> None:
    rows = [line for line in README.splitlines() if line.startswith("| `/mock")]
    missing = []
    for spec in COMMANDS:
        head, *sub = spec.name.split()
        if not sub:
            found = any(f"`/mock {head}" in r or f"`{head}`" in r for r in rows)
        else:
            found = any(f"`/mock {head} " in r and re.search(rf"\b{re.escape(sub[0])}\b", r) for r in rows)
        if not found:
            missing.append(spec.name)
    assert missing == []


def test_the_docs_stand_alone() -> None:
    assert "shared/DESIGN" not in README and "in the workspace" not in README
    for target in re.findall(r"\]\(([^)#]+)\)", README):
        if not target.startswith("http"):
            assert (ROOT / target).exists(), target
    assert (ROOT / "docs" / "architecture.md").exists()


async def test_the_readme_console_walkthrough_works_as_written(tmp_path: Path) -> None:
    block = README.split("A group round, typed line by line")[1].split("```")[1]
    typed = [
        re.split(r"\s{2,}\(", line.split("> ", 1)[1])[0].strip()
        for line in block.splitlines()
        if re.match(r"^\w+> ", line)
    ]
    assert len(typed) >= 10
    clock = FakeClock()
    printed: list[str] = []
    outbox = ConsoleOutbox(clock, printed.append)
    runtime = await build(Settings(db=str(tmp_path / "readme.db")), outbox, clock)
    try:
        session = ConsoleSession(runtime.dispatcher, outbox, clock, organisers=("you",))
        session.on_wait = runtime.scheduler.run_due
        for line in typed:
            before = len(printed)
            assert await session.line(line)
            said = "\n".join(printed[before:])
            assert said, line
            assert "Unknown" not in said and "did not work" not in said and "no message" not in said, (line, said)
    finally:
        await runtime.close()
    out = "\n".join(printed)
    assert "Rated Bob's answer 4." in out and "Rated Alice's answer 5." in out
    assert "== Final results ==" in out and "== Leaderboard" in out
