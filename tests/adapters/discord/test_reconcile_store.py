"""The two store queries reconcile uses: open rounds of a community, and who rated an answer."""

from __future__ import annotations

from bot.core.ports import RatingChange
from bot.storage.sqlite import SqliteStore
from tests.store.helpers import OTHER_TENANT, T0, TENANT, new_answer, new_round


async def test_open_rounds_of_a_community_by_kind(store: SqliteStore) -> None:
    qotd = await new_round(store, kind="qotd")
    group = await new_round(store, kind="group", channel="other")
    closed = await new_round(store, kind="group")
    await store.save_round(closed, "closed", {})
    await new_round(store, kind="practice")
    await new_round(store, tenant=OTHER_TENANT, kind="group")
    found = await store.open_rounds(TENANT, ("qotd", "group", "panel"))
    assert [(r.id, r.kind, r.channel_id) for r in found] == [(qotd, "qotd", "general"), (group, "group", "other")]


async def test_overall_ratings_by_rater(store: SqliteStore) -> None:
    round_id = await new_round(store, kind="qotd")
    answer = await store.add_answer(new_answer(round_id, "alice"))
    await store.apply_rating(RatingChange(answer, "bob", "Bob", 4, T0))
    await store.apply_rating(RatingChange(answer, "chen", "Chen", 2, T0))
    await store.apply_rating(RatingChange(answer, "chen", "Chen", 5, T0, dimension="clarity"))  # rubric: not a reaction
    assert await store.overall_ratings(answer.id) == {"bob": 4, "chen": 2}
    assert await store.overall_ratings(answer.id + 1) == {}
