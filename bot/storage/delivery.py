"""The outbox, the inbox, timers taken by the event that fires them, and the adapters'
key-value space, as plain sqlite3 functions run inside the store's transactions."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from bot.core.clock import iso, parse_iso
from bot.core.messages import Notify, Post
from bot.core.ports import OutboxItem, Timer
from bot.core.wire import effect_from_json, effect_to_json, lane_of
from bot.storage.sql import Db, is_postgres

_OUTBOX_COLUMNS = "id, tenant, lane, body, report_to, attempts"


def add_outbox(db: Db, tenant: str, items: Sequence[tuple[str, Post | Notify, str | None]], at: datetime) -> None:
    """items: (kind, effect, report_to). All wait until `at` has passed (at once, normally)."""
    db.executemany(
        "INSERT INTO outbox (tenant, lane, kind, body, report_to, created_at, not_before) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(tenant, lane_of(effect), kind, effect_to_json(effect), report_to, iso(at), iso(at))
         for kind, effect, report_to in items],
    )  # fmt: skip


def _item(row: Sequence[object]) -> OutboxItem:
    return OutboxItem(int(str(row[0])), str(row[1]), str(row[2]), effect_from_json(str(row[3])),
                      None if row[4] is None else str(row[4]), int(str(row[5])))  # fmt: skip


def pending_outbox(db: Db, now: datetime, lane: tuple[str, str] | None, limit: int) -> list[OutboxItem]:
    """The rows ready to go, none of a lane whose oldest row is waiting for a retry (order within
    a lane is kept). For one lane: its rows in order; for all: the first row of each lane."""
    if lane is not None:
        rows = db.execute(
            f"SELECT {_OUTBOX_COLUMNS}, not_before FROM outbox WHERE tenant = ? AND lane = ? AND status = 'pending'"
            " ORDER BY id LIMIT ?",
            (*lane, limit),
        ).fetchall()
    else:
        # The first pending row of each lane (however long one lane's backlog is, every lane
        # gets its turn); the lanes are then drained one row after another.
        rows = db.execute(
            f"SELECT {_OUTBOX_COLUMNS}, not_before FROM outbox WHERE id IN"
            " (SELECT MIN(id) FROM outbox WHERE status = 'pending' GROUP BY tenant, lane) ORDER BY id LIMIT ?",
            (limit,),
        ).fetchall()
    ready: list[OutboxItem] = []
    blocked: set[tuple[str, str]] = set()
    for row in rows:
        key = (str(row[1]), str(row[2]))
        if key in blocked:
            continue
        if parse_iso(str(row[6])) > now:
            blocked.add(key)  # a later row must not overtake the one waiting to be retried
            continue
        ready.append(_item(row))
    return ready


def next_outbox_due(db: Db) -> datetime | None:
    # Only the oldest row of each lane can go next: the others wait behind it.
    row = db.execute(
        "SELECT MIN(not_before) FROM outbox WHERE id IN"
        " (SELECT MIN(id) FROM outbox WHERE status = 'pending' GROUP BY tenant, lane)"
    ).fetchone()
    return None if row is None or row[0] is None else parse_iso(row[0])


def outbox_sent(db: Db, item_id: int, message_id: str) -> None:
    db.execute("UPDATE outbox SET status = 'sent', message_id = ?, body = '{}' WHERE id = ?", (message_id, item_id))


def outbox_retry(db: Db, item_id: int, not_before: datetime, error: str) -> None:
    db.execute(
        "UPDATE outbox SET attempts = attempts + 1, not_before = ?, last_error = ? WHERE id = ?",
        (iso(not_before), error[:500], item_id),
    )


def outbox_failed(db: Db, item_id: int, error: str) -> None:
    db.execute(
        "UPDATE outbox SET status = 'failed', attempts = attempts + 1, last_error = ? WHERE id = ?",
        (error[:500], item_id),
    )


def inbox_add(db: Db, source: str, body: str, at: datetime, owner: str, lease_until: datetime) -> int:
    cursor = db.execute(
        "INSERT INTO inbox (source, body, received_at, owner, lease_until) VALUES (?, ?, ?, ?, ?) RETURNING id",
        (source, body, iso(at), owner, iso(lease_until)),
    )
    return int(cursor.fetchone()[0])


def inbox_renew(db: Db, owner: str, lease_until: datetime) -> int:
    return db.execute("UPDATE inbox SET lease_until = ? WHERE owner = ?", (iso(lease_until), owner)).rowcount


def inbox_claim(
    db: Db, source: str, owner: str, now: datetime, lease_until: datetime, limit: int
) -> list[tuple[int, str]]:
    """Take over rows no live process holds, oldest first. PostgreSQL: rows whose lease has run
    out, skipping those another process is claiming this instant, so two processes never both
    take a row. SQLite serves one process: every row not this process's own is left over from
    an earlier one, whatever its lease says."""
    if is_postgres(db):
        free = "lease_until < ? ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED"
        parameters: tuple[object, ...] = (source, owner, iso(now), limit)
    else:
        free = "1 = 1 ORDER BY id LIMIT ?"
        parameters = (source, owner, limit)
    rows = db.execute(
        "UPDATE inbox SET owner = ?, lease_until = ? WHERE id IN"
        f" (SELECT id FROM inbox WHERE source = ? AND owner <> ? AND {free}) RETURNING id, body",
        (owner, iso(lease_until), *parameters),
    ).fetchall()
    return sorted((int(r[0]), str(r[1])) for r in rows)


def inbox_pending(db: Db, source: str) -> list[tuple[int, str]]:
    rows = db.execute("SELECT id, body FROM inbox WHERE source = ? ORDER BY id", (source,)).fetchall()
    return [(int(r[0]), str(r[1])) for r in rows]


def due_timers(db: Db, now: datetime, limit: int) -> list[Timer]:
    rows = db.execute(
        "SELECT key, tenant, channel_id, due, kind, payload FROM timers WHERE due <= ? ORDER BY due, key LIMIT ?",
        (iso(now), limit),
    ).fetchall()
    return [Timer(r[0], r[1], r[2], parse_iso(r[3]), r[4], json.loads(r[5])) for r in rows]


def take_timer(db: Db, key: str, due: datetime) -> bool:
    """Whoever deletes the row fires the timer; in the firing event's own transaction, so a
    crash before its commit leaves the timer in place to fire again. On PostgreSQL a row that
    another process is firing right now is skipped, not waited for: if that process dies
    before its commit, the row is still there and fires from the next look at due timers."""
    if is_postgres(db):
        sql = "DELETE FROM timers WHERE key = (SELECT key FROM timers WHERE key = ? AND due = ? FOR UPDATE SKIP LOCKED)"
    else:
        sql = "DELETE FROM timers WHERE key = ? AND due = ?"
    return db.execute(sql, (key, iso(due))).rowcount == 1


def lease_lane(db: Db, tenant: str, lane: str, owner: str, now: datetime, until: datetime) -> bool:
    """Take (or keep) the right to deliver a lane until `until`: granted when nobody holds it,
    its holder's lease ran out, or `owner` holds it already."""
    return (
        db.execute(
            "INSERT INTO outbox_lanes (tenant, lane, owner, lease_until) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (tenant, lane) DO UPDATE SET owner = excluded.owner, lease_until = excluded.lease_until"
            " WHERE outbox_lanes.owner = excluded.owner OR outbox_lanes.lease_until < ? RETURNING owner",
            (tenant, lane, owner, iso(until), iso(now)),
        ).fetchone()
        is not None
    )


