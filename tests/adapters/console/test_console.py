"""The terminal adapter: feed it lines, read what it prints."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
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
    answer = await runtime.store.answer_by_message("console:local", session.outbox.posts[1].message_id)
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


async def test_a_second_session_on_the_same_database_ignores_nothing(tmp_path: Path, clock: FakeClock) -> None:
    """Event ids (and message ids) are unique across sessions: a database played in before,
    as after `mockpanel demo`, must not swallow the next session's first commands."""
    db = str(tmp_path / "again.db")
    for session_number in range(2):
        printed: list[str] = []
        outbox = ConsoleOutbox(clock, printed.append)
        runtime = await build(Settings(db=db), outbox, clock)
        try:
            session = ConsoleSession(runtime.dispatcher, outbox, clock, organisers=("Coach",))
            for line in ("/mock help", "/mock qotd post", "!as Alice", "An answer", "!as Bob", "!react 2 4"):
                printed.clear()
                await session.line(line)
                assert printed, (session_number, line)  # every line says something
            assert "Rated Alice's answer 4." in "\n".join(printed)
        finally:
            await runtime.close()


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("!react 2 12", "(a rating is 1 to 5)"),
        ("!react 99 3", "(there is no message m99 in this session)"),
        ("!reply 99 hello", "(there is no message m99 in this session)"),
        ("/mock bank import nothere.yaml", "(can't read nothere.yaml: No such file or directory)"),
        ("!wait forever", "(!wait: a duration is for example"),
        ("!as", "Unknown console command"),
    ],
)
async def test_bad_console_lines_get_one_clear_line(
    line: str, expected: str, console: tuple[ConsoleSession, list[str], Runtime]
) -> None:
    session, printed, _ = console
    for setup in ("/mock qotd post", "!as Alice", "An answer"):
        await session.line(setup)
    printed.clear()
    assert await session.line(line)
    assert expected in "\n".join(printed)


@pytest.mark.parametrize("line", ["/quit", "/as Bob", "/help me"])
async def test_a_slash_word_is_never_posted_as_an_answer(
    line: str, console: tuple[ConsoleSession, list[str], Runtime]
) -> None:
    session, printed, _ = console
    for setup in ("/mock qotd post", "!as Alice"):
        await session.line(setup)
    printed.clear()
    assert await session.line(line)
    word = line.split()[0]
    assert printed == [
        f"({word} is not a command here: the bot's start with /mock, the console's with ! (!as NAME, !quit, !help))"
    ]


async def test_an_unexpected_failure_is_one_line_not_a_traceback(
    console: tuple[ConsoleSession, list[str], Runtime],
) -> None:
    session, printed, runtime = console

    async def broken(event: object) -> list[object]:
        raise RuntimeError("the disk is full")

    runtime.dispatcher.handle = broken  # type: ignore[assignment,method-assign]
    assert await session.line("/mock help")
    assert printed[-1] == "(that did not work: the disk is full; type !help for the commands)"


async def test_rubric_feedback_asks_each_dimension_with_its_levels(
    console: tuple[ConsoleSession, list[str], Runtime],
) -> None:
    session, printed, runtime = console
    for line in ("!as Bob", "!as Alice", "!as Coach", "/mock panel start @bob case questions 1 lobby 1m"):
        await session.line(line)
    await session.line("!as Alice")
    await session.line("/mock join")
    await session.line("!wait 1m")
    await session.line("!as Bob")
    await session.line("I would segment costs first")
    typed = iter(["9", "2", "", "4", "3", "5", "Calm", "", ""])
    prompts: list[str] = []

    def read(prompt: str) -> str:
        prompts.append(prompt)
        return next(typed)

    session.read_line = read
    await session.line("!as Alice")
    await session.line(f"!press feedback {session.outbox.posts[0].message.buttons[0].value}")
    out = "\n".join(printed)
    assert "Structure\n    1: Jumps into numbers" in out and "\n    5: A tailored" in out
    assert prompts[0] == "  Structure (1/2/3/4/5, empty to skip): "
    assert "Type one of 1/2/3/4/5, or nothing to skip." in out  # the 9, asked again
    assert "feedback is saved" in out
    answer = (await runtime.store.answers_for(1, 0))[0]
    assert {s.total for s in await runtime.store.answer_scores(1, 0, "structure") if s.answer_id == answer.id} == {2}
    assert not [s for s in await runtime.store.answer_scores(1, 0, "problem_solving") if s.n]  # skipped


