"""One scripted group round (5 players x 3 questions, the same answers and ratings), played
through the terminal adapter and through Slack, so a test can compare the leaderboards."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bot.adapters.console.session import TENANT as CONSOLE_TENANT
from bot.adapters.console.session import ConsoleOutbox, ConsoleSession
from bot.config import Settings
from bot.core import scoring
from bot.core.banks import Library
from bot.core.clock import FakeClock
from bot.core.ports import BoardRow
from bot.core.rounds.ratings import SLACK_NAMES
from bot.runtime import build
from tests.fakes.slack_world import slack_world

START = datetime(2026, 3, 4, 14, 0, tzinfo=UTC)
PLAYERS = ("Alice", "Bob", "Chen", "Dara", "Eve")
START_ROUND = "group start behavioural questions 3 answer 5m rate 3m lobby 2m"
ANSWERS = {
    player: [
        f"{player}'s answer to question {q + 1}: situation, task, action, result ({q * 7 + len(player)}%)."
        for q in range(3)
    ]
    for player in PLAYERS
}
# (rater, author, score); a score of 0 removes the rater's earlier reaction of that author's answer.
RATINGS: list[list[tuple[str, str, int]]] = [
    [("Alice", "Bob", 3), ("Alice", "Chen", 5), ("Bob", "Alice", 4), ("Chen", "Alice", 5), ("Dara", "Eve", 2),
     ("Eve", "Dara", 4), ("Eve", "Bob", 3), ("Bob", "Dara", 1), ("Bob", "Dara", 3), ("Alice", "Alice", 5)],
    [("Bob", "Alice", 2), ("Chen", "Bob", 4), ("Dara", "Chen", 5), ("Eve", "Chen", 4), ("Alice", "Dara", 3),
     ("Chen", "Eve", 5), ("Dara", "Alice", 3), ("Dara", "Alice", 0)],
    [("Alice", "Eve", 4), ("Bob", "Eve", 5), ("Chen", "Dara", 2), ("Dara", "Bob", 4), ("Eve", "Alice", 5),
     ("Alice", "Chen", 3), ("Eve", "Bob", 1)],
]  # fmt: skip


@dataclass(frozen=True)
class Standing:
    name: str
    score: float
    answers: int
    received_n: int
    received_sum: int
    given: int


def standings(rows: list[BoardRow]) -> list[Standing]:
    return [Standing(r.display_name, round(r.score, 6), r.answers, r.received_n, r.received_sum, r.given) for r in rows]


async def play_console(tmp_path: Path, library: Library) -> list[Standing]:
    clock = FakeClock(START)
    outbox = ConsoleOutbox(clock, write=lambda _: None)
    runtime = await build(Settings(db=str(tmp_path / "console.db")), outbox, clock, library=library)
    session = ConsoleSession(runtime.dispatcher, outbox, clock, organisers=("Coach",))
    session.on_wait = runtime.scheduler.run_due

    async def say(who: str, line: str) -> None:
        await session.line(f"!as {who}")
        await session.line(line)

    try:
        await say("Coach", f"/mock {START_ROUND}")
        for player in PLAYERS:
            await say(player, "/mock join")
        await session.line("!wait 2m")
        for q in range(3):
            posted: dict[str, str] = {}
            for player in PLAYERS:
                await say(player, ANSWERS[player][q])
                posted[player] = outbox.short(str(session.last_reply_id))[1:]
            for rater, author, score in RATINGS[q]:
                line = (
                    f"!unreact {posted[author]} {_last(q, rater, author)}"
                    if score == 0
                    else f"!react {posted[author]} {score}"
                )
                await say(rater, line)
            await session.line("!wait 3m")
        return standings(await runtime.store.leaderboard(CONSOLE_TENANT, scoring.COMMUNITY_SCOPE, "all"))
    finally:
        await runtime.close()


async def play_slack(tmp_path: Path, library: Library) -> list[Standing]:
    ids = {player: f"U{player.upper()}" for player in PLAYERS}
    async with slack_world(tmp_path, library, FakeClock(START)) as world:
        d, fake = world.driver, world.fake
        await d.command("UCOACH", START_ROUND)
        lobby = fake.last_titled("Group round")
        for player in PLAYERS:
            await d.press(ids[player], lobby, "join")
        await world.advance(minutes=2)
        for q in range(3):
            question = fake.last_titled(f"Question {q + 1}/3")
            posted = {player: await d.reply(ids[player], question.ts, ANSWERS[player][q]) for player in PLAYERS}
            for rater, author, score in RATINGS[q]:
                shown = _last(q, rater, author) if score == 0 else score
                await d.react(ids[rater], posted[author], SLACK_NAMES[shown - 1], remove=score == 0)
            await world.advance(minutes=3)
        return standings(await world.runtime.store.leaderboard(world.tenant, scoring.COMMUNITY_SCOPE, "all"))


def _last(q: int, rater: str, author: str) -> int:
    """The score of the rater's latest reaction on that answer (what a removal takes back)."""
    return [s for r, a, s in RATINGS[q] if (r, a) == (rater, author) and s][-1]
