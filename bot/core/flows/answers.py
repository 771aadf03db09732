"""Answers, however they arrive: a reply in a question's thread, `/mock answer`, the Answer
button's form, or a practice answer. Edits update an answer; a deleted message withdraws it."""

from __future__ import annotations

import contextlib
from datetime import date

from bot.core.errors import AlreadyAnswered, AnswerTooLong, NotFound, RoundClosed, UsageError
from bot.core.flows import coaching, rounds
from bot.core.flows.context import Context
from bot.core.messages import Form, FormInput, Message, Post
from bot.core.ports import AnswerRecord, NewAnswer, RoundRecord
from bot.core.rounds import group, practice
from bot.core.rounds.group import RoundState
from bot.core.text import MAX_ANSWER_CHARS, user_text


def _check_length(text: str) -> str:
    text = text.strip()
    if not text:
        raise UsageError("An answer can't be empty.")
    if len(text) > MAX_ANSWER_CHARS:
        raise AnswerTooLong(len(text), MAX_ANSWER_CHARS)
    return text


async def on_thread_message(ctx: Context, thread_id: str, message_id: str, text: str) -> None:
    """A reply in a question's thread is an answer, when the round takes public answers."""
    if ctx.actor.is_bot or not text.strip():
        return  # bots, and blank content (no message-content intent) are not answers
    post = await ctx.store.post_by_message(ctx.tenant, thread_id)
    if post is None or post[0] is None or ":q" not in post[1]:
        return
    record = await ctx.store.get_round(post[0])
    if record is None:
        return
    q_index = int(post[1].rsplit(":q", 1)[1])
    if record.kind == "qotd":
        if record.status != "open" or await _has_answered(ctx, record, q_index):
            return  # discussion, also after the question closed: no note for every message
        await coaching.after_answer(ctx, await _record(ctx, record, q_index, text, message_id))
        return
    state = RoundState.from_dict(record.state)
    if q_index != state.index or state.phase != "answering":
        return  # chat after the answer phase
    if state.kind == "panel" and ctx.actor.user_id != state.candidate:
        return  # follow-ups from panellists
    if await _has_answered(ctx, record, q_index):
        if state.kind == "group" and not state.blind:  # a panel's candidate replies to follow-ups
            ctx.reply(
                f"You already answered question {q_index + 1}, so this message is discussion, not a second "
                "answer. To change your answer, edit it while the answer phase lasts."
            )
        return
    if state.blind:
        raise UsageError("This round is blind: answer privately with the Answer button or /mock answer.")
    await _answer_in_round(ctx, record, state, text, message_id)


async def on_private_answer(ctx: Context, text: str | None, round_id: str | None = None) -> None:
    """`/mock answer [text]` or the Answer form. A button names its round. Without one, the
    answer goes to the round being answered in this channel, else to the user's practice
    question, else to the channel's open question of the day; while a round here is in its
    lobby or being rated, the answer is refused with the reason and lands nowhere else."""
    if round_id not in (None, "", "practice"):
        record = await _answerable_round(ctx, round_id, rounds.ROUND_KINDS)
    else:
        running = await ctx.store.open_round(ctx.tenant, ctx.channel_id, rounds.ROUND_KINDS)
        record = running if running is not None and running.state.get("phase") == "answering" else None
        if record is None:
            pending = await ctx.store.get_practice(ctx.tenant, ctx.actor.user_id)
            if pending is not None:
                if not text:
                    ctx.replies.append(_answer_form("practice"))
                else:
                    await _practice_answer(ctx, pending[0], pending[1], text)
                return
            if running is not None:
                raise RoundClosed(_not_answering(RoundState.from_dict(running.state)))
            if round_id != "practice":
                record = await _answerable_round(ctx, None, ("qotd",))
    if record is None:
        raise NotFound("There is no question waiting for your answer here. Try /mock practice.")
    if not text:
        ctx.replies.append(_answer_form(str(record.id)))
        return
    if record.kind == "qotd":
        answer = await _record(ctx, record, 0, text, None)
        await _post_on_behalf(ctx, record, 0, answer)
        await coaching.after_answer(ctx, answer)
        return
    await _answer_in_round(ctx, record, RoundState.from_dict(record.state), text, None)


def _not_answering(state: RoundState) -> str:
    """Why a round in this channel takes no answer now; nothing was saved."""
    if state.phase == "lobby":
        why = "The round here has not started yet: answers open with its first question."
    else:
        why = f"The answer phase of question {state.index + 1} is over and it is being rated."
    return (
        f"{why} Your answer was not saved. To answer the question of the day instead, use its Answer button "
        "or reply in its thread."
    )


def _answer_form(value: str) -> Form:
    return Form(
        "answer",
        "Your answer",
        value,
        (FormInput("text", "Answer", long=True, max_length=MAX_ANSWER_CHARS),),
    )


async def _answerable_round(ctx: Context, round_id: str | None, kinds: tuple[str, ...]) -> RoundRecord | None:
    if round_id:
        record = await ctx.store.get_round(int(round_id)) if round_id.isdigit() else None
        if record is None or record.tenant != ctx.tenant or record.status != "open":
            raise RoundClosed("That question is closed.")
        if record.channel_id != ctx.channel_id:  # a form is only good where it was opened
            raise NotFound("That form belongs to a question in another channel; nothing was saved.")
        return record
    record = await ctx.store.open_round(ctx.tenant, ctx.channel_id, kinds)
    if record is not None and (record.kind == "qotd" or record.state.get("phase") == "answering"):
        return record
    return None


