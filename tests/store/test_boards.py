"""Leaderboards: ordering, limits, opt-out, ranks, and tenants kept apart."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.core import scoring
from tests.store.helpers import OTHER_TENANT, T0, TENANT, AnyStore, answer, board, board_or_fail, new_round, rating

# user -> number of answers; alice and carol tie, broken by user id.
ANSWERS = {"alice": 2, "bob": 3, "carol": 2, "dave": 1, "erin": 4}


async def _populate(store: AnyStore, tenant: str = TENANT, channel: str = "general") -> int:
    round_id = await new_round(store, tenant=tenant, channel=channel)
    for user, n in ANSWERS.items():
        for q in range(n):
            await answer(store, round_id, user, tenant=tenant, channel=channel, q_index=q)
    return round_id


@pytest.mark.parametrize(
    ("limit", "expected"),
    [
        (10, ["erin", "bob", "alice", "carol", "dave"]),
        (3, ["erin", "bob", "alice"]),
        (1, ["erin"]),
    ],
)
async def test_leaderboard_order_and_limit(store: AnyStore, limit: int, expected: list[str]) -> None:
    await _populate(store)
    for scope in ("*", "c:general"):
        rows = await store.leaderboard(TENANT, scope, "all", limit)
        assert [r.user_id for r in rows] == expected
        assert [r.score for r in rows] == sorted((r.score for r in rows), reverse=True)
        assert all(r.score == pytest.approx(scoring.ANSWER_POINTS * ANSWERS[r.user_id]) for r in rows)
        assert all(r.display_name == r.user_id.title() for r in rows)


async def test_leaderboard_is_per_channel_and_period(store: AnyStore) -> None:
    first = await new_round(store, channel="a")
    second = await new_round(store, channel="b")
    await answer(store, first, "alice", channel="a")
    await answer(store, second, "bob", channel="b", at=T0 + timedelta(days=7))
    week1, week2 = scoring.period_keys(T0)[0], scoring.period_keys(T0 + timedelta(days=7))[0]
    assert [r.user_id for r in await store.leaderboard(TENANT, "c:a", "all")] == ["alice"]
    assert [r.user_id for r in await store.leaderboard(TENANT, "c:b", "all")] == ["bob"]
    assert [r.user_id for r in await store.leaderboard(TENANT, "*", "all")] == ["alice", "bob"]
    assert [r.user_id for r in await store.leaderboard(TENANT, "*", week1)] == ["alice"]
    assert [r.user_id for r in await store.leaderboard(TENANT, "*", week2)] == ["bob"]
    assert await store.leaderboard(TENANT, "c:nowhere", "all") == []


async def test_opt_out_hides_existing_and_later_rows_and_opt_in_shows_them(store: AnyStore) -> None:
    await _populate(store)
    await store.set_opt_out(TENANT, "bob", True)
    assert await store.is_opted_out(TENANT, "bob")
    assert "bob" not in [r.user_id for r in await store.leaderboard(TENANT, "*", "all")]

    # Rows created after opting out (a new channel, a new period) are hidden too.
    later = T0 + timedelta(days=40)
    round_id = await new_round(store, channel="new")
    await answer(store, round_id, "bob", channel="new", at=later)
    await answer(store, round_id, "alice", channel="new", at=later)
    for period in scoring.period_keys(later):
        assert [r.user_id for r in await store.leaderboard(TENANT, "c:new", period)] == ["alice"]
    assert "bob" not in [r.user_id for r in await store.leaderboard(TENANT, "*", "all")]
    # A user can still see their own row.
    assert (await board_or_fail(store, "bob")).answers == ANSWERS["bob"] + 1

    await store.set_opt_out(TENANT, "bob", False)
    assert not await store.is_opted_out(TENANT, "bob")
    assert [r.user_id for r in await store.leaderboard(TENANT, "c:new", "all")] == ["alice", "bob"]  # a tie
    assert [r.user_id for r in await store.leaderboard(TENANT, "*", "all")][:2] == ["bob", "erin"]


async def test_opting_out_before_any_activity_hides_rows_created_later(store: AnyStore) -> None:
    await store.set_opt_out(TENANT, "alice", True)
    round_id = await new_round(store)
    await answer(store, round_id, "alice")
    await answer(store, round_id, "bob")
    assert [r.user_id for r in await store.leaderboard(TENANT, "*", "all")] == ["bob"]
    # A rating given by an opted-out rater creates hidden rows for them as well.
    target = await answer(store, round_id, "carol")
    await store.apply_rating(rating(target, "alice", 5))
    assert "alice" not in [r.user_id for r in await store.leaderboard(TENANT, "*", "all")]
    # Their display name survives the opt-out row created without one.
    assert (await board_or_fail(store, "alice")).display_name == "Alice"


async def test_board_row_rank_counts_only_visible_users_ahead(store: AnyStore) -> None:
    await _populate(store)  # erin 40, bob 30, alice 20, carol 20, dave 10
    expected = {"erin": 1, "bob": 2, "alice": 3, "carol": 3, "dave": 5}
    for user, rank in expected.items():
        found = await store.board_row(TENANT, "*", "all", user)
        assert found is not None and found[1] == rank, user
    await store.set_opt_out(TENANT, "erin", True)
    await store.set_opt_out(TENANT, "alice", True)
    ranks = {}
    for user in ANSWERS:
        found = await store.board_row(TENANT, "*", "all", user)
        assert found is not None
        ranks[user] = found[1]
    assert ranks["bob"] == 1
    assert ranks["carol"] == 2
    assert ranks["dave"] == 3
    assert await store.board_row(TENANT, "*", "all", "nobody") is None


async def test_tenants_never_see_each_others_data(store: AnyStore) -> None:
    """Same user ids, same channel ids, same event and message ids in two communities."""
    rounds = {}
    for tenant, scores in ((TENANT, {"bob": 5}), (OTHER_TENANT, {"bob": 1, "carol": 2})):
        round_id = await new_round(store, tenant=tenant, state={"tenant": tenant})
        rounds[tenant] = round_id
        target = await answer(store, round_id, "alice", tenant=tenant, message_id="msg-1", text=f"in {tenant}")
        for rater, score in scores.items():
            await store.apply_rating(rating(target, rater, score))
        await store.record_post(tenant, "post-1", round_id, f"ref-{tenant}")
    await answer(store, rounds[OTHER_TENANT], "zed", tenant=OTHER_TENANT)
    await store.set_opt_out(OTHER_TENANT, "bob", True)

    mine = await board_or_fail(store, "alice")
    theirs = await board_or_fail(store, "alice", tenant=OTHER_TENANT)
    assert (mine.received_n, mine.received_sum) == (1, 5)
    assert (theirs.received_n, theirs.received_sum) == (2, 3)
    assert [r.user_id for r in await store.leaderboard(TENANT, "c:general", "all")] == ["alice", "bob"]
    assert [r.user_id for r in await store.leaderboard(OTHER_TENANT, "c:general", "all")] == ["alice", "zed", "carol"]
    assert not await store.is_opted_out(TENANT, "bob")
    assert (await board_or_fail(store, "bob")).given == 1

    found = await store.answer_by_message(TENANT, "msg-1")
    assert found is not None and found.tenant == TENANT and found.text == f"in {TENANT}"
    open_mine = await store.open_round(TENANT, "general", ["group"])
    assert open_mine is not None and open_mine.id == rounds[TENANT]
    assert await store.post_by_message(TENANT, "post-1") == (rounds[TENANT], f"ref-{TENANT}")
    assert await store.message_for_ref(TENANT, f"ref-{OTHER_TENANT}") is None

    exported = await store.export_user(TENANT, "alice")
    assert [a["text"] for a in exported["answers"]] == [f"in {TENANT}"]
    assert len((await store.export_user(TENANT, "carol"))["ratings_given"]) == 0
    assert {s.total for s in await store.skills(TENANT, "alice")} == {5}
    assert {r["user_id"] for r in await store.activity(TENANT, None)} == {"alice"}

    # Deleting alice in one community leaves the other's alice alone.
    await store.delete_user(OTHER_TENANT, "alice", T0)
    assert await board_or_fail(store, "alice") == mine
    assert await board(store, "alice", tenant=OTHER_TENANT) is None
