"""The reads behind the calibrated views: `received` (per author, area, day and rater) and
`received_per_area` (the same ratings summed over authors and days, for the community's means)."""

from __future__ import annotations

from datetime import timedelta

from bot.core.calibrated import AreaReceived
from tests.store.helpers import OTHER_TENANT, T0, TENANT, AnyStore, answer, new_round, rating


async def ratings_of_a_community(store: AnyStore) -> None:
    """Two authors, two categories over two days, three raters, rubric dimensions under both
    categories, a self-rating, a withdrawn answer and another community's rating."""
    first = await new_round(store)
    second = await new_round(store, at=T0 + timedelta(days=1))
    a1 = await answer(store, first, "alice", category="behavioural")
    b1 = await answer(store, first, "bob", category="behavioural")
    a2 = await answer(store, second, "alice", category="case", question_id="case-001", at=T0 + timedelta(days=1))
    gone = await answer(store, second, "bob", category="case", question_id="case-001", at=T0 + timedelta(days=1))
    later = T0 + timedelta(days=1, hours=2)
    for change in (
        rating(a1, "carol", 4), rating(a1, "dave", 2), rating(a1, "bob", 5, at=later),
        rating(b1, "carol", 3), rating(b1, "alice", 1, at=later),
        rating(a2, "carol", 5, at=later), rating(a2, "dave", 4, at=later),
        rating(a1, "carol", 2, dimension="structure"), rating(a2, "carol", 4, dimension="structure", at=later),
        rating(a1, "alice", 5),  # her own answer: not a peer's rating
        rating(gone, "carol", 1, at=later),
    ):  # fmt: skip
        await store.apply_rating(change)
    await store.withdraw_answer(gone.id, later + timedelta(hours=1))
    elsewhere = await answer(store, await new_round(store, tenant=OTHER_TENANT), "alice", tenant=OTHER_TENANT)
    await store.apply_rating(rating(elsewhere, "carol", 1))


async def test_received_per_area_is_received_summed_over_authors_and_days(store: AnyStore) -> None:
    await ratings_of_a_community(store)
    summed: dict[tuple[str, str], list[int]] = {}
    for row in await store.received(TENANT):
        cell = summed.setdefault((row.area, row.rater_id), [0, 0])
        cell[0] += row.n
        cell[1] += row.total
    per_area = await store.received_per_area(TENANT)
    assert len(per_area) == len({(r.area, r.rater_id) for r in per_area})  # one row per area and rater
    assert {(r.area, r.rater_id): [r.n, r.total] for r in per_area} == summed
    assert sorted(per_area, key=lambda r: (r.area, r.rater_id)) == [
        AreaReceived("category:behavioural", "alice", 1, 1),
        AreaReceived("category:behavioural", "bob", 1, 5),
        AreaReceived("category:behavioural", "carol", 2, 7),
        AreaReceived("category:behavioural", "dave", 1, 2),
        AreaReceived("category:case", "carol", 1, 5),  # the withdrawn answer's rating is gone
        AreaReceived("category:case", "dave", 1, 4),
        AreaReceived("dimension:structure", "carol", 2, 6),  # one area under both categories
    ]


async def test_received_per_area_of_a_community_without_ratings_is_empty(store: AnyStore) -> None:
    assert await store.received_per_area(TENANT) == []
