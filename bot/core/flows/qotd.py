"""Question of the day: schedules, posting, closing."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from bot.core.clock import iso
from bot.core.errors import NotFound, UsageError
from bot.core.flows.context import Context
from bot.core.messages import Message, Post, SetTimer
from bot.core.rounds.group import ref_question, results_message
from bot.core.rounds.qotd import choose_question, qotd_message
from bot.core.schedule import QotdSchedule


def qotd_timer_key(tenant: str, channel_id: str) -> str:
    return f"qotd:{tenant}:{channel_id}"


def arm(ctx: Context, schedule: QotdSchedule, after: datetime) -> datetime:
    """Set the channel's one schedule timer to the next post after `after`."""
    day, when = schedule.next_after(after)
    payload: dict[str, str | int] = {"channel": schedule.channel_id, "day": day.isoformat()}
    ctx.effects.append(
        SetTimer(
            qotd_timer_key(ctx.tenant, schedule.channel_id),
            when,
            "qotd",
            payload,
            schedule.channel_id,
        )
    )
    return when


async def set_schedule(ctx: Context, args: Mapping[str, Any]) -> None:
    ctx.require_organiser("schedule the question of the day")
    library = await ctx.library()
    library.require_category(args.get("category"))
    if args.get("bank") and args["bank"] not in library.banks:
        raise UsageError(f"Unknown bank `{args['bank']}`. Banks: {', '.join(sorted(library.banks))}.")
    schedule = QotdSchedule(
        ctx.channel_id, args["time"], args["timezone"], args.get("days", tuple(range(7))),
        args.get("category"), args.get("bank"),
    )  # fmt: skip
    await ctx.store.save_schedule(ctx.tenant, schedule)
    first = arm(ctx, schedule, ctx.now)
    ctx.reply(f"Question of the day: {schedule.describe()}. Next post: {first:%Y-%m-%d %H:%M} UTC.")


async def _require_schedule(ctx: Context) -> QotdSchedule:
    schedule = await ctx.store.get_schedule(ctx.tenant, ctx.channel_id)
    if schedule is None:
        raise NotFound("This channel has no question-of-the-day schedule. Set one with /mock qotd schedule.")
    return schedule


async def pause(ctx: Context, until: date | None) -> None:
    ctx.require_organiser("pause the question of the day")
    schedule = await _require_schedule(ctx)
    if until is not None and until < ctx.now.date():
        raise UsageError("That date has passed; give a date in the future.")
    schedule = dataclasses.replace(schedule, paused=until is None, paused_until=until)
    await ctx.store.save_schedule(ctx.tenant, schedule)
    if until is not None:
        arm(ctx, schedule, ctx.now)  # an earlier open-ended pause may have stopped the timer
    ctx.reply(f"Question of the day paused{' until ' + until.isoformat() if until else ''}.")


async def resume(ctx: Context) -> None:
    ctx.require_organiser("resume the question of the day")
    schedule = dataclasses.replace(await _require_schedule(ctx), paused=False, paused_until=None)
    await ctx.store.save_schedule(ctx.tenant, schedule)
    ctx.reply(f"Question of the day resumed: next post {arm(ctx, schedule, ctx.now):%Y-%m-%d %H:%M} UTC.")


async def show(ctx: Context) -> None:
    schedule = await ctx.store.get_schedule(ctx.tenant, ctx.channel_id)
    if schedule is None:
        ctx.reply("No question-of-the-day schedule in this channel.")
        return
    if schedule.paused:
        ctx.reply(f"Question of the day: {schedule.describe()}. Resume with /mock qotd resume.")
        return
    due = await ctx.store.timer_due(qotd_timer_key(ctx.tenant, ctx.channel_id))
    when = f"{due:%Y-%m-%d %H:%M} UTC" if due else "not scheduled"
    ctx.reply(f"Question of the day: {schedule.describe(ctx.now.date())}. Next post: {when}.")


async def post_now(ctx: Context, category: str | None) -> None:
    ctx.require_organiser("post a question of the day")
    (await ctx.library()).require_category(category)
    schedule = await ctx.store.get_schedule(ctx.tenant, ctx.channel_id)
    await post(ctx, ctx.channel_id, category or (schedule.category if schedule else None),
               schedule.bank if schedule else None, None, schedule.close_hours if schedule else 24)  # fmt: skip
    ctx.reply("Posted.")


async def post(
    ctx: Context,
    channel_id: str,
    category: str | None,
    bank: str | None,
    day: date | None,
    close_hours: int,
) -> None:
    library = await ctx.library()
    pool = library.pick(category=category, bank=bank, exclude=await ctx.disabled(), mode="qotd")
    used = await ctx.store.qotd_used(ctx.tenant, channel_id)
    question, reset = choose_question(pool, used & {q.id for q in pool}, f"{ctx.tenant}:{channel_id}")
    if reset:
        await ctx.store.reset_qotd(ctx.tenant, channel_id)
    closes = ctx.now + timedelta(hours=close_hours)
    state = {"question_id": question.id, "category": question.category, "closes_at": iso(closes),
             "scheduled_day": day.isoformat() if day else None}  # fmt: skip
    round_id = await ctx.store.create_round(ctx.tenant, channel_id, "qotd", state, ctx.now)
    await ctx.store.record_qotd(ctx.tenant, channel_id, question.id, ctx.now)
    ctx.effects.append(
        Post(
            channel_id,
            qotd_message(question, round_id, closes, day, ctx.config.get("rating_emoji")),
            ref=ref_question(round_id, 0),
        )
    )
    ctx.effects.append(SetTimer(f"qotd-close:{round_id}", closes, "qotd-close", {"round": round_id}, channel_id))


async def on_schedule_timer(ctx: Context, payload: Mapping[str, Any]) -> None:
    schedule = await ctx.store.get_schedule(ctx.tenant, str(payload["channel"]))
    if schedule is None:
        return
    day = date.fromisoformat(str(payload["day"]))
    if not schedule.paused:  # an open-ended pause stops the timer; resume sets it again
        # Arm the next post first, so a failed post never stops the schedule. From the later
        # of now and the due time: after downtime, post once, then carry on.
        arm(ctx, schedule, max(ctx.now, schedule.occurrence(day)))
    if schedule.is_paused_on(day):
        return
    try:
        await post(ctx, schedule.channel_id, schedule.category, schedule.bank, day, schedule.close_hours)
    except NotFound as error:  # every matching question disabled, say: tell the channel
        ctx.effects.append(Post(schedule.channel_id, Message(title="No question of the day today", text=str(error))))


async def on_close_timer(ctx: Context, payload: Mapping[str, Any]) -> None:
    record = await ctx.store.get_round(int(payload["round"]))
    if record is None or record.status != "open":
        return
    await ctx.store.save_round(record.id, "closed", record.state)
    results = await ctx.store.answer_scores(record.id, 0)
    summary = results_message("Question of the day: closed", results, await ctx.store.prior_mean(ctx.tenant))
    ctx.effects.append(
        Post(
            record.channel_id,
            Message(title=summary.title, text=summary.text),
            thread_ref=ref_question(record.id, 0),
        )
    )
