"""The commands around rater calibration: calibrated weak areas and board order, `/mock me
progress`, `/mock raters` (organisers), and what `/mock report` and `/mock privacy export`
add. The numbers are computed at read time (bot.core.calibrated says why), from the
community's calibration kept between events (bot.core.calibration_cache)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from bot.core import calibrated, community_report, progress, scoring
from bot.core.analytics import DailySkill, summarise
from bot.core.calibrated import Received
from bot.core.calibration import DISAGREES, SAME_SCORE, Calibration
from bot.core.calibration_cache import CalibrationCache, compute
from bot.core.commands import ParsedCommand
from bot.core.flows.context import Context, Public
from bot.core.flows.pictures import attach_later
from bot.core.messages import Attachment, Message
from bot.core.ports import Store
from bot.core.self_assessment import SelfRated
from bot.core.text import user_text
from bot.core.views import area_label, category_label, render_leaderboard


def needs_calibration(command: ParsedCommand | None) -> bool:
    """Whether the event's command reads the calibration (its spec says: `reads_calibration`)."""
    return command is not None and command.reads_calibration


async def prepare(cache: CalibrationCache, store: Store, tenant: str, command: ParsedCommand | None) -> None:
    """Before the event's transaction, outside it: bring the community's calibration up to date
    in the cache if the event's command will read it (bot.core.calibration_cache says why)."""
    if needs_calibration(command):
        await cache.current(store, tenant)


async def calibration(ctx: Context) -> Calibration:
    """The community's rater calibration: the dispatcher's cache (every calibrated read shares
    it), once per event; without one (a flow run on its own), computed here."""
    if ctx.calibration is None:
        if ctx.calibrations is not None:
            ctx.calibration = await ctx.calibrations.within(ctx.store, ctx.tenant)
        else:
            ctx.calibration = (await compute(ctx.store, ctx.tenant, 0, ctx.now)).calibration
    return ctx.calibration


async def community_means(ctx: Context) -> dict[str, float]:
    """Per weak area, the community's calibrated mean (the chart's reference line)."""
    return calibrated.community_means(await ctx.store.received_per_area(ctx.tenant), await calibration(ctx))


async def skills(
    ctx: Context, user_id: str, found: Calibration | None = None, received: Sequence[Received] | None = None
) -> list[DailySkill]:
    """A member's daily weak-area rows with each rating as score − leniency; `received`: the
    member's ratings received, if the caller has read them already."""
    found = found if found is not None else await calibration(ctx)
    rows = received if received is not None else await ctx.store.received(ctx.tenant, user_id)
    return calibrated.calibrated_skills(rows, found)


async def self_rated(ctx: Context, user_id: str) -> list[SelfRated]:
    """The member's self-ratings against their peers' calibrated ratings of the same answers."""
    rows = await ctx.store.self_rated_peers(ctx.tenant, user_id)
    return calibrated.calibrated_self_rated(rows, await calibration(ctx))


# --- /mock me progress -------------------------------------------------------------------------


async def me_progress(ctx: Context) -> None:
    user = ctx.actor.user_id
    library = await ctx.library()
    answers = await ctx.store.answers_per_category(ctx.tenant, user)
    rows = await skills(ctx, user)
    names = {c: category_label(c, library) for c in {*answers, *(r.area.split(":", 1)[1] for r in rows)}}
    chart = progress.progress(
        rows, answers, names, ctx.now.date(), await ctx.store.best_streak(ctx.tenant, user),
        user_text(ctx.actor.name, 40),
    )  # fmt: skip
    ctx.replies.append(progress.render_progress(chart))
    if chart.ready:
        attach_later(ctx, len(ctx.replies) - 1, chart, progress.PROGRESS_FILENAME)


# --- /mock leaderboard … calibrated -------------------------------------------------------------


async def leaderboard(ctx: Context, period: str, scope: str) -> None:
    scope_key = scoring.COMMUNITY_SCOPE if scope == "community" else scoring.scopes(ctx.channel_id)[0]
    rows = await ctx.store.leaderboard(
        ctx.tenant, scope_key, scoring.period_key(period, ctx.now), limit=None
    )  # all: re-ordered
    start, end = calibrated.period_bounds(period, ctx.now)
    channel = None if scope == "community" else ctx.channel_id
    received = await ctx.store.board_received(ctx.tenant, channel, start, end)
    board = calibrated.calibrated_board(rows, received, await calibration(ctx), await ctx.store.prior_mean(ctx.tenant))
    message = render_leaderboard(calibrated.as_board_rows(board), period, "community" if channel is None
                                 else "this channel")  # fmt: skip
    ctx.replies.append(Public(replace(
        message,
        title=f"{message.title} · calibrated",
        footer="Each rating counted as score − the rater's leniency. How: /mock help leaderboard",
    )))  # fmt: skip


