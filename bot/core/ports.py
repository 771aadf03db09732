"""What the core needs from the outside world: a store and an outbox. Adapters and storage
engines implement these; the core never imports a driver or a platform library."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Protocol

from bot.core.analytics import DailySkill
from bot.core.messages import Message, Notify, Post
from bot.core.schedule import QotdSchedule
from bot.core.self_assessment import SelfRated

if TYPE_CHECKING:
    from bot.core.calibrated import AreaReceived, Received
    from bot.core.calibration import Rated
    from bot.core.community_report import Participation


@dataclass(frozen=True)
class RoundRecord:
    id: int
    tenant: str
    channel_id: str
    kind: str  # qotd | group | panel | practice
    status: str  # open | closed
    state: dict[str, Any]
    version: int = 0  # bumped by every write: a writer that read an older one conflicts


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


@dataclass(frozen=True)
class OutboxItem:
    """One post or private note waiting for delivery. Rows of one `lane` (a channel, or a
    person's private notes) go out one at a time in id order."""

    id: int
    tenant: str
    lane: str
    effect: Post | Notify
    report_to: str | None = None  # told privately if the platform refuses it for good
    attempts: int = 0


class Conflict(Exception):
    """Another writer changed a round after this event read it: handle the event again."""


class RoundRepository(Protocol):
    async def create_round(
        self, tenant: str, channel_id: str, kind: str, state: dict[str, Any], at: datetime
    ) -> int: ...
    async def save_round(self, round_id: int, status: str, state: dict[str, Any]) -> None: ...
    async def get_round(self, round_id: int) -> RoundRecord | None: ...
    async def open_round(self, tenant: str, channel_id: str, kinds: Sequence[str]) -> RoundRecord | None: ...
    async def open_rounds(self, tenant: str, kinds: Sequence[str]) -> list[RoundRecord]: ...
    async def record_post(self, tenant: str, message_id: str, round_id: int | None, ref: str) -> None: ...
    async def post_by_message(self, tenant: str, message_id: str) -> tuple[int | None, str] | None: ...
    async def message_for_ref(self, tenant: str, ref: str) -> str | None: ...
    async def set_practice(self, tenant: str, user_id: str, question_id: str, round_id: int) -> None: ...
    async def get_practice(self, tenant: str, user_id: str) -> tuple[str, int] | None: ...
    async def clear_practice(self, tenant: str, user_id: str) -> None: ...


class AnswerRepository(Protocol):
    """Answers, ratings and feedback; every write moves the boards and skills with it."""

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
    async def overall_ratings(self, answer_id: int) -> dict[str, int]: ...
    async def save_feedback(
        self, answer_id: int, rater_id: str, keep: str, stop: str, start: str, at: datetime
    ) -> None: ...
    async def feedback_for(self, answer_ids: Sequence[int]) -> list[tuple[int, str, str, str, str]]: ...
    async def answer_scores(
        self, round_id: int, q_index: int | None = None, dimension: str = ""
    ) -> list[AnswerScore]: ...


class BoardRepository(Protocol):
    async def leaderboard(self, tenant: str, scope: str, period: str, limit: int | None = 10) -> list[BoardRow]: ...
    async def board_row(self, tenant: str, scope: str, period: str, user_id: str) -> tuple[BoardRow, int] | None: ...
    async def skills(self, tenant: str, user_id: str) -> list[DailySkill]: ...
    async def best_streak(self, tenant: str, user_id: str) -> int: ...


class DeliveryRepository(Protocol):
    """Idempotency, timers, the inbox and the outbox: what makes an event count once and
    everything it decided happen, after a crash too."""

    async def claim_event(self, tenant: str, event_id: str, at: datetime) -> bool: ...
    async def set_timer(self, timer: Timer) -> None: ...
    async def cancel_timer(self, key: str) -> None: ...
    async def next_timer_due(self) -> datetime | None: ...
    async def timer_due(self, key: str) -> datetime | None: ...
    async def due_timers(self, now: datetime, limit: int = 100) -> list[Timer]: ...
    async def take_timer(self, key: str, due: datetime) -> bool: ...
    async def add_outbox(
        self, tenant: str, items: Sequence[tuple[str, Post | Notify, str | None]], at: datetime
    ) -> None: ...
    async def pending_outbox(
        self, now: datetime, lane: tuple[str, str] | None = None, limit: int = 200
    ) -> list[OutboxItem]: ...
    async def next_outbox_due(self) -> datetime | None: ...
    async def lease_lane(self, tenant: str, lane: str, owner: str, now: datetime, until: datetime) -> bool: ...
    async def release_lane(self, tenant: str, lane: str, owner: str) -> None: ...
    async def outbox_sent(self, item_id: int, message_id: str) -> None: ...
    async def outbox_retry(self, item_id: int, not_before: datetime, error: str) -> None: ...
    async def outbox_failed(self, item_id: int, error: str) -> None: ...
    async def inbox_add(self, source: str, body: str, at: datetime, owner: str, lease_until: datetime) -> int: ...
    async def inbox_renew(self, owner: str, lease_until: datetime) -> int: ...
    async def inbox_claim(
        self, source: str, owner: str, now: datetime, lease_until: datetime, limit: int = 500
    ) -> list[tuple[int, str]]: ...
    async def inbox_done(self, item_id: int) -> None: ...
    async def inbox_pending(self, source: str) -> list[tuple[int, str]]: ...


class CommunityRepository(Protocol):
    """Settings, users, the question of the day, banks and suggestions."""

    async def get_config(self, tenant: str) -> dict[str, Any]: ...
    async def save_config(self, tenant: str, config: dict[str, Any]) -> None: ...
    async def set_opt_out(self, tenant: str, user_id: str, opted_out: bool) -> None: ...
    async def is_opted_out(self, tenant: str, user_id: str) -> bool: ...
    async def display_names(self, tenant: str, user_ids: Sequence[str]) -> dict[str, str]: ...
    async def members_named(self, tenant: str, name: str) -> dict[str, str]: ...
    async def prior_mean(self, tenant: str) -> float: ...
    async def save_schedule(self, tenant: str, schedule: QotdSchedule) -> None: ...
    async def get_schedule(self, tenant: str, channel_id: str) -> QotdSchedule | None: ...
    async def qotd_used(self, tenant: str, channel_id: str) -> set[str]: ...
    async def record_qotd(self, tenant: str, channel_id: str, question_id: str, at: datetime) -> None: ...
    async def reset_qotd(self, tenant: str, channel_id: str) -> None: ...
    async def previous_qotd_day(self, tenant: str, channel_id: str, before: date) -> date | None: ...
    async def set_question_disabled(self, tenant: str, question_id: str, disabled: bool) -> None: ...
    async def disabled_questions(self, tenant: str) -> set[str]: ...
    async def save_community_bank(self, tenant: str, bank_id: str, text: str, at: datetime) -> None: ...
    async def community_banks(self, tenant: str) -> list[tuple[str, str]]: ...
    async def add_suggestion(self, tenant: str, user_id: str, text: str, at: datetime) -> int: ...
    async def suggestions(self, tenant: str) -> list[tuple[int, str, str]]: ...
    async def close_suggestion(self, tenant: str, number: int, status: str) -> None: ...


class PrivacyRepository(Protocol):
    async def export_user(self, tenant: str, user_id: str) -> dict[str, Any]: ...
    async def delete_user(self, tenant: str, user_id: str, at: datetime) -> None: ...
    async def activity(self, tenant: str, since: datetime | None) -> list[dict[str, Any]]: ...


class CoachingRepository(Protocol):
    """Self-ratings, per-person nudge choices, the community's mean per weak area, and the
    reads behind rater calibration and the community report."""

    async def peer_ratings_of(self, answer_id: int, author_id: str) -> int: ...
    async def save_self_rating(
        self, tenant: str, answer_id: int, user_id: str, category: str, score: int, at: datetime
    ) -> None: ...
    async def self_rated(self, tenant: str, user_id: str) -> list[SelfRated]: ...
    async def self_rated_peers(
        self, tenant: str, user_id: str
    ) -> list[tuple[int, str, int, str | None, int | None]]: ...
    async def nudges_on(self, tenant: str, user_id: str) -> bool: ...
    async def set_nudges(self, tenant: str, user_id: str, on: bool) -> None: ...
    # What rater calibration and the calibrated views are computed from (bot.core.calibration),
    # and the count of changes to the community's ratings a cached calibration is valid for.
    async def ratings_version(self, tenant: str) -> int: ...
    async def shared_ratings(self, tenant: str, limit: int) -> list[Rated]: ...
    async def rater_score_counts(self, tenant: str) -> list[tuple[str, int, int]]: ...
    async def received(self, tenant: str, user_id: str | None = None) -> list[Received]: ...
    async def received_per_area(self, tenant: str) -> list[AreaReceived]: ...
    async def board_received(
        self, tenant: str, channel_id: str | None, start: datetime | None, end: datetime | None
    ) -> list[tuple[str, str, int]]: ...
    async def answers_per_category(self, tenant: str, user_id: str) -> dict[str, int]: ...
    async def participation(self, tenant: str, since: datetime | None) -> Participation: ...


class AdapterState(Protocol):
    """A namespaced key-value space for what an adapter keeps for itself (Slack installs,
    Discord session facts), so a new platform needs no change to the core's ports."""

    async def kv_put(self, namespace: str, key: str, value: str, at: datetime) -> None: ...
    async def kv_get(self, namespace: str, key: str) -> str | None: ...
    async def kv_scan(self, namespace: str, prefix: str = "") -> list[tuple[str, str, str]]: ...
    async def kv_delete(self, namespace: str, key: str) -> None: ...


class Store(
    RoundRepository,
    AnswerRepository,
    BoardRepository,
    DeliveryRepository,
    CommunityRepository,
    PrivacyRepository,
    CoachingRepository,
    AdapterState,
    Protocol,
):
    """Every repository on one database. `transaction()` gives a view of the same store in
    which every call belongs to one transaction, committed when the block ends without error."""

    # Another process may write to this database too (PostgreSQL): timers and outbox rows can
    # appear that this process did not write, so the loops that wait for them look more often.
    shared: bool
    on_transaction: Callable[[float], None] | None  # told each held transaction's seconds (metrics)

    async def migrate(self) -> int: ...
    async def close(self) -> None: ...
    def transaction(self) -> AbstractAsyncContextManager[Store]: ...
    async def take_turn(self, tenant: str, scope: str) -> None:
        """Inside a transaction: wait until no other process handles an event of this scope
        (a channel, or a community's settings), and keep the turn until the commit."""

    async def pass_gate(self, key: str, spacing: float) -> None:
        """Wait until nobody on this database has passed the gate `key` in the last `spacing`
        seconds, then pass it: the next to come, in any process, waits until `spacing` seconds
        from now (Discord's IDENTIFY rate limit). A process that dies lets its gates go. A store
        only one process uses (SQLite) passes at once: that process spaces its own work."""


class Outbox(Protocol):
    """How the core speaks to a platform. `post` returns the platform's message id. `key`
    names the delivery, so a platform that can (Discord's nonce) makes a re-sent one a no-op.
    A temporary refusal raises `SendLater`, a permanent one `SendRefused` (bot.core.errors)."""

    async def post(
        self, tenant: str, channel_id: str, message: Message, thread_id: str | None = None, *, key: str | None = None
    ) -> str: ...
    async def notify(self, tenant: str, note: Notify, *, key: str | None = None) -> None: ...
