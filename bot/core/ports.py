"""What the core needs from the outside world: a store and an outbox. Adapters and storage
engines implement these; the core never imports a driver or a platform library."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from bot.core.analytics import DailySkill
from bot.core.messages import Message
from bot.core.schedule import QotdSchedule


@dataclass(frozen=True)
class RoundRecord:
    id: int
    tenant: str
    channel_id: str
    kind: str  # qotd | group | panel | practice
    status: str  # open | closed
    state: dict[str, Any]


@dataclass(frozen=True)
class AnswerRecord:
    id: int
    tenant: str
    round_id: int
    q_index: int
    question_id: str
    category: str
    user_id: str
    channel_id: str
    message_id: str | None
    text: str
    created_at: datetime
    hidden: bool
    withdrawn: bool


@dataclass(frozen=True)
class NewAnswer:
    tenant: str
    round_id: int
    q_index: int
    question_id: str
    category: str
    user_id: str
    display_name: str
    channel_id: str
    message_id: str | None
    text: str
    at: datetime
    hidden: bool = False
    counts_for_board: bool = True  # practice answers are private: no points
    streak_day: date | None = None  # a scheduled QOTD day: extends the user's streak
    previous_streak_day: date | None = None


@dataclass(frozen=True)
class RatingChange:
    """Set (score 1-5) or remove (score None) one rater's rating of one answer.
    dimension '' is the overall rating from a reaction; others come from rubric feedback."""

    answer: AnswerRecord
    rater_id: str
    rater_name: str
    score: int | None
    at: datetime
    dimension: str = ""
    expect: int | None = None  # on removal: only if the stored score is this one
    # Checked against the round as stored, inside the rating's transaction: a rating read as
    # open can't slip in after the question's results were drawn up.
    still_open: Callable[[RoundRecord | None], bool] | None = None
    # The platform's order of this change (bot.core.events.Order): for one (answer, rater,
    # dimension) the change latest by it wins, whatever the arrival order. None: arrival order.
    order: tuple[int, ...] | None = None


@dataclass(frozen=True)
class BoardRow:
    user_id: str
    display_name: str
    score: float
    answers: int
    received_n: int
    received_sum: int
    given: int
    streak_points: int


@dataclass(frozen=True)
class AnswerScore:
    answer_id: int
    user_id: str
    display_name: str
    n: int
    total: int

    @property
    def mean(self) -> float:
        return self.total / self.n if self.n else 0.0


@dataclass(frozen=True)
class Timer:
    key: str
    tenant: str
    channel_id: str
    due: datetime
    kind: str
    payload: dict[str, Any]


class Store(Protocol):
    async def migrate(self) -> int: ...
    async def close(self) -> None: ...

    # idempotency
    async def claim_event(self, tenant: str, event_id: str, at: datetime) -> bool: ...

    # community settings and users
    async def get_config(self, tenant: str) -> dict[str, Any]: ...
    async def save_config(self, tenant: str, config: dict[str, Any]) -> None: ...
    async def set_opt_out(self, tenant: str, user_id: str, opted_out: bool) -> None: ...
    async def is_opted_out(self, tenant: str, user_id: str) -> bool: ...
    async def display_names(self, tenant: str, user_ids: Sequence[str]) -> dict[str, str]: ...

    # rounds and the platform messages that belong to them
    async def create_round(
        self, tenant: str, channel_id: str, kind: str, state: dict[str, Any], at: datetime
    ) -> int: ...
    async def save_round(self, round_id: int, status: str, state: dict[str, Any]) -> None: ...
    async def get_round(self, round_id: int) -> RoundRecord | None: ...
    async def open_round(self, tenant: str, channel_id: str, kinds: Sequence[str]) -> RoundRecord | None: ...
    async def record_post(self, tenant: str, message_id: str, round_id: int | None, ref: str) -> None: ...
    async def post_by_message(self, tenant: str, message_id: str) -> tuple[int | None, str] | None: ...
    async def message_for_ref(self, tenant: str, ref: str) -> str | None: ...

    # answers, ratings and the aggregates they feed
    async def add_answer(self, answer: NewAnswer) -> AnswerRecord: ...
    async def get_answer(self, answer_id: int) -> AnswerRecord | None: ...
    async def answer_by_message(self, tenant: str, message_id: str) -> AnswerRecord | None: ...
    async def answers_for(self, round_id: int, q_index: int | None = None) -> list[AnswerRecord]: ...
    async def reveal_answer(self, answer_id: int, message_id: str) -> None: ...
    async def edit_answer(self, answer_id: int, text: str) -> None: ...
    async def withdraw_answer(self, answer_id: int, at: datetime) -> None: ...
    async def answered_questions(self, tenant: str, user_id: str) -> set[str]: ...
    async def apply_rating(self, change: RatingChange, event_id: str | None = None) -> bool: ...
    async def rating_target(
        self, tenant: str, message_id: str
    ) -> tuple[dict[str, Any], AnswerRecord | None, RoundRecord | None]: ...
    async def save_feedback(
        self, answer_id: int, rater_id: str, keep: str, stop: str, start: str, at: datetime
    ) -> None: ...
    async def feedback_for(self, answer_ids: Sequence[int]) -> list[tuple[int, str, str, str, str]]: ...
    async def answer_scores(
        self, round_id: int, q_index: int | None = None, dimension: str = ""
    ) -> list[AnswerScore]: ...

    # boards and weak areas
    async def leaderboard(self, tenant: str, scope: str, period: str, limit: int = 10) -> list[BoardRow]: ...
    async def board_row(self, tenant: str, scope: str, period: str, user_id: str) -> tuple[BoardRow, int] | None: ...
    async def skills(self, tenant: str, user_id: str) -> list[DailySkill]: ...
    async def best_streak(self, tenant: str, user_id: str) -> int: ...

    # question of the day
    async def save_schedule(self, tenant: str, schedule: QotdSchedule) -> None: ...
    async def get_schedule(self, tenant: str, channel_id: str) -> QotdSchedule | None: ...
    async def qotd_used(self, tenant: str, channel_id: str) -> set[str]: ...
    async def record_qotd(self, tenant: str, channel_id: str, question_id: str, at: datetime) -> None: ...
    async def reset_qotd(self, tenant: str, channel_id: str) -> None: ...
    async def previous_qotd_day(self, tenant: str, channel_id: str, before: date) -> date | None: ...

    # practice, banks, suggestions
    async def set_practice(self, tenant: str, user_id: str, question_id: str, round_id: int) -> None: ...
    async def get_practice(self, tenant: str, user_id: str) -> tuple[str, int] | None: ...
    async def clear_practice(self, tenant: str, user_id: str) -> None: ...
    async def set_question_disabled(self, tenant: str, question_id: str, disabled: bool) -> None: ...
    async def disabled_questions(self, tenant: str) -> set[str]: ...
    async def save_community_bank(self, tenant: str, bank_id: str, text: str, at: datetime) -> None: ...
    async def community_banks(self, tenant: str) -> list[tuple[str, str]]: ...
    async def add_suggestion(self, tenant: str, user_id: str, text: str, at: datetime) -> int: ...
    async def suggestions(self, tenant: str) -> list[tuple[int, str, str]]: ...
    async def close_suggestion(self, tenant: str, number: int, status: str) -> None: ...

    # timers
    async def set_timer(self, timer: Timer) -> None: ...
    async def cancel_timer(self, key: str) -> None: ...
    async def next_timer_due(self) -> datetime | None: ...
    async def timer_due(self, key: str) -> datetime | None: ...
    async def claim_due_timers(self, now: datetime) -> list[Timer]: ...

    # privacy and reports
    async def export_user(self, tenant: str, user_id: str) -> dict[str, Any]: ...
    async def delete_user(self, tenant: str, user_id: str, at: datetime) -> None: ...
    async def activity(self, tenant: str, since: datetime | None) -> list[dict[str, Any]]: ...

    # Slack installations (multi-workspace OAuth): JSON text per (enterprise, team, user)
    async def save_slack_installation(
        self, enterprise_id: str, team_id: str, user_id: str, data: str, at: datetime
    ) -> None: ...
    async def find_slack_installation(
        self, enterprise_id: str | None, team_id: str, user_id: str = ""
    ) -> str | None: ...
    async def delete_slack_installations(
        self, enterprise_id: str, team_id: str, user_id: str | None = None
    ) -> None: ...

    # reconciling reactions after a fresh Discord gateway session
    async def open_rounds(self, tenant: str, kinds: Sequence[str]) -> list[RoundRecord]: ...
    async def overall_ratings(self, answer_id: int) -> dict[str, int]: ...


class Outbox(Protocol):
    """How the core speaks to a platform. `post` returns the platform's message id."""

    async def post(self, tenant: str, channel_id: str, message: Message, thread_id: str | None = None) -> str: ...
    async def notify(self, tenant: str, channel_id: str, user_id: str, message: Message, direct: bool) -> None: ...
