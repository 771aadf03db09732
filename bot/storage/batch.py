"""Tally deltas waiting to be written: the core (bot.core.tallies) says what each answer and
rating adds; this adds it up per batch and writes each table once, with executemany.

A write function asks `staged(db)` for the deltas in progress. Inside the store's group commit
that is the batch's (one layer per write, dropped if the write fails), so a thousand ratings
touching one board row make one write of that row. Called any other way (inside someone
else's transaction, say) it is its own, written out when the function returns. Either way the
aggregates are written before the transaction commits.

The two counts a delta depends on, a rater's ratings given today (the daily cap) and the
community's rating sums (the prior mean), are read once and then kept here as they move.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from bot.core import scoring, tallies
from bot.core.tallies import BoardKey, CommunityMean, Deltas, GivenKey
from bot.storage import pg_board
from bot.storage.rank_buckets import move_bucket
from bot.storage.sql import Db, is_postgres

F = TypeVar("F", bound=Callable[..., Any])

# The score of a board row from its tallies, as the core computes it (registered per connection).
POINTS_FN = "mockpanel_points"
# The batch writer's: the same score, and it notes the row's stored score and hidden flag as the
# UPDATE rewrites the row (for the rank counts), so one statement finds, reads and writes a row.
MOVED_FN = "mockpanel_board_moved"
# What it noted, per thread (a connection's statements run in its own thread): row -> (old, hidden, new).
_SEEN = threading.local()


def _moved() -> dict[int, tuple[float, int, float]]:
    seen: dict[int, tuple[float, int, float]] | None = getattr(_SEEN, "rows", None)
    if seen is None:
        seen = _SEEN.rows = {}
    return seen


def register_functions(db: sqlite3.Connection) -> None:
    def points(answers: int, received_sum: int, received_n: int, given: int, streak: int, prior: float) -> float:
        return tallies.row_score((answers, received_sum, received_n, given, streak), prior)

    def board_moved(
        row: int, old: float, hidden: int, answers: int, received_sum: int, received_n: int, given: int, streak: int,
        prior: float,
    ) -> float:  # fmt: skip
        score = tallies.row_score((answers, received_sum, received_n, given, streak), prior)
        _moved()[row] = (old, hidden, score)
        return score

    db.create_function(POINTS_FN, 6, points, deterministic=True)
    db.create_function(MOVED_FN, 9, board_moved)  # not deterministic: it notes what it saw


def score_sql(prior: str = "?") -> str:
    """A board row's score over its stored tallies, for UPDATE statements."""
    return f"{POINTS_FN}(answers, received_sum, received_n, given, streak_points, {prior})"


# The two counts are read, moved in Python and written back whole, so on PostgreSQL, where other
# connections write them at the same time, the read takes the row and holds it to the commit
# (else two ratings would both add to the same old sum and one would be lost). An upsert takes
# it even where there is no row yet; the no-op update returns the latest committed values.
_GIVEN_READ = "SELECT n FROM given_daily WHERE tenant = ? AND user_id = ? AND day = ?"
# Taking a rater's count for the day: made if missing, locked, read (the no-op update returns it).
GIVEN_TAKE_CONFLICT = " ON CONFLICT (tenant, user_id, day) DO UPDATE SET n = given_daily.n"
_GIVEN_TAKE = (
    "INSERT INTO given_daily (tenant, user_id, day, n) VALUES (?, ?, ?, 0)" + GIVEN_TAKE_CONFLICT + " RETURNING n"
)
_COMMUNITY_READ = "SELECT rating_sum, rating_n, prior_mean FROM communities WHERE tenant = ?"
_COMMUNITY_TAKE = (
    "INSERT INTO communities (tenant) VALUES (?) ON CONFLICT (tenant) DO UPDATE SET rating_n = communities.rating_n"
    " RETURNING rating_sum, rating_n, prior_mean"
)


