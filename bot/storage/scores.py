"""Answers, ratings and the aggregates they feed, as plain sqlite3 functions.

They run inside one transaction in the store's database thread, so the leaderboard and
weak-area aggregates always agree with the ratings, and reads never scan the ratings table.
"""

from __future__ import annotations

import sqlite3
from datetime import date, datetime

from bot.core import scoring
from bot.core.clock import iso, parse_iso
from bot.core.errors import AlreadyAnswered
from bot.core.ports import AnswerRecord, NewAnswer, RatingChange


def score_sql(answers: str, received_sum: str, received_n: str, given: str, streak_points: str, prior: str) -> str:
    """The points formula (bot.core.scoring.points) as an SQL expression over the given terms."""
    return (
        f"{scoring.ANSWER_POINTS} * {answers}"
        f" + CASE WHEN {received_n} > 0 THEN {scoring.RATING_WEIGHT} * {received_n}"
        f" * (({received_sum} + {scoring.SHRINK_K} * {prior}) / ({received_n} + {float(scoring.SHRINK_K)}) - 1)"
        f" ELSE 0 END + {given} + {streak_points}"
    )


# A board row's score over its stored tallies; `?` is the community's prior mean.
SCORE_SQL = score_sql("answers", "received_sum", "received_n", "given", "streak_points", "?")

# Add to one board row's tallies and re-score it in the same statement: the new score is the
# formula over the tallies after the addition (in an upsert every right-hand side reads the row
# as it was), so a row never holds a score that disagrees with its tallies.
# Parameters: tenant, scope, period, user, the five additions, hidden (for a new row), prior.
_NEW_ROW_SCORE = score_sql("?5", "?6", "?7", "?8", "?9", "?11")
_UPDATED_ROW_SCORE = score_sql(
    "(answers + excluded.answers)",
    "(received_sum + excluded.received_sum)",
    "(received_n + excluded.received_n)",
    "(given + excluded.given)",
    "(streak_points + excluded.streak_points)",
    "?11",
)
_BOARD_UPSERT = f"""
INSERT INTO board (tenant, scope, period, user_id, answers, received_sum, received_n, given,
                   streak_points, hidden, score)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, {_NEW_ROW_SCORE})
ON CONFLICT (tenant, scope, period, user_id) DO UPDATE SET
    answers = answers + excluded.answers,
    received_sum = received_sum + excluded.received_sum,
    received_n = received_n + excluded.received_n,
    given = given + excluded.given,
    streak_points = streak_points + excluded.streak_points,
    score = {_UPDATED_ROW_SCORE}
"""

_ANSWER_COLUMNS = (
    "id, tenant, round_id, q_index, question_id, category, user_id, channel_id, message_id,"
    " text, created_at, hidden, withdrawn"
)


def answer_from_row(row: sqlite3.Row | tuple[object, ...]) -> AnswerRecord:
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


def touch_user(db: sqlite3.Connection, tenant: str, user_id: str, name: str) -> None:
    db.execute(
        "INSERT INTO users (tenant, user_id, display_name) VALUES (?, ?, ?)"
        " ON CONFLICT (tenant, user_id) DO UPDATE SET display_name ="
        " CASE WHEN excluded.display_name = '' THEN display_name ELSE excluded.display_name END",
        (tenant, user_id, name),
    )


def prior_mean(db: sqlite3.Connection, tenant: str) -> float:
    row = db.execute("SELECT prior_mean FROM communities WHERE tenant = ?", (tenant,)).fetchone()
    return float(row[0]) if row else scoring.DEFAULT_PRIOR_MEAN


def bump_board(
    db: sqlite3.Connection,
    tenant: str,
    user_id: str,
    channel_id: str,
    moment: datetime,
    *,
    answers: int = 0,
    received_sum: int = 0,
    received_n: int = 0,
    given: int = 0,
    streak_points: int = 0,
) -> None:
    """Add to a user's tallies on every board the moment counts for, and re-score those rows."""
    prior = prior_mean(db, tenant)
    row = db.execute("SELECT opted_out FROM users WHERE tenant = ? AND user_id = ?", (tenant, user_id)).fetchone()
    hidden = row[0] if row else 0
    db.executemany(
        _BOARD_UPSERT,
        [
            (tenant, scope, period, user_id, answers, received_sum, received_n, given, streak_points, hidden, prior)
            for scope in scoring.scopes(channel_id)
            for period in scoring.period_keys(moment)
        ],
    )


