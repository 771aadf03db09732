"""The dispatcher parses each command once: the turn it takes, whether it needs the calibration
fitted first, and the route it takes all come from that one parse."""

from __future__ import annotations

import pytest

from bot.core import commands
from bot.core.commands import ParsedCommand
from tests.fakes.harness import Harness, text_of


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    original = commands.parse

    def counted(text: str) -> ParsedCommand:
        seen.append(text)
        return original(text)

    monkeypatch.setattr(commands, "parse", counted)
    return seen


@pytest.mark.parametrize("text", ["me", "leaderboard week calibrated", "practice", "config show", "help", "raters"])
async def test_a_command_is_parsed_once_per_event(h: Harness, parses: list[str], text: str) -> None:
    await h.command("coach", text)
    assert parses == [text]


async def test_a_command_that_does_not_parse_is_parsed_once_and_says_why(h: Harness, parses: list[str]) -> None:
    assert "needs one of" in text_of(await h.command("coach", "config"))
    assert "Unknown command" in text_of(await h.command("coach", "frobnicate"))
    assert parses == ["config", "frobnicate"]


async def test_settings_and_banks_take_the_communitys_turn_other_commands_the_channels(h: Harness) -> None:
    await h.command("coach", "config show", channel="c7")
    await h.command("coach", "bank list", channel="c8")
    await h.command("coach", "help", channel="c9")
    assert set(h.dispatcher._locks) == {(h.tenant, "*community*"), (h.tenant, "c9")}


@pytest.mark.parametrize(
    ("text", "reads"),
    [
        ("me", True),
        ("me progress", True),
        ("raters", True),
        ("report", True),
        ("privacy export", True),
        ("leaderboard week calibrated", True),
        ("leaderboard week", False),
        ("practice", True),  # it aims at the weakest area
        ("practice behavioural", False),
        ("help", False),
        ("privacy optout", False),
    ],
)
def test_the_spec_says_which_commands_read_the_calibration(text: str, reads: bool) -> None:
    assert commands.parse(text).reads_calibration is reads
