"""PostgreSQL's batched ratings (bot.storage.pg_ratings, the store's CallQueue in front of it)
mean exactly what the same changes mean one at a time through `StoreMethods.apply_rating`:
the same answer for each change and the same tables after, whatever the batch holds."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.storage import pg_ratings
from bot.storage.postgres import PostgresStore
from bot.storage.repositories import StoreMethods
from tests.store.helpers import OTHER_TENANT, T0, TENANT, answer, new_round
from tests.store.rating_batch_scene import C, Scene, build_scene, changes, dump, first_difference


class _Undo(Exception):
    """Raised to roll a transaction back: each way of applying starts from the same scene."""


@dataclass
class Outcome:
    results: list[bool | str]  # each change's answer, or the name of the error it raised
    tables: dict[str, Any]


async def batched(store: PostgresStore, scene: Scene, specs: list[C]) -> Outcome:
    """All of them as the store's queue runs one batch (`pg_ratings.runs`: a write each), then undone."""
    batch = changes(scene, specs)
    try:
        async with store.transaction() as tx:
            results: list[bool | str] = [False] * len(batch)
            for run in pg_ratings.runs(batch):
                part = [batch[i] for i in run]
                done = await tx._write(lambda db, part=part: pg_ratings.apply_ratings(db, part))  # type: ignore[misc]
                for i, result in zip(run, done, strict=True):
                    results[i] = result
            outcome = Outcome(results, await dump(tx))
            raise _Undo
    except _Undo:
        return outcome


async def one_by_one(store: PostgresStore, scene: Scene, specs: list[C]) -> Outcome:
    """Each through `StoreMethods.apply_rating` (a write each: a savepoint of its own), then undone."""
    try:
        async with store.transaction() as tx:
            results: list[bool | str] = []
            for change, event_id in changes(scene, specs):
                try:
                    results.append(await tx.apply_rating(change, event_id))
                except Exception as exc:
                    results.append(type(exc).__name__)
            outcome = Outcome(results, await dump(tx))
            raise _Undo
    except _Undo:
        return outcome


async def assert_same(store: PostgresStore, scene: Scene, specs: list[C]) -> Outcome:
    expected, got = await one_by_one(store, scene, specs), await batched(store, scene, specs)
    assert got.results == expected.results, specs
    assert got.tables == expected.tables, first_difference(got.tables, expected.tables)
    return expected


@pytest.fixture
async def scene(pg_store: PostgresStore) -> Scene:
    return await build_scene(pg_store)


# --- 1. one batch and one at a time: table-driven ------------------------------------------------