def add_answer(db: sqlite3.Connection, new: NewAnswer) -> AnswerRecord:
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
        " message_id, text, created_at, hidden, streak_points) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (new.tenant, new.round_id, new.q_index, new.question_id, new.category, new.user_id,
         new.channel_id, new.message_id, new.text, iso(new.at), int(new.hidden), streak_points),
    )  # fmt: skip
    if new.counts_for_board:
        bump_board(
            db,
            new.tenant,
            new.user_id,
            new.channel_id,
            new.at,
            answers=1,
            streak_points=streak_points,
        )
    row = db.execute(f"SELECT {_ANSWER_COLUMNS} FROM answers WHERE id = ?", (cursor.lastrowid,)).fetchone()
    return answer_from_row(row)


def _extend_streak(db: sqlite3.Connection, new: NewAnswer) -> int:
    assert new.streak_day is not None
    row = db.execute(
        "SELECT length, last_day FROM streaks WHERE tenant = ? AND channel_id = ? AND user_id = ?",
        (new.tenant, new.channel_id, new.user_id),
    ).fetchone()
    length = 1
    if row is not None:
        last = date.fromisoformat(row[1])
        if last == new.streak_day:
            return int(row[0])
        if new.previous_streak_day is not None and last == new.previous_streak_day:
            length = int(row[0]) + 1
    db.execute(
        "INSERT INTO streaks (tenant, channel_id, user_id, length, last_day) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (tenant, channel_id, user_id) DO UPDATE SET length = excluded.length,"
        " last_day = excluded.last_day",
        (new.tenant, new.channel_id, new.user_id, length, new.streak_day.isoformat()),
    )
    return length


def apply_rating(db: sqlite3.Connection, change: RatingChange) -> bool:
    """Set or remove one rating and move every aggregate by the difference. Returns whether
    anything changed (a replayed or duplicate event changes nothing)."""
    answer = change.answer
    withdrawn = db.execute("SELECT withdrawn FROM answers WHERE id = ?", (answer.id,)).fetchone()
    if withdrawn is None or withdrawn[0]:
        return False  # the answer went while this rating was on its way
    key = (answer.id, change.rater_id, change.dimension)
    old = db.execute(
        "SELECT score, created_at FROM ratings WHERE answer_id = ? AND rater_id = ? AND dimension = ?",
        key,
    ).fetchone()
    if change.score is None:
        if old is None or (change.expect is not None and int(old[0]) != change.expect):
            return False
        db.execute("DELETE FROM ratings WHERE answer_id = ? AND rater_id = ? AND dimension = ?", key)
        delta_sum, delta_n, rated_at = -int(old[0]), -1, parse_iso(old[1])
    elif old is None:
        touch_user(db, answer.tenant, change.rater_id, change.rater_name)
        db.execute(
            "INSERT INTO ratings (tenant, answer_id, rater_id, dimension, score, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            (answer.tenant, *key, change.score, iso(change.at)),
        )
        delta_sum, delta_n, rated_at = change.score, 1, change.at
    else:
        if int(old[0]) == change.score:
            return False
        db.execute(
            "UPDATE ratings SET score = ? WHERE answer_id = ? AND rater_id = ? AND dimension = ?",
            (change.score, *key),
        )
        delta_sum, delta_n, rated_at = change.score - int(old[0]), 0, parse_iso(old[1])
    area = f"dimension:{change.dimension}" if change.dimension else f"category:{answer.category}"
    _bump_skill(db, answer.tenant, answer.user_id, area, rated_at.date(), delta_n, delta_sum)
    if change.dimension == "":
        bump_board(db, answer.tenant, answer.user_id, answer.channel_id, answer.created_at,
                   received_sum=delta_sum, received_n=delta_n)  # fmt: skip
        if delta_n:
            _count_given(db, answer, change.rater_id, rated_at, delta_n)
        _update_community_mean(db, answer.tenant, delta_sum, delta_n)
    return True


