"""Community settings, boards and weak areas as read, schedules, banks and privacy."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from bot.core.analytics import DailySkill
from bot.core.clock import iso
from bot.core.ports import BoardRow, RatingChange
from bot.core.schedule import QotdSchedule
from bot.storage.scores import (
    answer_columns,
    answer_from_row,
    apply_rating,
    lock_ratings,
    touch_user,
    withdraw_answer,
)
from bot.storage.sql import Db


def get_config(db: Db, tenant: str) -> dict[str, Any]:
    row = db.execute("SELECT config FROM communities WHERE tenant = ?", (tenant,)).fetchone()
    return {} if row is None else dict(json.loads(row[0]))


def save_config(db: Db, tenant: str, config: dict[str, Any]) -> None:
    db.execute(
        "INSERT INTO communities (tenant, config) VALUES (?, ?) ON CONFLICT (tenant) DO UPDATE SET config = excluded.config",
        (tenant, json.dumps(config)),
    )


def set_opt_out(db: Db, tenant: str, user_id: str, opted_out: bool) -> None:
    touch_user(db, tenant, user_id, "")
    db.execute(
        "UPDATE users SET opted_out = ? WHERE tenant = ? AND user_id = ?",
        (int(opted_out), tenant, user_id),
    )
    db.execute(
        "UPDATE board SET hidden = ? WHERE tenant = ? AND user_id = ?",
        (int(opted_out), tenant, user_id),
    )


def display_names(db: Db, tenant: str, user_ids: Sequence[str]) -> dict[str, str]:
    if not user_ids:
        return {}  # `IN ()` is SQLite's only
    marks = ",".join("?" * len(user_ids))
    rows = db.execute(
        f"SELECT user_id, display_name FROM users WHERE tenant = ? AND user_id IN ({marks})",
        (tenant, *user_ids),
    ).fetchall()
    return {r[0]: r[1] or r[0] for r in rows}


def members_named(db: Db, tenant: str, name: str, limit: int = 10) -> dict[str, str]:
    """The members whose id or display name is `name` in any case; without a match, the
    members whose name starts like it, or else some members: choices for an error."""
    for where, value in (
        ("lower(user_id) = lower(?) OR lower(display_name) = lower(?)", (name, name)),
        ("lower(display_name) LIKE lower(?) OR lower(user_id) LIKE lower(?)", (name[:2] + "%",) * 2),
        ("1 = 1", ()),
    ):
        rows = db.execute(
            f"SELECT user_id, display_name FROM users WHERE tenant = ? AND ({where})"
            " ORDER BY lower(display_name), user_id LIMIT ?",
            (tenant, *value, limit),
        ).fetchall()
        if rows:
            return {r[0]: r[1] or r[0] for r in rows}
    return {}


_BOARD_COLUMNS = (
    "b.user_id, COALESCE(NULLIF(u.display_name, ''), b.user_id), b.score, b.answers, b.received_n,"
    " b.received_sum, b.given, b.streak_points"
)


def _board_row(r: Sequence[Any]) -> BoardRow:
    return BoardRow(r[0], r[1], float(r[2]), int(r[3]), int(r[4]), int(r[5]), int(r[6]), int(r[7]))


def leaderboard(db: Db, tenant: str, scope: str, period: str, limit: int | None) -> list[BoardRow]:
    """The shown rows of one board, best first: the top `limit`, or all of them."""
    rows = db.execute(
        f"SELECT {_BOARD_COLUMNS} FROM board b LEFT JOIN users u ON u.tenant = b.tenant AND u.user_id = b.user_id"
        " WHERE b.tenant = ? AND b.scope = ? AND b.period = ? AND b.hidden = 0"
        f" ORDER BY b.score DESC, b.user_id{'' if limit is None else ' LIMIT ?'}",
        (tenant, scope, period) if limit is None else (tenant, scope, period, limit),
    ).fetchall()
    return [_board_row(r) for r in rows]


def board_row(db: Db, tenant: str, scope: str, period: str, user_id: str) -> tuple[BoardRow, int] | None:
    """A user's row and rank (1 = top) among the users shown on that board."""
    row = db.execute(
        f"SELECT {_BOARD_COLUMNS} FROM board b LEFT JOIN users u ON u.tenant = b.tenant AND u.user_id = b.user_id"
        " WHERE b.tenant = ? AND b.scope = ? AND b.period = ? AND b.user_id = ?",
        (tenant, scope, period, user_id),
    ).fetchone()
    if row is None:
        return None
    # Ahead: every shown row in the higher score buckets (kept counts), plus the rows of this
    # row's own bucket that score higher (a short stretch of the rank index).
    score = float(row[2])
    bucket = int(score)
    (above,) = db.execute(
        "SELECT COALESCE(SUM(n), 0) FROM board_buckets WHERE tenant = ? AND scope = ? AND period = ? AND bucket > ?",
        (tenant, scope, period, bucket),
    ).fetchone()
    (near,) = db.execute(
        "SELECT COUNT(*) FROM board WHERE tenant = ? AND scope = ? AND period = ? AND hidden = 0"
        " AND score > ? AND score < ?",
        (tenant, scope, period, score, bucket + 1),
    ).fetchone()
    return _board_row(row), int(above) + int(near) + 1


