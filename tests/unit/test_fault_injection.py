"""Fault injection: fail one store step per run, restart, let the platform retry, compare.

Each script (a group round, a blind round, a panel round with rubric feedback, a scheduled
question of the day) is played once with no fault: its answers, ratings, boards, weak areas,
streaks and delivered posts are the reference, and its store calls are counted. Then, on a
fresh database each time, step k fails (k = 1 .. that count, or a stride of it, see STRIDE):
an event that raises is sent again with the same event id (after a crash, by a new process:
a new Dispatcher and Scheduler on the same database), and timers and delivery are drained,
advancing the fake clock past any backoff. The end state must equal the reference: nothing
lost, nothing counted twice, never an open round without a timer, and the same posts, with
at most one repeated post when the failed step was the record of a post already sent.

Two kinds of fault (tests/fakes/faulty_store.py): a store error the code's own handlers see,
and a crash that unwinds everything (a kill -9 at that step, then a restart)."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.core import scoring
from bot.core.banks import Library
from bot.core.clock import FakeClock, parse_iso
from bot.core.dispatcher import POST_FAILED, Dispatcher
from bot.core.events import (
    Actor,
    ButtonPressed,
    CommandInvoked,
    Event,
    FormSubmitted,
    MessagePosted,
    ReactionAdded,
)
from bot.core.flows.context import Libraries, Reply
from bot.core.messages import Form, Message, Notify
from bot.core.rounds.ratings import DEFAULT_RATING_EMOJI
from bot.core.scheduler import Scheduler
from bot.storage.sqlite import SqliteStore
from tests.fakes.faulty_store import FaultPlan, FaultyStore, InjectedCrash, InjectedFault, Life
from tests.fakes.outbox import RecordingOutbox, SentPost

TENANT = "test:community"
CHANNEL = "c1"
USERS = ("alice", "bob", "chen", "dara")
FAULTS = (InjectedFault, InjectedCrash)
MAX_TRIES = 4  # one fault per run: a second try must do


@dataclass
class World:
    """The core on one database, with a store that fails where the plan says."""

    raw: SqliteStore
    plan: FaultPlan
    library: Library
    clock: FakeClock = field(default_factory=lambda: FakeClock(datetime(2026, 3, 2, 8, 0, tzinfo=UTC)))
    outbox: RecordingOutbox = field(default_factory=RecordingOutbox)
    restarts: int = 0
    _ids: int = 0

    def __post_init__(self) -> None:
        self.life = Life()
        self.start()

    def start(self) -> None:
        """A process on the database: its own store handle, delivery, dispatcher, scheduler."""
        self.store: Any = FaultyStore(self.raw, self.plan, self.life)
        outbox = ProcessOutbox(self.outbox, self.life)
        self.dispatcher = Dispatcher(self.store, outbox, Libraries(self.library, self.store), self.clock)
        self.scheduler = Scheduler(self.store, self.dispatcher, self.clock)

    def recover(self, error: BaseException) -> None:
        """After a store error the same process carries on; after a crash a new one starts on
        the same database, and whatever the old one still had running is cut off."""
        self.restarts += 1
        if isinstance(error, InjectedCrash):
            self.life.alive = False
            self.life = Life()
            self.start()

    # --- the platform's side: events, retried with the same id after a failure ---------------

    def base(self, user: str) -> dict[str, Any]:
        self._ids += 1
        actor = Actor(user_id=user, display_name=user.title(), is_organiser=user == "coach")
        return {"event_id": f"e{self._ids}", "tenant": TENANT, "channel_id": CHANNEL, "user": actor}

    async def send(self, event: Event) -> list[Reply]:
        for _ in range(MAX_TRIES):
            try:
                replies = await self.dispatcher.handle(event)
            except FAULTS as error:
                self.recover(error)
                continue
            await self.drain()
            return replies
        raise AssertionError(f"{event.event_id} never went through")

    async def command(self, user: str, text: str) -> list[Reply]:
        # Like a platform, resolve `@name` mentions to members (ids here are the lower-case names).
        mentions = {w[1:]: w[1:].title() for w in text.split() if w.startswith("@") and w[1:].isalnum()}
        return await self.send(CommandInvoked(text=text, attachment=None, mentions=mentions, **self.base(user)))

    async def reply(self, user: str, thread_id: str, text: str) -> None:
        base = self.base(user)
        await self.send(MessagePosted(message_id=f"u{self._ids}", text=text, thread_id=thread_id, **base))

    async def react(self, user: str, message_id: str, score: int) -> None:
        await self.send(ReactionAdded(message_id=message_id, emoji=DEFAULT_RATING_EMOJI[score - 1], **self.base(user)))

    async def press(self, user: str, action: str, value: str) -> list[Reply]:
        return await self.send(ButtonPressed(action=action, value=value, **self.base(user)))

    async def submit(self, user: str, form: str, value: str, **fields: str) -> None:
        await self.send(FormSubmitted(form=form, value=value, fields=fields, **self.base(user)))

    async def advance(self, **delta: float) -> None:
        self.clock.advance(timedelta(**delta))
        await self.drain()

    async def drain(self) -> None:
        """Fire due timers and deliver the outbox until nothing is left but the future; a
        backoff (a post to retry, a timer put back after a failure) is waited out on the clock."""
        for _ in range(50):
            try:
                await self.scheduler.run_due()
                await self.dispatcher.delivery.run_due()
            except FAULTS as error:
                self.recover(error)
                continue
            later = await self._retry_due()
            if later is None:
                await self.check_timers()
                return
            self.clock.set(max(later, self.clock.now()))
        raise AssertionError("the outbox or the timers never settled")

    async def _retry_due(self) -> datetime | None:
        """When the next retry is due: a pending outbox row, or a timer a failure put back."""
        dues = [await self.raw.next_outbox_due()]
        for due, payload in await self.raw._fetch("SELECT due, payload FROM timers", ()):
            if "_attempt" in json.loads(payload):
                dues.append(parse_iso(due))
        return min((d for d in dues if d is not None), default=None)

    async def check_timers(self) -> None:
        """No round is left open without a timer to move it on."""
        stuck = await self.raw._fetch(
            "SELECT id, kind FROM rounds WHERE status = 'open' AND kind != 'practice' AND NOT EXISTS"
            " (SELECT 1 FROM timers WHERE json_extract(payload, '$.round') = rounds.id)",
            (),
        )
        assert not stuck, f"open rounds with no timer: {stuck}"

    # --- what the platform shows --------------------------------------------------------------

    def titled(self, prefix: str) -> SentPost:
        """The last such post: after a repeated post, the one the store knows."""
        found = [p for p in self.outbox.posts if (p.message.title or "").startswith(prefix)]
        assert found, f"no post titled {prefix!r}"
        return found[-1]


class ProcessOutbox:
    """The platform as one process reaches it: not at all once that process has crashed."""

    def __init__(self, platform: RecordingOutbox, life: Life) -> None:
        self.platform = platform
        self.life = life

    async def post(
        self, tenant: str, channel_id: str, message: Message, thread_id: str | None = None, *, key: str | None = None
    ) -> str:
        self.life.check()
        return await self.platform.post(tenant, channel_id, message, thread_id, key=key)

    async def notify(self, tenant: str, note: Notify, *, key: str | None = None) -> None:
        self.life.check()
        await self.platform.notify(tenant, note, key=key)


# --- the scripts ------------------------------------------------------------------------------


async def group_round(w: World) -> None:
    await w.command("coach", "group start behavioural questions 2 answer 2m rate 1m lobby 1m")
    for user in ("alice", "bob", "chen"):
        await w.command(user, "join")
    await w.advance(minutes=1)
    for number, ratings in enumerate(((("bob", "alice", 5), ("chen", "alice", 4), ("alice", "bob", 2)),
                                      (("alice", "chen", 3), ("chen", "bob", 5), ("bob", "alice", 1))), 1):  # fmt: skip
        question = w.titled(f"Question {number}/2").message_id
        for user in ("alice", "bob", "chen"):
            await w.reply(user, question, f"{user} answers question {number} with a story")
        ids = {a.user_id: a.message_id for a in await w.raw.answers_for(1, number - 1)}
        for rater, author, score in ratings:
            await w.react(rater, ids[author], score)
        await w.advance(minutes=1)


async def blind_round(w: World) -> None:
    await w.command("coach", "group start behavioural questions 1 answer 2m rate 1m lobby 1m blind")
    for user in ("alice", "bob"):
        await w.command(user, "join")
    await w.command("coach", "next")
    await w.command("alice", "answer I kept it private")
    await w.press("bob", "answer", "1")
    await w.submit("bob", "answer", "1", text="bob's private answer")
    revealed = {a.user_id: a.message_id for a in await w.raw.answers_for(1, 0)}
    assert all(revealed.values()), "the reveal posts were not recorded"
    await w.react("bob", revealed["alice"], 4)
    await w.react("alice", revealed["bob"], 2)
    await w.advance(minutes=1)


async def panel_round(w: World) -> None:
    await w.command("coach", "panel start @dara case questions 1 answer 3m rate 2m lobby 1m")
    for user in ("alice", "bob"):
        await w.command(user, "join")
    await w.advance(minutes=1)
    question = w.titled("Question 1/1").message_id
    await w.reply("alice", question, "What numbers would you check first?")
    await w.reply("dara", question, "I would split costs into fixed and variable first")
    answer = (await w.raw.answers_for(1, 0))[0].message_id
    assert answer is not None
    await w.react("alice", answer, 4)
    await w.react("bob", answer, 2)
    for user, scores, keep in (("alice", "structure: 2\nclarity: 4", "Calm"), ("bob", "structure: 5", "")):
        form = next(r for r in await w.press(user, "feedback", "1") if isinstance(r, Form))
        await w.submit(user, "feedback", form.value, scores=scores, keep=keep, stop="", start="Use numbers")
    await w.advance(minutes=2)


async def qotd(w: World) -> None:
    await w.command("coach", "qotd schedule 09:00 UTC mon,wed,fri")
    await w.advance(hours=1)  # Monday 09:00: the question
    post = w.titled("Question of the day ·").message_id
    await w.reply("alice", post, "my answer")
    await w.reply("bob", post, "bob's answer")
    ids = {a.user_id: a.message_id for a in await w.raw.answers_for(1, 0)}
    await w.react("alice", ids["bob"], 5)
    await w.react("bob", ids["alice"], 3)
    await w.advance(hours=24)  # it closes
    await w.advance(hours=24)  # Wednesday's question: the next scheduled day, a streak of two
    await w.reply("alice", w.titled("Question of the day ·").message_id, "again")


Script = Callable[[World], Awaitable[None]]
# Every step of the group round, as an error and as a crash. The others: every other step, the
# odd ones as errors and the even ones as crashes, so each step fails one way (all of them both
# ways would double the file's time, about 45 s more than this).
SCRIPTS: dict[str, tuple[Script, int]] = {
    "group": (group_round, 1),
    "blind": (blind_round, 2),
    "panel": (panel_round, 2),
    "qotd": (qotd, 2),
}


# --- running and comparing ----------------------------------------------------------------


@dataclass
class Outcome:
    state: dict[str, Any]
    posts: dict[str, list[tuple[str, ...]]]  # per channel (or person, for private notes), in order


async def play(script: Script, library: Library, plan: FaultPlan) -> tuple[Outcome, World]:
    raw = await SqliteStore.open(":memory:")
    try:
        world = World(raw, plan, library)
        await script(world)
        return await outcome(world), world
    finally:
        await raw.close()


async def outcome(w: World) -> Outcome:
    async def rows(sql: str) -> list[tuple[Any, ...]]:
        return await w.raw._fetch(sql, ())

    store = w.raw
    state: dict[str, Any] = {
        "rounds": await rows("SELECT id, kind, status FROM rounds ORDER BY id"),
        "answers": await rows(
            "SELECT round_id, q_index, user_id, text, hidden, withdrawn, streak_points, message_id IS NOT NULL"
            " FROM answers ORDER BY id"
        ),
        "ratings": await rows("SELECT answer_id, rater_id, dimension, score FROM ratings ORDER BY 1, 2, 3"),
        "feedback": await rows("SELECT answer_id, rater_id, keep, stop, start FROM feedback ORDER BY 1, 2"),
        "board": await rows("SELECT * FROM board ORDER BY scope, period, user_id"),
        "given": await rows("SELECT user_id, day, n FROM given_daily ORDER BY 1, 2"),
        "skills": await rows("SELECT user_id, area, n, total FROM skills ORDER BY 1, 2"),
        "streaks": await rows("SELECT channel_id, user_id, length FROM streaks ORDER BY 1, 2"),
        "qotd": await rows("SELECT question_id FROM qotd_history ORDER BY 1"),
        "timers": await rows("SELECT key, kind FROM timers ORDER BY key"),
        "undelivered": await rows("SELECT id, status, last_error FROM outbox WHERE status != 'sent'"),
    }
    for scope in scoring.scopes(CHANNEL):
        for period in ("all", "week"):
            board = await store.leaderboard(TENANT, scope, period, limit=50)
            state[f"leaderboard {scope} {period}"] = [(r.user_id, round(r.score, 6), r.answers, r.given) for r in board]
    for user in USERS:
        row = await store.board_row(TENANT, scoring.COMMUNITY_SCOPE, "all", user)
        state[f"rank {user}"] = None if row is None else (round(row[0].score, 6), row[1])
        state[f"weak {user}"] = [(s.area, s.n, s.total) for s in await store.skills(TENANT, user)]
    by_id = {p.message_id: p for p in w.outbox.posts}
    posts: dict[str, list[tuple[str, ...]]] = {}
    for p in w.outbox.posts:
        thread = by_id[p.thread_id].message.title or "" if p.thread_id in by_id else str(p.thread_id)
        posts.setdefault(p.channel_id, []).append((p.message.title or "", p.message.text, thread))
    for n in w.outbox.notes:
        posts.setdefault(f"note:{n.user_id}", []).append((n.message.title or "", n.message.text, str(n.direct)))
    return Outcome(state, posts)


def repeats(got: list[tuple[str, ...]], want: list[tuple[str, ...]]) -> int:
    """How many posts were sent twice in a row to make `got` out of `want`; -1: not that."""
    extra, i = 0, 0
    for item in got:
        if i < len(want) and item == want[i]:
            i += 1
        elif i > 0 and item == want[i - 1]:
            extra += 1
        else:
            return -1
    return extra if i == len(want) else -1


_REFERENCE: dict[str, tuple[Outcome, int]] = {}


async def reference(name: str, library: Library) -> tuple[Outcome, int]:
    if name not in _REFERENCE:
        plan = FaultPlan()
        result, world = await play(SCRIPTS[name][0], library, plan)
        assert world.restarts == 0 and not result.state["undelivered"]
        _REFERENCE[name] = (result, plan.calls)
    return _REFERENCE[name]


@pytest.mark.parametrize("crash", [False, True], ids=["error", "crash"])
@pytest.mark.parametrize("name", list(SCRIPTS))
async def test_every_step_can_fail_and_nothing_is_lost_or_counted_twice(
    name: str, crash: bool, library: Library
) -> None:
    want, steps = await reference(name, library)
    script, stride = SCRIPTS[name]
    assert steps > 50, steps  # the script does run through the store
    failures = []
    for k in range(1 + crash % stride, steps + 1, stride):
        plan = FaultPlan(fail_at=k, crash=crash)
        got, _ = await play(script, library, plan)
        assert plan.failed is not None
        problems = [key for key in want.state if got.state[key] != want.state[key]]
        # A post sent again: only one sent whose record failed. An error fails one record; a
        # crash stops every lane being delivered, each with at most one post in flight.
        extras = {lane: repeats(got.posts.get(lane, []), want.posts.get(lane, [])) for lane in want.posts | got.posts}
        allowed = 1 if crash or plan.failed_in_record else 0
        if any(n < 0 or n > allowed for n in extras.values()) or (not crash and sum(extras.values()) > allowed):
            problems.append(f"posts repeated or lost: {extras}")
        if problems:
            failures.append(f"step {k} ({plan.failed}): {problems}")
    assert not failures, "\n".join(failures[:10])


async def test_a_failure_after_the_commit_keeps_the_replies_and_the_posts(library: Library) -> None:
    """The event committed; sending its posts then failed. The person still gets the replies
    (with a note that the posts will follow), not an error, and the posts do follow."""

    async def start(plan: FaultPlan) -> tuple[list[Reply], World]:
        w = World(await SqliteStore.open(":memory:"), plan, library)
        event = CommandInvoked(text="group start lobby 1m", attachment=None, **w.base("coach"))
        return await w.dispatcher.handle(event), w

    probe = FaultPlan()
    _, w = await start(probe)
    await w.raw.close()
    after_commit = probe.log.index("commit") + 2  # the step after the event's commit (1-based)
    plan = FaultPlan(fail_at=after_commit)
    replies, w = await start(plan)
    try:
        assert plan.failed == "pending_outbox"  # delivery, after the commit
        texts = [r.text for r in replies if isinstance(r, Message)]
        assert any("open for joining" in t for t in texts) and POST_FAILED in texts
        assert w.outbox.posts == []
        await w.drain()
        assert [p.message.title for p in w.outbox.posts] == ["Group round: lobby open"]
    finally:
        await w.raw.close()


async def test_a_timer_whose_event_committed_is_not_put_back(library: Library) -> None:
    """The timer's event committed, then something raised: the scheduler must not set the
    timer again for a retry, or the question of the day would be posted twice."""
    w = World(await SqliteStore.open(":memory:"), FaultPlan(), library)
    try:
        await w.command("coach", "qotd schedule 09:00 UTC mon,wed,fri")
        handle = w.dispatcher.handle

        async def commit_then_fail(event: Event) -> list[Reply]:
            await handle(event)
            raise InjectedFault("after the commit")

        w.dispatcher.handle = commit_then_fail  # type: ignore[method-assign]
        w.clock.advance(timedelta(hours=1))
        await w.scheduler.run_due()
        w.dispatcher.handle = handle  # type: ignore[method-assign]
        wednesday = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)
        assert await w.raw.timer_due("qotd:test:community:c1") == wednesday  # not Monday's, put back
        await w.advance(minutes=5)
        assert len([p for p in w.outbox.posts if (p.message.title or "").startswith("Question of the day ·")]) == 1
        assert await w.raw.timer_due("qotd:test:community:c1") == wednesday
    finally:
        await w.raw.close()
