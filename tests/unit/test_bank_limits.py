"""Reading uploaded banks: deep flow nesting refused in linear time, the parse off the event
loop within a time budget, and a bank read a moment ago not read again."""

from __future__ import annotations

import threading
import time

import pytest

from bot.core import bank_limits
from bot.core.banks import Library
from bot.core.errors import BankError, UsageError
from tests.fakes.banks import CLUB_BANK


@pytest.mark.parametrize("text", ["[" * 5000, "{a: " * 40 + "1" + "}" * 40, "x: " + "[" * 33 + "]" * 33])
def test_deep_flow_nesting_is_refused(text: str) -> None:
    with pytest.raises(BankError, match="nested too deeply"):
        bank_limits.check_nesting(text, "upload")


@pytest.mark.parametrize(
    "text",
    [CLUB_BANK, 'text: "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["', "text: '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[ it''s'",
     "# [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\nbank: {id: b}", "]" * 100 + "[" * 3],
)  # fmt: skip
def test_brackets_in_quotes_comments_and_shallow_flows_are_fine(text: str) -> None:
    bank_limits.check_nesting(text, "upload")


def test_the_nesting_check_is_linear() -> None:
    start = time.perf_counter()
    with pytest.raises(BankError):
        bank_limits.check_nesting("[" * 1_000_000, "upload")
    assert time.perf_counter() - start < 0.5


async def test_a_parse_over_budget_is_refused_without_waiting_for_it(
    monkeypatch: pytest.MonkeyPatch, library: Library
) -> None:
    release = threading.Event()

    def stuck(text: str, source: str, base: Library | None) -> Library:
        release.wait(10)
        return Library()

    monkeypatch.setattr(bank_limits, "load_text", stuck)
    try:
        with pytest.raises(UsageError, match="took too long"):
            await bank_limits.load_off_loop("bank: {id: slow}", "upload", library, budget=0.05)
    finally:
        release.set()


async def test_a_bank_just_read_is_not_read_again(monkeypatch: pytest.MonkeyPatch, library: Library) -> None:
    first = await bank_limits.load_off_loop(CLUB_BANK, "the attached file", library)
    assert "club-001" in first.questions

    def unexpected(text: str, source: str, base: Library | None) -> Library:
        raise AssertionError("read twice")

    monkeypatch.setattr(bank_limits, "load_text", unexpected)
    assert await bank_limits.load_off_loop(CLUB_BANK, "community bank club", library, budget=None) is first
    with pytest.raises(AssertionError):
        await bank_limits.load_off_loop(CLUB_BANK + "\n# changed\n", "upload", library)