def skills(db: Db, tenant: str, user_id: str) -> list[DailySkill]:
    rows = db.execute(
        "SELECT area, day, n, total FROM skills WHERE tenant = ? AND user_id = ? AND n > 0",
        (tenant, user_id),
    ).fetchall()
    return [DailySkill(r[0], date.fromisoformat(r[1]), int(r[2]), int(r[3])) for r in rows]


def best_streak(db: Db, tenant: str, user_id: str) -> int:
    row = db.execute("SELECT MAX(length) FROM streaks WHERE tenant = ? AND user_id = ?", (tenant, user_id)).fetchone()
    return int(row[0] or 0)


def save_schedule(db: Db, tenant: str, s: QotdSchedule) -> None:
    spec = {
        "at": s.at, "timezone": s.timezone, "days": list(s.days), "category": s.category, "bank": s.bank,
        "paused_until": s.paused_until.isoformat() if s.paused_until else None, "paused": s.paused,
        "close_hours": s.close_hours,
    }  # fmt: skip
    db.execute(
        "INSERT INTO qotd_schedules (tenant, channel_id, spec) VALUES (?, ?, ?)"
        " ON CONFLICT (tenant, channel_id) DO UPDATE SET spec = excluded.spec",
        (tenant, s.channel_id, json.dumps(spec)),
    )


def get_schedule(db: Db, tenant: str, channel_id: str) -> QotdSchedule | None:
    row = db.execute(
        "SELECT spec FROM qotd_schedules WHERE tenant = ? AND channel_id = ?", (tenant, channel_id)
    ).fetchone()
    if row is None:
        return None
    spec = json.loads(row[0])
    until = spec.get("paused_until")
    return QotdSchedule(
        channel_id, spec["at"], spec["timezone"], tuple(spec["days"]), spec.get("category"), spec.get("bank"),
        date.fromisoformat(until) if until else None, bool(spec.get("paused")), int(spec.get("close_hours", 24)),
    )  # fmt: skip


def qotd_used(db: Db, tenant: str, channel_id: str) -> set[str]:
    rows = db.execute(
        "SELECT question_id FROM qotd_history WHERE tenant = ? AND channel_id = ?",
        (tenant, channel_id),
    )
    return {r[0] for r in rows}


def record_qotd(db: Db, tenant: str, channel_id: str, question_id: str, at: datetime) -> None:
    db.execute(
        "INSERT INTO qotd_history (tenant, channel_id, question_id, posted_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (tenant, channel_id, question_id) DO UPDATE SET posted_at = excluded.posted_at",
        (tenant, channel_id, question_id, iso(at)),
    )


def save_feedback(
    db: Db,
    answer_id: int,
    rater: str,
    keep: str,
    stop: str,
    start: str,
    at: datetime,
) -> None:
    db.execute(
        "INSERT INTO feedback (answer_id, rater_id, keep, stop, start, created_at) VALUES (?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (answer_id, rater_id) DO UPDATE SET keep = excluded.keep, stop = excluded.stop,"
        " start = excluded.start, created_at = excluded.created_at",
        (answer_id, rater, keep, stop, start, iso(at)),
    )


def feedback_for(db: Db, answer_ids: Sequence[int]) -> list[tuple[int, str, str, str, str]]:
    if not answer_ids:
        return []  # `IN ()` is SQLite's only
    marks = ",".join("?" * len(answer_ids))
    rows = db.execute(
        f"SELECT answer_id, rater_id, keep, stop, start FROM feedback WHERE answer_id IN ({marks}) ORDER BY created_at",
        tuple(answer_ids),
    ).fetchall()
    return [(int(r[0]), r[1], r[2], r[3], r[4]) for r in rows]


