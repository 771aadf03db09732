"""Small builders shared by the store tests: rounds, answers, ratings and board reads."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from bot.core import scoring
from bot.core.ports import AnswerRecord, BoardRow, NewAnswer, RatingChange
from bot.storage.postgres import PostgresStore
from bot.storage.sqlite import SqliteStore

TENANT = "discord:guild-1"
OTHER_TENANT = "slack:T0001"
CHANNEL = "general"
AnyStore = SqliteStore | PostgresStore  # the `store` fixture: each test runs on both
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday


async def open_another(store: AnyStore) -> AnyStore:
    """A second store on the same database, as a second process would open it."""
    if isinstance(store, PostgresStore):
        return await PostgresStore.open(store.url, migrate=False)
    return await SqliteStore.open(store.path, checkpoint=False)


async def new_round(
    store: AnyStore,
    *,
    tenant: str = TENANT,
    channel: str = CHANNEL,
    kind: str = "group",
    state: dict[str, Any] | None = None,
    at: datetime = T0,
) -> int:
    return await store.create_round(tenant, channel, kind, state if state is not None else {}, at)


def new_answer(
    round_id: int,
    user: str,
    *,
    tenant: str = TENANT,
    channel: str = CHANNEL,
    q_index: int = 0,
    question_id: str = "beh-001",
    category: str = "behavioural",
    at: datetime = T0,
    text: str | None = None,
    message_id: str | None = "auto",
    hidden: bool = False,
    counts_for_board: bool = True,
    streak_day: date | None = None,
    previous_streak_day: date | None = None,
) -> NewAnswer:
    return NewAnswer(
        tenant=tenant,
        round_id=round_id,
        q_index=q_index,
        question_id=question_id,
        category=category,
        user_id=user,
        display_name=user.title(),
        channel_id=channel,
        message_id=f"m-{tenant}-{round_id}-{q_index}-{user}" if message_id == "auto" else message_id,
        text=text if text is not None else f"{user}'s answer to {question_id}",
        at=at,
        hidden=hidden,
        counts_for_board=counts_for_board,
        streak_day=streak_day,
        previous_streak_day=previous_streak_day,
    )


async def answer(store: AnyStore, round_id: int, user: str, **kw: Any) -> AnswerRecord:
    return await store.add_answer(new_answer(round_id, user, **kw))


def rating(
    target: AnswerRecord,
    rater: str,
    score: int | None,
    *,
    at: datetime = T0,
    dimension: str = "",
    expect: int | None = None,
) -> RatingChange:
    return RatingChange(target, rater, rater.title(), score, at, dimension, expect)


async def board(
    store: AnyStore,
    user: str,
    *,
    tenant: str = TENANT,
    scope: str = scoring.COMMUNITY_SCOPE,
    period: str = "all",
) -> BoardRow | None:
    found = await store.board_row(tenant, scope, period, user)
    return None if found is None else found[0]


async def board_or_fail(store: AnyStore, user: str, **kw: Any) -> BoardRow:
    row = await board(store, user, **kw)
    assert row is not None, f"no board row for {user} {kw}"
    return row


def expected_score(row: BoardRow, prior: float) -> float:
    """What scoring.points says this row's tallies are worth."""
    return scoring.points(
        scoring.Tally(row.answers, row.received_sum, row.received_n, row.given, row.streak_points), prior
    )


async def snapshot(store: AnyStore, users: list[str], tenant: str = TENANT) -> dict[str, Any]:
    """Everything the store holds about some users, for 'changed nothing' checks."""
    out: dict[str, Any] = {}
    for user in users:
        out[user] = {
            "export": await store.export_user(tenant, user),
            "skills": sorted(await store.skills(tenant, user), key=lambda s: (s.area, s.day)),
        }
    return out
