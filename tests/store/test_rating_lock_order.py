"""A change of many ratings at once (a withdrawn answer, an erased member) takes every rating's
turn before its first write. Taken one by one between writes, it would ask for a rating's turn
while holding the community's rating_versions row (every rating write's trigger moves it), and
a single re-rating holding that turn and waiting on the row makes a deadlock: PostgreSQL breaks
it after a second and the event is handled again. The order is what the test checks: a
deadlock needs two transactions to interleave just so, and is broken and retried anyway."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from bot.storage import community, scores
from bot.storage.postgres import PostgresStore
from bot.storage.sql import Cursor, Db
from tests.store.helpers import T0, TENANT, answer, new_round, rating

RATING_WRITE = re.compile(r"^\s*(DELETE FROM|UPDATE|INSERT INTO) ratings\b")


class Recording:
    """The store's connection, with the statements it was given kept in order."""

    dialect = "postgresql"

    def __init__(self, db: Db) -> None:
        self.db = db
        self.statements: list[tuple[str, Sequence[Any]]] = []

    def execute(self, sql: str, parameters: Sequence[Any] = (), /) -> Cursor:
        self.statements.append((sql, parameters))
        return self.db.execute(sql, parameters)

    def executemany(self, sql: str, parameters: Iterable[Sequence[Any]], /) -> Any:
        rows = list(parameters)
        self.statements.append((sql, rows))
        return self.db.executemany(sql, rows)


async def rated_scene(store: PostgresStore) -> int:
    """Dee's answer with two overall and two rubric ratings; Dee has rated Ann's answer too."""
    round_id = await new_round(store, kind="qotd")
    dees, anns = await answer(store, round_id, "dee"), await answer(store, round_id, "ann")
    for rater in ("ann", "bob"):
        await store.apply_rating(rating(dees, rater, 4))
        await store.apply_rating(rating(dees, rater, 3, dimension="structure"))
    await store.apply_rating(rating(anns, "dee", 5))
    return dees.id


async def recorded(store: PostgresStore, work: Callable[[Db], None]) -> list[tuple[str, Sequence[Any]]]:
    found: list[tuple[str, Sequence[Any]]] = []

    def run(db: Db) -> None:
        recording = Recording(db)
        work(recording)
        found.extend(recording.statements)

    await store._write(run)
    return found


def assert_every_turn_once_before_the_first_write(statements: list[tuple[str, Sequence[Any]]], turns: int) -> None:
    """The turns are taken in one statement (so in one order), one lock id per rating."""
    locks = [i for i, (sql, _) in enumerate(statements) if "pg_advisory_xact_lock" in sql]
    writes = [i for i, (sql, _) in enumerate(statements) if RATING_WRITE.match(sql)]
    assert len(writes) >= turns
    assert len(locks) == 1, "the turns taken in one statement, once"
    taken = statements[locks[0]][1][0]
    assert len(taken) == len(set(taken)) == turns, "each rating's turn taken once"
    assert max(locks) < min(writes), "a rating's turn taken after a rating was written"


async def test_a_withdrawn_answer_takes_its_ratings_turns_before_writing(pg_store: PostgresStore) -> None:
    dees = await rated_scene(pg_store)
    statements = await recorded(pg_store, lambda db: scores.withdraw_answer(db, dees, T0))
    assert_every_turn_once_before_the_first_write(statements, turns=4)


async def test_an_erased_member_takes_every_turn_before_writing(pg_store: PostgresStore) -> None:
    await rated_scene(pg_store)
    statements = await recorded(pg_store, lambda db: community.delete_user(db, TENANT, "dee", T0))
    assert_every_turn_once_before_the_first_write(statements, turns=5)  # 4 received, 1 given


async def test_a_thousand_ratings_hold_a_bounded_number_of_advisory_locks(pg_store: PostgresStore) -> None:
    """Each advisory lock takes a slot of the server's shared lock table (about 64 per
    connection allowed, for every session): a batch of a thousand ratings holding a thousand
    would, with a few processes at once, leave other sessions "out of shared memory"."""
    keys = [(answer_id, f"rater{r}", "") for answer_id in range(1, 101) for r in range(10)]

    def held(db: Db) -> int:
        scores.lock_ratings(db, TENANT, keys)
        found = db.execute("SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()")
        return int(found.fetchone()[0])

    assert await pg_store._write(held) <= scores.TURNS_PER_COMMUNITY
    assert scores.rating_turn(keys[0]) == scores.rating_turn(tuple(keys[0]))  # one rating, one turn, always
