"""The rule book for ratings: which reactions count, from whom, and when."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from types import MappingProxyType

from bot.core.errors import NotAParticipant, RoundClosed, SelfRating, UsageError
from bot.core.events import Actor

# Discord sends the keycap emoji; Slack sends names without colons. Both count by default.
DEFAULT_RATING_EMOJI: tuple[str, ...] = ("1️⃣", "2️⃣", "3️⃣", "4️⃣", "5️⃣")
SLACK_NAMES: tuple[str, ...] = ("one", "two", "three", "four", "five")


def emoji_scores(configured: Sequence[str] | None) -> Mapping[str, int]:
    """Map each rating emoji to its score. A configured set replaces the keycaps; Slack's
    names always work, since Slack reports every emoji by name. Worked out once per set (every
    reaction asks), and read-only."""
    return _emoji_table(None if configured is None else tuple(configured))


@functools.lru_cache(maxsize=256)
def _emoji_table(configured: tuple[str, ...] | None) -> Mapping[str, int]:
    chosen = rating_emoji(configured)
    table = {_normal(e): i + 1 for i, e in enumerate(chosen)}
    for i, name in enumerate(SLACK_NAMES):
        table.setdefault(name, i + 1)
    return MappingProxyType(table)


def rating_emoji(configured: Sequence[str] | None) -> tuple[str, ...]:
    """The five emoji people rate with here, lowest first."""
    return tuple(configured) if configured else DEFAULT_RATING_EMOJI


def rating_instruction(configured: Sequence[str] | None) -> str:
    """How to rate, as every post that asks for ratings says it."""
    chosen = rating_emoji(configured)
    if chosen == DEFAULT_RATING_EMOJI:
        return f"{chosen[0]} to {chosen[-1]} (5 is best)"
    return " ".join(chosen) + " (worst to best)"


def rating_emoji_hint(emoji: str, configured: Sequence[str] | None) -> str:
    return (
        f"{emoji} is not a rating here, so it was not counted: rate answers with "
        f"{rating_instruction(configured)}. Other reactions are fine; this note comes once."
    )


def _normal(emoji: str) -> str:
    return emoji.strip().strip(":").lower()


def score_for(emoji: str, table: Mapping[str, int]) -> int | None:
    return table.get(_normal(emoji))


def check_rating(
    *,
    rater: Actor,
    author_id: str,
    open_for_rating: bool,
    allowed_raters: Sequence[str] | None,
) -> None:
    """Raise the reason a new rating must not count, or return if it counts. Bots are
    filtered out before this (they get no reply at all)."""
    if rater.user_id == author_id:
        raise SelfRating()
    if not open_for_rating:
        raise RoundClosed("Ratings for this answer are closed; your reaction was not counted.")
    if allowed_raters is not None and rater.user_id not in allowed_raters:
        raise NotAParticipant(
            "Only the round's participants (for a panel: the panellists) can rate these answers; "
            "your reaction was not counted."
        )


def validate_emoji_set(emoji: Sequence[str]) -> tuple[str, ...]:
    cleaned = tuple(e.strip() for e in emoji)
    if len(cleaned) != 5 or len({_normal(e) for e in cleaned}) != 5:
        raise UsageError("Give exactly five different emoji, lowest rating first.")
    return cleaned
