"""Reactions in, ratings out: the rating rules applied to a reaction on an answer."""

from __future__ import annotations

from datetime import datetime

from bot.core.clock import parse_iso
from bot.core.flows.context import Context
from bot.core.ports import AnswerRecord, RatingChange, RoundRecord
from bot.core.rounds.group import RoundState
from bot.core.rounds.ratings import check_rating, emoji_scores, score_for


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


async def on_reaction(ctx: Context, message_id: str, emoji: str, added: bool) -> None:
    if ctx.actor.is_bot:
        return
    score = score_for(emoji, emoji_scores(ctx.config.get("rating_emoji")))
    if score is None:
        return  # any other emoji is just a reaction
    answer = await ctx.store.answer_by_message(ctx.tenant, message_id)
    if answer is None or answer.hidden:
        return
    round_ = await ctx.store.get_round(answer.round_id)
    if round_ is None:
        return
    is_open, allowed = rating_window(round_, answer, ctx.now)
    if added:
        check_rating(
            rater=ctx.actor,
            author_id=answer.user_id,
            open_for_rating=is_open,
            allowed_raters=allowed,
        )
        change = RatingChange(answer, ctx.actor.user_id, ctx.actor.display_name, score, ctx.now)
    elif is_open and ctx.actor.user_id != answer.user_id:
        change = RatingChange(answer, ctx.actor.user_id, ctx.actor.display_name, None, ctx.now, expect=score)
    else:
        return  # ratings freeze when rating closes; removals after that change nothing
    await ctx.store.apply_rating(change)
