"""Group and panel rounds as a pure state machine.

Each function takes the round's state (and the time, and whatever the store knows that the
rule needs) and returns what to do: posts, private notes and timers. The flow in
`bot/core/flows/rounds.py` loads and saves the state and carries the effects out.

Group round: lobby -> for each question: answering -> rating -> results -> final results.
Panel round: the same, but only the candidate answers and only panellists rate; with
`rotate`, every participant takes a turn as candidate for `per_candidate` questions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.core.banks import Question
from bot.core.clock import iso, parse_iso
from bot.core.durations import spoken
from bot.core.errors import NotAParticipant, RoundClosed, UsageError
from bot.core.messages import Button, Effect, Message, Post, SetTimer
from bot.core.ports import AnswerScore
from bot.core.rounds.ratings import rating_instruction
from bot.core.scoring import DEFAULT_PRIOR_MEAN, shrunk_mean
from bot.core.text import plural, user_text

RANKING_NOTE = (
    "Ranked as on the leaderboard: each mean is pulled toward the community's, so many good ratings beat one lucky one."
)
REMIND_AT = 0.8  # remind those who have not answered when 80 % of the phase has passed


@dataclass
class RoundState:
    kind: str  # "group" or "panel"
    channel_id: str
    organiser_id: str
    category: str | None
    difficulty: int | None
    per_candidate: int  # questions per candidate (group: the number of questions)
    answer_seconds: int
    rate_seconds: int
    lobby_seconds: int
    blind: bool = False
    rotate: bool = False
    participants: list[str] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)
    candidates: list[str] = field(default_factory=list)  # panel: whose turn, in order
    question_ids: list[str] = field(default_factory=list)
    phase: str = "lobby"  # lobby | answering | rating | tallying (results being drawn up) | closed
    index: int = -1
    phase_ends_at: str | None = None
    answered: list[str] = field(default_factory=list)

    # --- reading the state -----------------------------------------------------------------

    @property
    def total_questions(self) -> int:
        if self.kind == "panel":
            return self.per_candidate * max(len(self.candidates), 1)
        return self.per_candidate

    @property
    def candidate(self) -> str | None:
        if self.kind != "panel" or not self.candidates or self.index < 0:
            return self.candidates[0] if self.candidates else None
        return self.candidates[min(self.index // self.per_candidate, len(self.candidates) - 1)]

    def expected_answerers(self) -> list[str]:
        if self.kind == "panel":
            return [self.candidate] if self.candidate else []
        return list(self.participants)

    def allowed_raters(self) -> list[str]:
        if self.kind == "panel":
            return [p for p in self.participants if p != self.candidate]
        return list(self.participants)

    def open_for_rating(self, q_index: int) -> bool:
        return self.phase in ("answering", "rating") and q_index == self.index

    def name(self, user_id: str) -> str:
        return self.names.get(user_id, user_id)

    def turn_ends_here(self) -> bool:
        """Whether the current question is the candidate's last in a panel round."""
        return self.kind == "panel" and (self.index + 1) % self.per_candidate == 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RoundState:
        return cls(**data)


def ref_question(round_id: int, index: int) -> str:
    return f"r{round_id}:q{index}"


def timer_key(round_id: int, what: str) -> str:
    return f"round:{round_id}:{what}"


def _timer(round_id: int, state: RoundState, what: str, due: datetime) -> SetTimer:
    payload: dict[str, str | int] = {"round": round_id, "phase": what, "index": state.index}
    return SetTimer(timer_key(round_id, what), due, "round", payload, state.channel_id)


# --- lobby -------------------------------------------------------------------------------------


def open_lobby(state: RoundState, round_id: int, now: datetime) -> list[Effect]:
    ends = now + timedelta(seconds=state.lobby_seconds)
    state.phase_ends_at = iso(ends)
    if state.kind == "panel":
        who = f"Candidate: **{state.name(state.candidates[0])}**" + (
            " (the candidate role rotates)" if state.rotate else ""
        )
        text = f"{who}. Join to sit on the panel."
    else:
        text = "Join to answer the same questions as everyone else" + (
            "; answers stay private until each answer phase ends." if state.blind else "."
        )
    title = "Panel round" if state.kind == "panel" else ("Blind group round" if state.blind else "Group round")
    details = _describe(state)
    message = Message(
        title=f"{title}: lobby open",
        text=f"{text}\n{details}",
        buttons=(
            Button("Join", "join", str(round_id), primary=True),
            Button("Leave", "leave", str(round_id)),
        ),
        countdown=ends,
        footer="Or type /mock join. The organiser can start early with /mock next.",
    )
    return [
        Post(state.channel_id, message, ref=f"r{round_id}:lobby"),
        _timer(round_id, state, "lobby", ends),
    ]


