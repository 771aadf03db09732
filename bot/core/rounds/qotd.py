"""Question of the day: choosing the question and the post that carries it."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date, datetime

from bot.core.banks import Question
from bot.core.errors import NotFound
from bot.core.messages import Button, Message
from bot.core.rounds.ratings import rating_instruction


def choose_question(pool: Sequence[Question], used: set[str], seed: str) -> tuple[Question, bool]:
    """A question not yet posted in the channel; when the pool is spent, start it again.
    Returns the question and whether the pool was reset. The seed makes the order fixed for
    a channel (tests, replays) yet different between channels."""
    if not pool:
        raise NotFound("No questions match this channel's filters (category or bank).")
    fresh = [q for q in pool if q.id not in used]
    reset = not fresh
    candidates = list(pool) if reset else fresh
    rng = random.Random(f"{seed}:{len(used)}")
    return rng.choice(sorted(candidates, key=lambda q: q.id)), reset


def qotd_message(
    question: Question,
    round_id: int,
    closes_at: datetime,
    scheduled_day: date | None,
    rating_emoji: Sequence[str] | None = None,
) -> Message:
    title = "Question of the day" + (f" · {scheduled_day.isoformat()}" if scheduled_day else "")
    return Message(
        title=title,
        text=question.text,
        footer=(
            f"{question.category} · difficulty {question.difficulty} · id {question.id}. "
            f"Answer in the thread; rate other answers by reacting with {rating_instruction(rating_emoji)}."
        ),
        countdown=closes_at,
        buttons=(Button("Answer", "answer", str(round_id), primary=True),),
    )
