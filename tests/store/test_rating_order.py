"""The latest rating change by the platform's order wins, whatever the order it arrives in."""

from __future__ import annotations

import asyncio
import random
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core import tallies
from bot.core.ports import AnswerRecord, RatingChange
from bot.storage.sqlite import SqliteStore
from tests.store.helpers import T0, TENANT, AnyStore, answer, board_or_fail, new_round, rating, snapshot


def ordered(change: RatingChange, *order: int) -> RatingChange:
    return replace(change, order=order)


async def _scene(store: AnyStore) -> AnswerRecord:
    return await answer(store, await new_round(store), "alice")


async def test_an_older_change_arriving_late_does_not_overwrite_a_newer_one(store: AnyStore) -> None:
    target = await _scene(store)
    assert await store.apply_rating(ordered(rating(target, "bob", 5), 2))
    assert not await store.apply_rating(ordered(rating(target, "bob", 3), 1))
    row = await board_or_fail(store, "alice")
    assert (row.received_n, row.received_sum) == (1, 5)


async def test_an_older_add_arriving_after_a_newer_removal_is_ignored(store: AnyStore) -> None:
    target = await _scene(store)
    before = await snapshot(store, ["alice", "bob"])
    # The removal (order 2) overtakes the add it removes (order 1).
    assert not await store.apply_rating(ordered(rating(target, "bob", None, expect=4), 2))
    assert not await store.apply_rating(ordered(rating(target, "bob", 4), 1))
    assert await snapshot(store, ["alice", "bob"]) == before
    assert await store.overall_ratings(target.id) == {}


async def test_a_removal_older_than_the_stored_rating_changes_nothing(store: AnyStore) -> None:
    target = await _scene(store)
    assert await store.apply_rating(ordered(rating(target, "bob", 4), 5))
    before = await snapshot(store, ["alice", "bob"])
    assert not await store.apply_rating(ordered(rating(target, "bob", None, expect=4), 3))
    assert await snapshot(store, ["alice", "bob"]) == before


async def test_a_late_change_takes_its_place_between_the_others(store: AnyStore) -> None:
    """Reactions 3 then 4, then 3 taken away: 4 stands. Arriving as 4, remove-3, 3, the 3
    is put back before the removal, so 4 still stands."""
    target = await _scene(store)
    await store.apply_rating(ordered(rating(target, "bob", 4), 2))
    await store.apply_rating(ordered(rating(target, "bob", None, expect=3), 3))
    await store.apply_rating(ordered(rating(target, "bob", 3), 1))
    assert await store.overall_ratings(target.id) == {"bob": 4}


async def test_the_same_order_twice_is_the_same_change(store: AnyStore) -> None:
    target = await _scene(store)
    assert await store.apply_rating(ordered(rating(target, "bob", 4), 7))
    assert not await store.apply_rating(ordered(rating(target, "bob", 2), 7))
    assert await store.overall_ratings(target.id) == {"bob": 4}


async def test_a_rating_from_before_orders_stands_before_every_ordered_change(store: AnyStore) -> None:
    target = await _scene(store)
    assert await store.apply_rating(rating(target, "bob", 2))  # no order: stored as it arrived
    assert await store.apply_rating(ordered(rating(target, "bob", 5), 9))
    # An older ordered removal arriving late: the unordered 2 came first, then removed, then 5.
    assert not await store.apply_rating(ordered(rating(target, "bob", None, expect=2), 4))
    assert await store.overall_ratings(target.id) == {"bob": 5}


async def test_deleting_a_user_deletes_their_order_log(store: AnyStore) -> None:
    target = await _scene(store)
    await store.apply_rating(ordered(rating(target, "bob", 4), 1))
    await store.apply_rating(ordered(rating(target, "carol", 4), 1))
    await store.delete_user(TENANT, "bob", T0)
    rows = await store._fetch("SELECT rater_id FROM rating_log", ())
    assert rows == [("carol",)]
    await store.delete_user(TENANT, "alice", T0)  # the author: the log of their answers goes too
    assert await store._fetch("SELECT rater_id FROM rating_log", ()) == []


# --- many shuffled arrival orders, one outcome -----------------------------------------------------

# bob rates twelve answers (past the daily cap on points for giving), carol three: at most 15
# ratings stand at once, under the 20 the community's mean needs before boards are re-based.
AUTHORS = ("alice", "dave")
PAIRS = [(a, q, "bob") for a in AUTHORS for q in range(6)] + [("alice", q, "carol") for q in range(3)]


