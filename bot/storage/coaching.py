"""Coaching reads and writes: self-ratings, per-person nudge choices, and the community's mean
per weak area (for the chart's reference line), read from the same daily aggregates."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.core.clock import iso
from bot.core.self_assessment import SelfRated
from bot.storage.sql import Db


def community_area_means(db: Db, tenant: str) -> dict[str, float]:
    rows = db.execute(
        "SELECT area, SUM(total), SUM(n) FROM skills WHERE tenant = ? AND n > 0 GROUP BY area", (tenant,)
    ).fetchall()
    return {str(area): total / n for area, total, n in rows if n}


def peer_ratings_of(db: Db, answer_id: int, author_id: str) -> int:
    row = db.execute(
        "SELECT COUNT(*) FROM ratings WHERE answer_id = ? AND rater_id != ?", (answer_id, author_id)
    ).fetchone()
    return int(row[0])


def save_self_rating(
    db: Db, tenant: str, answer_id: int, user_id: str, category: str, score: int, at: datetime
) -> None:
    db.execute(
        "INSERT INTO self_ratings (answer_id, tenant, user_id, category, score, created_at) VALUES (?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (answer_id) DO UPDATE SET score = excluded.score, created_at = excluded.created_at",
        (answer_id, tenant, user_id, category, score, iso(at)),
    )


def self_rated(db: Db, tenant: str, user_id: str) -> list[SelfRated]:
    """Each self-rated answer still standing, with its peers' overall ratings (sum, count)."""
    rows = db.execute(
        "SELECT s.category, s.score, COALESCE(SUM(r.score), 0), COUNT(r.score)"
        "  FROM self_ratings s JOIN answers a ON a.id = s.answer_id"
        "  LEFT JOIN ratings r ON r.answer_id = s.answer_id AND r.dimension = '' AND r.rater_id != s.user_id"
        " WHERE s.tenant = ? AND s.user_id = ? AND a.withdrawn = 0"
        " GROUP BY s.answer_id",
        (tenant, user_id),
    ).fetchall()
    return [SelfRated(str(c), int(score), int(total), int(n)) for c, score, total, n in rows]


def nudges_on(db: Db, tenant: str, user_id: str) -> bool:
    row = db.execute("SELECT nudges FROM coaching_prefs WHERE tenant = ? AND user_id = ?", (tenant, user_id)).fetchone()
    return row is None or bool(row[0])


def set_nudges(db: Db, tenant: str, user_id: str, on: bool) -> None:
    db.execute(
        "INSERT INTO coaching_prefs (tenant, user_id, nudges) VALUES (?, ?, ?)"
        " ON CONFLICT (tenant, user_id) DO UPDATE SET nudges = excluded.nudges",
        (tenant, user_id, int(on)),
    )


def export_user(db: Db, tenant: str, user_id: str) -> dict[str, Any]:
    """Only what is stored: someone who never self-rated or chose about nudges has nothing here."""
    out: dict[str, Any] = {}
    rows = db.execute(
        "SELECT answer_id, category, score, created_at FROM self_ratings WHERE tenant = ? AND user_id = ?"
        " ORDER BY answer_id",
        (tenant, user_id),
    ).fetchall()
    if rows:
        out["self_ratings"] = [
            dict(zip(("answer_id", "category", "score", "created_at"), r, strict=True)) for r in rows
        ]
    pref = db.execute(
        "SELECT nudges FROM coaching_prefs WHERE tenant = ? AND user_id = ?", (tenant, user_id)
    ).fetchone()
    if pref is not None:
        out["coaching_prefs"] = [{"nudges": bool(pref[0])}]
    return out


def delete_user(db: Db, tenant: str, user_id: str) -> None:
    db.execute("DELETE FROM self_ratings WHERE tenant = ? AND user_id = ?", (tenant, user_id))
    db.execute("DELETE FROM coaching_prefs WHERE tenant = ? AND user_id = ?", (tenant, user_id))
