"""Group and panel rounds: load the state, ask the rule book, save, hand back the effects."""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from bot.core.banks import Question
from bot.core.errors import NotAParticipant, NotFound, RoundClosed, UsageError
from bot.core.flows.context import Context
from bot.core.members import resolve_member
from bot.core.messages import CancelTimer, Form, FormInput, FormPart, Message, Notify, Post
from bot.core.ports import AnswerScore, RatingChange, RoundRecord
from bot.core.rounds import group, stages
from bot.core.rounds.group import RoundState
from bot.core.rounds.ratings import check_rating
from bot.core.text import plural, user_text

ROUND_KINDS = ("group", "panel")
DEFAULTS = {"questions": 3, "answer": 300, "rate": 180, "lobby": 120}


async def load(ctx: Context, round_id: str | int | None = None) -> tuple[RoundRecord, RoundState]:
    """The round a button names, or else the open round in this channel."""
    record = None
    if round_id not in (None, ""):
        record = await ctx.store.get_round(int(round_id)) if str(round_id).isdigit() else None
        if record is not None and (record.tenant != ctx.tenant or record.kind not in ROUND_KINDS):
            record = None
        if record is not None and record.channel_id != ctx.channel_id:  # buttons and forms stay in their channel
            raise NotFound("That belongs to a round in another channel; nothing was changed.")
    else:
        record = await ctx.store.open_round(ctx.tenant, ctx.channel_id, ROUND_KINDS)
    if record is None and round_id not in (None, ""):
        raise NotFound("There is no round running here for that button; it belongs to one that is over or elsewhere.")
    if record is None:
        raise NotFound("There is no round running here. An organiser can start one with /mock group start.")
    return record, RoundState.from_dict(record.state)


async def save(ctx: Context, round_id: int, state: RoundState) -> None:
    await ctx.store.save_round(round_id, "closed" if state.phase == "closed" else "open", state.to_dict())


async def start(ctx: Context, kind: str, args: Mapping[str, Any]) -> None:
    ctx.require_organiser(f"start a {kind} round")
    if await ctx.store.open_round(ctx.tenant, ctx.channel_id, ROUND_KINDS):
        raise UsageError("A round is already running in this channel; an organiser can /mock end it first.")
    (await ctx.library()).require_category(args.get("category"))
    state = RoundState(
        kind=kind,
        channel_id=ctx.channel_id,
        organiser_id=ctx.actor.user_id,
        category=args.get("category"),
        difficulty=args.get("difficulty"),
        per_candidate=args.get("questions", DEFAULTS["questions"]),
        answer_seconds=args.get("answer", DEFAULTS["answer"]),
        rate_seconds=args.get("rate", DEFAULTS["rate"]),
        lobby_seconds=args.get("lobby", DEFAULTS["lobby"]),
        blind=bool(args.get("blind")),
        rotate=bool(args.get("rotate")),
    )
    if kind == "panel":
        # A real member: a mention, or a name (any case) that means exactly one member.
        mentions = getattr(ctx.event, "mentions", {})
        known = {} if args["candidate"] in mentions else await ctx.store.members_named(ctx.tenant, args["candidate"])
        try:
            candidate, name = resolve_member(args["candidate"], mentions, known)
        except UsageError as error:
            raise UsageError(f"{error} The candidate comes first: /mock panel start @name [category] …") from None
        group.join(state, candidate, name)
        state.candidates = [candidate]
    round_id = await ctx.store.create_round(ctx.tenant, ctx.channel_id, kind, state.to_dict(), ctx.now)
    ctx.effects += group.open_lobby(state, round_id, ctx.now)
    await save(ctx, round_id, state)
    ctx.reply(f"The {kind} round is open for joining.")


async def join(ctx: Context, round_id: str | None = None) -> None:
    record, state = await load(ctx, round_id)
    ctx.reply(group.join(state, ctx.actor.user_id, ctx.actor.name))
    await save(ctx, record.id, state)


async def leave(ctx: Context, round_id: str | None = None) -> None:
    record, state = await load(ctx, round_id)
    ctx.reply(group.leave(state, ctx.actor.user_id))
    await save(ctx, record.id, state)


async def next_phase(ctx: Context) -> None:
    ctx.require_organiser("move a round on")
    record, state = await load(ctx)
    await advance(ctx, record, state)
    ctx.reply("Moved on." if state.phase != "closed" else "That was the last phase; the round is over.")


async def end(ctx: Context) -> None:
    ctx.require_organiser("end a round")
    record, state = await load(ctx)
    await finish(ctx, record, state)
    ctx.reply("Round ended.")