@dataclass(frozen=True)
class Toggle:
    """A rater puts a rating reaction on or takes it off: one change, in platform order."""

    pair: int
    score: int
    added: bool
    order: int


def histories() -> st.SearchStrategy[list[Toggle]]:
    """Each pair's reactions as a user would make them: an emoji is added when it is not on the
    message and removed when it is; the platform numbers every change in the order it happened."""

    @st.composite
    def build(draw: st.DrawFn) -> list[Toggle]:
        steps = draw(st.lists(st.tuples(st.integers(0, len(PAIRS) - 1), st.integers(1, 5)), max_size=40))
        shown: dict[int, set[int]] = {}
        out = []
        for order, (pair, score) in enumerate(steps, 1):
            on = shown.setdefault(pair, set())
            added = score not in on
            on.symmetric_difference_update({score})
            out.append(Toggle(pair, score, added, order))
        return out

    return build()


async def _deliver(path: Path, toggles: list[Toggle]) -> dict[str, Any]:
    store = await SqliteStore.open(str(path))
    try:
        targets: dict[tuple[str, int], AnswerRecord] = {}
        round_id = await new_round(store)
        for author in AUTHORS:
            for q in range(6):
                targets[(author, q)] = await answer(store, round_id, author, q_index=q)
        # Concurrently, as a busy platform delivers them: several land in one group commit.
        await asyncio.gather(
            *(
                store.apply_rating(
                    ordered(
                        rating(
                            targets[PAIRS[t.pair][:2]],
                            PAIRS[t.pair][2],
                            t.score if t.added else None,
                            expect=None if t.added else t.score,
                        ),
                        t.order,
                    )
                )
                for t in toggles
            )
        )
        stored = {a.id: await store.overall_ratings(a.id) for a in targets.values()}
        return {"ratings": stored, "people": _standing(await snapshot(store, [*AUTHORS, "bob", "carol"]))}
    finally:
        await store.close()


def _standing(people: dict[str, Any]) -> dict[str, Any]:
    """What counts: ratings given, board rows and weak areas. A rating that counted and was
    then removed leaves rows of zeros behind (and its rater's name); one that never counted,
    because its removal arrived first, leaves none. The two are the same board."""
    out = {}
    for user, data in people.items():
        export = data["export"]
        boards = [b for b in export["boards"] if any(b[k] for k in ("answers", "received_n", "given", "streak_points"))]
        out[user] = {"given": export["ratings_given"], "answers": export["answers"], "boards": boards,
                     "skills": data["skills"]}  # fmt: skip
    return out


def _expected(toggles: list[Toggle]) -> dict[int, int | None]:
    """Each pair's rating with its changes applied in platform order (the core's rule)."""
    logs: dict[int, list[tallies.LoggedChange]] = {}
    for t in toggles:
        change = tallies.LoggedChange(tallies.encode_order((t.order,)), t.score if t.added else None,
                                      None if t.added else t.score)  # fmt: skip
        logs.setdefault(t.pair, []).append(change)
    return {pair: tallies.rating_by_order(log) for pair, log in logs.items()}


@settings(max_examples=40, deadline=None)
@given(toggles=histories(), seeds=st.lists(st.integers(0, 2**32), min_size=3, max_size=3))
def test_shuffled_arrivals_store_the_same_ratings_and_boards(toggles: list[Toggle], seeds: list[int]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        in_order = asyncio.run(_deliver(Path(tmp) / "in-order.db", toggles))
        for i, seed in enumerate(seeds):
            shuffled = list(toggles)
            random.Random(seed).shuffle(shuffled)
            assert asyncio.run(_deliver(Path(tmp) / f"shuffled-{i}.db", shuffled)) == in_order
    # And what is stored is the rule's answer: each pair's latest change by the platform's order.
    by_pair = _expected(toggles)
    ids = sorted(in_order["ratings"])  # answers were created in PAIRS' (author, q) order
    answer_id = {(a, q): ids[i] for i, (a, q) in enumerate((a, q) for a in AUTHORS for q in range(6))}
    for pair, (author, q, rater) in enumerate(PAIRS):
        stored = in_order["ratings"][answer_id[(author, q)]].get(rater)
        assert stored == by_pair.get(pair), (pair, toggles)
