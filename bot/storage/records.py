"""Rounds, the platform messages that belong to them, timers and processed events."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from bot.core.clock import iso, parse_iso
from bot.core.ports import AnswerRecord, AnswerScore, RoundRecord, Timer
from bot.storage.scores import answer_columns, answer_from_row
from bot.storage.sql import Db, is_postgres

EVENT_MEMORY = timedelta(days=7)  # replays arrive within minutes; a week is ample


def claim_event(db: Db, tenant: str, event_id: str, at: datetime) -> bool:
    cursor = db.execute(
        "INSERT INTO processed_events (tenant, event_id, seen_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
        (tenant, event_id, iso(at)),
    )
    return cursor.rowcount == 1


def forget_old_events(db: Db, now: datetime) -> int:
    return db.execute("DELETE FROM processed_events WHERE seen_at < ?", (iso(now - EVENT_MEMORY),)).rowcount


def round_from_row(row: Sequence[Any] | None) -> RoundRecord | None:
    if row is None or row[0] is None:
        return None
    return RoundRecord(int(row[0]), row[1], row[2], row[3], row[4], json.loads(row[5]), int(row[6]))


ROUND_COLUMNS = ("id", "tenant", "channel_id", "kind", "status", "state", "version")
_ROUND_COLUMNS = ", ".join(ROUND_COLUMNS)


def create_round(
    db: Db,
    tenant: str,
    channel_id: str,
    kind: str,
    state: dict[str, Any],
    at: datetime,
) -> int:
    cursor = db.execute(
        "INSERT INTO rounds (tenant, channel_id, kind, status, state, created_at) VALUES (?, ?, ?, 'open', ?, ?)"
        " RETURNING id",
        (tenant, channel_id, kind, json.dumps(state), iso(at)),
    )
    return int(cursor.fetchone()[0])


def save_round(db: Db, round_id: int, status: str, state: dict[str, Any], read_version: int | None = None) -> bool:
    """Write a round's state; with `read_version`, only if nobody wrote it since that read."""
    return (
        db.execute(
            "UPDATE rounds SET status = ?, state = ?, version = version + 1 WHERE id = ?"
            " AND (CAST(? AS BIGINT) IS NULL OR version = ?)",
            (status, json.dumps(state), round_id, read_version, read_version),
        ).rowcount
        == 1
    )


def get_round(db: Db, round_id: int, *, share: bool = False) -> RoundRecord | None:
    """With `share`, on PostgreSQL, the round cannot change until this transaction ends: a
    rating checked against an open round is not counted after another process closed it."""
    lock = " FOR SHARE" if share and is_postgres(db) else ""
    return round_from_row(db.execute(f"SELECT {_ROUND_COLUMNS} FROM rounds WHERE id = ?{lock}", (round_id,)).fetchone())


def get_rounds(db: Db, round_ids: Sequence[int], *, share: bool = False) -> dict[int, RoundRecord]:
    """Several rounds by id in one statement (PostgreSQL only: an array parameter); with
    `share`, each held as `get_round` holds one, taken in id order."""
    if not round_ids:
        return {}
    lock = " ORDER BY id FOR SHARE" if share else ""
    rows = db.execute(f"SELECT {_ROUND_COLUMNS} FROM rounds WHERE id = ANY(?::bigint[]){lock}", (list(round_ids),))
    return {r.id: r for r in map(round_from_row, rows.fetchall()) if r is not None}


def open_round(db: Db, tenant: str, channel_id: str, kinds: Sequence[str]) -> RoundRecord | None:
    marks = ",".join("?" * len(kinds))
    row = db.execute(
        f"SELECT {_ROUND_COLUMNS} FROM rounds WHERE tenant = ? AND channel_id = ? AND status = 'open'"
        f" AND kind IN ({marks}) ORDER BY id DESC LIMIT 1",
        (tenant, channel_id, *kinds),
    ).fetchone()
    return round_from_row(row)


