"""Neutral messages for boards and summaries (pure: data in, Message out)."""

from __future__ import annotations

from collections.abc import Mapping

from bot.core.analytics import MIN_RATINGS, AreaStats, WeakAreaSummary
from bot.core.banks import DIMENSIONS, Library, Question
from bot.core.messages import Field, Message
from bot.core.ports import BoardRow
from bot.core.text import user_text

PERIOD_TITLES = {"week": "this week", "month": "this month", "all": "all time"}


def render_leaderboard(rows: list[BoardRow], period: str, scope_label: str) -> Message:
    title = f"Leaderboard · {scope_label} · {PERIOD_TITLES[period]}"
    if not rows:
        return Message(title=title, text="No points yet. Answer a question to get on the board!")
    lines = [
        f"{i}. **{user_text(r.display_name, 80)}**: {r.score:.1f} pts"
        f" ({r.answers} answer{'s' if r.answers != 1 else ''}, {r.received_n} rating{'s' if r.received_n != 1 else ''} received)"
        for i, r in enumerate(rows, 1)
    ]
    return Message(title=title, text="\n".join(lines), footer="How points work: /mock help leaderboard")


def category_label(category: str, library: Library) -> str:
    """A category's name in the bank; an id the bank does not know (any more), as words."""
    known = library.categories.get(category)
    return known.name if known else _words(category)


def area_label(area: AreaStats, library: Library) -> str:
    if area.kind == "category" and area.name in library.categories:
        return category_label(area.name, library)
    if area.name in DIMENSIONS:  # one id, one name in every bank (the loader checks it)
        return DIMENSIONS[area.name][0]
    return _words(area.name)


def _words(name: str) -> str:
    return name.replace("_", " ")


def area_tips(area: AreaStats, library: Library) -> list[str]:
    if area.kind == "category":
        category = library.categories.get(area.name)
        return list(category.tips[:2]) if category else []
    # A dimension's scores add up across categories. A category's level text describes a 5 in
    # that category's terms ("STAR" for a story), so it is shown only when one category alone
    # uses the dimension; otherwise the shared meaning is.
    users = [dim for category in library.categories.values() for dim in category.rubric if dim.id == area.name]
    if len(users) == 1:
        return [f"What a 5 looks like: {users[0].levels[5]}"]
    if area.name in DIMENSIONS:
        name, meaning = DIMENSIONS[area.name]
        return [f"{name} means {meaning}."]
    return []


def render_weak_areas(
    summary: WeakAreaSummary,
    library: Library,
    suggestion: Question | None,
    as_rated: Mapping[str, float] | None = None,
) -> Message:
    """`summary` on calibrated ratings; `as_rated`: each area's mean of the ratings as given,
    shown beside the calibrated one where calibration moved it."""
    if not summary.ready:
        return Message(
            title="Weak areas",
            text=f"Not enough ratings yet ({summary.total_ratings} of {MIN_RATINGS}). Answer a few more questions.",
        )
    lines = []
    for area in summary.areas:
        trend = "" if area.trend is None else f", trend {area.trend:+.2f}"
        given = (as_rated or {}).get(area.area, area.mean)
        mean = f"mean {area.mean:.2f}"
        if f"{given:.2f}" != f"{area.mean:.2f}":
            mean = f"mean {given:.2f}, calibrated {area.mean:.2f}"
        lines.append(
            f"- {area_label(area, library)} ({area.kind}): {area.n} rating{'s' if area.n != 1 else ''}, "
            f"{mean}, adjusted {area.shrunk:.2f}{trend}"
        )
    fields = []
    for area in summary.weakest:
        tips = area_tips(area, library)
        fields.append(Field(f"Practise: {area_label(area, library)}", "\n".join(f"- {t}" for t in tips) or "-"))
    if suggestion is not None:
        fields.append(Field("Suggested next question", f"{suggestion.text} (id {suggestion.id})"))
    return Message(title="Weak areas", text="\n".join(lines), fields=tuple(fields))


def render_me(
    name: str,
    week: tuple[BoardRow, int] | None,
    total: tuple[BoardRow, int] | None,
    streak: int,
    hidden: bool,
) -> Message:
    def line(label: str, row: tuple[BoardRow, int] | None) -> str:
        if row is None:
            return f"{label}: no points yet"
        board, rank = row
        return f"{label}: {board.score:.1f} pts, rank {rank}"

    text = "\n".join(
        [
            line("This week", week),
            line("All time", total),
            f"Best question-of-the-day streak: {streak}",
        ]
        + (["You are hidden from public boards (/mock privacy optin to show)."] if hidden else [])
    )
    return Message(title=f"Your progress, {user_text(name, 80)}", text=text)
