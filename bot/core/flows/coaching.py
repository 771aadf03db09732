"""Coaching around an answer: private nudges and the self-rating prompt right after it, the
self-rating itself, and what `/mock me` adds (the weak-area chart, the self-versus-peer gaps).

Both are on by default; organisers turn them off for the community (`/mock config nudges off`,
`/mock config self-rating off`), members turn nudges off for themselves (`/mock privacy
nudges off`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.core import nudges, self_assessment
from bot.core.analytics import AreaStats, WeakAreaSummary
from bot.core.errors import NotFound, UsageError
from bot.core.events import MessagePosted
from bot.core.flows import calibrated
from bot.core.flows.context import Context
from bot.core.flows.pictures import attach_later
from bot.core.messages import Field, Message, Notify, Visibility
from bot.core.ports import AnswerRecord
from bot.core.text import user_text
from bot.core.views import area_label, category_label
from bot.core.weak_chart import CHART_FILENAME, chart_of, weakest_sentence

SETTINGS = {"config nudges": "nudges", "config self-rating": "self_rating"}
COMMANDS = (*SETTINGS, "privacy nudges")
CHART_FAILED = "(The chart could not be drawn this time; the numbers above are the same.)"


def enabled(config: Mapping[str, Any], setting: str) -> bool:
    return bool(config.get(setting, True))


def describe(config: Mapping[str, Any]) -> str:
    """The coaching lines of `/mock config show`."""
    state = {True: "on", False: "off"}
    return (
        f"Nudges on answers: {state[enabled(config, 'nudges')]}\nSelf-rating: {state[enabled(config, 'self_rating')]}"
    )


# --- right after an answer ---------------------------------------------------------------------


async def after_answer(ctx: Context, answer: AnswerRecord) -> None:
    """Send the author, privately, the nudges on their answer and the self-rating buttons.
    A thread reply has no interaction to answer on, so it goes as a private note through the
    outbox (Slack: an ephemeral in the thread; Discord: a DM); a command or form answer gets it
    as a private reply, after the reply that confirms the answer."""
    want_nudges = enabled(ctx.config, "nudges") and await ctx.store.nudges_on(ctx.tenant, answer.user_id)
    want_self = enabled(ctx.config, "self_rating")
    if not (want_nudges or want_self):
        return
    lines: list[str] = []
    fields: list[Field] = []
    if want_nudges:
        found = nudges.analyse(answer.text, (await ctx.library()).question(answer.question_id))
        lines += [f"- {line}" for line in nudges.advice_lines(found)]
        if found.signals:
            checklist = "\n".join(f"☐ {user_text(s, 200)}" for s in found.signals)
            fields.append(Field("What this question looks for (check your answer)", checklist))
    buttons: tuple[Any, ...] = ()
    if want_self:
        lines.append("Before anyone rates it: how would **you** rate this answer, 1 (weak) to 5 (excellent)?")
        buttons = self_assessment.prompt_buttons(answer.id)
    footer = "Advice, never a score. Only you see this." + (
        " No nudges: /mock privacy nudges off" if want_nudges else ""
    )
    message = Message(
        title="On your answer", text="\n".join(lines), fields=tuple(fields), buttons=buttons, footer=footer
    )
    event = ctx.event
    if isinstance(event, MessagePosted):
        ctx.effects.append(
            Notify(answer.user_id, ctx.channel_id, message, Visibility.EPHEMERAL, thread_id=event.thread_id)
        )
    else:
        ctx.replies.append(message)


async def self_rate(ctx: Context, value: str) -> None:
    parsed = self_assessment.parse_value(value)
    if parsed is None:
        raise UsageError("That self-rating button is not valid.")
    answer_id, score = parsed
    answer = await ctx.store.get_answer(answer_id)
    if answer is None or answer.tenant != ctx.tenant or answer.withdrawn:
        raise NotFound("That answer is no longer here.")
    if answer.user_id != ctx.actor.user_id:
        raise UsageError("Only the author rates their own answer.")
    if not enabled(ctx.config, "self_rating"):
        raise UsageError("Self-rating is turned off in this community.")
    if await ctx.store.peer_ratings_of(answer.id, answer.user_id):
        # "Self-assessment first": once a peer's rating exists, a self-rating may lean on it.
        raise UsageError("Peers have already rated that answer, so a self-rating now would not be your own view.")
    await ctx.store.save_self_rating(ctx.tenant, answer.id, answer.user_id, answer.category, score, ctx.now)
    ctx.reply(f"You rated your answer {score}/5. `/mock me` compares your ratings with your peers'.")


# --- /mock me ------------------------------------------------------------------------------------


async def me_extras(ctx: Context, summary: WeakAreaSummary) -> None:
    """After the weak-area text (the last reply): the self-versus-peer gaps, and the chart,
    drawn after the event's transaction has committed so the store is not held meanwhile."""
    library = await ctx.library()
    weak_index = len(ctx.replies) - 1
    gaps = self_assessment.render_gaps(
        self_assessment.gaps(await calibrated.self_rated(ctx, ctx.actor.user_id)),
        lambda category: category_label(category, library),
    )
    if gaps is not None:
        ctx.replies.append(gaps)
    if not summary.ready or ctx.renderer is None or weak_index < 0:
        return  # too little data: the text alone

    def label(area: AreaStats) -> str:
        return area_label(area, library)

    chart = chart_of(summary, label, await calibrated.community_means(ctx), user_text(ctx.actor.name, 40))
    attach_later(ctx, weak_index, chart, CHART_FILENAME, lead=weakest_sentence(chart), failed=CHART_FAILED)


# --- settings ------------------------------------------------------------------------------------


async def command(ctx: Context, name: str, args: Mapping[str, Any]) -> None:
    on = args["state"] == "on"
    if name == "privacy nudges":
        await ctx.store.set_nudges(ctx.tenant, ctx.actor.user_id, on)
        ctx.reply("You will get private nudges on your answers." if on else "No more nudges on your answers.")
        return
    ctx.require_organiser("change settings")
    settings = dict(ctx.config)
    settings[SETTINGS[name]] = on
    await ctx.store.save_config(ctx.tenant, settings)
    what = "Private nudges on answers" if name == "config nudges" else "Self-rating before peers' ratings"
    ctx.reply(f"{what}: {'on' if on else 'off'} in this community.")
