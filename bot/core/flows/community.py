"""Commands about the community and the person: boards, progress, practice, settings,
privacy and reports."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, time
from typing import Any

from bot.core import commands, scoring
from bot.core.analytics import WeakAreaSummary, summarise
from bot.core.banks import Question
from bot.core.calibrated import Received, as_given_skills
from bot.core.community_report import csv_text
from bot.core.errors import NotFound, UsageError
from bot.core.flows import calibrated, coaching
from bot.core.flows.context import Context, Public
from bot.core.messages import Attachment, Button, Message
from bot.core.rounds import practice
from bot.core.rounds.ratings import validate_emoji_set
from bot.core.text import user_text
from bot.core.views import render_leaderboard, render_me, render_weak_areas

SCORING_HELP = (
    "Points: 10 per answer; 2 × n × (r̃ − 1) for the n ratings your answers received, where r̃ is "
    "your mean rating shrunk toward the community mean (r̃ = (sum + 5·mean) / (n + 5)), so one lucky "
    "5 doesn't top the board; 1 per rating you give (at most 10 a day); and a question-of-the-day "
    "streak bonus of 2 per consecutive scheduled day (up to 10). `calibrated` orders the board by the "
    "same points with each rating counted as score − its rater's leniency (README: Rater calibration)."
)


async def show_help(ctx: Context, topic: str) -> None:
    text = commands.help_text(topic)
    if topic.strip().lower().startswith("leaderboard"):
        text += "\n" + SCORING_HELP
    ctx.reply(text, title="mockpanel commands" if not topic else None)


async def leaderboard(ctx: Context, period: str, scope: str, calibrated_view: bool = False) -> None:
    if calibrated_view:
        await calibrated.leaderboard(ctx, period, scope)
        return
    scope_key = scoring.COMMUNITY_SCOPE if scope == "community" else scoring.scopes(ctx.channel_id)[0]
    rows = await ctx.store.leaderboard(ctx.tenant, scope_key, scoring.period_key(period, ctx.now))
    label = "community" if scope == "community" else "this channel"
    ctx.replies.append(Public(render_leaderboard(rows, period, label)))


async def weak_areas(
    ctx: Context, user_id: str, received: Sequence[Received] | None = None
) -> tuple[WeakAreaSummary, Question | None]:
    """On calibrated ratings: each counts as score − its rater's leniency. `received`: the
    member's ratings received, if the caller has read them already."""
    summary = summarise(await calibrated.skills(ctx, user_id, received=received), ctx.now.date())
    suggestion = None
    if summary.ready:
        answered = await ctx.store.answered_questions(ctx.tenant, user_id)
        try:
            suggestion = practice.choose_practice(
                await ctx.library(),
                practice.weakest_category(summary),
                answered,
                await ctx.disabled(),
            )
        except NotFound:
            suggestion = None
    return summary, suggestion


async def me(ctx: Context, view: str | None = None) -> None:
    if view == "progress":
        await calibrated.me_progress(ctx)
        return
    user = ctx.actor.user_id
    week = await ctx.store.board_row(ctx.tenant, scoring.COMMUNITY_SCOPE, scoring.period_key("week", ctx.now), user)
    total = await ctx.store.board_row(ctx.tenant, scoring.COMMUNITY_SCOPE, "all", user)
    streak = await ctx.store.best_streak(ctx.tenant, user)
    hidden = await ctx.store.is_opted_out(ctx.tenant, user)
    ctx.replies.append(render_me(ctx.actor.name, week, total, streak, hidden))
    received = await ctx.store.received(ctx.tenant, user)  # once: calibrated, and as given beside
    summary, suggestion = await weak_areas(ctx, user, received)
    as_rated = {a.area: a.mean for a in summarise(as_given_skills(received), ctx.now.date()).areas}
    ctx.replies.append(render_weak_areas(summary, await ctx.library(), suggestion, as_rated))
    await coaching.me_extras(ctx, summary)