async def test_ratings_and_removals_are_acknowledged(console: tuple[ConsoleSession, list[str], Runtime]) -> None:
    session, printed, _ = console
    for line in ("/mock qotd post", "!as Alice", "An answer", "!as Bob", "!react 2 4", "!unreact 2 4", "!react 1 4"):
        await session.line(line)
    await session.line("!react 2 👍")
    await session.line("!react 2 🎉")
    out = "\n".join(printed)
    assert "(only Bob sees this) That message is not an answer, so the reaction rates nothing." in out
    assert "👍 is not a rating here, so it was not counted" in out  # the first time: how to rate
    assert "🎉 is not a rating emoji here, so it rates nothing." in out
    assert "(Bob reacts 4️⃣ on m2)" in out
    assert "(only Bob sees this) Rated Alice's answer 4." in out
    assert "(only Bob sees this) Removed your rating of Alice's answer." in out


async def test_reactions_that_change_nothing_say_so(console: tuple[ConsoleSession, list[str], Runtime]) -> None:
    """In the terminal a reaction is not visible, so one that changes nothing says why instead
    of printing nothing (a replaced rating taken back, the same rating twice, after the close)."""
    session, printed, _ = console
    for line in ("/mock qotd post", "!as Alice", "An answer", "!as Bob", "!react 2 2", "!react 2 5"):
        await session.line(line)
    printed.clear()
    await session.line("!unreact 2 2")
    assert printed[-1].endswith("Nothing to take back: 2️⃣ is not your rating of Alice's answer now.")
    await session.line("!react 2 5")
    assert printed[-1].endswith("Nothing changed: your rating of Alice's answer stands as it was.")
    await session.line("!as Alice")
    await session.line("!unreact 2 4")
    assert printed[-1].endswith(
        "That is your own answer: the reaction was never counted, so taking it back changes nothing."
    )
    await session.line("!wait 48h")
    await session.line("!as Bob")
    printed.clear()
    await session.line("!unreact 2 5")
    assert printed[-1].endswith("Ratings for this answer are closed; taking the reaction back changes nothing.")
    await session.line("/mock me")
    assert "Rated" not in "\n".join(printed) and "Removed" not in "\n".join(printed)


async def test_digits_rate_with_the_communitys_own_emoji(console: tuple[ConsoleSession, list[str], Runtime]) -> None:
    session, printed, _ = console
    for line in ("/mock config rating-emoji 👎 😐 🙂 😀 🤩", "/mock qotd post", "!as Alice", "An answer", "!as Bob"):
        await session.line(line)
    await session.line("!react 2 5")
    out = "\n".join(printed)
    assert "rate other answers by reacting with 👎 😐 🙂 😀 🤩 (worst to best)" in out
    assert "(Bob reacts 🤩 on m2)" in out and "Rated Alice's answer 5." in out


def test_countdowns_round_the_way_people_read_them() -> None:
    clock = FakeClock()
    now = clock.now()
    assert relative(now + timedelta(seconds=179.6), now) == "in 3 min"  # a 3 min phase, a moment in
    assert relative(now + timedelta(seconds=150), now) == "in 2 min 30 s"
    assert relative(now + timedelta(hours=24), now) == "in 24 h"
    assert relative(now + timedelta(seconds=0.2), now) == "now"


async def test_a_private_note_names_the_person_as_they_were_typed(
    console: tuple[ConsoleSession, list[str], Runtime],
) -> None:
    session, printed, _ = console
    for line in ("/mock qotd post", "!as Alice"):
        await session.line(line)
    printed.clear()
    await session.line("I organised the team and we cut costs by 20%.")
    assert any(line.startswith("\n(private to Alice) == On your answer ==") for line in printed)
