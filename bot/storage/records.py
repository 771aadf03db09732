"""Rounds, the platform messages that belong to them, timers and processed events."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from bot.core.clock import iso, parse_iso
from bot.core.ports import AnswerRecord, AnswerScore, RoundRecord, Timer
from bot.storage.scores import answer_columns, answer_from_row

EVENT_MEMORY = timedelta(days=7)  # replays arrive within minutes; a week is ample


def claim_event(db: sqlite3.Connection, tenant: str, event_id: str, at: datetime) -> bool:
    cursor = db.execute(
        "INSERT OR IGNORE INTO processed_events (tenant, event_id, seen_at) VALUES (?, ?, ?)",
        (tenant, event_id, iso(at)),
    )
    return cursor.rowcount == 1


def forget_old_events(db: sqlite3.Connection, now: datetime) -> int:
    return db.execute("DELETE FROM processed_events WHERE seen_at < ?", (iso(now - EVENT_MEMORY),)).rowcount


def _round(row: Sequence[Any] | None) -> RoundRecord | None:
    if row is None:
        return None
    return RoundRecord(int(row[0]), row[1], row[2], row[3], row[4], json.loads(row[5]), int(row[6]))


_ROUND_COLUMNS = "id, tenant, channel_id, kind, status, state, version"


def create_round(
    db: sqlite3.Connection,
    tenant: str,
    channel_id: str,
    kind: str,
    state: dict[str, Any],
    at: datetime,
) -> int:
    cursor = db.execute(
        "INSERT INTO rounds (tenant, channel_id, kind, status, state, created_at) VALUES (?, ?, ?, 'open', ?, ?)",
        (tenant, channel_id, kind, json.dumps(state), iso(at)),
    )
    assert cursor.lastrowid is not None
    return cursor.lastrowid


def save_round(
    db: sqlite3.Connection, round_id: int, status: str, state: dict[str, Any], read_version: int | None = None
) -> bool:
    """Write a round's state; with `read_version`, only if nobody wrote it since that read."""
    return (
        db.execute(
            "UPDATE rounds SET status = ?, state = ?, version = version + 1 WHERE id = ? AND (? IS NULL OR version = ?)",
            (status, json.dumps(state), round_id, read_version, read_version),
        ).rowcount
        == 1
    )


def get_round(db: sqlite3.Connection, round_id: int) -> RoundRecord | None:
    return _round(db.execute(f"SELECT {_ROUND_COLUMNS} FROM rounds WHERE id = ?", (round_id,)).fetchone())


def open_round(db: sqlite3.Connection, tenant: str, channel_id: str, kinds: Sequence[str]) -> RoundRecord | None:
    marks = ",".join("?" * len(kinds))
    row = db.execute(
        f"SELECT {_ROUND_COLUMNS} FROM rounds WHERE tenant = ? AND channel_id = ? AND status = 'open'"
        f" AND kind IN ({marks}) ORDER BY id DESC LIMIT 1",
        (tenant, channel_id, *kinds),
    ).fetchone()
    return _round(row)


def record_post(db: sqlite3.Connection, tenant: str, message_id: str, round_id: int | None, ref: str) -> None:
    db.execute(
        "INSERT OR REPLACE INTO posts (tenant, message_id, round_id, ref) VALUES (?, ?, ?, ?)",
        (tenant, message_id, round_id, ref),
    )


def post_by_message(db: sqlite3.Connection, tenant: str, message_id: str) -> tuple[int | None, str] | None:
    row = db.execute(
        "SELECT round_id, ref FROM posts WHERE tenant = ? AND message_id = ?", (tenant, message_id)
    ).fetchone()
    return None if row is None else (row[0], row[1])


def message_for_ref(db: sqlite3.Connection, tenant: str, ref: str) -> str | None:
    row = db.execute("SELECT message_id FROM posts WHERE tenant = ? AND ref = ?", (tenant, ref)).fetchone()
    return None if row is None else str(row[0])


def get_answer(db: sqlite3.Connection, answer_id: int) -> AnswerRecord | None:
    row = db.execute(f"SELECT {answer_columns()} FROM answers WHERE id = ?", (answer_id,)).fetchone()
    return None if row is None else answer_from_row(row)


def answer_by_message(db: sqlite3.Connection, tenant: str, message_id: str) -> AnswerRecord | None:
    row = db.execute(
        f"SELECT {answer_columns()} FROM answers WHERE tenant = ? AND message_id = ? AND withdrawn = 0",
        (tenant, message_id),
    ).fetchone()
    return None if row is None else answer_from_row(row)


def answers_for(db: sqlite3.Connection, round_id: int, q_index: int | None) -> list[AnswerRecord]:
    rows = db.execute(
        f"SELECT {answer_columns()} FROM answers WHERE round_id = ? AND (? IS NULL OR q_index = ?)"
        " AND withdrawn = 0 ORDER BY id",
        (round_id, q_index, q_index),
    ).fetchall()
    return [answer_from_row(r) for r in rows]


def answer_scores(db: sqlite3.Connection, round_id: int, q_index: int | None, dimension: str) -> list[AnswerScore]:
    rows = db.execute(
        "SELECT a.id, a.user_id, COALESCE(u.display_name, a.user_id), COUNT(r.score), COALESCE(SUM(r.score), 0)"
        " FROM answers a LEFT JOIN ratings r ON r.answer_id = a.id AND r.dimension = ?"
        " LEFT JOIN users u ON u.tenant = a.tenant AND u.user_id = a.user_id"
        " WHERE a.round_id = ? AND (? IS NULL OR a.q_index = ?) AND a.withdrawn = 0"
        " GROUP BY a.id ORDER BY a.id",
        (dimension, round_id, q_index, q_index),
    ).fetchall()
    return [AnswerScore(int(r[0]), r[1], r[2] or r[1], int(r[3]), int(r[4])) for r in rows]


def set_timer(db: sqlite3.Connection, timer: Timer) -> None:
    db.execute(
        "INSERT OR REPLACE INTO timers (key, tenant, channel_id, due, kind, payload) VALUES (?, ?, ?, ?, ?, ?)",
        (
            timer.key,
            timer.tenant,
            timer.channel_id,
            iso(timer.due),
            timer.kind,
            json.dumps(timer.payload),
        ),
    )


def next_timer_due(db: sqlite3.Connection) -> datetime | None:
    row = db.execute("SELECT MIN(due) FROM timers").fetchone()
    return None if row is None or row[0] is None else parse_iso(row[0])