async def start_practice(ctx: Context, category: str | None) -> None:
    library = await ctx.library()
    library.require_category(category)
    weakest = None
    if category is None:  # the weakest area is asked for only when no category is
        summary, _ = await weak_areas(ctx, ctx.actor.user_id)
        weakest = practice.weakest_category(summary)
    chosen = category or weakest
    answered = await ctx.store.answered_questions(ctx.tenant, ctx.actor.user_id)
    question = practice.choose_practice(library, chosen, answered, await ctx.disabled())
    because = (
        f"You asked for {category}." if category
        else f"From your weakest area so far: {library.categories[weakest].name}." if weakest
        else "Rate and get rated a few times and practice will target your weakest area."
    )  # fmt: skip
    round_id = await ctx.store.create_round(
        ctx.tenant, ctx.channel_id, "practice", {"question_id": question.id}, ctx.now
    )
    await ctx.store.set_practice(ctx.tenant, ctx.actor.user_id, question.id, round_id)
    message = practice.practice_message(question, because)
    ctx.replies.append(
        Message(
            text=message.text,
            title=message.title,
            footer=message.footer,
            buttons=(Button("Answer", "answer", "practice", primary=True),),
        )
    )


# --- settings ----------------------------------------------------------------------------------


async def config(ctx: Context, name: str, args: Mapping[str, Any]) -> None:
    settings = dict(ctx.config)
    if name == "config show":
        roles = ", ".join(settings.get("organiser_roles", [])) or "none"
        people = ", ".join(f"<@{u}>" for u in settings.get("organisers", [])) or "none"
        emoji = " ".join(settings.get("rating_emoji", [])) or "1️⃣ 2️⃣ 3️⃣ 4️⃣ 5️⃣ (default)"
        schedule = await ctx.store.get_schedule(ctx.tenant, ctx.channel_id)
        qotd = schedule.describe(ctx.now.date()) if schedule else "not scheduled in this channel"
        locale = settings.get("locale", "en-GB")
        ctx.reply(f"Organiser roles: {roles}\nOrganisers: {people}\nRating emoji: {emoji}\nQuestion of the day: {qotd}"
                  f"\nLocale: {locale}\n{coaching.describe(settings)}", title="Settings")  # fmt: skip
        return
    ctx.require_organiser("change settings")
    if name == "config organiser-role":
        role = args["role"]
        settings["organiser_roles"] = sorted({*settings.get("organiser_roles", []), role})
        ctx.reply(f"Members with the role `{user_text(role, 80)}` can now run organiser commands.")
    elif name == "config organisers":
        settings["organisers"] = list(dict.fromkeys(args["users"]))
        ctx.reply(f"Organisers set: {', '.join(settings['organisers'])}.")
    elif name == "config locale":
        settings["locale"] = args["locale"]
        terms = "résumé, new-grad program, behavior" if args["locale"] == "en-US" else "CV, graduate scheme, behaviour"
        ctx.reply(f"Questions here now use {args['locale']} spelling and terms ({terms}).")
    elif name == "config rating-emoji":
        settings["rating_emoji"] = list(validate_emoji_set(args["emoji"]))
        ctx.reply(f"Rating emoji, lowest first: {' '.join(settings['rating_emoji'])}.")
    await ctx.store.save_config(ctx.tenant, settings)


# --- privacy and reports -----------------------------------------------------------------------


async def privacy(ctx: Context, name: str) -> None:
    user = ctx.actor.user_id
    if name in ("privacy optout", "privacy optin"):
        await ctx.store.set_opt_out(ctx.tenant, user, name == "privacy optout")
        ctx.reply(
            "You are hidden from public boards." if name == "privacy optout" else "You are on public boards again."
        )
    elif name == "privacy export":
        exported = await calibrated.export_extras(ctx, await ctx.store.export_user(ctx.tenant, user))
        data = json.dumps(exported, indent=2, ensure_ascii=False)
        ctx.reply("Your data in this community.", attachment=Attachment("mockpanel-my-data.json", data))
    elif name == "privacy delete":
        ctx.reply(
            "This deletes your answers, the ratings you gave, your points and streaks in this community. "
            "It can't be undone.",
            buttons=(Button("Delete my data", "confirm-delete", user),),
        )


async def confirm_delete(ctx: Context, value: str) -> None:
    if value != ctx.actor.user_id:
        raise UsageError("That button is for someone else.")
    await ctx.store.delete_user(ctx.tenant, ctx.actor.user_id, ctx.now)
    ctx.reply("Your data in this community is deleted.")


async def report(ctx: Context, since: Any) -> None:
    ctx.require_organiser("download reports")
    start = datetime.combine(since, time(), tzinfo=UTC) if since else None
    rows = await ctx.store.activity(ctx.tenant, start)
    columns = ["user_id", "name", "answers", "ratings_received", "mean_rating", "first_answer", "last_answer"]
    ctx.reply(
        f"Activity report: {len(rows)} people.",
        attachment=Attachment("mockpanel-report.csv", csv_text(columns, rows)),
    )
    await calibrated.report_extras(ctx, start)
