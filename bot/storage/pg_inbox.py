"""The Slack inbox's two hot writes on PostgreSQL, for many requests at once: every request is
written before its ack and deleted once handled, and alone each is a transaction that waits for
the disk. The store's call queue (bot.storage.pg_queue) hands these the requests waiting
together; SQLite's group commit does the same for its own."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.core.clock import iso
from bot.storage.sql import Db, unnest_columns

InboxRow = tuple[str, str, datetime, str, datetime]  # source, body, received at, owner, lease until

# Ids come from the identity in the order the rows are inserted, which ORDER BY fixes: sorted,
# they are the rows' ids in the order given.
_ADD = (
    "INSERT INTO inbox (source, body, received_at, owner, lease_until)"
    " SELECT source, body, received_at, owner, lease_until"
    " FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[])"
    "  WITH ORDINALITY AS r(source, body, received_at, owner, lease_until, i)"
    " ORDER BY i RETURNING id"
)


def add_all(db: Db, rows: Sequence[InboxRow]) -> list[int]:
    """Each row into the inbox; their ids, in order."""
    columns = unnest_columns([(s, body, iso(at), owner, iso(until)) for s, body, at, owner, until in rows], 5)
    return sorted(int(row[0]) for row in db.execute(_ADD, columns).fetchall())


def done_all(db: Db, ids: Sequence[int]) -> list[None]:
    db.execute("DELETE FROM inbox WHERE id = ANY(?::bigint[])", (list(ids),))
    return [None] * len(ids)