async def on_timer(ctx: Context, payload: Mapping[str, Any]) -> None:
    record = await ctx.store.get_round(int(payload["round"]))
    if record is None or record.status != "open":
        return
    state = RoundState.from_dict(record.state)
    phase, index = payload["phase"], int(payload["index"])
    expected = {"lobby": ("lobby",), "remind": ("answering",), "answer": ("answering",), "rate": ("rating", "tallying")}
    if state.phase not in expected[phase] or state.index != index:
        return  # an organiser already moved this round on: the timer is stale
    if phase == "remind":
        for user in group.reminders(state):
            ctx.effects.append(Notify(user, state.channel_id, group.reminder_message(state)))
        return
    await advance(ctx, record, state)


async def advance(ctx: Context, record: RoundRecord, state: RoundState) -> None:
    """End the current phase, whatever ended it: a timer, `next`, or everyone answering."""
    for what in ("lobby", "remind", "answer", "rate"):
        ctx.effects.append(CancelTimer(group.timer_key(record.id, what)))
    if state.phase == "lobby":
        ctx.effects += group.close_lobby(state, record.id, await _questions(ctx, record.id, state), ctx.now)
    elif state.phase == "answering":
        hidden = [
            (a.id, state.name(a.user_id), a.text)
            for a in await ctx.store.answers_for(record.id, state.index)
            if a.hidden
        ]
        ctx.effects += group.end_answer_phase(state, record.id, ctx.now, hidden, ctx.config.get("rating_emoji"))
    elif state.phase in ("rating", "tallying"):
        # Close rating in the store before counting: a rating still on its way is refused by
        # its own transaction rather than counted after the results are out.
        state.phase = "tallying"
        await save(ctx, record.id, state)
        results = await ctx.store.answer_scores(record.id, state.index)
        if state.turn_ends_here():
            await _send_candidate_summary(ctx, record, state)
        following = state.index + 1
        next_question = None
        if following < len(state.question_ids):
            next_question = (await ctx.library()).question(state.question_ids[following])
        prior = await ctx.store.prior_mean(ctx.tenant)
        ctx.effects += group.end_rating_phase(state, record.id, ctx.now, results, next_question, prior)
        if state.phase == "closed":
            ctx.effects.append(_final_post(state, await ctx.store.answer_scores(record.id), prior))
    await save(ctx, record.id, state)


async def finish(ctx: Context, record: RoundRecord, state: RoundState) -> None:
    if state.kind == "panel" and state.phase in ("answering", "rating", "tallying"):
        await _send_candidate_summary(ctx, record, state)  # the turn ends here, early
    was_running = state.phase != "lobby"
    group.end_round(state)
    await save(ctx, record.id, state)  # closed before the totals are read (see `advance`)
    for what in ("lobby", "remind", "answer", "rate"):
        ctx.effects.append(CancelTimer(group.timer_key(record.id, what)))
    if was_running:
        totals = await ctx.store.answer_scores(record.id)
        ctx.effects.append(_final_post(state, totals, await ctx.store.prior_mean(ctx.tenant)))


def _final_post(state: RoundState, totals: list[AnswerScore], prior: float) -> Post:
    return Post(state.channel_id, group.final_message(state, totals, prior))


async def _questions(ctx: Context, round_id: int, state: RoundState) -> list[Question]:
    library = await ctx.library()
    disabled = await ctx.disabled()
    pool = library.pick(category=state.category, difficulty=state.difficulty, exclude=disabled, mode=state.kind)
    if not pool and state.difficulty:
        pool = library.pick(category=state.category, exclude=disabled, mode=state.kind)
    random.Random(f"round:{round_id}").shuffle(pool)
    turns = len(state.participants) if state.kind == "panel" and state.rotate else 1
    if state.kind == "panel":
        return stages.panel_items(library, pool, state.per_candidate, turns)
    return pool[: state.per_candidate * turns]


# --- panel feedback ----------------------------------------------------------------------------


async def feedback_form(ctx: Context, round_id: str) -> None:
    record, state = await load(ctx, round_id)
    if state.kind != "panel" or state.phase not in ("answering", "rating"):
        raise RoundClosed("Rubric feedback is open while a panel question is being rated.")
    if ctx.actor.user_id not in state.allowed_raters():
        raise NotAParticipant("Only panellists give rubric feedback.")
    question = (await ctx.library()).require_question(state.question_ids[state.index])
    rubric = (await ctx.library()).categories[question.category].rubric
    dims = [d.id for d in rubric]
    parts = tuple(
        FormPart(
            d.id,
            d.name,
            "\n".join(f"{level}: {d.levels[level]}" for level in sorted(d.levels)),
            ("1", "2", "3", "4", "5"),
        )
        for d in rubric
    )
    ctx.replies.append(
        Form(
            "feedback",
            f"Feedback for {state.name(state.candidate or '')}"[:45],
            f"{record.id}:{state.index}",  # the question the form is about, checked on submit
            (
                FormInput(
                    "scores",
                    "Scores 1-5, one per line",
                    long=True,
                    placeholder="\n".join(f"{d}: 4" for d in dims),
                    parts=parts,
                ),
                FormInput("keep", "Keep (what worked)", long=True, required=False),
                FormInput("stop", "Stop (what to drop)", long=True, required=False),
                FormInput("start", "Start (what to try)", long=True, required=False),
            ),
        )
    )


