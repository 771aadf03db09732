"""Practice: a private question from the user's weakest area that they have not answered."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.analytics import WeakAreaSummary
from bot.core.banks import Library, Question
from bot.core.errors import NotFound
from bot.core.messages import Message


def weakest_category(summary: WeakAreaSummary | None) -> str | None:
    if summary is None or not summary.ready:
        return None
    for area in summary.areas:  # weakest first
        if area.kind == "category":
            return area.name
    return None


def choose_practice(library: Library, category: str | None, answered: set[str], disabled: set[str]) -> Question:
    """Prefer the requested or weakest category; fall back to any unanswered question."""
    exclude = answered | disabled
    for wanted in (category, None):
        pool: Sequence[Question] = library.pick(category=wanted, exclude=exclude, mode="practice")
        if pool:
            # The easiest unanswered question first: practice should build up.
            return sorted(pool, key=lambda q: (q.difficulty, q.id))[0]
        if category is None:
            break
    raise NotFound("You have answered every question available here. Impressive!")


def practice_message(question: Question, because: str) -> Message:
    return Message(
        title="Practice question",
        text=f"{question.text}\n_{because}_",
        footer=f"{question.category} · difficulty {question.difficulty} · id {question.id}. "
        "Reply with /mock answer <your answer>, or press Answer.",
    )


def review_message(question: Question) -> Message:
    signals = "\n".join(f"- {s}" for s in question.signals)
    tips = "\n".join(f"- {t}" for t in question.tips)
    follow = "\n".join(f"- {f}" for f in question.follow_ups)
    return Message(
        title="Answer saved: compare it with a strong answer",
        text=f"**A strong answer shows:**\n{signals}\n**Tips:**\n{tips}\n**Follow-ups to practise:**\n{follow}",
    )
