"""The embedded store: SQLite through aiosqlite, WAL, numbered migrations, group commit.

Every read and write is a small function run in the database thread. One loop hands that
thread everything waiting at once: first the reads, outside any transaction, then the writes in
one transaction (group commit). At 1,000 events/s that is far cheaper than a thread hop per
call and a commit per write, and each caller still learns its own result, a writer only once
its transaction has committed.
The deltas the batch's ratings and answers add to the boards are merged (bot.storage.batch)
and written once per row at the end of the batch.
Automatic checkpoints are off, and no checkpoint runs in the write path: a background task
with its own connection runs short PASSIVE checkpoints (each copies what was committed since
the one before, so the WAL starts over whenever one catches up between two commits), and a
TRUNCATE only once writes have been idle for a while.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import json
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import date, datetime
from importlib import resources
from typing import Any, TypeVar

import aiosqlite

from bot.core import scoring
from bot.core.analytics import DailySkill
from bot.core.errors import MockpanelError
from bot.core.ports import (
    AnswerRecord,
    AnswerScore,
    BoardRow,
    Conflict,
    NewAnswer,
    RatingChange,
    RoundRecord,
    Timer,
)
from bot.core.schedule import QotdSchedule
from bot.storage import batch, coaching, community, records, scores
from bot.storage.coaching_store import CoachingMethods
from bot.storage.delivery_store import DeliveryMethods

T = TypeVar("T")
MAX_BATCH = 512
CHECKPOINT_EVERY = 0.1  # seconds between background checkpoint rounds
CHECKPOINT_PASSES = 4  # passes a round, at most: each copies what the one before left
CHECKPOINT_IDLE = 2.0  # seconds without a commit before the WAL is truncated
CACHE_KIB = 65_536  # page cache of the main connection
WAL_LIMIT = 64 * 2**20  # bytes: a WAL that starts over is cut back to this

_Call = tuple[Callable[[sqlite3.Connection], Any], asyncio.Future[Any]]  # a function and its caller's future
_Outcome = tuple[bool, Any]  # (True, result) or (False, the exception it raised)
# Rounds and settings read at most once per trip of the loop (id(connection) -> what was read).
# The reads of one trip run one after another with no write between them, and a rating write
# never changes a round, so there a round or a community's settings read twice is the same
# row; any other write starts the memo over. Outside a trip (inside `transaction()`, say)
# there is no memo and every read goes to the database.
_MEMO: dict[int, dict[tuple[str, Any], Any]] = {}
# The store whose transaction the running task is inside: a call to that store's queue from
# there would wait for the transaction that waits for it.
_INSIDE: contextvars.ContextVar[SqliteStore | None] = contextvars.ContextVar("inside_transaction", default=None)


def migrations() -> list[tuple[int, str]]:
    folder = resources.files("bot.storage") / "migrations"
    found = []
    for item in folder.iterdir():
        if item.name.endswith(".sql"):
            found.append((int(item.name.split("_", 1)[0]), item.read_text(encoding="utf-8")))
    return sorted(found)


class SqliteStore(DeliveryMethods, CoachingMethods):
    def __init__(self, path: str) -> None:
        self.path = path
        self.on_transaction: Callable[[float], None] | None = None  # seconds; bot/runtime.py meters it
        self._db: aiosqlite.Connection | None = None
        self._reads: list[_Call] = []
        self._writes: list[_Call] = []
        self._pending = asyncio.Event()
        self._writer: asyncio.Task[None] | None = None
        self._closing = False
        self._checkpointer: asyncio.Task[None] | None = None
        self._exclusive = asyncio.Lock()  # a held transaction, or one trip of the loop
        self.batches = 0  # commits made, for the benchmark

    @classmethod
    async def open(cls, path: str, *, migrate: bool = True, checkpoint: bool = True) -> SqliteStore:
        store = cls(path)
        store._db = await aiosqlite.connect(path, isolation_level=None)
        for pragma in (
            "PRAGMA journal_mode=WAL",
            "PRAGMA synchronous=NORMAL",
            "PRAGMA foreign_keys=ON",
            "PRAGMA busy_timeout=5000",
            "PRAGMA wal_autocheckpoint=0",
            f"PRAGMA cache_size=-{CACHE_KIB}",
            f"PRAGMA journal_size_limit={WAL_LIMIT}",
        ):
            await store._db.execute(pragma)
        await store._in_thread(batch.register_functions)
        if migrate:
            try:
                await store.migrate()
            except BaseException:
                await store._db.close()  # refused (a newer schema) or broken: nothing left open
                raise
        store._writer = asyncio.create_task(store._run_loop())
        if checkpoint and path != ":memory:":
            store._checkpointer = asyncio.create_task(store._checkpoint_loop())
        return store

    # --- plumbing ----------------------------------------------------------------------------

    async def _in_thread(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run a sqlite3 function in the connection's own thread: one hop for many statements."""
        db = self._db
        assert db is not None, "store is closed"
        result: T = await db._execute(lambda: fn(db._conn))  # type: ignore[no-untyped-call]
        return result

    async def _read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        return await self._submit(self._reads, fn)

    async def _write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        return await self._submit(self._writes, fn)

    async def _submit(self, calls: list[_Call], fn: Callable[[sqlite3.Connection], T]) -> T:
        assert self._db is not None and not self._closing, "store is closed"
        if _INSIDE.get() is self:
            raise RuntimeError("inside a transaction, use the store it gave (ctx.store), not the store itself")
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        calls.append((fn, future))
        self._pending.set()
        return await future

    async def _run_loop(self) -> None:
        while True:
            await self._pending.wait()
            self._pending.clear()
            if self._closing:
                return
            reads, self._reads = self._reads, []
            writes, self._writes = self._writes[:MAX_BATCH], self._writes[MAX_BATCH:]
            if self._writes:
                self._pending.set()
            cycle = functools.partial(_run_cycle, reads=[fn for fn, _ in reads], writes=[fn for fn, _ in writes])
            try:
                async with self._exclusive:
                    read_outcomes, write_outcomes = await self._in_thread(cycle)
            except Exception as exc:  # the thread could not run the cycle at all
                read_outcomes, write_outcomes = [(False, exc)] * len(reads), [(False, exc)] * len(writes)
            self.batches += bool(writes)
            _settle(reads + writes, read_outcomes + write_outcomes)

    async def _checkpoint_loop(self) -> None:
        """Keep the WAL short from outside the write path. A PASSIVE checkpoint never waits
        for the writer; each pass copies what was committed since the last, so passes stay
        short, and once one finishes between two commits the next transaction starts the
        WAL over. Only when writes have stopped for a while is the file truncated (TRUNCATE
        waits for the writer, so it never runs while writes are coming)."""
        checkpointer = await aiosqlite.connect(self.path)
        await checkpointer.execute("PRAGMA busy_timeout=0")
        last_batches, idle_since, truncated = self.batches, time.monotonic(), True
        try:
            while True:
                await asyncio.sleep(CHECKPOINT_EVERY)
                if self.batches == last_batches:  # nothing committed since the last round
                    if not truncated and time.monotonic() - idle_since >= CHECKPOINT_IDLE:
                        with contextlib.suppress(sqlite3.Error):
                            await checkpointer.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                            truncated = True
                    continue
                last_batches, idle_since, truncated = self.batches, time.monotonic(), False
                for _ in range(CHECKPOINT_PASSES):
                    try:
                        async with checkpointer.execute("PRAGMA wal_checkpoint(PASSIVE)") as cursor:
                            row = await cursor.fetchone()
                    except sqlite3.Error:
                        break
                    if row is None or row[1] == row[2]:
                        break  # all copied: the next transaction starts the WAL over
        finally:
            await checkpointer.close()

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqliteStore]:
        """One event's whole handling in one transaction: reads see its own writes, and
        nothing of it is kept unless the block ends without an error. Other work waits."""
        async with self._exclusive:
            view = _Transaction(self)
            token = _INSIDE.set(self)
            started = time.perf_counter()
            try:
                # Inside the try: cancelled while BEGIN runs in the thread, it is still undone.
                await self._in_thread(lambda db: db.execute("BEGIN IMMEDIATE"))
                yield view
                await self._in_thread(lambda db: db.execute("COMMIT"))
                self.batches += 1  # a commit like any other: the checkpointer looks at this
            except BaseException:
                await asyncio.shield(self._in_thread(_rollback))
                raise
            finally:
                _INSIDE.reset(token)
                view.closed = True
                if self.on_transaction is not None:
                    self.on_transaction(time.perf_counter() - started)

    async def checkpoint(self) -> None:
        await self._in_thread(lambda db: db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall())

    async def migrate(self) -> int:
        def run(db: sqlite3.Connection) -> int:
            version = int(db.execute("PRAGMA user_version").fetchone()[0])
            known = max((number for number, _ in migrations()), default=0)
            if version > known:
                # A newer mockpanel wrote this file: older code would misread or damage it.
                raise MockpanelError(
                    f"the database {self.path} is at schema version {version}, but this mockpanel knows only "
                    f"up to {known}: it was upgraded by a newer mockpanel. Install that version (or newer), "
                    "or restore the backup taken before the upgrade (docs/deploy.md)."
                )
            for number, script in migrations():
                if number > version:
                    db.executescript(f"BEGIN;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;")
                    version = number
            return version

        return await self._in_thread(run)

    async def close(self) -> None:
        if self._checkpointer is not None:
            self._checkpointer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._checkpointer
        if self._writer is not None:  # let it finish the trip it is on, then stop
            self._closing = True
            self._pending.set()
            await self._writer
        if self._db is not None:
            # Reads still waiting run, as they would have on a closing connection; writes still
            # waiting never started, and their callers learn so.
            reads, self._reads = self._reads, []
            if reads:
                cycle = functools.partial(_run_cycle, reads=[fn for fn, _ in reads], writes=[])
                _settle(reads, (await self._in_thread(cycle))[0])
            for _, future in self._writes:
                future.cancel()
            self._writes = []
            await self.checkpoint()
            await self._db.close()
            self._db = None

    # --- idempotency, settings, users --------------------------------------------------------

    async def claim_event(self, tenant: str, event_id: str, at: datetime) -> bool:
        return await self._write(batch.defers(lambda db: records.claim_event(db, tenant, event_id, at)))

    async def get_config(self, tenant: str) -> dict[str, Any]:
        return await self._read(lambda db: community.get_config(db, tenant))

    async def save_config(self, tenant: str, config: dict[str, Any]) -> None:
        await self._write(lambda db: community.save_config(db, tenant, config))

    async def set_opt_out(self, tenant: str, user_id: str, opted_out: bool) -> None:
        await self._write(lambda db: community.set_opt_out(db, tenant, user_id, opted_out))

    async def is_opted_out(self, tenant: str, user_id: str) -> bool:
        rows = await self._fetch("SELECT opted_out FROM users WHERE tenant = ? AND user_id = ?", (tenant, user_id))
        return bool(rows and rows[0][0])

    async def display_names(self, tenant: str, user_ids: Sequence[str]) -> dict[str, str]:
        return await self._read(lambda db: community.display_names(db, tenant, user_ids))

    async def members_named(self, tenant: str, name: str) -> dict[str, str]:
        return await self._read(lambda db: community.members_named(db, tenant, name))

    async def prior_mean(self, tenant: str) -> float:
        """The community's mean rating that boards and round results shrink toward."""
        rows = await self._fetch("SELECT prior_mean FROM communities WHERE tenant = ?", (tenant,))
        return float(rows[0][0]) if rows else scoring.DEFAULT_PRIOR_MEAN

    # --- rounds and posts --------------------------------------------------------------------

    async def create_round(self, tenant: str, channel_id: str, kind: str, state: dict[str, Any], at: datetime) -> int:
        return await self._write(lambda db: records.create_round(db, tenant, channel_id, kind, state, at))

    async def save_round(self, round_id: int, status: str, state: dict[str, Any]) -> None:
        await self._write(batch.defers(lambda db: records.save_round(db, round_id, status, state)))

    async def get_round(self, round_id: int) -> RoundRecord | None:
        return await self._read(lambda db: records.get_round(db, round_id))

    async def open_round(self, tenant: str, channel_id: str, kinds: Sequence[str]) -> RoundRecord | None:
        return await self._read(lambda db: records.open_round(db, tenant, channel_id, kinds))

    async def record_post(self, tenant: str, message_id: str, round_id: int | None, ref: str) -> None:
        await self._write(batch.defers(lambda db: records.record_post(db, tenant, message_id, round_id, ref)))

    async def post_by_message(self, tenant: str, message_id: str) -> tuple[int | None, str] | None:
        return await self._read(lambda db: records.post_by_message(db, tenant, message_id))

    async def message_for_ref(self, tenant: str, ref: str) -> str | None:
        return await self._read(lambda db: records.message_for_ref(db, tenant, ref))

    # --- answers and ratings -----------------------------------------------------------------

    async def add_answer(self, answer: NewAnswer) -> AnswerRecord:
        return await self._write(batch.defers(lambda db: scores.add_answer(db, answer)))

    async def get_answer(self, answer_id: int) -> AnswerRecord | None:
        return await self._read(lambda db: records.get_answer(db, answer_id))

    async def answer_by_message(self, tenant: str, message_id: str) -> AnswerRecord | None:
        return await self._read(lambda db: records.answer_by_message(db, tenant, message_id))

    async def answers_for(self, round_id: int, q_index: int | None = None) -> list[AnswerRecord]:
        return await self._read(lambda db: records.answers_for(db, round_id, q_index))

    async def reveal_answer(self, answer_id: int, message_id: str) -> None:
        await self._exec("UPDATE answers SET message_id = ?, hidden = 0 WHERE id = ?", (message_id, answer_id))

    async def edit_answer(self, answer_id: int, text: str) -> None:
        await self._exec("UPDATE answers SET text = ? WHERE id = ?", (text, answer_id))

    async def withdraw_answer(self, answer_id: int, at: datetime) -> None:
        await self._write(batch.defers(lambda db: scores.withdraw_answer(db, answer_id, at)))

    async def answered_questions(self, tenant: str, user_id: str) -> set[str]:
        rows = await self._fetch("SELECT question_id FROM answers WHERE tenant = ? AND user_id = ?", (tenant, user_id))
        return {r[0] for r in rows}

    async def apply_rating(self, change: RatingChange, event_id: str | None = None) -> bool:
        def run(db: sqlite3.Connection) -> bool:
            # Claiming the event in the rating's own transaction saves a trip on the hot path.
            if event_id is not None and not records.claim_event(db, change.answer.tenant, event_id, change.at):
                return False
            if change.still_open is not None and not change.still_open(_memo_round(db, change.answer.round_id)):
                return False
            return scores.apply_rating(db, change)

        run.keeps_rounds = True  # type: ignore[attr-defined]
        return await self._write(batch.defers(run))

    async def rating_target(
        self, tenant: str, message_id: str
    ) -> tuple[dict[str, Any], AnswerRecord | None, RoundRecord | None]:
        """What a reaction needs, in one trip: the settings, the answer and its round."""

        def run(db: sqlite3.Connection) -> tuple[dict[str, Any], AnswerRecord | None, RoundRecord | None]:
            answer = records.answer_by_message(db, tenant, message_id)
            round_ = _memo_round(db, answer.round_id) if answer else None
            memo = _MEMO.get(id(db))
            if memo is None:
                return community.get_config(db, tenant), answer, round_
            config = memo.get(("config", tenant))
            if config is None:
                config = memo["config", tenant] = community.get_config(db, tenant)
            return dict(config), answer, round_  # a copy each: a caller may change its own

        return await self._read(run)

    async def save_feedback(
        self, answer_id: int, rater_id: str, keep: str, stop: str, start: str, at: datetime
    ) -> None:
        await self._write(lambda db: community.save_feedback(db, answer_id, rater_id, keep, stop, start, at))

    async def feedback_for(self, answer_ids: Sequence[int]) -> list[tuple[int, str, str, str, str]]:
        return await self._read(lambda db: community.feedback_for(db, answer_ids))

    async def answer_scores(self, round_id: int, q_index: int | None = None, dimension: str = "") -> list[AnswerScore]:
        return await self._read(lambda db: records.answer_scores(db, round_id, q_index, dimension))

    # --- boards and weak areas ---------------------------------------------------------------

    async def leaderboard(self, tenant: str, scope: str, period: str, limit: int = 10) -> list[BoardRow]:
        return await self._read(lambda db: community.leaderboard(db, tenant, scope, period, limit))

    async def board_row(self, tenant: str, scope: str, period: str, user_id: str) -> tuple[BoardRow, int] | None:
        return await self._read(lambda db: community.board_row(db, tenant, scope, period, user_id))

    async def skills(self, tenant: str, user_id: str) -> list[DailySkill]:
        return await self._read(lambda db: community.skills(db, tenant, user_id))

    async def best_streak(self, tenant: str, user_id: str) -> int:
        return await self._read(lambda db: community.best_streak(db, tenant, user_id))

    # --- question of the day -----------------------------------------------------------------

    async def save_schedule(self, tenant: str, schedule: QotdSchedule) -> None:
        await self._write(lambda db: community.save_schedule(db, tenant, schedule))

    async def get_schedule(self, tenant: str, channel_id: str) -> QotdSchedule | None:
        return await self._read(lambda db: community.get_schedule(db, tenant, channel_id))

    async def qotd_used(self, tenant: str, channel_id: str) -> set[str]:
        return await self._read(lambda db: community.qotd_used(db, tenant, channel_id))

    async def record_qotd(self, tenant: str, channel_id: str, question_id: str, at: datetime) -> None:
        await self._write(lambda db: community.record_qotd(db, tenant, channel_id, question_id, at))

    async def previous_qotd_day(self, tenant: str, channel_id: str, before: date) -> date | None:
        """The last scheduled day before `before` on which the channel got its question."""
        rows = await self._fetch(
            "SELECT MAX(json_extract(state, '$.scheduled_day')) FROM rounds WHERE tenant = ? AND channel_id = ?"
            " AND kind = 'qotd' AND json_extract(state, '$.scheduled_day') < ?",
            (tenant, channel_id, before.isoformat()),
        )
        return date.fromisoformat(rows[0][0]) if rows and rows[0][0] else None

    async def reset_qotd(self, tenant: str, channel_id: str) -> None:
        await self._exec("DELETE FROM qotd_history WHERE tenant = ? AND channel_id = ?", (tenant, channel_id))

    # --- practice, banks, suggestions --------------------------------------------------------

    async def set_practice(self, tenant: str, user_id: str, question_id: str, round_id: int) -> None:
        await self._exec(
            "INSERT OR REPLACE INTO practice (tenant, user_id, question_id, round_id) VALUES (?, ?, ?, ?)",
            (tenant, user_id, question_id, round_id),
        )

    async def get_practice(self, tenant: str, user_id: str) -> tuple[str, int] | None:
        rows = await self._fetch(
            "SELECT question_id, round_id FROM practice WHERE tenant = ? AND user_id = ?",
            (tenant, user_id),
        )
        return (rows[0][0], int(rows[0][1])) if rows else None

    async def clear_practice(self, tenant: str, user_id: str) -> None:
        await self._exec("DELETE FROM practice WHERE tenant = ? AND user_id = ?", (tenant, user_id))

    async def set_question_disabled(self, tenant: str, question_id: str, disabled: bool) -> None:
        sql = (
            "INSERT OR IGNORE INTO disabled_questions (tenant, question_id) VALUES (?, ?)"
            if disabled
            else "DELETE FROM disabled_questions WHERE tenant = ? AND question_id = ?"
        )
        await self._exec(sql, (tenant, question_id))

    async def disabled_questions(self, tenant: str) -> set[str]:
        return {
            r[0] for r in await self._fetch("SELECT question_id FROM disabled_questions WHERE tenant = ?", (tenant,))
        }

    async def save_community_bank(self, tenant: str, bank_id: str, text: str, at: datetime) -> None:
        await self._exec(
            "INSERT OR REPLACE INTO community_banks (tenant, bank_id, yaml, imported_at) VALUES (?, ?, ?, ?)",
            (tenant, bank_id, text, at.isoformat()),
        )

    async def community_banks(self, tenant: str) -> list[tuple[str, str]]:
        rows = await self._fetch(
            "SELECT bank_id, yaml FROM community_banks WHERE tenant = ? ORDER BY bank_id", (tenant,)
        )
        return [(r[0], r[1]) for r in rows]

    async def add_suggestion(self, tenant: str, user_id: str, text: str, at: datetime) -> int:
        def run(db: sqlite3.Connection) -> int:
            cursor = db.execute(
                "INSERT INTO suggestions (tenant, user_id, text, created_at) VALUES (?, ?, ?, ?)",
                (tenant, user_id, text, at.isoformat()),
            )
            return int(cursor.lastrowid or 0)

        return await self._write(run)

    async def suggestions(self, tenant: str) -> list[tuple[int, str, str]]:
        rows = await self._fetch(
            "SELECT id, user_id, text FROM suggestions WHERE tenant = ? AND status = 'pending' ORDER BY id", (tenant,)
        )
        return [(int(r[0]), r[1], r[2]) for r in rows]

    async def close_suggestion(self, tenant: str, number: int, status: str) -> None:
        await self._exec("UPDATE suggestions SET status = ? WHERE tenant = ? AND id = ?", (status, tenant, number))

    # --- timers ------------------------------------------------------------------------------

    async def set_timer(self, timer: Timer) -> None:
        await self._write(batch.defers(lambda db: records.set_timer(db, timer)))

    async def cancel_timer(self, key: str) -> None:
        await self._exec("DELETE FROM timers WHERE key = ?", (key,))

    async def timer_due(self, key: str) -> datetime | None:
        rows = await self._fetch("SELECT due FROM timers WHERE key = ?", (key,))
        return datetime.fromisoformat(rows[0][0]) if rows else None

    async def next_timer_due(self) -> datetime | None:
        return await self._read(records.next_timer_due)

    # --- privacy and reports -----------------------------------------------------------------

    async def export_user(self, tenant: str, user_id: str) -> dict[str, Any]:
        return await self._read(
            lambda db: {**community.export_user(db, tenant, user_id), **coaching.export_user(db, tenant, user_id)}
        )

    async def delete_user(self, tenant: str, user_id: str, at: datetime) -> None:
        def run(db: sqlite3.Connection) -> None:
            coaching.delete_user(db, tenant, user_id)  # before the answers they point at are blanked
            community.delete_user(db, tenant, user_id, at)

        await self._write(run)

    async def activity(self, tenant: str, since: datetime | None) -> list[dict[str, Any]]:
        return await self._read(lambda db: community.activity(db, tenant, since))

    async def forget_old_events(self, now: datetime) -> int:
        return await self._write(lambda db: records.forget_old_events(db, now))

    # --- small helpers -----------------------------------------------------------------------

    # --- reconciling reactions after a fresh Discord gateway session ---------------------------

    async def open_rounds(self, tenant: str, kinds: Sequence[str]) -> list[RoundRecord]:
        """Every open round of these kinds in a community, oldest first."""
        marks = ",".join("?" * len(kinds))
        rows = await self._fetch(
            f"SELECT id, tenant, channel_id, kind, status, state, version FROM rounds WHERE tenant = ? AND status = 'open'"
            f" AND kind IN ({marks}) ORDER BY id",
            (tenant, *kinds),
        )
        return [RoundRecord(int(r[0]), r[1], r[2], r[3], r[4], json.loads(r[5]), int(r[6])) for r in rows]

    async def overall_ratings(self, answer_id: int) -> dict[str, int]:
        """Each rater's overall (reaction) rating of one answer."""
        rows = await self._fetch(
            "SELECT rater_id, score FROM ratings WHERE answer_id = ? AND dimension = ''", (answer_id,)
        )
        return {str(r[0]): int(r[1]) for r in rows}


