"""The calibrated views, /mock me progress and the community report as pure functions, and
their charts as PNGs."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from bot.charts import SIZE, render, render_progress, render_report
from bot.core import community_report as report
from bot.core.analytics import DailySkill, summarise
from bot.core.calibrated import Received, calibrated_board, calibrated_skills, community_means, period_bounds
from bot.core.calibration import Calibration, Rated, RaterCalibration, calibrate
from bot.core.ports import BoardRow
from bot.core.progress import PROGRESS_WEEKS, progress
from bot.core.progress import render_progress as progress_text
from bot.core.scoring import week_start as week_of

TODAY = date(2026, 3, 18)  # a Wednesday


def lenient(**values: float) -> Calibration:
    return Calibration({r: RaterCalibration(r, 10, v, v, 0.5, 0.5, 10) for r, v in values.items()})


def test_calibrated_skills_take_each_raters_leniency_off_their_ratings() -> None:
    day = date(2026, 3, 2)
    rows = [Received("dee", "category:case", day, "kind", 2, 10), Received("dee", "category:case", day, "fair", 1, 2)]
    [skill] = calibrated_skills(rows, lenient(kind=1.0, fair=-1.0))
    assert skill == DailySkill("category:case", day, 3, 10 - 2 * 1.0 + 2 + 1.0)
    assert community_means(rows, lenient(kind=1.0, fair=-1.0)) == {"category:case": pytest.approx(11 / 3)}
    assert calibrated_skills(rows, Calibration({}))[0].total == 12  # nobody measured: as given


@pytest.mark.parametrize(
    ("period", "now", "bounds"),
    [
        ("week", datetime(2026, 3, 18, 15, tzinfo=UTC), (datetime(2026, 3, 16, tzinfo=UTC), datetime(2026, 3, 23, tzinfo=UTC))),
        ("month", datetime(2026, 12, 31, 23, tzinfo=UTC), (datetime(2026, 12, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))),
        ("all", datetime(2026, 3, 18, tzinfo=UTC), (None, None)),
    ],
)  # fmt: skip
def test_period_bounds_match_the_board_periods(period: str, now: datetime, bounds: tuple[object, object]) -> None:
    assert period_bounds(period, now) == bounds


def test_the_calibrated_board_reorders_by_the_calibrated_sum() -> None:
    lucky = BoardRow("lucky", "Lucky", 40.0, 1, 4, 20, 0, 0)  # four 5s, all from a +1.5 rater
    steady = BoardRow("steady", "Steady", 39.0, 1, 4, 18, 0, 0)
    board = calibrated_board([lucky, steady], [("lucky", "kind", 4), ("steady", "fair", 4)],
                             lenient(kind=1.5, fair=0.0), 3.0)  # fmt: skip
    assert [c.row.user_id for c in board] == ["steady", "lucky"]
    assert board[1].received_calibrated == 14.0


SCORE = st.integers(1, 5)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(SCORE, SCORE, SCORE), min_size=10, max_size=14), st.integers(0, 2), st.integers(-2, 2))
def test_a_shifted_rater_moves_everyones_weak_area_means_alike(
    answers: list[tuple[int, int, int]], shifted: int, by: int
) -> None:
    """Through the whole path (ratings -> leniency -> calibrated weak areas of three authors):
    the differences between people's calibrated means do not move when one rater shifts."""

    def means(shift: int) -> dict[str, float]:
        seen = [(a, f"r{j}", s + (shift if j == shifted else 0)) for a, row in enumerate(answers)
                for j, s in enumerate(row)]  # fmt: skip
        found = calibrate([Rated(a, "", r, s) for a, r, s in seen])
        rows = [Received(f"u{a % 3}", "category:case", TODAY, r, 1, s) for a, r, s in seen]
        out = {}
        for author in ("u0", "u1", "u2"):
            [cal] = calibrated_skills([x for x in rows if x.author == author], found)
            out[author] = cal.total / cal.n
        return out

    before, after = means(0), means(by)
    moves = [after[u] - before[u] for u in before]
    assert max(moves) - min(moves) == pytest.approx(0, abs=1e-6)


def weekly_rows(means: dict[str, list[float | None]]) -> list[DailySkill]:
    rows = []
    for area, per_week in means.items():
        for i, mean in enumerate(per_week):
            if mean is not None:
                day = week_of(TODAY).fromordinal(week_of(TODAY).toordinal() - 7 * (len(per_week) - 1 - i) + 2)
                rows.append(DailySkill(f"category:{area}", day, 2, 2 * mean))
    return rows