def _bump_skill(db: sqlite3.Connection, tenant: str, user_id: str, area: str, day: date, dn: int, ds: int) -> None:
    db.execute(
        "INSERT INTO skills (tenant, user_id, area, day, n, total) VALUES (?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (tenant, user_id, area, day) DO UPDATE SET n = n + excluded.n, total = total + excluded.total",
        (tenant, user_id, area, day.isoformat(), dn, ds),
    )


def _count_given(db: sqlite3.Connection, answer: AnswerRecord, rater_id: str, rated_at: datetime, delta: int) -> None:
    """Points for rating others: one a rating, at most GIVEN_DAILY_CAP a day. Keeping the day's
    count makes removal exact: the points always equal min(count, cap)."""
    day = rated_at.date().isoformat()
    row = db.execute(
        "SELECT n FROM given_daily WHERE tenant = ? AND user_id = ? AND day = ?",
        (answer.tenant, rater_id, day),
    ).fetchone()
    before = int(row[0]) if row else 0
    after = max(before + delta, 0)
    db.execute(
        "INSERT INTO given_daily (tenant, user_id, day, n) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (tenant, user_id, day) DO UPDATE SET n = excluded.n",
        (answer.tenant, rater_id, day, after),
    )
    cap = scoring.GIVEN_DAILY_CAP
    points = min(after, cap) - min(before, cap)
    if points:
        bump_board(db, answer.tenant, rater_id, answer.channel_id, rated_at, given=points)


def _update_community_mean(db: sqlite3.Connection, tenant: str, delta_sum: int, delta_n: int) -> None:
    [(total, n, prior)] = db.execute(
        "INSERT INTO communities (tenant, rating_sum, rating_n) VALUES (?, ?, ?) ON CONFLICT (tenant)"
        " DO UPDATE SET rating_sum = rating_sum + excluded.rating_sum, rating_n = rating_n + excluded.rating_n"
        " RETURNING rating_sum, rating_n, prior_mean",
        (tenant, delta_sum, delta_n),
    ).fetchall()
    live = scoring.prior_mean(int(total), int(n))
    if abs(live - float(prior)) >= scoring.PRIOR_DRIFT:
        # The shrinkage target moved: re-score the whole community once. This happens a few
        # times while a community is young and almost never after.
        db.execute("UPDATE communities SET prior_mean = ? WHERE tenant = ?", (live, tenant))
        db.execute(f"UPDATE board SET score = {SCORE_SQL} WHERE tenant = ?", (live, tenant))


def withdraw_answer(db: sqlite3.Connection, answer_id: int, at: datetime) -> None:
    """A deleted answer takes its points and every rating it received with it."""
    row = db.execute(f"SELECT {_ANSWER_COLUMNS}, streak_points FROM answers WHERE id = ?", (answer_id,)).fetchone()
    if row is None or row[12]:
        return
    answer = answer_from_row(row)
    raters = db.execute("SELECT rater_id, dimension FROM ratings WHERE answer_id = ?", (answer_id,)).fetchall()
    for rater_id, dimension in raters:
        apply_rating(db, RatingChange(answer, rater_id, "", None, at, dimension))
    db.execute("UPDATE answers SET withdrawn = 1 WHERE id = ?", (answer_id,))
    if not _is_practice(db, answer.round_id):
        bump_board(db, answer.tenant, answer.user_id, answer.channel_id, answer.created_at,
                   answers=-1, streak_points=-int(row[13]))  # fmt: skip


def _is_practice(db: sqlite3.Connection, round_id: int) -> bool:
    row = db.execute("SELECT kind FROM rounds WHERE id = ?", (round_id,)).fetchone()
    return bool(row and row[0] == "practice")


def answer_columns() -> str:
    return _ANSWER_COLUMNS