def _memo_round(db: sqlite3.Connection, round_id: int) -> RoundRecord | None:
    memo = _MEMO.get(id(db))
    if memo is None:
        return records.get_round(db, round_id)
    key = ("round", round_id)
    if key not in memo:
        memo[key] = records.get_round(db, round_id)
    return memo[key]  # type: ignore[no-any-return]


def _settle(calls: list[_Call], outcomes: list[_Outcome]) -> None:
    for (_, future), (ok, value) in zip(calls, outcomes, strict=True):
        if future.done():
            continue
        if ok:
            future.set_result(value)
        else:
            future.set_exception(value)


def _run_cycle(
    db: sqlite3.Connection,
    reads: list[Callable[[sqlite3.Connection], Any]],
    writes: list[Callable[[sqlite3.Connection], Any]],
) -> tuple[list[_Outcome], list[_Outcome]]:
    """One trip to the database thread: the waiting reads, then the waiting writes."""
    read_outcomes: list[_Outcome] = []
    _MEMO[id(db)] = {}
    try:
        for fn in reads:
            try:
                read_outcomes.append((True, fn(db)))
            except Exception as exc:
                read_outcomes.append((False, exc))
        if not writes:
            return read_outcomes, []
        _MEMO[id(db)] = {}
        try:
            write_outcomes = _run_batch(db, writes)
        except Exception as exc:  # the commit itself failed: every writer learns it
            write_outcomes = [(False, exc)] * len(writes)
        return read_outcomes, write_outcomes
    finally:
        del _MEMO[id(db)]