def _describe(state: RoundState) -> str:
    parts = [plural(state.per_candidate, "question")]
    if state.kind == "panel":
        parts[0] += " per candidate"
    if state.category:
        parts.append(f"category {state.category}")
    if state.difficulty:
        parts.append(f"difficulty {state.difficulty}")
    parts.append(f"{spoken(state.answer_seconds)} to answer, {spoken(state.rate_seconds)} to rate")
    return ", ".join(parts) + "."


def join(state: RoundState, user_id: str, name: str) -> str:
    if state.phase == "closed":
        raise RoundClosed("This round has ended.")
    if state.kind == "panel" and state.phase != "lobby":
        raise RoundClosed("This panel is under way; join the next one.")
    if user_id in state.candidates:
        return "You are the candidate in this round, so you are in it already."
    if user_id in state.participants:
        return "You are already in this round."
    state.participants.append(user_id)
    state.names[user_id] = name
    return f"You joined the round ({len(state.participants)} in it)."


def leave(state: RoundState, user_id: str) -> str:
    if user_id not in state.participants:
        raise NotAParticipant("You are not in this round.")
    if state.kind == "panel" and user_id in state.candidates:
        if state.phase != "lobby":
            raise UsageError("The candidate can't leave a panel under way; an organiser can /mock end it.")
        state.candidates.remove(user_id)
    state.participants.remove(user_id)
    return "You left the round."


def close_lobby(state: RoundState, round_id: int, questions: list[Question], now: datetime) -> list[Effect]:
    """Start the first question, or cancel the round if there is nobody to play."""
    if state.kind == "panel" and state.rotate:
        state.candidates = state.candidates + [p for p in state.participants if p not in state.candidates]
    enough = len(state.participants) >= (2 if state.kind == "panel" else 1)
    if state.kind == "panel" and not state.candidates:
        enough = False
    if not enough or not questions:
        state.phase = "closed"
        why = "not enough people joined" if not enough else "no questions match the filters"
        if state.kind == "panel" and not state.candidates:
            why = "the candidate left"
        return [
            Post(
                state.channel_id,
                Message(title="Round cancelled", text=f"The round did not start: {why}."),
            )
        ]
    state.question_ids = [q.id for q in questions[: state.total_questions]]
    return start_question(state, round_id, questions[0], now)


# --- questions ---------------------------------------------------------------------------------


def start_question(state: RoundState, round_id: int, question: Question, now: datetime) -> list[Effect]:
    state.index += 1
    state.phase = "answering"
    state.answered = []
    ends = now + timedelta(seconds=state.answer_seconds)
    state.phase_ends_at = iso(ends)
    lines = [question.text]
    if state.kind == "panel":
        lines.append(f"Candidate: **{state.name(state.candidate or '')}**. Panellists: ask follow-ups in the thread.")
    how = "with the Answer button or /mock answer" if state.blind else "in this thread (or with the Answer button)"
    message = Message(
        title=f"Question {state.index + 1}/{state.total_questions} · {question.category} · difficulty {question.difficulty}",
        text="\n".join(lines),
        buttons=(Button("Answer", "answer", str(round_id), primary=True),),
        countdown=ends,
        footer=f"Answer {how}. Answers close when the timer ends.",
    )
    remind = now + timedelta(seconds=state.answer_seconds * REMIND_AT)
    return [
        Post(state.channel_id, message, ref=ref_question(round_id, state.index)),
        _timer(round_id, state, "remind", remind),
        _timer(round_id, state, "answer", ends),
    ]


def answered(state: RoundState, user_id: str) -> bool:
    """Note an answer; returns whether everyone expected has now answered."""
    if user_id not in state.answered:
        state.answered.append(user_id)
    return all(u in state.answered for u in state.expected_answerers())


def check_can_answer(state: RoundState, user_id: str, name: str) -> bool:
    """Raise why this user may not answer now. In a group round a newcomer joins by
    answering (late joining, as the README says): returns whether they just joined."""
    if state.phase != "answering":
        raise RoundClosed("The answer phase for this question is over.")
    if state.kind == "panel" and user_id != state.candidate:
        raise NotAParticipant("Only the candidate answers in a panel round; panellists ask follow-ups and rate.")
    if state.kind == "group" and user_id not in state.participants:
        state.participants.append(user_id)
        state.names[user_id] = name
        return True
    return False


