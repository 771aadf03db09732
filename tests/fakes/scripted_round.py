"""One scripted group round (5 people x 3 questions, fixed answers and ratings) that any
adapter can play, so tests can check every platform ends with the same leaderboard.

A driver speaks one platform: the terminal (`ConsoleDriver`) or the fake Discord
(`tests/e2e/test_discord_parity.py`). Time is a fake clock starting on the same Monday.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from bot.adapters.console.session import TENANT, ConsoleOutbox, ConsoleSession
from bot.core import scoring
from bot.core.ports import Store

PLAYERS = ("Alice", "Bob", "Chen", "Dara", "Eve")
ANSWERS = {
    "Alice": "I noticed our on-call handover lost context, so I wrote a checklist; incidents fell by a third.",
    "Bob": "I helped a teammate who was stuck by pairing with them for an afternoon.",
    "Chen": "I led our robotics team's testing and we placed second regionally.",
    "Dara": "As society treasurer I rebuilt the budget sheet and found 300 pounds of unclaimed grants.",
    "Eve": "Once I missed a deadline; I told my manager early and replanned the work.",
}
# Per question: who answers, then (rater, author, score); Eve sits the last question out.
SCRIPT: tuple[tuple[tuple[str, ...], tuple[tuple[str, str, int], ...]], ...] = (
    (PLAYERS, (("Alice", "Bob", 3), ("Alice", "Dara", 5), ("Bob", "Alice", 5), ("Bob", "Eve", 3), ("Chen", "Alice", 4),
               ("Dara", "Chen", 2), ("Eve", "Dara", 4), ("Eve", "Bob", 2), ("Chen", "Eve", 4))),
    (PLAYERS, (("Bob", "Alice", 4), ("Chen", "Alice", 5), ("Dara", "Bob", 1), ("Alice", "Chen", 3), ("Eve", "Chen", 4),
               ("Alice", "Dara", 4), ("Bob", "Eve", 5), ("Dara", "Eve", 2), ("Chen", "Dara", 3), ("Eve", "Alice", 4))),
    (PLAYERS[:4], (("Alice", "Bob", 2), ("Eve", "Bob", 4), ("Bob", "Alice", 5), ("Chen", "Dara", 5), ("Dara", "Chen", 3),
                   ("Eve", "Alice", 3), ("Alice", "Alice", 5))),  # the last one is a self-rating: refused
)  # fmt: skip


@dataclass(frozen=True)
class Row:
    name: str
    score: float
    answers: int
    received: int
    given: int


class Driver(Protocol):
    async def start_round(self) -> None: ...  # Coach: group start behavioural, 3 questions, 2m / 1m / lobby 1m
    async def join(self, name: str) -> None: ...
    async def answer(self, name: str, text: str) -> str: ...  # returns the answer's message id
    async def rate(self, rater: str, message_id: str, score: int) -> None: ...
    async def wait(self, minutes: int) -> None: ...
    async def board_text(self) -> str: ...  # `/mock leaderboard all community`, as shown


async def play(driver: Driver) -> None:
    await driver.start_round()
    for name in PLAYERS:
        await driver.join(name)
    await driver.wait(1)
    for number, (answering, ratings) in enumerate(SCRIPT, 1):
        posted = {name: await driver.answer(name, f"(Q{number}) {ANSWERS[name]}") for name in answering}
        if len(answering) < len(PLAYERS):
            await driver.wait(2)  # someone is missing: the answer phase runs its course
        for rater, author, score in ratings:
            await driver.rate(rater, posted[author], score)
        await driver.wait(1)


async def board(store: Store, tenant: str) -> list[Row]:
    rows = await store.leaderboard(tenant, scoring.COMMUNITY_SCOPE, "all", limit=50)
    return [Row(r.display_name, round(r.score, 6), r.answers, r.received_n, r.given) for r in rows]


def board_lines(text: str) -> list[str]:
    """The ranked lines of a leaderboard, without markup."""
    return [line.replace("**", "") for line in text.splitlines() if re.match(r"\d+\. ", line.strip())]


class ConsoleDriver:
    def __init__(self, session: ConsoleSession, outbox: ConsoleOutbox, printed: list[str]) -> None:
        self.session = session
        self.outbox = outbox
        self.printed = printed

    async def _as(self, name: str, line: str) -> None:
        await self.session.line(f"!as {name}")
        await self.session.line(line)

    async def start_round(self) -> None:
        await self._as("Coach", "/mock group start behavioural questions 3 answer 2m rate 1m lobby 1m")

    async def join(self, name: str) -> None:
        await self._as(name, "/mock join")

    async def answer(self, name: str, text: str) -> str:
        await self._as(name, text)
        assert self.session.last_reply_id is not None
        return self.session.last_reply_id

    async def rate(self, rater: str, message_id: str, score: int) -> None:
        await self._as(rater, f"!react {self.outbox.short(message_id)} {score}")

    async def wait(self, minutes: int) -> None:
        await self.session.line(f"!wait {minutes}m")

    async def board_text(self) -> str:
        start = len(self.printed)
        await self._as("Coach", "/mock leaderboard all community")
        return "\n".join(self.printed[start:])


CONSOLE_TENANT = TENANT
