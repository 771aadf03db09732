"""Answers, ratings and the aggregates they feed, as plain sqlite3 functions.

They run inside one transaction (the store's group commit, or any other), so the leaderboard
and weak-area aggregates always agree with the ratings, and reads never scan the ratings
table. What each change adds to the aggregates is the core's rule (bot.core.tallies); here it
is only looked up, stored and added up (bot.storage.batch).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from bot.core import scoring, tallies
from bot.core.clock import iso, parse_iso
from bot.core.errors import AlreadyAnswered
from bot.core.ports import AnswerRecord, NewAnswer, RatingChange
from bot.core.tallies import LoggedChange, RatingMove, Streak
from bot.storage.batch import Pending, staged
from bot.storage.sql import Db, is_postgres

_ANSWER_COLUMNS = (
    "id, tenant, round_id, q_index, question_id, category, user_id, channel_id, message_id,"
    " text, created_at, hidden, withdrawn"
)


def answer_from_row(row: Sequence[Any]) -> AnswerRecord:
    r = tuple(row)
    return AnswerRecord(
        id=int(r[0]),
        tenant=str(r[1]),
        round_id=int(r[2]),
        q_index=int(r[3]),
        question_id=str(r[4]),
        category=str(r[5]),
        user_id=str(r[6]),
        channel_id=str(r[7]),
        message_id=None if r[8] is None else str(r[8]),
        text=str(r[9]),
        created_at=parse_iso(str(r[10])),
        hidden=bool(r[11]),
        withdrawn=bool(r[12]),
    )


# A member's name as last given: an empty one never over a name, an unchanged row not rewritten.
TOUCH_USER_CONFLICT = (
    " ON CONFLICT (tenant, user_id) DO UPDATE SET display_name = excluded.display_name"
    " WHERE excluded.display_name NOT IN ('', users.display_name)"
)


def touch_user(db: Db, tenant: str, user_id: str, name: str) -> None:
    db.execute(
        "INSERT INTO users (tenant, user_id, display_name) VALUES (?, ?, ?)" + TOUCH_USER_CONFLICT,
        (tenant, user_id, name),
    )


def add_answer(db: Db, new: NewAnswer) -> AnswerRecord:
    if db.execute(
        "SELECT 1 FROM answers WHERE round_id = ? AND q_index = ? AND user_id = ? AND withdrawn = 0",
        (new.round_id, new.q_index, new.user_id),
    ).fetchone():
        raise AlreadyAnswered("You have already answered this question.")
    touch_user(db, new.tenant, new.user_id, new.display_name)
    streak_points = 0
    if new.streak_day is not None:
        streak_points = scoring.streak_bonus(_extend_streak(db, new))
    cursor = db.execute(
        "INSERT INTO answers (tenant, round_id, q_index, question_id, category, user_id, channel_id,"
        " message_id, text, created_at, hidden, streak_points) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " RETURNING id",
        (new.tenant, new.round_id, new.q_index, new.question_id, new.category, new.user_id,
         new.channel_id, new.message_id, new.text, iso(new.at), int(new.hidden), streak_points),
    )  # fmt: skip
    answer_id = int(cursor.fetchone()[0])
    if new.counts_for_board:
        with staged(db) as pending:
            tallies.answer_added(pending.deltas, new.tenant, new.user_id, new.channel_id, new.at, streak_points)
    row = db.execute(f"SELECT {_ANSWER_COLUMNS} FROM answers WHERE id = ?", (answer_id,)).fetchone()
    return answer_from_row(row)


def _extend_streak(db: Db, new: NewAnswer) -> int:
    assert new.streak_day is not None
    row = db.execute(
        "SELECT length, last_day FROM streaks WHERE tenant = ? AND channel_id = ? AND user_id = ?",
        (new.tenant, new.channel_id, new.user_id),
    ).fetchone()
    stored = None if row is None else Streak(int(row[0]), date.fromisoformat(row[1]))
    after = tallies.streak_after(stored, new.streak_day, new.previous_streak_day)
    if after != stored:
        db.execute(
            "INSERT INTO streaks (tenant, channel_id, user_id, length, last_day) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (tenant, channel_id, user_id) DO UPDATE SET length = excluded.length,"
            " last_day = excluded.last_day",
            (new.tenant, new.channel_id, new.user_id, after.length, after.last_day.isoformat()),
        )
    return after.length


def apply_rating(db: Db, change: RatingChange, *, turn_taken: bool = False) -> bool:
    """Set or remove one rating and move every aggregate by the difference. Returns whether
    anything changed (a replayed or duplicate event, or one older than the stored rating's
    latest change, changes nothing)."""
    answer = change.answer
    key = (answer.id, change.rater_id, change.dimension)
    # Two processes with changes of one rating take turns (held until the commit), so the one
    # that reads second sees the first one's change.
    if not turn_taken:  # a change of many ratings took all their turns first (lock_ratings)
        lock_ratings(db, answer.tenant, [key])
    # One look-up: is the answer still there, the stored rating, and its latest logged order.
    found = db.execute(
        "SELECT a.withdrawn, r.score, r.created_at, (SELECT MAX(ord) FROM rating_log l"
        "  WHERE l.answer_id = a.id AND l.rater_id = ?1 AND l.dimension = ?2)"
        " FROM answers a LEFT JOIN ratings r ON r.answer_id = a.id AND r.rater_id = ?1 AND r.dimension = ?2"
        " WHERE a.id = ?3",
        (change.rater_id, change.dimension, answer.id),
    ).fetchone()
    if found is None or found[0]:
        return False  # the answer went while this rating was on its way
    old = None if found[1] is None else int(found[1])
    if change.order is None:
        new = tallies.after_change(old, LoggedChange("", change.score, change.expect))
    else:
        ordered = LoggedChange(tallies.encode_order(change.order), change.score, change.expect)
        logged, new = _by_order(db, key, old, found[3], ordered)
        if not logged:
            return False
    if new == old:
        return False
    if new is None:
        db.execute("DELETE FROM ratings WHERE answer_id = ? AND rater_id = ? AND dimension = ?", key)
    elif old is None:
        touch_user(db, answer.tenant, change.rater_id, change.rater_name)
        db.execute(
            "INSERT INTO ratings (tenant, answer_id, rater_id, dimension, score, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            (answer.tenant, *key, new, iso(change.at)),
        )
    else:
        db.execute("UPDATE ratings SET score = ? WHERE answer_id = ? AND rater_id = ? AND dimension = ?", (new, *key))
    move = RatingMove(old, new, change.at if old is None else parse_iso(found[2]))
    with staged(db) as pending:
        count_move(db, pending, answer, change.rater_id, change.dimension, move)
    return True


def _by_order(
    db: Db, key: tuple[int, str, str], old: int | None, latest: str | None, change: LoggedChange
) -> tuple[bool, int | None]:
    """Whether `change` is new, and the rating once it takes its place among the logged
    changes of this (answer, rater, dimension), the latest of which is `latest` (a change
    whose order is logged already is the same change again)."""
    if latest is None and old is not None:
        # A rating from before orders were logged: it stands first, before every ordered change.
        db.execute(
            "INSERT INTO rating_log (answer_id, rater_id, dimension, ord, score) VALUES (?, ?, ?, '', ?)", (*key, old)
        )
    if not db.execute(
        "INSERT INTO rating_log (answer_id, rater_id, dimension, ord, score, expect) VALUES (?, ?, ?, ?, ?, ?)"
        " ON CONFLICT DO NOTHING",
        (*key, change.order, change.score, change.expect),
    ).rowcount:
        return False, old
    if latest is None or change.order > latest:
        return True, tallies.after_change(old, change)  # the usual case: it is the latest so far
    logged = db.execute(
        "SELECT ord, score, expect FROM rating_log WHERE answer_id = ? AND rater_id = ? AND dimension = ?", key
    ).fetchall()
    return True, tallies.rating_by_order(LoggedChange(str(o), s, e) for o, s, e in logged)


def count_move(db: Db, pending: Pending, answer: AnswerRecord, rater_id: str, dimension: str, move: RatingMove) -> None:
    tallies.rating_moved(pending.deltas, answer.tenant, answer.user_id, answer.channel_id, answer.category,
                         answer.created_at, dimension, move)  # fmt: skip
    if dimension != "":
        return  # rubric scores feed weak areas only
    if move.delta_n:
        key = (answer.tenant, rater_id, move.rated_at.date().isoformat())
        after, points = tallies.given_points(pending.given_today(db, key), move.delta_n)
        pending.given[key] = after
        tallies.given_moved(pending.deltas, answer.tenant, rater_id, answer.channel_id, move.rated_at, points)
    pending.rating_counted(db, answer.tenant, move.delta_sum, move.delta_n)


# One statement for all the turns, taken in the order of their lock ids (the subquery's ORDER
# BY, kept by OFFSET 0): every writer that takes several takes them in this one order.
_LOCK_RATINGS = (
    "SELECT pg_advisory_xact_lock(h) FROM"
    " (SELECT DISTINCT hashtextextended(k, 0) AS h FROM unnest(?::text[]) AS k ORDER BY h OFFSET 0) AS turns"
)
# A rating's turn is one of this many per community: advisory locks take room in the server's
# shared lock table (about 64 x max_connections entries for every session), so a batch of a
# thousand ratings must not hold a thousand. Two changes of one rating always meet on the same
# turn; two of different ratings share one only now and then, and then merely take turns.
TURNS_PER_COMMUNITY = 128


def lock_ratings(db: Db, tenant: str, keys: Iterable[tuple[int, str, str]]) -> None:
    """On PostgreSQL, the turn of each (answer, rater, dimension) rating of this community,
    held to the commit (SQLite's one writer takes turns already). A change of many ratings
    takes all of them first, in one order: taken one by one between writes, a rating's turn
    would be asked for while holding the row a single rating's trigger (rating_versions) waits
    on: a deadlock."""
    if is_postgres(db):
        turns = sorted({f"{tenant}\x1f{rating_turn(key)}" for key in keys})
        if turns:
            db.execute(_LOCK_RATINGS, (turns,))


def rating_turn(key: tuple[int, str, str]) -> int:
    """Which of its community's turns a rating takes (stable across processes)."""
    return zlib.crc32("\x1f".join(map(str, key)).encode()) % TURNS_PER_COMMUNITY


def withdraw_answer(db: Db, answer_id: int, at: datetime, *, turns_taken: bool = False) -> None:
    """A deleted answer takes its points and every rating it received with it."""
    row = db.execute(f"SELECT {_ANSWER_COLUMNS}, streak_points FROM answers WHERE id = ?", (answer_id,)).fetchone()
    if row is None or row[12]:
        return
    answer = answer_from_row(row)
    with staged(db) as pending:
        raters = db.execute("SELECT rater_id, dimension FROM ratings WHERE answer_id = ?", (answer_id,)).fetchall()
        if not turns_taken:
            lock_ratings(
                db, answer.tenant, [(answer.id, str(rater_id), str(dimension)) for rater_id, dimension in raters]
            )
        for rater_id, dimension in raters:
            apply_rating(db, RatingChange(answer, rater_id, "", None, at, dimension), turn_taken=True)
        db.execute("UPDATE answers SET withdrawn = 1 WHERE id = ?", (answer_id,))
        kind = db.execute("SELECT kind FROM rounds WHERE id = ?", (answer.round_id,)).fetchone()
        if tallies.counts_for_board(kind[0] if kind else None):
            tallies.answer_withdrawn(pending.deltas, answer.tenant, answer.user_id, answer.channel_id,
                                     answer.created_at, int(row[13]))  # fmt: skip


def answer_columns() -> str:
    return _ANSWER_COLUMNS
