"""The same group round (5 players x 3 questions, the same answers and ratings) gives the same
leaderboard through Slack as through the terminal adapter."""

from __future__ import annotations

from pathlib import Path

from bot.core.banks import Library
from tests.fakes.slack_round import PLAYERS, play_console, play_slack


async def test_slack_and_the_terminal_give_the_same_leaderboard(tmp_path: Path, library: Library) -> None:
    (tmp_path / "console").mkdir()
    (tmp_path / "slack").mkdir()
    console = await play_console(tmp_path / "console", library)
    slack = await play_slack(tmp_path / "slack", library)
    assert sorted(s.name for s in console) == sorted(PLAYERS)
    assert all(s.answers == 3 for s in console)
    assert sum(s.received_n for s in console) > 15, "the ratings counted"
    assert slack == console
