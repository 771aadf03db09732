"""Two communities played through the real core until every table of the schema has rows:
what `mockpanel db copy` must carry over (tests/unit/test_dbcopy*.py, tests/e2e/test_db_cli.py)."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bot.core import scoring
from bot.core.analytics import summarise
from bot.core.banks import Library
from bot.core.clock import FakeClock
from bot.core.events import ReactionAdded
from bot.core.ports import Store
from bot.core.rounds.ratings import DEFAULT_RATING_EMOJI
from bot.storage.sqlite import SqliteStore
from tests.fakes.banks import CLUB_BANK
from tests.fakes.harness import Harness

TENANTS = ("discord:guild-1", "slack:T0001")
# Tables nothing writes outside a transaction (the batch writer's pause is never committed).
ALWAYS_EMPTY = frozenset({"board_buckets_paused"})
STORY = (
    "Situation: our release slipped. Task: I had to recover it. Action: I cut the scope with the team "
    "and shipped daily. Result: we shipped in a week. Ünïcødé 🎉 — 面试 " + "and a long tail " * 50
)


async def played_database(path: Path, library: Library, clock: FakeClock) -> Path:
    """A SQLite file with `play` played in it."""
    store = await SqliteStore.open(str(path))
    try:
        await play(store, library, clock)
    finally:
        await store.close()
    return path


def table_rows(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows, as SQLite holds them (types included), in a fixed order."""
    with sqlite3.connect(path) as db:
        names = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        return {name: sorted(db.execute(f'SELECT * FROM "{name}"').fetchall(), key=repr) for name in names}


async def play(store: SqliteStore, library: Library, clock: FakeClock) -> list[Harness]:
    """Rounds of every kind in two communities, a day apart, with ratings (some ordered),
    feedback, self-ratings, a QOTD schedule, a practice, a bank, a suggestion, settings; one
    round left open so timers wait; the Slack inbox, adapter state and an outbox lease too."""
    played = []
    for tenant in TENANTS:
        h = Harness(store, library, clock, tenant=tenant)
        await _qotd(h)
        await _group_round(h)
        await _panel_round(h)
        await h.command("alice", "practice")
        await h.command("bob", "bank suggest What would you do in your first week here?")
        await h.command("coach", "bank disable beh-001")
        await h.command("coach", "bank import", attachment=CLUB_BANK)
        await h.command("coach", "config nudges off")
        await h.command("chen", "privacy nudges off")
        await h.command("coach", "group start behavioural questions 1 answer 2m rate 1m lobby 5m", channel="c2")
        clock.advance(timedelta(days=1))
        played.append(h)
    # Held by a process as the copy is taken (inbox rows are leased too, since the Slack workers).
    await store.inbox_add(
        "slack", '{"event": "still to handle", "text": "ünïcødé"}', clock.now(), "host-1:4242",
        clock.now() + timedelta(seconds=30),
    )  # fmt: skip
    await store.kv_put("slack.installations", "T0001||", '{"bot_token": "xoxb-not-real"}', clock.now())
    # A lane some process is delivering as the copy is taken (its lease runs out on its own).
    await store.lease_lane(TENANTS[0], "c1", "host-1:4242", clock.now(), clock.now() + timedelta(seconds=30))
    return played


async def _qotd(h: Harness) -> None:
    await h.command("coach", "qotd schedule 09:00 UTC daily")  # a scheduled day counts for streaks
    await h.advance(hours=24)
    question = h.outbox.titled("Question of the day ·")[-1].message_id
    answer = await h.reply("alice", question, STORY)
    five = [n for n in h.outbox.notes if n.user_id == "alice" and n.message.title == "On your answer"][-1]
    button = five.message.buttons[3]
    await h.press("alice", button.action, button.value)  # a self-rating of 4
    # Reactions with the platform's order: kept in rating_log.
    for order, (rater, score) in enumerate((("bob", 2), ("chen", 5), ("bob", 3)), start=1):
        base = h._base(rater)
        await h.send(ReactionAdded(message_id=answer, emoji=DEFAULT_RATING_EMOJI[score - 1], order=(order,), **base))
    await h.reply("bob", question, "Bob's short answer")


async def _group_round(h: Harness) -> None:
    await h.command("coach", "group start behavioural questions 2 answer 2m rate 1m lobby 1m")
    for user in ("alice", "bob", "chen"):
        await h.command(user, "join")
    await h.advance(minutes=1)
    q1 = h.outbox.last_titled("Question 1/2")
    answers = {u: await h.reply(u, q1.message_id, f"{u} answers with a story") for u in ("alice", "bob", "chen")}
    await h.react("bob", answers["alice"], 5)
    await h.react("chen", answers["alice"], 4)
    await h.react("alice", answers["bob"], 2)
    await h.react("alice", answers["chen"], 1)
    await h.advance(minutes=1)
    await h.advance(minutes=2)
    await h.advance(minutes=1)


async def _panel_round(h: Harness) -> None:
    await h.command("coach", "panel start @dara case questions 1 answer 3m rate 2m lobby 1m")
    round_id = h.outbox.last_titled("Panel round").message.buttons[0].value
    for user in ("alice", "bob"):
        await h.command(user, "join")
    await h.advance(minutes=1)
    q1 = h.outbox.last_titled("Question 1/1")
    answer = await h.reply("dara", q1.message_id, "I would split costs into fixed and variable first")
    await h.react("alice", answer, 4)
    await h.react("bob", answer, 2)
    await h.submit(
        "alice", "feedback", round_id, scores="structure: 2\nclarity: 4", keep="Calm", stop="", start="Use numbers"
    )
    await h.advance(minutes=2)


PEOPLE = ("alice", "bob", "chen", "dara", "coach")
ALL_TIME_SCOPES = (scoring.COMMUNITY_SCOPE, *(scoring.scopes(c)[0] for c in ("c1", "c2")))


async def what_people_see(store: Store, today: date) -> dict[str, Any]:
    """Every community's all-time boards with each person's rank, and each person's weak-area
    rows and the summary /mock me makes of them, read through the store as the bot reads them."""
    seen: dict[str, Any] = {}
    for tenant in TENANTS:
        for scope in ALL_TIME_SCOPES:
            seen[f"{tenant} {scope} board"] = await store.leaderboard(tenant, scope, "all", 1000)
            for user in PEOPLE:
                seen[f"{tenant} {scope} {user} rank"] = await store.board_row(tenant, scope, "all", user)
        for user in PEOPLE:
            skills = sorted(await store.skills(tenant, user), key=lambda s: (s.area, s.day))
            seen[f"{tenant} {user} skills"] = skills
            seen[f"{tenant} {user} weak areas"] = summarise(skills, today)
    return seen
