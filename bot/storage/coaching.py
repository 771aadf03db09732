"""Coaching reads and writes: self-ratings, per-person nudge choices, the community's mean per
weak area (for the chart's reference line), and the ratings that rater calibration, the
calibrated views and the community report are computed from (bot.core.calibration and friends:
the arithmetic is the core's, here are only portable SELECTs)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from bot.core.calibrated import AreaReceived, Received
from bot.core.calibration import Rated
from bot.core.clock import iso
from bot.core.community_report import Participation
from bot.core.self_assessment import SelfRated
from bot.core.tallies import skill_area
from bot.storage.sql import Db


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


def self_rated_peers(db: Db, tenant: str, user_id: str) -> list[tuple[int, str, int, str | None, int | None]]:
    """Each self-rated answer still standing, with each peer's overall rating of it
    (answer, category, self score, rater or None, their score or None): for calibration."""
    rows = db.execute(
        "SELECT s.answer_id, s.category, s.score, r.rater_id, r.score"
        "  FROM self_ratings s JOIN answers a ON a.id = s.answer_id"
        "  LEFT JOIN ratings r ON r.answer_id = s.answer_id AND r.dimension = '' AND r.rater_id != s.user_id"
        " WHERE s.tenant = ? AND s.user_id = ? AND a.withdrawn = 0 ORDER BY s.answer_id",
        (tenant, user_id),
    ).fetchall()
    return [(int(a), str(c), int(own), None if rater is None else str(rater), None if peer is None else int(peer))
            for a, c, own, rater, peer in rows]  # fmt: skip


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
    received_rows = ratings_received(db, tenant, user_id)
    if received_rows:
        out["ratings_received"] = received_rows
    return out


def delete_user(db: Db, tenant: str, user_id: str) -> None:
    db.execute("DELETE FROM self_ratings WHERE tenant = ? AND user_id = ?", (tenant, user_id))
    db.execute("DELETE FROM coaching_prefs WHERE tenant = ? AND user_id = ?", (tenant, user_id))


# --- rater calibration and the calibrated views (bot.core.calibration, bot.core.calibrated) ----

_PEER = "FROM ratings r JOIN answers a ON a.id = r.answer_id WHERE r.tenant = ? AND a.withdrawn = 0 AND r.rater_id != a.user_id"


def ratings_version(db: Db, tenant: str) -> int:
    """How many times the community's ratings have changed (migration 010's triggers count
    every insert, update and delete): what a cached calibration was computed at."""
    row = db.execute("SELECT version FROM rating_versions WHERE tenant = ?", (tenant,)).fetchone()
    return 0 if row is None else int(row[0])


def shared_ratings(db: Db, tenant: str, limit: int) -> list[Rated]:
    """The most recent `limit` ratings of items (answer, dimension) that another peer rated too:
    all that leniency can be measured on."""
    rows = db.execute(
        f"SELECT r.answer_id, r.dimension, r.rater_id, r.score {_PEER}"
        " AND EXISTS (SELECT 1 FROM ratings o WHERE o.answer_id = r.answer_id AND o.dimension = r.dimension"
        "  AND o.rater_id != r.rater_id AND o.rater_id != a.user_id)"
        " ORDER BY r.created_at DESC, r.answer_id DESC LIMIT ?",
        (tenant, limit),
    ).fetchall()
    return [Rated(int(a), str(d), str(rater), int(s)) for a, d, rater, s in rows]


def rater_score_counts(db: Db, tenant: str) -> list[tuple[str, int, int]]:
    """Each rater's overall ratings of others as (rater, score, count)."""
    rows = db.execute(
        f"SELECT r.rater_id, r.score, COUNT(*) {_PEER} AND r.dimension = '' GROUP BY r.rater_id, r.score",
        (tenant,),
    ).fetchall()
    return [(str(rater), int(score), int(n)) for rater, score, n in rows]


def received(db: Db, tenant: str, user_id: str | None = None) -> list[Received]:
    """Ratings received, per author, weak area, day (the day the rating first counted, as the
    skills rows keep it) and rater: enough to subtract each rater's leniency."""
    mine = " AND a.user_id = ?" if user_id is not None else ""
    rows = db.execute(
        "SELECT r.dimension, a.category, a.user_id, substr(r.created_at, 1, 10), r.rater_id, COUNT(*), SUM(r.score)"
        f" {_PEER}{mine} GROUP BY r.dimension, a.category, a.user_id, substr(r.created_at, 1, 10), r.rater_id",
        (tenant,) if user_id is None else (tenant, user_id),
    ).fetchall()
    return [Received(u, area, date.fromisoformat(day), rater, n, total)
            for (area, u, day, rater), (n, total) in _per_area(rows).items()]  # fmt: skip