def export_user(db: Db, tenant: str, user_id: str) -> dict[str, Any]:
    def rows(sql: str) -> list[dict[str, Any]]:
        cursor = db.execute(sql, (tenant, user_id))
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]

    return {
        "user": rows("SELECT user_id, display_name, opted_out FROM users WHERE tenant = ? AND user_id = ?"),
        "answers": rows(
            "SELECT id, question_id, category, channel_id, text, created_at FROM answers"
            " WHERE tenant = ? AND user_id = ? AND withdrawn = 0"
        ),
        "ratings_given": rows(
            "SELECT answer_id, dimension, score, created_at FROM ratings WHERE tenant = ? AND rater_id = ?"
        ),
        "boards": rows(
            "SELECT scope, period, answers, received_n, received_sum, given, streak_points, score FROM board"
            " WHERE tenant = ? AND user_id = ?"
        ),
        "streaks": rows("SELECT channel_id, length, last_day FROM streaks WHERE tenant = ? AND user_id = ?"),
    }


def delete_user(db: Db, tenant: str, user_id: str, at: datetime) -> None:
    """Remove a user's ratings through the same path as a removed reaction (so other people's
    boards stay right), withdraw their answers, then drop everything else keyed by them."""
    given = db.execute(
        f"SELECT r.rater_id, r.dimension, {', '.join('a.' + c.strip() for c in answer_columns().split(','))}"
        " FROM ratings r JOIN answers a ON a.id = r.answer_id WHERE r.tenant = ? AND r.rater_id = ?",
        (tenant, user_id),
    ).fetchall()
    received = db.execute(
        "SELECT r.answer_id, r.rater_id, r.dimension FROM ratings r JOIN answers a ON a.id = r.answer_id"
        " WHERE a.tenant = ? AND a.user_id = ? AND a.withdrawn = 0",
        (tenant, user_id),
    ).fetchall()
    lock_ratings(
        db,
        tenant,
        [(int(row[2]), str(row[0]), str(row[1])) for row in given] + [(int(a), str(r), str(d)) for a, r, d in received],
    )
    for row in given:
        apply_rating(db, RatingChange(answer_from_row(row[2:]), row[0], "", None, at, row[1]), turn_taken=True)
    for (answer_id,) in db.execute(
        "SELECT id FROM answers WHERE tenant = ? AND user_id = ? AND withdrawn = 0",
        (tenant, user_id),
    ).fetchall():
        withdraw_answer(db, int(answer_id), at, turns_taken=True)
    db.execute(
        "DELETE FROM feedback WHERE rater_id = ? AND answer_id IN (SELECT id FROM answers WHERE tenant = ?)",
        (user_id, tenant),
    )
    # The order log of their ratings, given and received.
    db.execute(
        "DELETE FROM rating_log WHERE rater_id = ? AND answer_id IN (SELECT id FROM answers WHERE tenant = ?)",
        (user_id, tenant),
    )
    db.execute(
        "DELETE FROM rating_log WHERE answer_id IN (SELECT id FROM answers WHERE tenant = ? AND user_id = ?)",
        (tenant, user_id),
    )
    db.execute(
        "UPDATE answers SET text = '', message_id = NULL WHERE tenant = ? AND user_id = ?",
        (tenant, user_id),
    )
    for table in ("board", "given_daily", "skills", "streaks", "practice", "users", "suggestions"):
        db.execute(f"DELETE FROM {table} WHERE tenant = ? AND user_id = ?", (tenant, user_id))


def activity(db: Db, tenant: str, since: datetime | None) -> list[dict[str, Any]]:
    cursor = db.execute(
        "SELECT a.user_id, COALESCE(u.display_name, a.user_id) AS name, COUNT(DISTINCT a.id) AS answers,"
        " COUNT(r.score) AS ratings_received, ROUND(AVG(r.score), 2) AS mean_rating,"
        " MIN(a.created_at) AS first_answer, MAX(a.created_at) AS last_answer"
        " FROM answers a LEFT JOIN ratings r ON r.answer_id = a.id AND r.dimension = ''"
        " LEFT JOIN users u ON u.tenant = a.tenant AND u.user_id = a.user_id"
        " WHERE a.tenant = ? AND a.withdrawn = 0 AND a.created_at >= ? GROUP BY a.user_id, u.display_name"
        " ORDER BY answers DESC",
        (tenant, iso(since) if since else ""),
    )
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]
