"""Every chart the core asks for, and the renderer that draws them (outside the core, in a
worker thread: bot.runtime.render_chart over bot/charts.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.core.community_report import ReportChart
from bot.core.progress import ProgressChart
from bot.core.weak_chart import WeakAreaChart

Chart = WeakAreaChart | ProgressChart | ReportChart
ChartRenderer = Callable[[Chart], Awaitable[bytes]]
"""Draws a chart as PNG bytes in a worker thread: the event loop only awaits it."""