class Pending:
    """Deltas and the counts they were decided on; a layer over a parent batch, if any."""

    def __init__(self, parent: Pending | None = None) -> None:
        self.parent = parent
        self.deltas = Deltas()
        self.given: dict[GivenKey, int] = {}
        self.community: dict[str, CommunityMean] = {}
        self.rebased: set[str] = set()

    def _layers(self) -> Iterator[Pending]:
        layer: Pending | None = self
        while layer is not None:
            yield layer
            layer = layer.parent

    def given_today(self, db: Db, key: GivenKey) -> int:
        for layer in self._layers():
            if key in layer.given:
                return layer.given[key]
        row = db.execute(_GIVEN_TAKE if is_postgres(db) else _GIVEN_READ, key).fetchone()
        return int(row[0]) if row else 0

    def mean(self, db: Db, tenant: str) -> CommunityMean:
        for layer in self._layers():
            if tenant in layer.community:
                return layer.community[tenant]
        row = db.execute(_COMMUNITY_TAKE if is_postgres(db) else _COMMUNITY_READ, (tenant,)).fetchone()
        if row is None:
            return CommunityMean(0, 0, scoring.DEFAULT_PRIOR_MEAN)
        return CommunityMean(int(row[0]), int(row[1]), float(row[2]))

    def rating_counted(self, db: Db, tenant: str, delta_sum: int, delta_n: int) -> None:
        """An overall rating moved the community's sums (and maybe its prior)."""
        mean, rebased = tallies.community_after(self.mean(db, tenant), delta_sum, delta_n)
        self.community[tenant] = mean
        if rebased:
            self.rebased.add(tenant)

    def merge_into(self, parent: Pending) -> None:
        parent.deltas.merge(self.deltas)
        parent.given.update(self.given)
        parent.community.update(self.community)
        parent.rebased |= self.rebased

    def __bool__(self) -> bool:
        return bool(self.deltas or self.given or self.community)


_ACTIVE: dict[int, Pending] = {}  # id(connection) -> the deltas being gathered on it


class staged:  # lower case: used as `with staged(db) as pending`, as the function it was
    """The deltas in progress on this connection: the batch's layer if there is one, else
    its own, written out when the block ends without an error. A class, not a generator:
    it runs once or twice per rating."""

    __slots__ = ("db", "own")

    def __init__(self, db: Db) -> None:
        self.db = db
        self.own: Pending | None = None

    def __enter__(self) -> Pending:
        active = _ACTIVE.get(id(self.db))
        if active is not None:
            return active
        own = self.own = _ACTIVE[id(self.db)] = Pending()
        return own

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        if self.own is None:
            return
        try:
            if kind is None:
                flush(self.db, self.own)
        finally:
            del _ACTIVE[id(self.db)]


class layer:
    """One write's deltas on top of the batch's: merged if the write succeeds."""

    __slots__ = ("batch", "db", "own")

    def __init__(self, db: Db, batch: Pending) -> None:
        self.db = db
        self.batch = batch
        self.own = Pending(batch)

    def __enter__(self) -> Pending:
        _ACTIVE[id(self.db)] = self.own
        return self.own

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        try:
            if kind is None:
                self.own.merge_into(self.batch)
        finally:
            del _ACTIVE[id(self.db)]


def defers(fn: F) -> F:
    """Mark a write whose deltas may join the batch's and be written at its end: one that
    makes its aggregate changes through `staged`, or none at all (claims, rounds, timers). Any
    other write (one that may read or change the aggregates directly, such as an opt-out or a
    deletion) finds them written first."""
    fn.defers_tallies = True  # type: ignore[attr-defined]
    return fn


def is_deferring(fn: Callable[..., Any]) -> bool:
    return bool(getattr(fn, "defers_tallies", False))


