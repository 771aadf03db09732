"""A small community to rate in batches (tests/store/test_pg_rating_batch.py): the same scene
in any fresh PostgreSQL schema, rating changes written as plain specs (so one list can be
turned into the same changes in two schemas), and a dump of every table a rating touches."""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from bot.core.ports import AnswerRecord, RatingChange, RoundRecord
from bot.storage.postgres import PostgresStore
from tests.store.helpers import OTHER_TENANT, T0, TENANT, answer, new_round, rating

FILLERS = [f"filler{i}" for i in range(9)]  # bob has rated each: one rating short of the daily cap


def open_only(stored: RoundRecord | None) -> bool:
    """What the core's `still_open` asks of the round as stored, reduced to its status."""
    return stored is not None and stored.status == "open"


@dataclass(frozen=True)
class Scene:
    answers: dict[str, AnswerRecord]  # by author; frank's is withdrawn, gina's round is closed


async def build_scene(store: PostgresStore) -> Scene:
    """Answers in two channels, one withdrawn, one in a closed round, one in another community
    (oscar's); some ratings already stored: bob's nine (one short of the cap), carol's from
    before orders were logged, hank's with an order; olga has opted out (her board rows are
    hidden, in no rank count)."""
    general, prep = await new_round(store), await new_round(store, channel="prep")
    closed = await new_round(store)
    answers = {
        "alice": await answer(store, general, "alice"),
        "dave": await answer(store, general, "dave", q_index=1),
        "erin": await answer(store, prep, "erin", channel="prep"),
        "frank": await answer(store, general, "frank"),
        "gina": await answer(store, closed, "gina"),
        "oscar": await answer(store, await new_round(store, tenant=OTHER_TENANT), "oscar", tenant=OTHER_TENANT),
    }
    for i, filler in enumerate(FILLERS):
        answers[filler] = await answer(store, general, filler, q_index=2 + i)
        assert await store.apply_rating(rating(answers[filler], "bob", 3))
    assert await store.apply_rating(rating(answers["alice"], "carol", 2))  # no order: before orders
    assert await store.apply_rating(replace(rating(answers["erin"], "hank", 4), order=(5,)))
    await store.set_opt_out(TENANT, "olga", True)
    await store.withdraw_answer(answers["frank"].id, T0)
    await store.save_round(closed, "closed", {})
    return Scene(answers)


@dataclass(frozen=True)
class C:
    """One rating change, by names: `order` (1, 2, ...) is the platform's; `event` an id to
    claim; `late` seconds after T0; `checked`: with a still_open check of its round."""

    target: str
    rater: str
    score: int | None
    expect: int | None = None
    order: int | tuple[int, ...] | None = None
    dimension: str = ""
    event: str | None = None
    late: int = 0
    name: str | None = None
    checked: bool = False

    def change(self, scene: Scene) -> tuple[RatingChange, str | None]:
        order = (self.order,) if isinstance(self.order, int) else self.order
        made = RatingChange(
            scene.answers[self.target],
            self.rater,
            self.rater.title() if self.name is None else self.name,
            self.score,
            T0 + timedelta(seconds=self.late),
            self.dimension,
            self.expect,
            still_open=open_only if self.checked else None,
            order=order,
        )
        return made, self.event


def changes(scene: Scene, specs: list[C]) -> list[tuple[RatingChange, str | None]]:
    return [spec.change(scene) for spec in specs]


