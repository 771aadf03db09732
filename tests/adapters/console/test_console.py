"""The terminal adapter: feed it lines, read what it prints."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.adapters.console.render import relative, render_message
from bot.adapters.console.session import ConsoleOutbox, ConsoleSession
from bot.config import Settings
from bot.core.clock import FakeClock
from bot.core.messages import Button, Field, Message
from bot.runtime import Runtime, build


@pytest.fixture
async def console(tmp_path: Path, clock: FakeClock) -> AsyncIterator[tuple[ConsoleSession, list[str], Runtime]]:
    printed: list[str] = []
    outbox = ConsoleOutbox(clock, printed.append)
    runtime = await build(Settings(db=str(tmp_path / "c.db")), outbox, clock)
    session = ConsoleSession(runtime.dispatcher, outbox, clock, organisers=("Coach",))
    session.on_wait = runtime.scheduler.run_due
    yield session, printed, runtime
    await runtime.close()


async def test_switch_identity_answer_and_react_by_number(console: tuple[ConsoleSession, list[str], Runtime]) -> None:
    session, printed, runtime = console
    for line in ("/mock qotd post", "!as Alice", "My answer about teamwork", "!as Bob", "!react 2 4"):
        assert await session.line(line)
    out = "\n".join(printed)
    assert "[m1] #general" in out and "Question of the day" in out
    assert "[m2] #general › thread m1" in out
    answer = await runtime.store.answer_by_message("console:local", "m2")
    assert answer is not None and answer.user_id == "alice"
    scores = await runtime.store.answer_scores(answer.round_id, 0)
    assert (scores[0].n, scores[0].total) == (1, 4)


async def test_unknown_lines_and_commands_get_help_not_crashes(
    console: tuple[ConsoleSession, list[str], Runtime],
) -> None:
    session, printed, _ = console
    assert await session.line("!frobnicate")
    assert await session.line("/mock frobnicate")
    assert await session.line("hello with no question")
    out = "\n".join(printed)
    assert "Unknown console command" in out
    assert "Unknown command `frobnicate`" in out
    assert "no question to answer yet" in out
    assert not await session.line("!quit")


async def test_wait_moves_time_and_fires_timers(console: tuple[ConsoleSession, list[str], Runtime]) -> None:
    session, printed, _ = console
    await session.line("/mock group start lobby 1m")
    await session.line("!as Alice")
    await session.line("/mock join")
    await session.line("!wait 1m")
    assert "Question 1/3" in "\n".join(printed)


async def test_forms_are_filled_from_prompts(console: tuple[ConsoleSession, list[str], Runtime]) -> None:
    session, printed, _ = console
    await session.line("/mock group start blind lobby 1m")
    await session.line("!as Alice")
    await session.line("/mock join")
    await session.line("!wait 1m")
    session.read_line = lambda prompt: "my private answer"
    await session.line("!press answer 1")
    assert "saved privately" in "\n".join(printed)


def test_render_message_plain_text() -> None:
    clock = FakeClock()
    message = Message(
        title="T", text="**bold** text", fields=(Field("F", "v"),), buttons=(Button("Join", "join", "7"),),
        footer="foot", countdown=clock.now().replace(minute=5),
    )  # fmt: skip
    text = render_message(message, clock.now())
    assert text.splitlines() == [
        "== T ==",
        "bold text",
        "F:",
        "  v",
        "(ends in 5 min)",
        "[Join: !press join 7]",
        "foot",
    ]
    assert relative(clock.now(), clock.now()) == "now"
