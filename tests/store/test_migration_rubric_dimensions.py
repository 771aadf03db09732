"""Migration 006: ratings stored under a v1 dimension id that meant something else in one
category move to the v2 id, and the weak-area rows are rebuilt, so old ratings keep their meaning."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

from bot.storage.sqlite import SqliteStore, migrations
from tests.store.helpers import T0, TENANT, answer, new_round, rating

# (category, dimension given in v1, the same rating's dimension in v2)
CASES = [
    ("salary_negotiation", "self_awareness", "composure"),
    ("situational", "self_awareness", "judgement"),
    ("product_sense", "curiosity", "user_insight"),
    ("behavioural", "self_awareness", "self_awareness"),  # still means self-awareness
    ("questions_to_ask", "curiosity", "curiosity"),
    ("case", "structure", "structure"),
]


async def _play(store: SqliteStore, v2: bool) -> None:
    """The same answers and ratings; dimensions as v1 stored them, or as v2 would."""
    round_id = await new_round(store)
    for i, (category, old, new) in enumerate(CASES):
        author = "alice" if i % 2 == 0 else "bob"
        given = await answer(store, round_id, author, q_index=i, category=category, question_id=f"q-{i}")
        day = T0 + timedelta(days=i % 2)
        for rater, score in (("carol", 2 + i % 3), ("dan", 5)):
            await store.apply_rating(rating(given, rater, score, at=day, dimension=new if v2 else old))
        await store.apply_rating(rating(given, "carol", 4, at=day))  # the overall rating
    gone = await answer(store, round_id, "alice", q_index=99, category="situational", question_id="q-gone")
    await store.apply_rating(rating(gone, "carol", 1, dimension="judgement" if v2 else "self_awareness"))
    await store.withdraw_answer(gone.id, T0)


def _before_006(path: str) -> None:
    """The schema as it was just before 006 (the store's code writes into it)."""
    with sqlite3.connect(path) as db:
        for number, script in migrations():
            if number < 6:
                db.executescript(f"BEGIN;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;")


def _rows(path: str, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as db:
        return sorted(db.execute(sql).fetchall())


async def test_ratings_move_to_the_v2_ids_and_weak_areas_are_rebuilt(tmp_path: Path) -> None:
    old_path = str(tmp_path / "v1.db")
    _before_006(old_path)
    old = await SqliteStore.open(old_path, migrate=False)
    try:
        await _play(old, v2=False)
        assert ("dimension:self_awareness",) in _rows(old_path, "SELECT DISTINCT area FROM skills")
        assert await old.migrate() == migrations()[-1][0]
    finally:
        await old.close()

    fresh_path = str(tmp_path / "v2.db")
    fresh = await SqliteStore.open(fresh_path)
    try:
        await _play(fresh, v2=True)
    finally:
        await fresh.close()

    ratings = "SELECT a.category, r.rater_id, r.dimension, r.score FROM ratings r JOIN answers a ON a.id = r.answer_id"
    assert _rows(old_path, ratings) == _rows(fresh_path, ratings)
    by_category = {(c, d) for c, _, d, _ in _rows(old_path, ratings) if d}
    assert by_category == {(c, new) for c, _, new in CASES}
    skills = "SELECT tenant, user_id, area, day, n, total FROM skills WHERE n != 0"
    assert _rows(old_path, skills) == _rows(fresh_path, skills)
    for user in ("alice", "bob"):
        with sqlite3.connect(old_path) as db:
            areas = {r[0] for r in db.execute("SELECT area FROM skills WHERE user_id = ? AND n > 0", (user,))}
        assert all(not a.startswith("dimension:") or a.split(":")[1] in {n for _, _, n in CASES} for a in areas)
    composure = _rows(
        old_path, f"SELECT n, total FROM skills WHERE tenant = '{TENANT}' AND area = 'dimension:composure'"
    )
    assert composure == [(2, 2 + 0 + 5)]
