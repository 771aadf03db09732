"""`mockpanel demo`: a scripted session with simulated users, through the real console adapter,
dispatcher, scheduler and store, with time compressed by a fake clock: a question of the day,
a group round, a panel round with rubric feedback, then the leaderboard and a weak-area summary."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bot.adapters.console.session import ConsoleOutbox, ConsoleSession
from bot.config import Settings, is_postgres_url
from bot.core.clock import FakeClock
from bot.runtime import build

START = datetime(2026, 3, 2, 8, 55, tzinfo=UTC)  # a Monday; London is on GMT


@dataclass
class DemoResult:
    """What the demo did, so a test can check the printed numbers against it."""

    answers: dict[str, int] = field(default_factory=dict)  # user -> answers that count for points
    ratings: list[tuple[str, str, int, int]] = field(default_factory=list)  # rater, author, old, new
    transcript: list[str] = field(default_factory=list)


class DemoScript:
    def __init__(self, session: ConsoleSession, outbox: ConsoleOutbox, clock: FakeClock, result: DemoResult) -> None:
        self.session = session
        self.outbox = outbox
        self.clock = clock
        self.result = result
        self.by_author: dict[str, str] = {}  # answer message id -> author
        self.current: dict[tuple[str, str], int] = {}

    async def say(self, user: str, line: str) -> None:
        """Type `line` as `user`, echoed the way the console's prompt would show it."""
        self.session.become(user)  # the prompt below shows who is typing
        self.outbox.write(f"{user}> {line}")
        await self.session.line(line)

    async def answer(self, user: str, text: str) -> str:
        await self.say(user, text)
        message_id = self.session.last_reply_id
        assert message_id is not None
        self.by_author[message_id] = user.lower()
        self.result.answers[user.lower()] = self.result.answers.get(user.lower(), 0) + 1
        return message_id

    async def rate(self, rater: str, message_id: str, score: int) -> None:
        await self.say(rater, f"!react {self.outbox.short(message_id)} {score}")
        author = self.by_author[message_id]
        old = self.current.get((rater.lower(), message_id), 0)
        self.current[(rater.lower(), message_id)] = score
        self.result.ratings.append((rater.lower(), author, old, score))

    def button_value(self, action: str) -> str:
        for post in reversed(self.outbox.posts):
            for button in post.message.buttons:
                if button.action == action:
                    return button.value
        raise LookupError(action)

    async def wait(self, minutes: float) -> None:
        await self.session.line(f"!wait {int(minutes * 60)}s")


async def run_demo(db_path: str, write: Callable[[str], None] = print) -> DemoResult:
    result = DemoResult()

    def capture(text: str) -> None:
        result.transcript.append(text)
        write(text)

    clock = FakeClock(START)
    outbox = ConsoleOutbox(clock, capture)
    runtime = await build(Settings(db=db_path), outbox, clock)
    try:
        session = ConsoleSession(runtime.dispatcher, outbox, clock, organisers=("Coach",))
        session.on_wait = runtime.scheduler.run_due
        # The chart of /mock me goes beside the demo's database (on PostgreSQL: here).
        session.save_dir = Path(".") if is_postgres_url(db_path) else Path(db_path).parent
        script = DemoScript(session, outbox, clock, result)
        await _play(script, session)
    finally:
        await runtime.close()
    return result


def _scripted_input(write: Callable[[str], None], values: list[str]) -> Callable[[str], str]:
    """Answers for the console's form prompts, echoed as if typed."""
    feed: Iterator[str] = iter(values)

    def read(prompt: str) -> str:
        value = next(feed, "")
        write(f"{prompt}{value}")
        return value

    return read