def test_progress_takes_the_three_most_practised_categories() -> None:
    rows = weekly_rows({"case": [3.0, 3.5, 4.0], "behavioural": [2.0, None, 3.0], "technical": [4.0], "law": [5.0]})
    answers = {"case": 6, "behavioural": 4, "technical": 2, "law": 1}
    chart = progress(rows, answers, {"case": "Case"}, TODAY, 4, "Dee")
    assert [s.category for s in chart.series] == ["case", "behavioural", "technical"]
    assert len(chart.weeks) == PROGRESS_WEEKS and chart.weeks[-1] == date(2026, 3, 16)
    case = chart.series[0]
    assert case.label == "Case" and case.means[-3:] == (3.0, 3.5, 4.0) and case.counts[-3:] == (2, 2, 2)
    assert chart.series[1].means[-2] is None  # a week without ratings is a gap, not a zero
    assert chart.ready
    text = progress_text(chart)
    assert "- **Case** (6 answers): 3.0 → 4.0 over 3 weeks with ratings (6 ratings)" in text.text
    assert "streak: 4 days" in text.text and "A chart comes" not in (text.footer or "")


@pytest.mark.parametrize(
    ("means", "ready"),
    [({"case": [4.0]}, False), ({"case": [None, 4.0], "law": [3.0, None]}, False), ({"case": [3.0, 4.0]}, True)],
)
def test_progress_needs_two_weeks_in_one_category(means: dict[str, list[float | None]], ready: bool) -> None:
    chart = progress(weekly_rows(means), {}, {}, TODAY, 0, "Dee")
    assert chart.ready is ready
    assert ("A chart comes" in (progress_text(chart).footer or "")) is not ready


def test_no_answers_yet_says_how_to_start() -> None:
    assert "No answers yet" in progress_text(progress([], {}, {}, TODAY, 0, "Dee")).text


def pixels(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.size == SIZE
    return image.convert("RGB")


def test_the_progress_chart_is_a_png_that_shows_its_numbers() -> None:
    one = progress(weekly_rows({"case": [3.0, 4.0], "law": [2.0, 2.5]}), {"case": 3}, {}, TODAY, 2, "Dee")
    other = progress(weekly_rows({"case": [4.5, 1.5], "law": [2.0, 2.5]}), {"case": 3}, {}, TODAY, 2, "Dee")
    first, second = pixels(render_progress(one)), pixels(render(other))
    assert first.tobytes() != second.tobytes()
    assert render_progress(one) == render_progress(one)


# --- the community report --------------------------------------------------------------------------


def test_weak_distribution_counts_members_whose_two_weakest_include_the_area() -> None:
    def member(case: float, law: float, tech: float) -> list[DailySkill]:
        return [DailySkill(f"category:{a}", TODAY, 4, 4 * m) for a, m in (("case", case), ("law", law), ("tech", tech))]

    summaries = [
        summarise(member(2, 3, 4), TODAY),
        summarise(member(2, 4, 3), TODAY),
        summarise(member(4, 3, 2), TODAY),
    ]
    summaries.append(summarise([DailySkill("category:case", TODAY, 1, 1)], TODAY))  # too few: not counted
    areas = report.weak_distribution(summaries, lambda a: a.split(":")[1].title())
    assert [(a.area, a.weak, a.rated) for a in areas] == [
        ("category:case", 2, 3), ("category:law", 2, 3), ("category:tech", 2, 3),
    ]  # fmt: skip
    assert "category:case,Case,2,3" in report.areas_csv(areas)


def test_weekly_participation_fills_quiet_weeks() -> None:
    p = report.Participation(
        [("a", date(2026, 3, 2)), ("b", date(2026, 3, 4)), ("a", date(2026, 3, 17))],
        [("c", date(2026, 3, 3)), ("a", date(2026, 3, 3))],
    )
    weeks = report.weekly(p)
    assert [(w.start, w.active, w.answers, w.ratings) for w in weeks] == [
        (date(2026, 3, 2), 3, 2, 2), (date(2026, 3, 9), 0, 0, 0), (date(2026, 3, 16), 1, 1, 0),
    ]  # fmt: skip
    assert report.weeks_csv(weeks).splitlines()[2] == "2026-03-09,0,0,0"
    assert report.weekly(report.Participation([], [])) == []


def test_csv_cells_cannot_run_as_formulas() -> None:
    text = report.csv_text(("name",), [{"name": "=HYPERLINK(1)"}, {"name": "-1"}])
    assert text.splitlines()[1:] == ["'=HYPERLINK(1)", "'-1"]


def test_the_report_chart_is_a_png_and_says_what_it_shows() -> None:
    found = lenient(kind=1.2, fair=-0.8)
    areas = [report.AreaCount("category:case", "Case", 3, 5), report.AreaCount("category:law", "Law", 1, 4)]
    weeks = report.weekly(report.Participation([("a", date(2026, 3, 2)), ("a", date(2026, 3, 10))], []))
    chart = report.report_chart(areas, weeks, found, {"kind": "Kind"})
    assert [r.name for r in chart.raters] == ["fair", "Kind"]  # harshest first
    one = pixels(render_report(chart))
    other = pixels(render(report.report_chart(areas[:1], weeks, found, {})))
    assert one.tobytes() != other.tobytes()
    empty = report.report_chart([], [], Calibration({}), {})
    pixels(render_report(empty))  # every panel says it has nothing yet, and nothing breaks