def release_lane(db: Db, tenant: str, lane: str, owner: str) -> None:
    db.execute("DELETE FROM outbox_lanes WHERE tenant = ? AND lane = ? AND owner = ?", (tenant, lane, owner))


def kv_put(db: Db, namespace: str, key: str, value: str, at: datetime) -> None:
    db.execute(
        "INSERT INTO adapter_state (namespace, key, value, updated_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        (namespace, key, value, iso(at)),
    )


def kv_scan(db: Db, namespace: str, prefix: str) -> list[tuple[str, str, str]]:
    rows = db.execute(
        "SELECT key, value, updated_at FROM adapter_state WHERE namespace = ? AND substr(key, 1, CAST(? AS INTEGER)) = ?"
        " ORDER BY key",
        (namespace, len(prefix), prefix),
    ).fetchall()
    return [(str(r[0]), str(r[1]), str(r[2])) for r in rows]


def ops_stats(db: Db, now: datetime) -> dict[str, float]:
    """What /metrics and /readyz report: the outbox backlog and its oldest row's age, how late
    the most overdue timer is, and how many rounds are open."""
    backlog, oldest = db.execute("SELECT COUNT(*), MIN(created_at) FROM outbox WHERE status = 'pending'").fetchone()
    (overdue,) = db.execute("SELECT MIN(due) FROM timers WHERE due <= ?", (iso(now),)).fetchone()
    (rounds,) = db.execute("SELECT COUNT(*) FROM rounds WHERE status = 'open'").fetchone()
    return {
        "outbox_backlog": float(backlog),
        "outbox_oldest_seconds": max((now - parse_iso(oldest)).total_seconds(), 0.0) if oldest else 0.0,
        "timer_lag_seconds": max((now - parse_iso(overdue)).total_seconds(), 0.0) if overdue else 0.0,
        "rounds_running": float(rounds),
    }
