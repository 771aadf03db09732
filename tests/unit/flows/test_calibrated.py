"""Rater calibration through the dispatcher: calibrated weak areas and board, /mock raters,
/mock me progress, /mock report and the privacy export, after real rounds of answers."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from bot.chart_thread import render_chart
from bot.core import calibrated as core_calibrated
from bot.core import scoring
from bot.core.analytics import summarise
from bot.core.calibration import SAME_SCORE
from bot.core.flows import coaching as coaching_flow
from bot.core.flows.context import Reply
from bot.core.messages import Message
from bot.core.progress import PROGRESS_FILENAME
from bot.storage.coaching_store import CoachingMethods
from bot.storage.repositories import StoreMethods
from tests.fakes.harness import Harness, text_of

ANSWER = "At my last job the deadline moved. I organised the team and we cut costs by 20%."
AUTHORS = [f"a{i}" for i in range(12)]
TODAY = date(2030, 1, 1)  # any day: the means are over all days


def messages(replies: list[Reply]) -> list[Message]:
    return [getattr(r, "message", r) for r in replies if isinstance(getattr(r, "message", r), Message)]


async def question(h: Harness, channel: str) -> str:
    await h.command("coach", "qotd post behavioural", channel=channel)
    return [p for p in h.outbox.titled("Question of the day") if p.channel_id == channel][-1].message_id


async def community(h: Harness) -> None:
    """Twelve answers worth 2, 3, 4, 2, 3, 4, …: `kind` rates each one higher, `fair` one lower
    and `flat` 3 whatever it is (so kind is +1, fair −1 and flat 0, each with 12 shared
    ratings), then three of Dee's answers that only `kind` rates, 5 each."""
    thread = await question(h, "c1")
    for i, author in enumerate(AUTHORS):
        answer = await h.reply(author, thread, ANSWER, channel="c1")
        worth = 2 + i % 3
        for rater, score in (("kind", worth + 1), ("fair", worth - 1), ("flat", 3)):
            await h.react(rater, answer, score)
    for channel in ("c2", "c3", "c4"):
        thread = await question(h, channel)
        answer = await h.reply("dee", thread, ANSWER, channel=channel)
        await h.react("kind", answer, 5, channel=channel)


async def test_weak_areas_count_each_rating_minus_its_raters_leniency(h: Harness) -> None:
    await community(h)
    me = text_of(await h.command("dee", "me"))
    assert "Behavioural (category): 3 ratings, mean 5.00, calibrated 4.00" in me  # 5 − kind's +1, three times
    raw = await h.store.skills(h.tenant, "dee")
    assert sum(r.total for r in raw if r.area == "category:behavioural") == 15  # the tallies as given


async def test_raters_is_for_organisers_and_lists_who_gives_one_score(h: Harness) -> None:
    await community(h)
    assert "Only organisers" in text_of(await h.command("dee", "raters"))
    [reply] = messages(await h.command("coach", "raters"))
    assert reply.title == "Rater calibration"
    assert "- **Flat** gives every answer the same score (12 ratings, 12 shared; leniency +0.00)\n" in reply.text
    assert reply.text.count("- **") == 1  # kind and fair are lenient and harsh, but consistent: calibrated
    assert "**Kind** +1.00" in reply.text and "**Fair** -1.00" in reply.text
    assert "Only organisers see this" in (reply.footer or "")


async def test_the_calibrated_board_beside_the_stored_one(h: Harness) -> None:
    await community(h)
    stored = text_of(await h.command("dee", "leaderboard all community"))
    calibrated = text_of(await h.command("dee", "leaderboard all community calibrated"))
    prior = await h.store.prior_mean(h.tenant)
    as_given = scoring.points(scoring.Tally(answers=3, received_sum=15, received_n=3), prior)
    fair = scoring.points(scoring.Tally(answers=3, received_sum=12, received_n=3), prior)
    assert f"**Dee**: {as_given:.1f} pts" in stored
    assert f"**Dee**: {fair:.1f} pts" in calibrated and "calibrated" in calibrated
    assert fair < as_given


async def test_report_adds_weak_areas_participation_and_raters(h: Harness) -> None:
    h.dispatcher.renderer = render_chart
    await community(h)
    replies = messages(await h.command("coach", "report"))
    files = {m.attachment.filename: m.attachment for m in replies if m.attachment is not None}
    assert set(files) == {
        "mockpanel-report.csv", "mockpanel-report-weak-areas.csv", "mockpanel-report-participation.csv",
        "mockpanel-report-raters.csv", "mockpanel-report.png",
    }  # fmt: skip
    raters = files["mockpanel-report-raters.csv"].content
    assert isinstance(raters, str)
    assert "flat,Flat,12,12,0.0," in raters and SAME_SCORE in raters and "kind,Kind,15,12,1.0," in raters
    areas = files["mockpanel-report-weak-areas.csv"].content
    assert isinstance(areas, str) and "category:behavioural,Behavioural,13,13" in areas
    weeks = files["mockpanel-report-participation.csv"].content
    assert isinstance(weeks, str) and weeks.splitlines()[1].endswith(",16,15,39")  # members, answers, ratings
    assert files["mockpanel-report.png"].data.startswith(b"\x89PNG")
    assert "Only organisers" in text_of(await h.command("dee", "report"))


