"""Reactions in, ratings out: the rating rules applied to a reaction on an answer."""

from __future__ import annotations

from datetime import datetime

from bot.core.clock import parse_iso
from bot.core.errors import MockpanelError, UsageError
from bot.core.events import ReactionAdded, ReactionRemoved
from bot.core.ports import AnswerRecord, RatingChange, RoundRecord, Store
from bot.core.rounds.group import RoundState
from bot.core.rounds.ratings import check_rating, emoji_scores, rating_emoji_hint, score_for


def rating_window(round_: RoundRecord, answer: AnswerRecord, now: datetime) -> tuple[bool, list[str] | None]:
    """Whether the answer can be rated now, and who may rate it (None: anyone)."""
    if round_.status != "open":
        return False, None
    if round_.kind == "qotd":
        return now < parse_iso(round_.state["closes_at"]), None
    if round_.kind in ("group", "panel"):
        state = RoundState.from_dict(round_.state)
        return state.open_for_rating(answer.q_index), state.allowed_raters()
    return False, None


async def on_reaction(
    store: Store, event: ReactionAdded | ReactionRemoved, now: datetime, acknowledge: bool = False
) -> str | None:
    """Two trips to the store on this hot path: one read for the settings, the answer and its
    round, one write that claims the event and applies the rating together. With
    `acknowledge` (where a reaction is not visible, as in the terminal), returns what happened."""
    if event.user.is_bot:
        return None
    config, answer, round_ = await store.rating_target(event.tenant, event.message_id)
    if answer is None or answer.hidden or round_ is None:  # a reaction on something that is not an answer
        return "That message is not an answer, so the reaction rates nothing." if acknowledge else None
    score = score_for(event.emoji, emoji_scores(config.get("rating_emoji")))
    rater = event.user
    is_open, allowed = rating_window(round_, answer, now)
    if score is None:
        if isinstance(event, ReactionAdded) and is_open and rater.user_id != answer.user_id:
            await _hint_rating_emoji(store, event, config.get("rating_emoji"), now)
        return f"{event.emoji} is not a rating emoji here, so it rates nothing." if acknowledge else None
    if isinstance(event, ReactionAdded):
        try:
            check_rating(rater=rater, author_id=answer.user_id, open_for_rating=is_open, allowed_raters=allowed)
        except MockpanelError:
            if await store.claim_event(event.tenant, event.event_id, now):
                raise  # tell them once; a replay of the same reaction stays quiet
            return None
        new_score: int | None = score
    elif is_open and rater.user_id != answer.user_id:
        new_score = None
    elif not acknowledge:
        return None  # ratings freeze when rating closes; removals after that change nothing
    elif rater.user_id == answer.user_id:
        return "That is your own answer: the reaction was never counted, so taking it back changes nothing."
    else:
        return "Ratings for this answer are closed; taking the reaction back changes nothing."

    def still_open(stored: RoundRecord | None) -> bool:
        return stored is not None and rating_window(stored, answer, now)[0]

    change = RatingChange(
        answer,
        rater.user_id,
        rater.display_name,
        new_score,
        now,
        expect=score,
        still_open=still_open,
        order=event.order,  # the latest by the platform's clock counts, not the last to arrive
    )
    changed = await store.apply_rating(change, event.event_id)
    if not acknowledge:
        return None
    author = (await store.display_names(event.tenant, [answer.user_id])).get(answer.user_id, answer.user_id)
    if not changed:
        if new_score is None:  # a newer reaction of theirs stands, or there was no rating
            return f"Nothing to take back: {event.emoji} is not your rating of {author}'s answer now."
        return f"Nothing changed: your rating of {author}'s answer stands as it was."
    if new_score is None:
        return f"Removed your rating of {author}'s answer."
    return f"Rated {author}'s answer {new_score}."


async def _hint_rating_emoji(store: Store, event: ReactionAdded, configured: list[str] | None, now: datetime) -> None:
    """Someone reacted with an emoji that is not a rating where ratings are open: tell them
    once (a claimed marker, not the event, so later reactions of theirs stay quiet)."""
    if await store.claim_event(event.tenant, f"rating-emoji-hint:{event.user.user_id}", now):
        raise UsageError(rating_emoji_hint(event.emoji, configured))
