"""Every repository method of the store, written once over two primitives: `_read(fn)` and
`_write(fn)`, where `fn` is a plain store function taking a connection (bot.storage.sql.Db).
SqliteStore runs them in its database thread with group commit; PostgresStore on a pooled
asyncpg connection. Inside a held transaction both hand out a view whose reads and writes run
in that transaction, with the round version check of `RoundVersions`."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from bot.core import scoring
from bot.core.analytics import DailySkill
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
from bot.storage.sql import Db

# Rounds and settings read at most once per trip of SQLite's loop (id(connection) -> what was
# read). The reads of one trip run one after another with no write between them, and a rating
# write never changes a round, so there a round or a community's settings read twice is the
# same row; any other write starts the memo over. Anywhere else (inside `transaction()`, on
# PostgreSQL) there is no memo and every read goes to the database.
MEMO: dict[int, dict[tuple[str, Any], Any]] = {}


class StoreMethods(DeliveryMethods, CoachingMethods):
    """The repositories of bot.core.ports over `_read` and `_write`."""

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
        def run(db: Db) -> bool:
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

        def run(db: Db) -> tuple[dict[str, Any], AnswerRecord | None, RoundRecord | None]:
            answer = records.answer_by_message(db, tenant, message_id)
            # No FOR SHARE here: outside a transaction it would hold nothing, and cost a commit
            # that waits for the disk (the rating's own transaction takes the round's row).
            round_ = _memo_round(db, answer.round_id, share=False) if answer else None
            memo = MEMO.get(id(db))
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

    async def leaderboard(self, tenant: str, scope: str, period: str, limit: int | None = 10) -> list[BoardRow]:
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
        return await self._read(lambda db: records.previous_qotd_day(db, tenant, channel_id, before))

    async def reset_qotd(self, tenant: str, channel_id: str) -> None:
        await self._exec("DELETE FROM qotd_history WHERE tenant = ? AND channel_id = ?", (tenant, channel_id))

    # --- practice, banks, suggestions --------------------------------------------------------

    async def set_practice(self, tenant: str, user_id: str, question_id: str, round_id: int) -> None:
        await self._exec(
            "INSERT INTO practice (tenant, user_id, question_id, round_id) VALUES (?, ?, ?, ?) ON CONFLICT (tenant, user_id)"
            " DO UPDATE SET question_id = excluded.question_id, round_id = excluded.round_id",
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
            "INSERT INTO disabled_questions (tenant, question_id) VALUES (?, ?) ON CONFLICT DO NOTHING"
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
            "INSERT INTO community_banks (tenant, bank_id, yaml, imported_at) VALUES (?, ?, ?, ?) ON CONFLICT (tenant, bank_id)"
            " DO UPDATE SET yaml = excluded.yaml, imported_at = excluded.imported_at",
            (tenant, bank_id, text, at.isoformat()),
        )

    async def community_banks(self, tenant: str) -> list[tuple[str, str]]:
        rows = await self._fetch(
            "SELECT bank_id, yaml FROM community_banks WHERE tenant = ? ORDER BY bank_id", (tenant,)
        )
        return [(r[0], r[1]) for r in rows]

    async def add_suggestion(self, tenant: str, user_id: str, text: str, at: datetime) -> int:
        def run(db: Db) -> int:
            cursor = db.execute(
                "INSERT INTO suggestions (tenant, user_id, text, created_at) VALUES (?, ?, ?, ?) RETURNING id",
                (tenant, user_id, text, at.isoformat()),
            )
            return int(cursor.fetchone()[0])

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
        def run(db: Db) -> None:
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


def _memo_round(db: Db, round_id: int, *, share: bool = True) -> RoundRecord | None:
    memo = MEMO.get(id(db))
    if memo is None:
        return records.get_round(db, round_id, share=share)
    key = ("round", round_id)
    if key not in memo:
        memo[key] = records.get_round(db, round_id)
    return memo[key]  # type: ignore[no-any-return]


class RoundVersions(StoreMethods):
    """What a transaction view adds: each round remembers the version it was read at, and
    saving it fails with `Conflict` if somebody wrote it since (the dispatcher then runs the
    whole event again from its reads)."""

    _versions: dict[int, int]

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

        def run(db: Db) -> None:
            if not records.save_round(db, round_id, status, state, read):
                raise Conflict(f"round {round_id} changed since it was read")

        await self._write(run)
        if read is not None:
            self._versions[round_id] = read + 1