async def test_privacy_export_keeps_the_numbers_as_given_and_adds_calibration(h: Harness) -> None:
    await community(h)
    [dee] = [m for m in messages(await h.command("dee", "privacy export")) if m.attachment]
    assert dee.attachment is not None
    data = json.loads(dee.attachment.data)
    assert [r["score"] for r in data["ratings_received"]] == [5, 5, 5]
    assert data["calibrated_areas"] == [{"area": "category:behavioural", "ratings": 3, "calibrated_mean": 4.0}]
    assert "rater_id" not in json.dumps(data["ratings_received"])  # not who gave them
    [kind] = [m for m in messages(await h.command("kind", "privacy export")) if m.attachment]
    assert kind.attachment is not None
    assert json.loads(kind.attachment.data)["rater_calibration"] == {"leniency": 1.0, "shared_ratings": 12, "flags": []}


async def test_me_progress_is_text_until_two_weeks_then_a_chart(h: Harness) -> None:
    h.dispatcher.renderer = render_chart
    await community(h)
    [first] = messages(await h.command("dee", "me progress"))
    assert first.attachment is None and "A chart comes with 2 weeks" in (first.footer or "")
    assert "**Behavioural** (3 answers): 4.0 over 1 week with ratings (3 ratings)" in first.text
    assert "Question-of-the-day streak: 0 days" in first.text
    await h.advance(days=8)
    thread = await question(h, "c5")
    answer = await h.reply("dee", thread, ANSWER, channel="c5")
    await h.react("fair", answer, 2, channel="c5")  # fair is −1: counts as 3
    [second] = messages(await h.command("dee", "me progress"))
    assert "**Behavioural** (4 answers): 4.0 → 3.0 over 2 weeks with ratings (4 ratings)" in second.text
    assert second.attachment is not None and second.attachment.filename == PROGRESS_FILENAME
    assert second.attachment.data.startswith(b"\x89PNG")


async def test_the_self_rating_gap_is_against_the_calibrated_peer_mean(h: Harness) -> None:
    await community(h)
    thread = await question(h, "c6")
    answer = await h.reply("dee", thread, ANSWER, channel="c6")
    note = [n for n in h.outbox.notes if n.user_id == "dee" and n.message.buttons][-1]
    five = note.message.buttons[4]
    await h.press("dee", five.action, five.value)
    await h.react("kind", answer, 5, channel="c6")  # as given: no gap; kind is +1, so 4
    assert "You rate yourself 1.0 higher than your peers in Behavioural (1 answer)" in text_of(
        await h.command("dee", "me")
    )


async def test_the_leaderboard_help_explains_the_calibrated_view(h: Harness) -> None:
    text = text_of(await h.command("dee", "help leaderboard"))
    assert "[calibrated]" in text and "score − its rater's leniency" in text
    assert "raters" in text_of(await h.command("dee", "help raters"))


@pytest.fixture
def store_reads(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str | None]]:
    """The reads of ratings received, as (method, user or None for the whole community)."""
    seen: list[tuple[str, str | None]] = []

    def counted(name: str, cls: type, whose: Callable[..., str | None]) -> None:
        original = getattr(cls, name)

        async def wrapper(self: object, *args: Any) -> Any:
            seen.append((name, whose(*args)))
            return await original(self, *args)

        monkeypatch.setattr(cls, name, wrapper)

    counted("received", CoachingMethods, lambda tenant, user_id=None: user_id)
    counted("received_per_area", CoachingMethods, lambda tenant: None)
    counted("skills", StoreMethods, lambda tenant, user_id: user_id)
    return seen


async def test_me_reads_the_members_ratings_once_and_the_communitys_per_area(
    h: Harness, store_reads: list[tuple[str, str | None]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """/mock me's weak areas (calibrated), the as-given means beside them and the chart's
    community means come from two reads: the member's ratings once, the community's summed
    per area and rater in the store, not every author's and day's rows."""
    h.dispatcher.renderer = render_chart
    await community(h)
    charted: list[dict[str, float]] = []
    original = coaching_flow.chart_of

    def chart_of(summary: Any, label: Any, means: dict[str, float], name: str) -> Any:
        charted.append(means)
        return original(summary, label, means, name)

    monkeypatch.setattr(coaching_flow, "chart_of", chart_of)
    store_reads.clear()
    me = text_of(await h.command("dee", "me"))
    assert "Behavioural (category): 3 ratings, mean 5.00, calibrated 4.00" in me
    assert store_reads == [("received", "dee"), ("received_per_area", None)]
    # The means are those of every author's and day's rows.
    found = await h.dispatcher.calibrations.current(h.store, h.tenant)
    [means] = charted
    expected = core_calibrated.community_means(await h.store.received(h.tenant), found)
    assert means == pytest.approx(expected) and set(means) == set(expected) == {"category:behavioural"}


async def test_the_as_given_means_beside_the_weak_areas_are_the_stored_skills(h: Harness) -> None:
    await community(h)
    thread = await question(h, "c5")
    answer = await h.reply("dee", thread, ANSWER, channel="c5")
    await h.react("fair", answer, 2, channel="c5")
    from_ratings = summarise(core_calibrated.as_given_skills(await h.store.received(h.tenant, "dee")), TODAY)
    stored = summarise(await h.store.skills(h.tenant, "dee"), TODAY)
    assert [(a.area, a.n, a.mean) for a in from_ratings.areas] == [(a.area, a.n, a.mean) for a in stored.areas]
    assert "Behavioural (category): 4 ratings, mean 4.25, calibrated 3.75" in text_of(await h.command("dee", "me"))