PRIOR_MOVERS = [C(t, f"r{i}", 5) for i in range(6) for t in ("alice", "dave")]  # 23 ratings, prior 4.0
CASES: dict[str, list[C]] = {
    "set, change and remove, with and without expect and order": [
        C("alice", "bob", 4, order=1),
        C("dave", "hank", 3),
        C("dave", "carol", 2, order=1),
        C("dave", "carol", None, expect=5, order=2),  # another score's removal: the 2 stands
        C("dave", "hank", None),  # no order, no expect: removed
        C("alice", "carol", None, expect=2, order=1),  # carol's rating from before orders
    ],
    "out of order, the same rating three times": [
        C("erin", "bob", None, expect=3, order=3),
        C("erin", "bob", 3, order=1),
        C("erin", "bob", 4, order=2),
        C("erin", "hank", 2, order=4),  # older than hank's stored order 5: changes nothing
        C("erin", "hank", None, expect=4, order=6),
    ],
    "the same change twice, in one batch and after one": [
        C("dave", "bob", 4, order=(1, 7)),
        C("dave", "bob", 4, order=(1, 7)),
        C("erin", "hank", 4, order=5),  # logged already
        C("alice", "carol", 5),
        C("alice", "carol", 5),
    ],
    "the same event id twice": [
        C("dave", "bob", 4, event="e1"),
        C("alice", "hank", 5, event="e1"),
        C("erin", "carol", 3, event="e2"),
        C("erin", "carol", 1, event="e2", order=1),
        C("dave", "hank", 2, event="e3"),
    ],
    "a rater past the daily cap, and a day of its own": [
        C("alice", "bob", 4),  # the tenth today: a point
        C("dave", "bob", 3),  # the eleventh: none
        C("filler0", "bob", None),  # back to ten: still ten points
        C("gina", "bob", 2, late=86_400),  # another day, another count
        C("filler1", "bob", None, expect=3, order=1),  # a rating from before orders, removed by order
        C("filler2", "bob", None, late=86_400),  # removed the next day: the day it counted loses it
    ],
    "two communities, one event id in each": [
        C("oscar", "bob", 4, event="e1"),
        C("alice", "bob", 2, event="e1"),
        C("oscar", "bob", 5, event="e2", order=1),
        C("oscar", "carol", 1, dimension="structure"),
        C("dave", "carol", 1, dimension="structure"),
    ],
    "rubric dimensions and a hidden rater": [
        C("alice", "carol", 4, dimension="structure"),
        C("alice", "carol", 2, dimension="structure", order=1),
        C("dave", "olga", 5, dimension="clarity"),
        C("dave", "olga", 4),
        C("erin", "bob", 3, dimension="impact", order=(1, 2)),
        C("erin", "bob", None, dimension="impact", order=(1, 1)),  # older: the 3 stands
    ],
    "a closed round and a withdrawn answer": [
        C("gina", "olga", 4, checked=True, event="e4"),  # closed: nothing, but the id is claimed
        C("alice", "olga", 3, checked=True, event="e4"),
        C("alice", "bob", 3, checked=True),
        C("frank", "hank", 4),
        C("frank", "hank", 5, order=1),
        C("frank", "carol", 4, checked=True, event="e5"),
    ],
    "a mean that moves the prior": [*PRIOR_MOVERS, C("erin", "r1", 5), C("erin", "r0", 5), C("erin", "r0", 4, order=1)],
    "a repeated rating and another one, in one channel, past the cap": [
        C("alice", "bob", 4, order=1),
        C("alice", "bob", 5, order=2),
        C("dave", "bob", 3, order=1),
    ],
    # Each of these came out otherwise in the first batched version (the changes of a rating
    # repeated in the batch were counted after all the others; the last name kept even if
    # empty; an event id seen when it was last, not first, in the batch).
    "a repeated rating and another one in two channels, past the cap": [
        C("alice", "bob", 4, order=1),
        C("alice", "bob", 5, order=2),
        C("erin", "bob", 3, order=1),  # bob's tenth of the day: the last point lands on c:general
    ],
    "a repeated rating and another one, as the prior moves": [
        *PRIOR_MOVERS,
        C("erin", "r0", 5),
        C("erin", "r0", 4, order=1),
        C("erin", "r1", 5),  # counted last, the mean never re-bases the prior
    ],
    "a repeated rating and another one, with new names": [
        C("alice", "ivy", 4, order=1),
        C("alice", "ivy", 5, order=2),
        C("dave", "ivy", 3, name="Ivy B."),  # the last change's name stands
    ],
    "an empty name after a name": [C("alice", "ivy", 4), C("dave", "ivy", 3, name="")],
    "the same event id twice, the later first": [
        C("alice", "bob", 4, event="e9", late=60),  # seen at this change's moment
        C("alice", "bob", 4, event="e9"),
    ],
}


@pytest.mark.parametrize("specs", CASES.values(), ids=CASES.keys())
async def test_one_batch_means_the_same_as_one_at_a_time(pg_store: PostgresStore, scene: Scene, specs: list[C]) -> None:
    expected = await assert_same(pg_store, scene, specs)
    assert any(r is True for r in expected.results), "the case changes something"


# --- 1. the same, for changes Hypothesis picks ---------------------------------------------------

# Both channels of the first community and the second community; a withdrawn answer, a closed round.
TARGETS = ("alice", "dave", "erin", "frank", "gina", "filler0", "oscar")
RATERS = ("bob", "carol", "hank", "olga")


@st.composite
def specs(draw: st.DrawFn) -> list[C]:
    out = []
    for _ in range(draw(st.integers(1, 12))):
        score = draw(st.none() | st.integers(1, 5))
        out.append(
            C(
                draw(st.sampled_from(TARGETS)),
                draw(st.sampled_from(RATERS)),
                score,
                expect=draw(st.none() | st.integers(1, 5)) if score is None else None,
                order=draw(st.none() | st.integers(1, 6)),
                dimension=draw(st.sampled_from(("", "", "structure"))),
                event=draw(st.none() | st.sampled_from(("e1", "e2", "e3"))),
                late=draw(st.sampled_from((0, 0, 60))),
                name=draw(st.none() | st.sampled_from(("", "B."))),
                checked=draw(st.booleans()),
            )
        )
    return out


@pytest.fixture
def loop_store(pg_url: str) -> Iterator[tuple[asyncio.AbstractEventLoop, PostgresStore, Scene]]:
    """A store and its scene on a loop of their own, for every example of a Hypothesis test."""
    loop = asyncio.new_event_loop()
    store = loop.run_until_complete(PostgresStore.open(pg_url))
    try:
        yield loop, store, loop.run_until_complete(build_scene(store))
    finally:
        loop.run_until_complete(store.close())
        loop.close()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(drawn=specs())