async def _answer_in_round(
    ctx: Context, record: RoundRecord, state: RoundState, text: str, message_id: str | None
) -> None:
    if group.check_can_answer(state, ctx.actor.user_id, ctx.actor.name):
        ctx.reply(
            f"You had not joined this round, so answering joined you ({len(state.participants)} in it): "
            "you can rate the others' answers too."
        )
    existing = [a for a in await ctx.store.answers_for(record.id, state.index) if a.user_id == ctx.actor.user_id]
    if existing and existing[0].hidden:
        await ctx.store.edit_answer(existing[0].id, _check_length(text))
        ctx.reply("Your private answer is updated.")
        return
    answer = await _record(ctx, record, state.index, text, message_id, hidden=state.blind)
    if state.blind:
        ctx.reply("Answer saved privately. It is revealed with everyone else's when the answer phase ends.")
    elif message_id is None:
        await _post_on_behalf(ctx, record, state.index, answer)
    await coaching.after_answer(ctx, answer)
    if group.answered(state, ctx.actor.user_id):
        await rounds.advance(ctx, record, state)  # everyone has answered: no need to wait
    else:
        await rounds.save(ctx, record.id, state)


async def _has_answered(ctx: Context, record: RoundRecord, q_index: int) -> bool:
    return any(a.user_id == ctx.actor.user_id for a in await ctx.store.answers_for(record.id, q_index))


async def _record(
    ctx: Context,
    record: RoundRecord,
    q_index: int,
    text: str,
    message_id: str | None,
    hidden: bool = False,
) -> AnswerRecord:
    text = _check_length(text)
    question_id = record.state["question_id"] if record.kind == "qotd" else record.state["question_ids"][q_index]
    library = await ctx.library()
    question = library.question(question_id)  # a stage of a staged question too
    streak_day = previous = None
    if record.kind == "qotd" and record.state.get("scheduled_day"):
        streak_day = date.fromisoformat(record.state["scheduled_day"])
        # The streak follows the posts the schedule made: paused days and holidays don't break it.
        previous = await ctx.store.previous_qotd_day(ctx.tenant, record.channel_id, streak_day)
    answer = await ctx.store.add_answer(
        NewAnswer(
            tenant=ctx.tenant, round_id=record.id, q_index=q_index, question_id=question_id,
            category=question.category if question else record.state.get("category", "unknown"),
            user_id=ctx.actor.user_id, display_name=ctx.actor.display_name, channel_id=record.channel_id,
            message_id=message_id, text=text, at=ctx.now, hidden=hidden,
            streak_day=streak_day, previous_streak_day=previous,
        )
    )  # fmt: skip
    return answer


async def _post_on_behalf(ctx: Context, record: RoundRecord, q_index: int, answer: AnswerRecord) -> None:
    """A private answer to a public round is posted by the bot so that peers can react to it."""
    ctx.effects.append(
        Post(
            record.channel_id,
            Message(text=f"**{user_text(ctx.actor.name, 80)}** answered:\n{user_text(answer.text, 3000)}"),
            ref=f"a:{answer.id}",
            thread_ref=group.ref_question(record.id, q_index),
        )
    )
    ctx.reply("Answer posted in the thread for rating.")


async def _practice_answer(ctx: Context, question_id: str, round_id: int, text: str) -> None:
    question = (await ctx.library()).questions.get(question_id)
    if question is None:
        raise NotFound("That practice question is no longer in the bank; ask for another with /mock practice.")
    with contextlib.suppress(AlreadyAnswered):  # a second try at the same practice question
        await ctx.store.add_answer(
            NewAnswer(
                tenant=ctx.tenant, round_id=round_id, q_index=0, question_id=question_id,
                category=question.category, user_id=ctx.actor.user_id, display_name=ctx.actor.display_name,
                channel_id=ctx.channel_id, message_id=None, text=_check_length(text), at=ctx.now,
                hidden=True, counts_for_board=False,
            )
        )  # fmt: skip
    await ctx.store.clear_practice(ctx.tenant, ctx.actor.user_id)
    await ctx.store.save_round(round_id, "closed", {"question_id": question_id})
    ctx.replies.append(practice.review_message(question))


async def on_edit(ctx: Context, message_id: str, text: str) -> None:
    answer = await ctx.store.answer_by_message(ctx.tenant, message_id)
    if answer is None or answer.user_id != ctx.actor.user_id:
        return
    record = await ctx.store.get_round(answer.round_id)
    if record is None or record.status != "open":
        return
    if record.kind != "qotd" and RoundState.from_dict(record.state).phase != "answering":
        return  # once rating starts an answer is what people rated
    await ctx.store.edit_answer(answer.id, _check_length(text))


async def on_delete(ctx: Context, message_id: str) -> None:
    answer = await ctx.store.answer_by_message(ctx.tenant, message_id)
    if answer is not None:
        await ctx.store.withdraw_answer(answer.id, ctx.now)
