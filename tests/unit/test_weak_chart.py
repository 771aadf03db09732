"""The weak-area chart: the data the core hands over, and the PNG bot/charts.py draws from it."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from PIL import Image

from bot.charts import SIZE, render_weak_areas
from bot.core.analytics import AreaStats, DailySkill, summarise
from bot.core.weak_chart import WeakAreaChart, chart_of, half_width, weakest_sentence

TODAY = date(2026, 3, 20)


def summary_of(means: dict[str, float], n: int = 4) -> WeakAreaChart:
    rows = [DailySkill(area, TODAY - timedelta(days=40), n, round(n * mean)) for area, mean in means.items()]
    rows += [DailySkill(area, TODAY, n, round(n * min(5.0, mean + 0.5))) for area, mean in means.items()]
    summary = summarise(rows, TODAY)

    def label(area: AreaStats) -> str:
        return area.name.title()

    return chart_of(summary, label, {area: 3.0 for area in means}, "Alice")


TWO = {"category:behavioural": 2.0, "category:case": 4.0, "dimension:structure": 3.0, "dimension:clarity": 4.5}


def test_chart_data_marks_and_names_the_two_weakest() -> None:
    chart = summary_of(TWO)
    assert [r.label for r in chart.categories] == ["Behavioural", "Case"]  # weakest first
    assert [r.weakest for r in chart.categories] == [True, False]
    assert [r.weakest for r in chart.dimensions] == [True, False]
    assert chart.weakest_names == ("Behavioural", "Structure")
    assert (
        weakest_sentence(chart)
        == "Highlighted in the chart, your two weakest areas: **Behavioural** and **Structure**."
    )
    first = chart.categories[0]
    assert first.n == 8 and first.community == 3.0 and first.trend == pytest.approx(0.5)
    assert first.half_width == pytest.approx(half_width(8)) and half_width(8) < half_width(2)


def pixels(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    return image.convert("RGB")


def test_png_has_the_expected_size_and_differs_between_two_summaries() -> None:
    first = pixels(render_weak_areas(summary_of(TWO)))
    other = pixels(render_weak_areas(summary_of({**TWO, "category:behavioural": 4.8})))
    assert first.size == other.size == SIZE == (1000, 800)
    differing = sum(a != b for a, b in zip(first.tobytes()[::3], other.tobytes()[::3], strict=True))
    assert differing > 500, differing  # a moved dot and band, not one stray pixel


def test_same_summary_draws_the_same_picture() -> None:
    assert render_weak_areas(summary_of(TWO)) == render_weak_areas(summary_of(TWO))


def test_uses_okabe_ito_vermillion_for_the_weakest() -> None:
    image = pixels(render_weak_areas(summary_of(TWO)))
    colours = {colour for _, colour in image.getcolors(maxcolors=1_000_000) or []}
    assert (0xD5, 0x5E, 0x00) in colours and (0x00, 0x72, 0xB2) in colours


def test_an_empty_panel_still_renders() -> None:
    image = pixels(render_weak_areas(summary_of({"category:behavioural": 3.0})))
    assert image.size == SIZE