def _run_batch(db: sqlite3.Connection, fns: list[Callable[[sqlite3.Connection], Any]]) -> list[tuple[bool, Any]]:
    """One transaction for the whole batch; a savepoint each, so one failing write (say a
    duplicate answer) is rolled back alone, its deltas with it, and the others still commit.
    The deltas of the writes that defer them (ratings, answers) are merged and written at the
    end; before any other write they are written out, so it sees the aggregates as they are."""
    outcomes: list[tuple[bool, Any]] = []
    pending = batch.Pending()
    memo = _MEMO.get(id(db), {})
    db.execute("BEGIN IMMEDIATE")
    try:
        for fn in fns:
            deferring = batch.is_deferring(fn)
            if not deferring:
                batch.flush(db, pending)
            if not getattr(fn, "keeps_rounds", False):
                memo.clear()  # it may change a round
            db.execute("SAVEPOINT one")
            try:
                if deferring:
                    with batch.layer(db, pending):
                        result = fn(db)
                else:
                    result = fn(db)
                db.execute("RELEASE one")
                outcomes.append((True, result))
            except Exception as exc:
                db.execute("ROLLBACK TO one")
                db.execute("RELEASE one")
                outcomes.append((False, exc))
        batch.flush(db, pending)
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
    return outcomes


