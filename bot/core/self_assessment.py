"""Self-assessment first: the author rates their own answer 1-5 before anyone else's rating
of it exists, and `/mock me` shows, per category, how far their view sits from their peers'.

The gap of a category is mean(self-ratings) − mean(peer ratings) over the same answers, and
only answers that both the author and at least one peer rated count: comparing a self-rating
with peer ratings of other answers would measure the answers, not the judgement. A gap under
GAP_NOTED is "in line with"; the sentence names the direction, as a coach would."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from bot.core.messages import Button, Message

ACTION = "self-rate"
GAP_NOTED = 0.3  # smaller gaps read as agreement: peer ratings are whole numbers, and noisy


@dataclass(frozen=True)
class SelfRated:
    category: str
    score: int  # the author's own 1-5
    peer_total: float  # sum of the peers' overall ratings of that answer (calibrated where read so)
    peer_n: int


@dataclass(frozen=True)
class Gap:
    category: str
    answers: int
    self_mean: float
    peer_mean: float

    @property
    def gap(self) -> float:
        return self.self_mean - self.peer_mean


def gaps(rows: Iterable[SelfRated]) -> list[Gap]:
    """Per category, answers weighted equally (each answer's peer mean, then the mean of those)."""
    by_category: dict[str, list[SelfRated]] = {}
    for row in rows:
        if row.peer_n:
            by_category.setdefault(row.category, []).append(row)
    out = []
    for category, rated in by_category.items():
        self_mean = sum(r.score for r in rated) / len(rated)
        peer_mean = sum(r.peer_total / r.peer_n for r in rated) / len(rated)
        out.append(Gap(category, len(rated), self_mean, peer_mean))
    out.sort(key=lambda g: (-abs(g.gap), g.category))
    return out


def gap_sentence(gap: Gap, label: str) -> str:
    count = f"{gap.answers} answer{'s' if gap.answers != 1 else ''}"
    if abs(gap.gap) < GAP_NOTED:
        return f"You rate yourself in line with your peers in {label} ({gap.gap:+.1f}, {count})."
    direction = "higher" if gap.gap > 0 else "lower"
    return f"You rate yourself {abs(gap.gap):.1f} {direction} than your peers in {label} ({count})."


def render_gaps(found: list[Gap], label: Callable[[str], str]) -> Message | None:
    if not found:
        return None
    lines = [f"- {gap_sentence(g, label(g.category))}" for g in found]
    return Message(
        title="Your view and your peers'",
        text="\n".join(lines),
        footer="Self-rating against the peer mean of the same answers.",
    )


def prompt_buttons(answer_id: int) -> tuple[Button, ...]:
    return tuple(Button(str(score), ACTION, f"{answer_id}:{score}") for score in range(1, 6))


def parse_value(value: str) -> tuple[int, int] | None:
    answer, _, score = value.partition(":")
    if not (answer.isdigit() and score.isdigit() and 1 <= int(score) <= 5):
        return None
    return int(answer), int(score)