def test_any_batch_means_the_same_as_one_at_a_time(
    loop_store: tuple[asyncio.AbstractEventLoop, PostgresStore, Scene], drawn: list[C]
) -> None:
    loop, store, scene = loop_store  # each example undoes its changes: all start from the scene
    loop.run_until_complete(assert_same(store, scene, drawn))


# --- 5. what a reaction needs, for many at once ----------------------------------------------------

CONFIG = {"rating_emoji": ["one", "two", "three", "four", "five"], "timezone": "Europe/Oslo"}


async def target_scene(store: PostgresStore) -> list[tuple[str, str]]:
    """Two communities with settings (a third without), answers in each; asked about: answers,
    a withdrawn one, unknown messages, one community's message under the other's name."""
    await store.save_config(TENANT, CONFIG)
    await store.save_config(OTHER_TENANT, {"rating_emoji": ["star"]})
    here, there = await new_round(store), await new_round(store, tenant=OTHER_TENANT)
    a, b = await answer(store, here, "alice"), await answer(store, here, "bob", q_index=1)
    gone = await answer(store, here, "carol", q_index=2)
    await store.withdraw_answer(gone.id, T0)
    o = await answer(store, there, "olga", tenant=OTHER_TENANT)
    messages = [str(x.message_id) for x in (a, b, gone, o)]
    wanted = [(TENANT, m) for m in messages] + [(OTHER_TENANT, m) for m in messages]
    return [*wanted, (TENANT, "no-such"), ("discord:elsewhere", "no-such"), (TENANT, messages[0])]


async def test_rating_targets_are_what_each_look_up_finds(pg_store: PostgresStore) -> None:
    wanted = await target_scene(pg_store)
    expected = [await StoreMethods.rating_target(pg_store, tenant, m) for tenant, m in wanted]
    assert sum(answer is not None for _, answer, _ in expected) == 4, "three answers (one twice) found"
    assert await pg_store._read(lambda db: pg_ratings.rating_targets(db, wanted)) == expected
    asked = []
    run = pg_store._targets._run

    async def recording(batch: list[tuple[str, str]]) -> Any:
        asked.append(len(batch))
        return await run(batch)

    pg_store._targets._run = recording
    got = await asyncio.wait_for(asyncio.gather(*(pg_store.rating_target(t, m) for t, m in wanted)), 30)
    assert got == expected and max(asked) > 1, asked


async def many_targets(store: PostgresStore) -> list[dict[str, Any]]:
    wanted = await target_scene(store)
    return [config for config, _, _ in await store._read(lambda db: pg_ratings.rating_targets(db, wanted))]


async def test_each_caller_has_a_config_of_its_own(pg_store: PostgresStore) -> None:
    configs = await many_targets(pg_store)
    configs[0]["timezone"] = "UTC"
    configs[0]["new"] = True
    assert configs[1] == configs[-1] == CONFIG


async def test_each_caller_has_a_config_of_its_own_all_the_way_down(pg_store: PostgresStore) -> None:
    configs = await many_targets(pg_store)
    configs[0]["rating_emoji"].append("six")
    assert configs[1] == CONFIG


def test_a_batch_runs_as_transactions_of_one_community_and_no_rating_twice(scene: Scene) -> None:
    """Two communities in one transaction took their counter rows in the order of their
    statements, a rating twice in one took rows out of a single rating's order: both could
    deadlock another process's batch. `runs` keeps each transaction to one community and
    each rating once, in order; `apply_ratings` refuses a run of two communities."""
    specs = [
        C("alice", "bob", 4),
        C("oscar", "bob", 2),
        C("alice", "bob", 5, order=1),
        C("dave", "carol", 3),
        C("oscar", "carol", 1),
        C("oscar", "bob", 3),
    ]
    batch = changes(scene, specs)
    cut = list(pg_ratings.runs(batch))
    assert sorted(i for run in cut for i in run) == list(range(len(batch)))
    for run in cut:
        assert len({batch[i][0].answer.tenant for i in run}) == 1
        assert len({pg_ratings.key_of(batch[i][0]) for i in run}) == len(run)
        assert run == sorted(run), "in the batch's order"
    assert cut == [[0], [2, 3], [1, 4], [5]]  # cut where alice-bob comes again, and oscar-bob


async def test_a_run_of_two_communities_is_refused(pg_store: PostgresStore, scene: Scene) -> None:
    batch = changes(scene, [C("alice", "bob", 4), C("oscar", "bob", 2)])
    with pytest.raises(ValueError, match="one community"):
        await pg_store._write(lambda db: pg_ratings.apply_ratings(db, batch))