def _rollback(db: sqlite3.Connection) -> None:
    if db.in_transaction:
        db.execute("ROLLBACK")


class _Transaction(SqliteStore):
    """The store as seen from inside `transaction()`: every call runs at once in the held
    transaction (a write in a savepoint of its own, so a write that fails leaves nothing)."""

    def __init__(self, parent: SqliteStore) -> None:  # shares the parent's connection
        self.path = parent.path
        self._db = parent._db
        self._parent = parent
        self._versions: dict[int, int] = {}
        self.closed = False

    async def _read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        assert not self.closed, "the transaction has ended"
        return await self._in_thread(fn)

    async def _write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        assert not self.closed, "the transaction has ended"
        return await self._in_thread(functools.partial(_in_savepoint, fn=fn))

    async def get_round(self, round_id: int) -> RoundRecord | None:
        return self._seen(await super().get_round(round_id))

    async def open_round(self, tenant: str, channel_id: str, kinds: Sequence[str]) -> RoundRecord | None:
        return self._seen(await super().open_round(tenant, channel_id, kinds))

    def _seen(self, record: RoundRecord | None) -> RoundRecord | None:
        if record is not None:
            self._versions.setdefault(record.id, record.version)
        return record

    async def save_round(self, round_id: int, status: str, state: dict[str, Any]) -> None:
        read = self._versions.get(round_id)

        def run(db: sqlite3.Connection) -> None:
            if not records.save_round(db, round_id, status, state, read):
                raise Conflict(f"round {round_id} changed since it was read")

        await self._write(run)
        if read is not None:
            self._versions[round_id] = read + 1

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqliteStore]:
        yield self  # already inside one

    async def close(self) -> None:
        raise RuntimeError("close the store, not a transaction")


def _in_savepoint(db: sqlite3.Connection, fn: Callable[[sqlite3.Connection], T]) -> T:
    db.execute("SAVEPOINT one_write")
    try:
        result = fn(db)
    except BaseException:
        db.execute("ROLLBACK TO one_write")
        db.execute("RELEASE one_write")
        raise
    db.execute("RELEASE one_write")
    return result