# --- /mock raters --------------------------------------------------------------------------------

REASONS = {
    SAME_SCORE: "gives every answer the same score",
    DISAGREES: "disagrees with the other raters far beyond chance",
}


async def raters(ctx: Context) -> None:
    ctx.require_organiser("see rater calibration")
    ctx.replies.append(await raters_message(ctx, await calibration(ctx)))


async def raters_message(ctx: Context, found: Calibration) -> Message:
    flagged = found.flagged()
    names = await ctx.store.display_names(ctx.tenant, list(found.raters))

    def who(rater_id: str) -> str:
        return f"**{user_text(names.get(rater_id, rater_id), 60)}**"

    lines = [
        f"- {who(r.rater_id)} {' and '.join(REASONS[f] for f in r.flags)} "
        f"({r.ratings} ratings, {r.shared} shared; leniency {r.leniency:+.2f})"
        for r in flagged
    ] or ["No rater stands out: nobody gives everyone the same score or disagrees far beyond chance."]
    measured = sorted((r for r in found.raters.values() if r.shared), key=lambda r: r.leniency)
    if measured:
        extremes = dict.fromkeys([*measured[:3], *measured[-3:]])
        lines.append("Leniency (added to each of their ratings, then taken off): " + ", ".join(
            f"{who(r.rater_id)} {r.leniency:+.2f}" for r in extremes))  # fmt: skip
    return Message(
        title="Rater calibration",
        text="\n".join(lines),
        footer='Only organisers see this. The formula: README, "Rater calibration". Full table: /mock report',
    )


# --- /mock report and /mock privacy export --------------------------------------------------------


async def report_extras(ctx: Context, since: datetime | None) -> None:
    """After the activity CSV: weak areas across members, participation per week, rater
    calibration; each a CSV, and all three as one PNG."""
    found = await calibration(ctx)
    library = await ctx.library()
    per_author = calibrated.by_author(await ctx.store.received(ctx.tenant))
    today = ctx.now.date()
    summaries = [summarise(calibrated.calibrated_skills(rows, found), today) for rows in per_author.values()]
    labels: dict[str, str] = {}
    for summary in summaries:
        for area in summary.areas:
            labels[area.area] = area_label(area, library)
    areas = community_report.weak_distribution(summaries, lambda a: labels.get(a, a))
    weeks = community_report.weekly(await ctx.store.participation(ctx.tenant, since))
    names = await ctx.store.display_names(ctx.tenant, list(found.raters))
    ready = sum(1 for s in summaries if s.ready)
    ctx.reply(f"Weak areas across {ready} members with enough ratings (calibrated).",
              attachment=Attachment("mockpanel-report-weak-areas.csv", community_report.areas_csv(areas)))  # fmt: skip
    ctx.reply(f"Participation: {len(weeks)} weeks.",
              attachment=Attachment("mockpanel-report-participation.csv", community_report.weeks_csv(weeks)))  # fmt: skip
    raters_text = await raters_message(ctx, found)
    ctx.replies.append(replace(raters_text, attachment=Attachment(
        "mockpanel-report-raters.csv", community_report.raters_csv(found.raters.values(), names))))  # fmt: skip
    chart = community_report.report_chart(areas, weeks, found, {k: user_text(v, 40) for k, v in names.items()})
    ctx.reply("The same as charts, for slides.")
    attach_later(ctx, len(ctx.replies) - 1, chart, community_report.REPORT_CHART_FILENAME)


async def export_extras(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """The export keeps every number as given (ratings, boards); calibration is added beside."""
    user = ctx.actor.user_id
    found = await calibration(ctx)
    mine = found.raters.get(user)
    if mine is not None:
        data["rater_calibration"] = {
            "leniency": round(mine.leniency, 4), "shared_ratings": mine.shared, "flags": list(mine.flags),
        }  # fmt: skip
    if data.get("ratings_received"):
        data["calibrated_areas"] = [
            {"area": a.area, "ratings": a.n, "calibrated_mean": round(a.mean, 4)}
            for a in summarise(await skills(ctx, user, found), ctx.now.date()).areas
        ]
    return data
