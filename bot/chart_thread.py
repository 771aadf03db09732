"""Charts are drawn in one thread of their own, and each leaves nothing behind.

One thread draws every chart: matplotlib keeps its fonts (and their glyph caches) per thread,
so a pool of threads would hold a copy each. Charts wait their turn; drawing holds the GIL anyway.

Why each chart cleans up after itself: a matplotlib figure is a web of reference cycles (artists,
transforms, callbacks), so it is freed only by a full cyclic collection, which a bot runs
rarely and which costs ~60 ms over a loaded bot's objects. Until then every chart's garbage
stays, and glibc keeps the freed C memory (the canvas, glyph bitmaps) in its heap: 31 charts
took the process from +48 to +86 MB (bench/README.md, "Weak-area chart"). So around each
chart the objects that existed before it are frozen (set aside from the collector), the chart
is drawn, one collection then only looks at what the chart made (~1.5 ms), everything is
unfrozen, and glibc is asked to hand the freed pages back to the system."""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import gc
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from bot.core.chart_kinds import Chart

_CHART_THREAD = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mockpanel-chart")


async def render_chart(chart: Chart) -> bytes:
    """Draw off the event loop. matplotlib is imported by the first chart, in the chart thread,
    so a bot that never draws one never loads it."""
    return await asyncio.get_running_loop().run_in_executor(_CHART_THREAD, draw, chart)


def draw(chart: Chart) -> bytes:
    from bot.charts import render

    gc.freeze()
    try:
        png = render(chart)
        gc.collect()  # only the chart's own objects: everything older is frozen
    finally:
        gc.unfreeze()  # back with the oldest generation: nothing is kept from the collector
    _return_freed_memory()
    return png


def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's malloc_trim, or None where the C library has none (musl, macOS)."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    trim = getattr(libc, "malloc_trim", None)
    if trim is None:
        return None
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return trim  # type: ignore[no-any-return]


_TRIM = _malloc_trim()


def _return_freed_memory() -> None:
    if _TRIM is not None:
        _TRIM(0)