def parse_scores(text: str, dimensions: list[str]) -> dict[str, int]:
    scores: dict[str, int] = {}
    for raw in text.replace(",", "\n").splitlines():
        if not raw.strip():
            continue
        name, sep, value = raw.replace("=", ":").partition(":")
        key = name.strip().lower().replace(" ", "_")
        if not sep or key not in dimensions or value.strip() not in ("1", "2", "3", "4", "5"):
            raise UsageError(f"Write one `dimension: score` (1-5) per line, using: {', '.join(dimensions)}.")
        scores[key] = int(value.strip())
    return scores


async def submit_feedback(ctx: Context, value: str, fields: Mapping[str, str]) -> None:
    round_id, _, index = value.partition(":")
    record, state = await load(ctx, round_id)
    if state.kind != "panel":
        raise UsageError("Rubric feedback is for panel rounds.")
    if index and (not index.isdigit() or int(index) != state.index):
        raise RoundClosed("That question's rating has closed; your feedback was not saved.")
    library = await ctx.library()
    question = library.require_question(state.question_ids[state.index])
    dims = [d.id for d in library.categories[question.category].rubric]
    scores = parse_scores(fields.get("scores", ""), dims)
    answers = [a for a in await ctx.store.answers_for(record.id, state.index) if a.user_id == state.candidate]
    if not answers:
        raise NotFound("The candidate has not answered this question yet.")
    check_rating(
        rater=ctx.actor, author_id=answers[0].user_id,
        open_for_rating=state.open_for_rating(state.index), allowed_raters=state.allowed_raters(),
    )  # fmt: skip
    for dim, score in scores.items():
        await ctx.store.apply_rating(RatingChange(answers[0], ctx.actor.user_id, ctx.actor.name, score, ctx.now, dim))
    keep, stop, begin = (fields.get(k, "").strip()[:1000] for k in ("keep", "stop", "start"))
    if keep or stop or begin:
        await ctx.store.save_feedback(answers[0].id, ctx.actor.user_id, keep, stop, begin, ctx.now)
    ctx.reply("Thanks: your feedback is saved and goes to the candidate privately.")


async def _send_candidate_summary(ctx: Context, record: RoundRecord, state: RoundState) -> None:
    candidate = state.candidate
    if candidate is None:
        return
    first = state.index - state.index % state.per_candidate
    answers = [a for a in await ctx.store.answers_for(record.id) if a.user_id == candidate and a.q_index >= first]
    lines = []
    for answer in answers:
        overall = [s for s in await ctx.store.answer_scores(record.id, answer.q_index) if s.answer_id == answer.id]
        mean = (
            f"{overall[0].mean:.2f} from {plural(overall[0].n, 'rating')}" if overall and overall[0].n else "no ratings"
        )
        lines.append(f"- Question {answer.q_index + 1}: {mean}")
    library = await ctx.library()
    # Only the rubrics of the categories answered: one read per dimension that can have scores.
    names = {
        d.id: d.name for a in answers if a.category in library.categories for d in library.categories[a.category].rubric
    }
    for dim in sorted(names, key=lambda d: names[d]):
        rows = [
            s
            for a in answers
            for s in await ctx.store.answer_scores(record.id, a.q_index, dim)
            if s.answer_id == a.id and s.n
        ]
        if rows:
            n, total = sum(r.n for r in rows), sum(r.total for r in rows)
            lines.append(f"- {names[dim]}: {total / n:.2f} ({plural(n, 'rating')})")
    comments = await ctx.store.feedback_for([a.id for a in answers])
    for label, column in (("Keep", 2), ("Stop", 3), ("Start", 4)):
        said = [user_text(str(c[column]), 300) for c in comments if c[column]]
        if said:
            lines.append(f"**{label}:** " + " / ".join(said))
    text = "\n".join(lines) or "You did not answer in this turn."
    ctx.effects.append(Notify(candidate, state.channel_id, Message(title="Your panel feedback", text=text)))