def reminders(state: RoundState) -> list[str]:
    return [u for u in state.expected_answerers() if u not in state.answered]


def reminder_message(state: RoundState) -> Message:
    ends = parse_iso(state.phase_ends_at) if state.phase_ends_at else None
    return Message(text=f"Reminder: question {state.index + 1} is waiting for your answer.", countdown=ends)


def end_answer_phase(
    state: RoundState,
    round_id: int,
    now: datetime,
    hidden: list[tuple[int, str, str]],
    rating_emoji: Sequence[str] | None = None,
) -> list[Effect]:
    """Open rating. In blind mode, reveal the private answers (id, name, text) together."""
    state.phase = "rating"
    ends = now + timedelta(seconds=state.rate_seconds)
    state.phase_ends_at = iso(ends)
    thread = ref_question(round_id, state.index)
    effects: list[Effect] = [
        Post(
            state.channel_id,
            Message(text=f"**{user_text(name, 80)}** answered:\n{user_text(text, 3000)}"),
            ref=f"a:{answer_id}",
            thread_ref=thread,
        )
        for answer_id, name, text in hidden
    ]
    who = "Panellists" if state.kind == "panel" else "Everyone in the round"
    buttons = (Button("Rubric feedback", "feedback", str(round_id)),) if state.kind == "panel" else ()
    effects.append(
        Post(
            state.channel_id,
            Message(
                title="Rating open",
                text=(
                    f"{who}: rate each answer by reacting with {rating_instruction(rating_emoji)}. "
                    "You can't rate your own."
                ),
                countdown=ends,
                buttons=buttons,
            ),
            thread_ref=thread,
        )
    )
    effects.append(_timer(round_id, state, "rate", ends))
    return effects


def end_rating_phase(
    state: RoundState,
    round_id: int,
    now: datetime,
    results: list[AnswerScore],
    next_question: Question | None,
    prior: float = DEFAULT_PRIOR_MEAN,
) -> list[Effect]:
    effects: list[Effect] = [
        Post(
            state.channel_id,
            results_message(f"Results for question {state.index + 1}", results, prior),
            thread_ref=ref_question(round_id, state.index),
        )
    ]
    if next_question is not None and state.index + 1 < len(state.question_ids):
        effects += start_question(state, round_id, next_question, now)
    else:
        state.phase = "closed"
    return effects


def results_message(title: str, results: list[AnswerScore], prior: float = DEFAULT_PRIOR_MEAN) -> Message:
    """Ranked like the leaderboard: by the mean shrunk toward the community's mean `prior`,
    so 4.00 from one rating does not beat 3.80 from five."""
    if not results:
        return Message(title=title, text="No answers.")

    def shrunk(r: AnswerScore) -> float:
        return shrunk_mean(r.total, r.n, prior) if r.n else 0.0

    ranked = sorted(results, key=lambda r: (-shrunk(r), -r.n, r.display_name))
    lines = [
        f"{i}. **{user_text(r.display_name, 80)}**: "
        + (f"{shrunk(r):.2f} (mean {r.mean:.2f} from {plural(r.n, 'rating')})" if r.n else "no ratings")
        for i, r in enumerate(ranked, 1)
    ]
    return Message(title=title, text="\n".join(lines), footer=RANKING_NOTE if any(r.n for r in results) else None)


def final_message(state: RoundState, totals: list[AnswerScore], prior: float = DEFAULT_PRIOR_MEAN) -> Message:
    """Totals per person over the whole round: all the ratings their answers got."""
    by_user: dict[str, list[AnswerScore]] = {}
    for score in totals:
        by_user.setdefault(score.user_id, []).append(score)
    merged = [
        AnswerScore(0, user, rows[0].display_name, sum(r.n for r in rows), sum(r.total for r in rows))
        for user, rows in by_user.items()
    ]
    message = results_message("Final results", merged, prior)
    footer = "Points are on the leaderboard: /mock leaderboard. Your weak areas: /mock me"
    return Message(
        title=message.title,
        text=message.text,
        footer=f"{message.footer}\n{footer}" if message.footer else footer,
    )


def end_round(state: RoundState) -> None:
    state.phase = "closed"
    state.phase_ends_at = None
