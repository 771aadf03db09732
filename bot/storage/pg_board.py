"""The board's batch write on PostgreSQL (SQLite's is bot.storage.batch._write_board).

There is no function of ours to call from SQL here, and every statement is a round trip: the
rows are taken (FOR UPDATE, in key order) and read in one statement, the missing ones made,
each added to and scored in Python by the core's formula and written once, and the rank counts
moved per bucket. Each row gets one new version per batch (adding in SQL and scoring after made
two, and a trigger call for every row crossing a whole point).
"""

from __future__ import annotations

from typing import Any

from bot.core import tallies
from bot.core.tallies import BoardKey
from bot.storage.rank_buckets import Bucket, move_bucket
from bot.storage.sql import Db, unnest_columns

_BOARD_MAKE_PG = (
    "INSERT INTO board (tenant, scope, period, user_id, answers, received_sum, received_n, given, streak_points,"
    " hidden, score)"
    " SELECT d.tenant, d.scope, d.period, d.user_id, 0, 0, 0, 0, 0,"
    "  COALESCE((SELECT u.opted_out FROM users u WHERE u.tenant = d.tenant AND u.user_id = d.user_id), 0), 0"
    " FROM unnest(?::text[], ?::text[], ?::text[], ?::text[]) AS d(tenant, scope, period, user_id)"
    " ORDER BY 1, 2, 3, 4 ON CONFLICT DO NOTHING"
    " RETURNING tenant, scope, period, user_id, answers, received_sum, received_n, given, streak_points, score, hidden"
)
_BOARD_TAKE_PG = (
    "SELECT b.tenant, b.scope, b.period, b.user_id, b.answers, b.received_sum, b.received_n, b.given, b.streak_points,"
    " b.score, b.hidden FROM board b JOIN unnest(?::text[], ?::text[], ?::text[], ?::text[]) AS d(tenant, scope, period, user_id)"
    "  ON b.tenant = d.tenant AND b.scope = d.scope AND b.period = d.period AND b.user_id = d.user_id"
    " ORDER BY 1, 2, 3, 4 FOR UPDATE OF b"
)
_BOARD_SET_PG = (
    "UPDATE board SET answers = s.answers, received_sum = s.received_sum, received_n = s.received_n,"
    " given = s.given, streak_points = s.streak_points, score = s.score"
    " FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[],"
    "  ?::bigint[], ?::double precision[])"
    "  AS s(tenant, scope, period, user_id, answers, received_sum, received_n, given, streak_points, score)"
    " WHERE board.tenant = s.tenant AND board.scope = s.scope AND board.period = s.period"
    "  AND board.user_id = s.user_id"
)
# Data-modifying WITH clauses run once, whether or not the statement reads them: the pause and
# its end ride on statements the write makes anyway (two round trips fewer a batch).
_PAUSE = (
    "WITH paused AS (INSERT INTO board_buckets_paused (writer) VALUES (pg_current_xact_id()::text) RETURNING writer) "
)
_UNPAUSE = (
    "WITH unpaused AS (DELETE FROM board_buckets_paused WHERE writer = pg_current_xact_id()::text RETURNING writer) "
)
_BUCKETS_ADD_PG = (
    "INSERT INTO board_buckets (tenant, scope, period, bucket, n)"
    " SELECT * FROM unnest(?::text[], ?::text[], ?::text[], ?::bigint[], ?::bigint[])"
    " ON CONFLICT (tenant, scope, period, bucket) DO UPDATE SET n = board_buckets.n + excluded.n"
)
_SCORE_PG = (  # one statement for all the rows (each row its own statement cost a round trip's worth)
    "UPDATE board SET score = s.score"
    " FROM unnest(?::double precision[], ?::text[], ?::text[], ?::text[], ?::text[])"
    "  AS s(score, tenant, scope, period, user_id)"
    " WHERE board.tenant = s.tenant AND board.scope = s.scope AND board.period = s.period"
    "  AND board.user_id = s.user_id"
)


def write_board(db: Db, changed: dict[BoardKey, list[int]], priors: dict[str, float]) -> None:
    """Add `changed` to its rows, scored against each community's prior. The community's row
    is this transaction's already (taken for its prior), so no other writer of its boards is
    between the take and the write below."""
    buckets: dict[Bucket, int] = {}
    # The rank counts are moved here, once per bucket, not by a trigger per row: paused for
    # this transaction alone (its own writer row, seen by nobody else, deleted before the
    # commit; a failure rolls it back with everything else), in the statement that takes the
    # rows there already. Then the missing ones are made (empty: scored below); a row another
    # writer made in between is taken after it commits.
    found = db.execute(_PAUSE + _BOARD_TAKE_PG, unnest_columns(sorted(changed), 4)).fetchall()
    missing = sorted(set(changed) - {tuple(row[:4]) for row in found})
    made = db.execute(_BOARD_MAKE_PG, unnest_columns(missing, 4)).fetchall() if missing else []
    new = {tuple(row[:4]) for row in made}
    if len(new) < len(missing):
        found += db.execute(_BOARD_TAKE_PG, unnest_columns([key for key in missing if key not in new], 4)).fetchall()
    written = []
    for row in found + made:
        key = tuple(row[:4])
        now = [int(a) + int(b) for a, b in zip(row[4:9], changed[key], strict=True)]
        score = tallies.row_score(now, priors[key[0]])
        move_bucket(buckets, key, None if key in new else float(row[9]), bool(row[10]), score)
        written.append((*key, *now, score))
    db.execute(_BOARD_SET_PG, unnest_columns(written, 10))
    moved = [(*bucket, n) for bucket, n in sorted(buckets.items()) if n]
    db.execute(_UNPAUSE + _BUCKETS_ADD_PG, unnest_columns(moved, 5))


def rescore(db: Db, tenant: str, prior: float) -> None:
    rows = db.execute(
        "SELECT tenant, scope, period, user_id, answers, received_sum, received_n, given, streak_points FROM board"
        " WHERE tenant = ? ORDER BY scope, period, user_id FOR UPDATE",
        (tenant,),
    ).fetchall()
    _write_scores(db, rows, {tenant: prior})


def _write_scores(db: Db, rows: list[Any], priors: dict[str, float]) -> None:
    """The rows' scores by the core's formula. The rows are this transaction's already (added
    to, or read FOR UPDATE), so the order they are written in cannot deadlock."""
    if rows:
        db.execute(
            _SCORE_PG, unnest_columns(sorted((tallies.row_score(r[4:9], priors[r[0]]), *r[:4]) for r in rows), 5)
        )
