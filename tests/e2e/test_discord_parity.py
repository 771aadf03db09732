"""The same group round (5 people x 3 questions, the same answers and reactions) played in the
terminal and on the fake Discord ends with the same leaderboard."""

from __future__ import annotations

from pathlib import Path

from bot.adapters.console.session import ConsoleOutbox, ConsoleSession
from bot.config import Settings
from bot.core.banks import Library
from bot.core.clock import FakeClock
from bot.runtime import build
from tests.fakes.discord_env import START, DiscordEnv
from tests.fakes.scripted_round import CONSOLE_TENANT, ConsoleDriver, Row, board, board_lines, play


class DiscordDriver:
    """Answers are replies in the question's thread (the bot has the message-content intent),
    joining is the lobby's Join button, ratings are reactions."""

    def __init__(self, env: DiscordEnv) -> None:
        self.env = env

    async def start_round(self) -> None:
        await self.env.command("Coach", "group start", category="behavioural", questions=3, answer="2m", rate="1m",
                               lobby="1m")  # fmt: skip

    async def join(self, name: str) -> None:
        lobby = self.env.last("Group round")
        await self.env.press(name, lobby, self.env.button(lobby, "join"))

    async def answer(self, name: str, text: str) -> str:
        question = self.env.last("Question ")
        return str((await self.env.say(name, question["id"], text))["id"])

    async def rate(self, rater: str, message_id: str, score: int) -> None:
        await self.env.react(rater, message_id, score)

    async def wait(self, minutes: int) -> None:
        await self.env.advance(minutes=minutes)

    async def board_text(self) -> str:
        return self.env.said(await self.env.command("Coach", "leaderboard", period="all", scope="community"))


async def console_board(tmp_path: Path, library: Library) -> tuple[list[Row], list[str]]:
    clock = FakeClock(START)
    printed: list[str] = []
    outbox = ConsoleOutbox(clock, printed.append)
    runtime = await build(Settings(db=str(tmp_path / "console.db")), outbox, clock, library)
    try:
        session = ConsoleSession(runtime.dispatcher, outbox, clock, organisers=("Coach",))
        session.on_wait = runtime.scheduler.run_due
        driver = ConsoleDriver(session, outbox, printed)
        await play(driver)
        return await board(runtime.store, CONSOLE_TENANT), board_lines(await driver.board_text())
    finally:
        await runtime.close()


async def test_discord_and_the_terminal_give_the_same_leaderboard(tmp_path: Path, library: Library) -> None:
    expected_rows, expected_lines = await console_board(tmp_path, library)
    async with DiscordEnv.running(tmp_path, library, message_content=True) as env:
        driver = DiscordDriver(env)
        await play(driver)
        rows = await board(env.runtime.store, env.tenant)
        lines = board_lines(await driver.board_text())
    assert len(expected_rows) == 5 and sum(r.answers for r in expected_rows) == 14
    assert sum(r.received for r in expected_rows) == 25  # every rating but the self-rating counted
    assert rows == expected_rows
    assert lines == expected_lines and len(lines) == 5
