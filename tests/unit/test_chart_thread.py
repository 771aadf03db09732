"""Each chart leaves nothing behind: no figure waiting for a full collection, nothing frozen."""

from __future__ import annotations

import gc

import pytest
from matplotlib.figure import Figure

from bot import chart_thread
from bot.core.progress import ProgressChart
from tests.unit.test_weak_chart import TWO, summary_of


def figures_alive() -> int:
    return sum(isinstance(o, Figure) for o in gc.get_objects())


async def test_a_drawn_chart_leaves_no_figure_for_the_collector() -> None:
    gc.collect()
    before = figures_alive()
    for _ in range(3):
        png = await chart_thread.render_chart(summary_of(TWO))
        assert png.startswith(b"\x89PNG")
    # No full collection here: a figure is a web of cycles, so without the chart's own
    # collection each one would wait for the next full collection (and hold its memory).
    assert figures_alive() == before
    assert gc.get_freeze_count() == 0


def test_a_chart_that_fails_unfreezes_the_collector(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(chart: object) -> bytes:
        raise ValueError("no data")

    monkeypatch.setattr("bot.charts.render", broken)
    with pytest.raises(ValueError):
        chart_thread.draw(ProgressChart(title="t", weeks=(), series=(), streak=0))
    assert gc.get_freeze_count() == 0