# Every table a rating changes, each in its key order. Board rows are compared with any tally
# set: a rating that counted and was undone in the same batch leaves no row of zeros where one
# at a time leaves one (as SQLite's group commit does; tests/store/test_rating_order.py), and
# the rank counts are checked against a recount of the rows each side holds instead.
WITH_TALLIES = "AND (answers <> 0 OR received_sum <> 0 OR received_n <> 0 OR given <> 0 OR streak_points <> 0)"
TABLES = {
    "ratings": "SELECT * FROM ratings ORDER BY answer_id, rater_id, dimension",
    "rating_log": "SELECT * FROM rating_log ORDER BY answer_id, rater_id, dimension, ord",
    "processed_events": "SELECT * FROM processed_events ORDER BY tenant, event_id",
    "board": f"SELECT * FROM board WHERE TRUE {WITH_TALLIES} ORDER BY tenant, scope, period, user_id",
    "skills": "SELECT * FROM skills ORDER BY tenant, user_id, area, day",
    "given_daily": "SELECT * FROM given_daily ORDER BY tenant, user_id, day",
    "communities": "SELECT tenant, rating_sum, rating_n, prior_mean FROM communities ORDER BY tenant",
    "users": "SELECT * FROM users ORDER BY tenant, user_id",
    "rating_versions": "SELECT * FROM rating_versions ORDER BY tenant",
}
BUCKETS = "SELECT tenant, scope, period, bucket, n FROM board_buckets WHERE n <> 0 ORDER BY 1, 2, 3, 4"
RECOUNT = (
    "SELECT tenant, scope, period, CAST(trunc(score) AS BIGINT), COUNT(*) FROM board WHERE hidden = 0 {}"
    " GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4"
)


async def dump(store: PostgresStore) -> dict[str, Any]:
    """The tables as `store` sees them (inside a transaction view: that transaction's)."""
    out = {table: await store._fetch(sql, ()) for table, sql in TABLES.items()}
    assert await store._fetch(BUCKETS, ()) == await store._fetch(RECOUNT.format(""), ()), "rank counts != a recount"
    out["board_buckets"] = await store._fetch(RECOUNT.format(WITH_TALLIES), ())
    return out


def first_difference(a: dict[str, Any], b: dict[str, Any]) -> str:
    """The first table the two dumps disagree on, and its first differing rows."""
    for table in a:
        if a[table] != b[table]:
            pairs = zip([*a[table], None], [*b[table], None], strict=False)
            x, y = next((x, y) for x, y in pairs if x != y)
            return f"{table}: batch {x} != one by one {y}"
    return "identical"


async def reset(store: PostgresStore) -> None:
    """Every table of the schema emptied and its ids started again, for the scene anew."""
    rows = await store._fetch(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
        " AND table_type = 'BASE TABLE' AND table_name <> 'schema_version' ORDER BY 1",
        (),
    )
    await store._exec(f"TRUNCATE {', '.join(name for (name,) in rows)} RESTART IDENTITY", ())


def workload(n: int, seed: int) -> list[C]:
    """Many changes whose outcome does not depend on how they are batched (see the strict
    xfails of test_pg_rating_batch.py): one channel, one day, one name per rater, overall
    ratings all 3 (the community's mean stays 3.0, the prior never moves) and rubric scores
    anything; set, change and remove, ordered or not, some event ids twice (on one rating),
    some in a closed round or on a withdrawn answer."""
    rng = random.Random(seed)
    raters = ["bob", *(f"r{i:02d}" for i in range(14))]
    targets = ["alice", "dave", "frank", "gina", *FILLERS]
    orders: dict[tuple[str, str, str], int] = {}
    out = []
    for _ in range(n):
        target, rater, dimension = rng.choice(targets), rng.choice(raters), rng.choice(("", "", "structure"))
        removal = rng.random() < 0.3
        score = None if removal else 3 if dimension == "" else rng.randint(1, 5)
        key = (target, rater, dimension)
        order = None
        if rng.random() < 0.6:  # mostly rising, sometimes an older one arriving late
            orders[key] = orders.get(key, 0) + rng.choice((1, 1, 2, -1))
            order = max(orders[key], 0)
        event = f"ev-{'-'.join(key)}-{rng.randint(0, 2)}" if rng.random() < 0.3 else None
        out.append(C(target, rater, score, expect=rng.choice((None, 3)) if removal else None, order=order,
                     dimension=dimension, event=event, checked=rng.random() < 0.3))  # fmt: skip
    return out
