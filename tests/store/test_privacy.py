"""Export, delete and the organisers' activity report."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.core import scoring
from bot.core.ports import AnswerRecord
from tests.store.helpers import OTHER_TENANT, T0, TENANT, AnyStore, answer, board, board_or_fail, new_round, rating


async def _community(store: AnyStore) -> dict[str, AnswerRecord]:
    """alice and bob answer and rate each other; carol rates both; alice has a streak."""
    round_id = await new_round(store)
    made = {
        "alice": await answer(store, round_id, "alice", text="alice's story"),
        "bob": await answer(store, round_id, "bob"),
        "carol": await answer(store, round_id, "carol"),
    }
    for target, rater, score in [
        ("alice", "bob", 4),
        ("alice", "carol", 5),
        ("bob", "alice", 2),
        ("bob", "carol", 3),
        ("carol", "alice", 5),
    ]:
        assert await store.apply_rating(rating(made[target], rater, score))
    assert await store.apply_rating(rating(made["bob"], "alice", 1, dimension="structure"))
    qotd = await new_round(store, kind="qotd")
    made["alice-qotd"] = await answer(
        store, qotd, "alice", streak_day=T0.date(), previous_streak_day=T0.date() - timedelta(days=1)
    )
    await store.save_feedback(made["bob"].id, "alice", "keep", "stop", "start", T0)
    await store.save_feedback(made["bob"].id, "carol", "k", "s", "t", T0)
    return made


async def test_export_user_contains_answers_ratings_given_and_boards(store: AnyStore) -> None:
    made = await _community(store)
    exported = await store.export_user(TENANT, "alice")
    assert exported["user"] == [{"user_id": "alice", "display_name": "Alice", "opted_out": 0}]
    assert {a["id"] for a in exported["answers"]} == {made["alice"].id, made["alice-qotd"].id}
    assert "alice's story" in {a["text"] for a in exported["answers"]}
    given = {(r["answer_id"], r["dimension"], r["score"]) for r in exported["ratings_given"]}
    assert given == {(made["bob"].id, "", 2), (made["carol"].id, "", 5), (made["bob"].id, "structure", 1)}
    boards = {(b["scope"], b["period"]): b for b in exported["boards"]}
    assert set(boards) == {(s, p) for s in ("c:general", "*") for p in scoring.period_keys(T0)}
    assert boards[("*", "all")]["answers"] == 2
    assert boards[("*", "all")]["received_n"] == 2
    assert boards[("*", "all")]["given"] == 2
    assert [s["length"] for s in exported["streaks"]] == [1]
    # Nothing about other users, nothing from another tenant.
    assert await store.export_user(OTHER_TENANT, "alice") == {
        "user": [],
        "answers": [],
        "ratings_given": [],
        "boards": [],
        "streaks": [],
    }


async def test_delete_user_removes_them_from_everyone_elses_aggregates(store: AnyStore) -> None:
    made = await _community(store)
    carol_before = await board_or_fail(store, "carol")

    await store.delete_user(TENANT, "alice", T0 + timedelta(days=1))

    # Her ratings are gone from the people she rated.
    bob = await board_or_fail(store, "bob")
    assert (bob.received_n, bob.received_sum) == (1, 3)
    assert bob.score == pytest.approx(scoring.points(scoring.Tally(1, 3, 1), scoring.DEFAULT_PRIOR_MEAN))
    carol = await board_or_fail(store, "carol")
    assert (carol.received_n, carol.received_sum) == (0, 0)
    # The ratings others gave her answers are gone too, with the raters' given points.
    assert carol.given == carol_before.given - 1 == 1
    assert (await board_or_fail(store, "bob")).given == 0
    bob_areas = {s.area: (s.n, s.total) for s in await store.skills(TENANT, "bob")}
    assert bob_areas == {"category:behavioural": (1, 3)}
    # Her answers are withdrawn and emptied, her rows gone.
    for key in ("alice", "alice-qotd"):
        stored = await store.get_answer(made[key].id)
        assert stored is not None and stored.withdrawn and stored.text == "" and stored.message_id is None
    assert await store.answer_by_message(TENANT, made["alice"].message_id or "") is None
    assert await board(store, "alice") is None
    assert await store.skills(TENANT, "alice") == []
    assert await store.best_streak(TENANT, "alice") == 0
    assert "alice" not in [r.user_id for r in await store.leaderboard(TENANT, "*", "all")]
    exported = await store.export_user(TENANT, "alice")
    assert all(not rows for rows in exported.values()), exported
    assert [f[1] for f in await store.feedback_for([made["bob"].id])] == ["carol"]
    assert [a.user_id for a in await store.answers_for(made["bob"].round_id)] == ["bob", "carol"]
    assert await store.activity(TENANT, None) != []
    assert "alice" not in {r["user_id"] for r in await store.activity(TENANT, None)}


async def test_delete_user_is_safe_to_repeat_and_for_strangers(store: AnyStore) -> None:
    await _community(store)
    await store.delete_user(TENANT, "alice", T0)
    after = {u: await board(store, u) for u in ("bob", "carol")}
    await store.delete_user(TENANT, "alice", T0)
    await store.delete_user(TENANT, "nobody", T0)
    assert {u: await board(store, u) for u in ("bob", "carol")} == after


async def test_activity_counts_and_means_since_a_date(store: AnyStore) -> None:
    early = await new_round(store, at=T0 - timedelta(days=10))
    late = await new_round(store)
    old = await answer(store, early, "alice", at=T0 - timedelta(days=10))
    a1 = await answer(store, late, "alice", q_index=0)
    a2 = await answer(store, late, "alice", q_index=1, at=T0 + timedelta(hours=1))
    b1 = await answer(store, late, "bob")
    await answer(store, late, "carol")
    gone = await answer(store, late, "dave")
    for target, rater, score in [(old, "bob", 1), (a1, "bob", 4), (a1, "carol", 5), (a2, "bob", 2), (b1, "alice", 3)]:
        await store.apply_rating(rating(target, rater, score))
    await store.apply_rating(rating(a1, "dave", 1, dimension="impact"))  # rubric: not in the mean
    await store.withdraw_answer(gone.id, T0)

    rows = {r["user_id"]: r for r in await store.activity(TENANT, T0)}
    assert set(rows) == {"alice", "bob", "carol"}
    assert (rows["alice"]["answers"], rows["alice"]["ratings_received"]) == (2, 3)
    assert rows["alice"]["mean_rating"] == pytest.approx(round(11 / 3, 2))
    assert rows["alice"]["name"] == "Alice"
    assert (rows["bob"]["answers"], rows["bob"]["ratings_received"], rows["bob"]["mean_rating"]) == (1, 1, 3)
    assert (rows["carol"]["answers"], rows["carol"]["ratings_received"], rows["carol"]["mean_rating"]) == (1, 0, None)
    assert next(iter(rows)) == "alice"  # most answers first

    everything = {r["user_id"]: r for r in await store.activity(TENANT, None)}
    assert (everything["alice"]["answers"], everything["alice"]["ratings_received"]) == (3, 4)
    assert everything["alice"]["mean_rating"] == pytest.approx(3.0)
    assert await store.activity(TENANT, T0 + timedelta(days=1)) == []
    assert await store.activity(OTHER_TENANT, None) == []