def record_post(db: Db, tenant: str, message_id: str, round_id: int | None, ref: str) -> None:
    db.execute(
        "INSERT INTO posts (tenant, message_id, round_id, ref) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (tenant, message_id) DO UPDATE SET round_id = excluded.round_id, ref = excluded.ref",
        (tenant, message_id, round_id, ref),
    )


def post_by_message(db: Db, tenant: str, message_id: str) -> tuple[int | None, str] | None:
    row = db.execute(
        "SELECT round_id, ref FROM posts WHERE tenant = ? AND message_id = ?", (tenant, message_id)
    ).fetchone()
    return None if row is None else (row[0], row[1])


def message_for_ref(db: Db, tenant: str, ref: str) -> str | None:
    row = db.execute("SELECT message_id FROM posts WHERE tenant = ? AND ref = ?", (tenant, ref)).fetchone()
    return None if row is None else str(row[0])


def get_answer(db: Db, answer_id: int) -> AnswerRecord | None:
    row = db.execute(f"SELECT {answer_columns()} FROM answers WHERE id = ?", (answer_id,)).fetchone()
    return None if row is None else answer_from_row(row)


def answer_by_message(db: Db, tenant: str, message_id: str) -> AnswerRecord | None:
    row = db.execute(
        f"SELECT {answer_columns()} FROM answers WHERE tenant = ? AND message_id = ? AND withdrawn = 0",
        (tenant, message_id),
    ).fetchone()
    return None if row is None else answer_from_row(row)


def answers_for(db: Db, round_id: int, q_index: int | None) -> list[AnswerRecord]:
    rows = db.execute(
        f"SELECT {answer_columns()} FROM answers WHERE round_id = ? AND (CAST(? AS BIGINT) IS NULL OR q_index = ?)"
        " AND withdrawn = 0 ORDER BY id",
        (round_id, q_index, q_index),
    ).fetchall()
    return [answer_from_row(r) for r in rows]


def answer_scores(db: Db, round_id: int, q_index: int | None, dimension: str) -> list[AnswerScore]:
    rows = db.execute(
        "SELECT a.id, a.user_id, COALESCE(u.display_name, a.user_id), COUNT(r.score), COALESCE(SUM(r.score), 0)"
        " FROM answers a LEFT JOIN ratings r ON r.answer_id = a.id AND r.dimension = ?"
        " LEFT JOIN users u ON u.tenant = a.tenant AND u.user_id = a.user_id"
        " WHERE a.round_id = ? AND (CAST(? AS BIGINT) IS NULL OR a.q_index = ?) AND a.withdrawn = 0"
        " GROUP BY a.id, a.user_id, u.display_name ORDER BY a.id",
        (dimension, round_id, q_index, q_index),
    ).fetchall()
    return [AnswerScore(int(r[0]), r[1], r[2] or r[1], int(r[3]), int(r[4])) for r in rows]


def set_timer(db: Db, timer: Timer) -> None:
    db.execute(
        "INSERT INTO timers (key, tenant, channel_id, due, kind, payload) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (key)"
        " DO UPDATE SET tenant = excluded.tenant, channel_id = excluded.channel_id, due = excluded.due,"
        " kind = excluded.kind, payload = excluded.payload",
        (
            timer.key,
            timer.tenant,
            timer.channel_id,
            iso(timer.due),
            timer.kind,
            json.dumps(timer.payload),
        ),
    )


def next_timer_due(db: Db) -> datetime | None:
    row = db.execute("SELECT MIN(due) FROM timers").fetchone()
    return None if row is None or row[0] is None else parse_iso(row[0])


def previous_qotd_day(db: Db, tenant: str, channel_id: str, before: date) -> date | None:
    """The last scheduled day before `before` on which the channel got its question."""
    day = "state::json ->> 'scheduled_day'" if is_postgres(db) else "json_extract(state, '$.scheduled_day')"
    row = db.execute(
        f"SELECT MAX({day}) FROM rounds WHERE tenant = ? AND channel_id = ? AND kind = 'qotd' AND {day} < ?",
        (tenant, channel_id, before.isoformat()),
    ).fetchone()
    return date.fromisoformat(row[0]) if row and row[0] else None