async def _play(s: DemoScript, session: ConsoleSession) -> None:
    banner = "\n### 1. Question of the day (09:00 Europe/London, weekdays)"
    s.outbox.write(banner)
    await s.say("Coach", "/mock qotd schedule 09:00 Europe/London weekdays behavioural")
    await s.wait(5)
    a = await s.answer(
        "Alice", "At my internship I owned the data import; I wrote the plan, split the work, and we cut load time 40%."
    )
    b = await s.answer(
        "Bob", "In a group project we disagreed on the stack; I proposed a spike and we picked the simpler one."
    )
    c = await s.answer("Chen", "I led our robotics team's testing and we placed second regionally.")
    await s.rate("Bob", a, 4)
    await s.rate("Chen", a, 5)
    await s.rate("Alice", b, 3)
    await s.rate("Chen", b, 2)
    await s.rate("Chen", b, 3)  # Chen changes their mind: the latest rating counts
    await s.rate("Alice", c, 4)
    await s.rate("Bob", c, 3)
    await s.say("Alice", f"!react {s.outbox.short(a)} 5")  # a self-rating: refused privately, not counted

    s.outbox.write("\n### 2. A group round: 2 behavioural questions, 2 min to answer, 1 min to rate")
    await s.say("Coach", "/mock group start behavioural questions 2 answer 2m rate 1m lobby 1m")
    for user in ("Alice", "Bob", "Dara", "Eve"):
        await s.say(user, "/mock join")
    await s.wait(1)
    q1 = {
        "Alice": await s.answer(
            "Alice", "I noticed our on-call handover lost context, so I wrote a checklist; incidents fell by a third."
        ),
        "Bob": await s.answer("Bob", "I helped a teammate who was stuck by pairing with them for an afternoon."),
        "Dara": await s.answer(
            "Dara", "As society treasurer I rebuilt the budget sheet and found 300 pounds of unclaimed grants."
        ),
        "Eve": await s.answer("Eve", "Once I missed a deadline; I told my manager early and replanned the work."),
    }
    for rater, author, score in [
        ("Alice", "Bob", 3), ("Alice", "Dara", 5), ("Alice", "Eve", 4), ("Bob", "Alice", 5), ("Bob", "Dara", 4),
        ("Bob", "Eve", 3), ("Dara", "Alice", 4), ("Dara", "Bob", 2), ("Eve", "Dara", 5), ("Eve", "Bob", 3),
    ]:  # fmt: skip
        await s.rate(rater, q1[author], score)
    await s.wait(1)
    q2 = {
        "Alice": await s.answer(
            "Alice", "I persuaded our lab to adopt code review by running a two-week trial and sharing the bug counts."
        ),
        "Dara": await s.answer(
            "Dara", "I was asked to lead a project with no brief; I interviewed the three stakeholders first."
        ),
        "Bob": await s.answer(
            "Bob", "I don't really have an example of leading, I usually follow what the team decides."
        ),
    }
    await s.wait(2)  # Eve gets a reminder at 80 % and then the answer phase ends without her
    for rater, author, score in [
        ("Alice", "Bob", 2), ("Alice", "Dara", 4), ("Bob", "Alice", 4), ("Dara", "Alice", 5), ("Eve", "Alice", 4),
        ("Eve", "Bob", 2), ("Eve", "Dara", 4), ("Dara", "Bob", 1),
    ]:  # fmt: skip
        await s.rate(rater, q2[author], score)
    await s.wait(1)

    s.outbox.write("\n### 3. A panel round: Bob is the candidate, Alice and Chen are the panel")
    await s.say("Coach", "/mock panel start @bob case questions 1 answer 3m rate 2m lobby 1m")
    for user in ("Alice", "Chen"):
        await s.say(user, "/mock join")
    await s.wait(1)
    p1 = await s.answer("Bob", "I'd guess the number is large and then check a couple of online sources.")
    await s.rate("Alice", p1, 2)
    await s.rate("Chen", p1, 2)
    session.read_line = _scripted_input(
        s.outbox.write,
        [
            "1",  # one score per rubric dimension, asked in turn; an empty line skips one
            "2",
            "3",
            "",
            "2",
            "Calm delivery",
            "Guessing without a structure",
            "State assumptions, then segment",
        ],
    )
    await s.say("Alice", f"!press feedback {s.button_value('feedback')}")
    await s.wait(2)

    s.outbox.write("\n### 4. The leaderboard, and a private weak-area summary")
    await s.say("Coach", "/mock leaderboard all community")
    await s.say("Bob", "/mock me")
