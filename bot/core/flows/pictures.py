"""Charts on replies: drawn once the event's transaction has committed (the store is not held
meanwhile), in the renderer's worker thread, and attached to a reply already built. If drawing
fails, the reply keeps its text and says so."""

from __future__ import annotations

import logging
from dataclasses import replace

from bot.core.chart_kinds import Chart
from bot.core.flows.context import Context
from bot.core.messages import Attachment, Message

log = logging.getLogger(__name__)

CHART_FAILED = "(The chart could not be drawn this time; the numbers are all here.)"


def attach_later(
    ctx: Context, index: int, chart: Chart, filename: str, *, lead: str = "", failed: str = CHART_FAILED
) -> None:
    """Attach `chart` as `filename` to reply `index`, with `lead` put before its text."""
    renderer = ctx.renderer
    if renderer is None:
        return

    async def draw() -> None:
        text = ctx.replies[index]
        assert isinstance(text, Message)
        try:
            png = await renderer(chart)
        except Exception:
            log.exception("a chart could not be drawn")
            ctx.replies[index] = replace(text, text=f"{text.text}\n{failed}")
            return
        body = f"{lead}\n{text.text}" if lead else text.text
        ctx.replies[index] = replace(text, text=body, attachment=Attachment(filename, png, "image/png"))

    ctx.after_commit.append(draw)