def received_per_area(db: Db, tenant: str) -> list[AreaReceived]:
    """The community's ratings received, per weak area and rater: `received` summed over the
    authors and days (the community's means need no more), a row per rater and area."""
    rows = db.execute(
        f"SELECT r.dimension, a.category, r.rater_id, COUNT(*), SUM(r.score) {_PEER}"
        " GROUP BY r.dimension, a.category, r.rater_id",
        (tenant,),
    ).fetchall()
    return [AreaReceived(area, rater, n, total) for (area, rater), (n, total) in _per_area(rows).items()]


def _per_area(rows: Iterable[Sequence[Any]]) -> dict[tuple[str, ...], tuple[int, int]]:
    """(dimension, category, *key, count, sum) rows summed per (area, *key). The area is the
    core's rule (a rubric dimension, else the question's category): one dimension's rows of
    several categories are one area's."""
    found: dict[tuple[str, ...], list[int]] = {}
    for dimension, category, *key, n, total in rows:
        cell = found.setdefault((skill_area(str(dimension), str(category)), *map(str, key)), [0, 0])
        cell[0] += int(n)
        cell[1] += int(total)
    return {k: (n, total) for k, (n, total) in found.items()}


def board_received(
    db: Db, tenant: str, channel_id: str | None, start: datetime | None, end: datetime | None
) -> list[tuple[str, str, int]]:
    """(author, rater, count) of the overall ratings a board counts: those of answers created
    in the board's period (in its channel, for a channel board), as the tallies count them."""
    sql = f"SELECT a.user_id, r.rater_id, COUNT(*) {_PEER} AND r.dimension = ''"
    params: list[Any] = [tenant]
    if channel_id is not None:
        sql += " AND a.channel_id = ?"
        params.append(channel_id)
    if start is not None and end is not None:
        sql += " AND a.created_at >= ? AND a.created_at < ?"
        params += [iso(start), iso(end)]
    rows = db.execute(sql + " GROUP BY a.user_id, r.rater_id", params).fetchall()
    return [(str(u), str(rater), int(n)) for u, rater, n in rows]


def answers_per_category(db: Db, tenant: str, user_id: str) -> dict[str, int]:
    rows = db.execute(
        "SELECT category, COUNT(*) FROM answers WHERE tenant = ? AND user_id = ? AND withdrawn = 0 GROUP BY category",
        (tenant, user_id),
    ).fetchall()
    return {str(c): int(n) for c, n in rows}


def participation(db: Db, tenant: str, since: datetime | None) -> Participation:
    """Who answered and who rated on which day (the weeks are the core's business)."""
    start = iso(since) if since else ""
    answers = db.execute(
        "SELECT user_id, substr(created_at, 1, 10) FROM answers WHERE tenant = ? AND withdrawn = 0 AND created_at >= ?",
        (tenant, start),
    ).fetchall()
    ratings = db.execute(
        "SELECT rater_id, substr(created_at, 1, 10) FROM ratings WHERE tenant = ? AND dimension = '' AND created_at >= ?",
        (tenant, start),
    ).fetchall()
    return Participation(
        [(str(u), date.fromisoformat(d)) for u, d in answers], [(str(u), date.fromisoformat(d)) for u, d in ratings]
    )


def ratings_received(db: Db, tenant: str, user_id: str) -> list[dict[str, Any]]:
    """For the privacy export: the scores as given (uncalibrated), without who gave them."""
    rows = db.execute(
        "SELECT r.answer_id, r.dimension, r.score, r.created_at FROM ratings r JOIN answers a ON a.id = r.answer_id"
        " WHERE a.tenant = ? AND a.user_id = ? AND r.rater_id != a.user_id ORDER BY r.answer_id, r.dimension",
        (tenant, user_id),
    ).fetchall()
    return [dict(zip(("answer_id", "dimension", "score", "created_at"), r, strict=True)) for r in rows]