_COMMUNITY_UPSERT = (
    "INSERT INTO communities (tenant, rating_sum, rating_n, prior_mean) VALUES (?1, ?2, ?3, ?4)"
    " ON CONFLICT (tenant) DO UPDATE SET rating_sum = ?2, rating_n = ?3, prior_mean = ?4"
)
_BOARD_INSERT = (
    "INSERT INTO board (tenant, scope, period, user_id, answers, received_sum, received_n, given, streak_points,"
    " hidden, score) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_BOARD_ADD = (  # SET expressions see the row as it was before this UPDATE
    "UPDATE board SET answers = answers + ?2, received_sum = received_sum + ?3, received_n = received_n + ?4,"
    " given = given + ?5, streak_points = streak_points + ?6,"
    f" score = {MOVED_FN}(?1, score, hidden, answers + ?2, received_sum + ?3, received_n + ?4, given + ?5,"
    " streak_points + ?6, ?7)"
    " WHERE tenant = ?8 AND scope = ?9 AND period = ?10 AND user_id = ?11"
)
_BUCKET_ADD = (
    "INSERT INTO board_buckets (tenant, scope, period, bucket, n) VALUES (?, ?, ?, ?, ?)"
    " ON CONFLICT (tenant, scope, period, bucket) DO UPDATE SET n = board_buckets.n + excluded.n"
)
_SKILL_UPSERT = (
    "INSERT INTO skills (tenant, user_id, area, day, n, total) VALUES (?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (tenant, user_id, area, day) DO UPDATE SET n = skills.n + excluded.n,"
    " total = skills.total + excluded.total"
)
_GIVEN_UPSERT = (
    "INSERT INTO given_daily (tenant, user_id, day, n) VALUES (?, ?, ?, ?)"
    " ON CONFLICT (tenant, user_id, day) DO UPDATE SET n = excluded.n"
)


def flush(db: Db, pending: Pending) -> None:
    """Write what the pending deltas add up to: one statement per table (and the board's rank
    counts moved once per bucket, not once per row)."""
    if not pending:
        return
    postgres = is_postgres(db)
    # On PostgreSQL other processes write the same rows: every table in key order, so two
    # transactions never wait for each other's rows in opposite orders (a deadlock).
    ordered = sorted if postgres else list
    if pending.community:
        db.executemany(_COMMUNITY_UPSERT, ordered((t, m.total, m.n, m.prior) for t, m in pending.community.items()))
    changed = dict(pending.deltas.board_rows())  # a row whose deltas add up to nothing is not written
    if changed:
        priors = {t: pending.mean(db, t).prior for t in {key[0] for key in changed}}
        (pg_board.write_board if postgres else _write_board)(db, changed, priors)
    for tenant in sorted(pending.rebased):
        # The shrinkage target moved: the whole community's boards are scored against it
        # (the rank counts follow by trigger).
        prior = pending.community[tenant].prior
        if postgres:
            pg_board.rescore(db, tenant, prior)
        else:
            db.execute(f"UPDATE board SET score = {score_sql()} WHERE tenant = ?", (prior, tenant))
    db.executemany(_SKILL_UPSERT, ordered((*key, n, total) for key, (n, total) in pending.deltas.skills.items()))
    db.executemany(_GIVEN_UPSERT, ordered((*key, n) for key, n in pending.given.items()))
    pending.deltas = Deltas()
    pending.given.clear()
    pending.community.clear()
    pending.rebased.clear()


def _write_board(db: Db, changed: dict[BoardKey, list[int]], priors: dict[str, float]) -> None:
    """Each touched row added to, scored by the core's formula and written by one UPDATE that
    also reports the row's stored score (the rank counts move once per bucket); the rows it
    did not find are inserted. The connection needs `register_functions`."""
    rows = list(changed.items())
    moved = _moved()
    moved.clear()
    buckets: dict[tuple[str, str, str, int], int] = {}
    db.execute("INSERT INTO board_buckets_paused (writer) VALUES ('batch')")
    try:
        db.executemany(_BOARD_ADD, [(i, *add, priors[key[0]], *key) for i, (key, add) in enumerate(rows)])
        inserts: list[tuple[Any, ...]] = []
        hidden_of: dict[tuple[str, str], int] = {}
        for i, (key, add) in enumerate(rows):
            found = moved.get(i)
            if found is None:  # a new row
                user = (key[0], key[3])
                if user not in hidden_of:
                    got = db.execute("SELECT opted_out FROM users WHERE tenant = ? AND user_id = ?", user).fetchone()
                    hidden_of[user] = int(got[0]) if got else 0
                old, hidden, score = None, hidden_of[user], tallies.row_score(add, priors[key[0]])
                inserts.append((*key, *add, hidden, score))
            else:
                old, hidden, score = found
            move_bucket(buckets, key, old, bool(hidden), score)
        db.executemany(_BOARD_INSERT, inserts)
    finally:
        moved.clear()
        db.execute("DELETE FROM board_buckets_paused")
    db.executemany(_BUCKET_ADD, [(*bucket, n) for bucket, n in buckets.items() if n])
