"""Benchmark: how long the weak-area chart takes to draw, and how much memory it adds.

    cd <checkout> && .venv/bin/python bench/chart.py            # 30 charts after a warm-up
    .venv/bin/python bench/chart.py --runs 100 --rows 8        # eight areas per panel
    .venv/bin/python bench/chart.py --kind progress            # the /mock me progress line chart

Run in a fresh process, so "added memory" is what a bot that never drew a chart pays for its
first one and for keeping matplotlib loaded: peak resident set size (ru_maxrss) before and
after, plus the first chart's time (which includes importing matplotlib). Then `--runs` charts
from different summaries, each drawn as the bot draws it: in a worker thread through
asyncio.to_thread. A benchmark, not a test: nothing here asserts a time. Targets (issue 13):
under 150 ms a chart, under 40 MB added. See bench/README.md ("Weak-area chart").
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import bot.runtime  # noqa: F401  (what a running bot has loaded before its first chart)
from bot.chart_thread import render_chart
from bot.core.analytics import DailySkill, summarise
from bot.core.chart_kinds import Chart
from bot.core.progress import PROGRESS_WEEKS, progress
from bot.core.weak_chart import chart_of

# What importing matplotlib costs before a pixel is drawn, in a fresh process that has loaded
# what this one has: the floor under "added memory" for any chart drawn with matplotlib.
FLOOR = """
import resource, bench.chart, bot.runtime
def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20
start = rss()
import numpy
numpy_mb = rss() - start
import matplotlib
core_mb = rss() - start - numpy_mb
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
figure_mb = rss() - start - numpy_mb - core_mb
print(f"{numpy_mb:.1f} {core_mb:.1f} {figure_mb:.1f}")
"""

ROOT = Path(__file__).resolve().parents[1]
TODAY = date(2026, 3, 20)
CATEGORIES = ("behavioural", "situational", "case", "technical", "motivation_fit", "communication", "finance", "law")
DIMENSIONS = ("structure", "evidence", "clarity", "judgement", "impact", "reflection", "composure", "insight")


def chart(seed: int, rows: int, kind: str = "weak") -> Chart:
    rng = random.Random(seed)
    if kind == "progress":  # three categories rated in most of the last weeks
        weekly = []
        for category in CATEGORIES[:3]:
            for week in range(PROGRESS_WEEKS):
                if rng.random() < 0.8:
                    n = rng.randint(1, 6)
                    weekly.append(
                        DailySkill(f"category:{category}", TODAY - timedelta(weeks=week), n, rng.uniform(n, 5 * n))
                    )
        answers = {c: rng.randint(3, 30) for c in CATEGORIES[:3]}
        return progress(weekly, answers, {c: c.replace("_", " ").title() for c in CATEGORIES}, TODAY, 4, "Alex")
    skills = []
    for area in [f"category:{c}" for c in CATEGORIES[:rows]] + [f"dimension:{d}" for d in DIMENSIONS[:rows]]:
        for day in range(0, 90, 5):
            n = rng.randint(1, 3)
            skills.append(DailySkill(area, TODAY - timedelta(days=day), n, rng.randint(n, 5 * n)))
    summary = summarise(skills, TODAY)
    return chart_of(summary, lambda a: a.name.replace("_", " ").title(), {a.area: 3.1 for a in summary.areas}, "Alex")


def max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--rows", type=int, default=6, help="areas per panel (the chart shows at most 8)")
    parser.add_argument("--kind", choices=("weak", "progress"), default="weak", help="which chart")
    args = parser.parse_args()
    with open("/proc/loadavg") as f:
        print(f"load average: {' '.join(f.read().split()[:3])}; python {sys.version.split()[0]}")
    charts = [chart(seed, args.rows, args.kind) for seed in range(args.runs + 1)]
    before = max_rss_mb()
    start = time.perf_counter()
    first = await render_chart(charts[0])
    first_ms = (time.perf_counter() - start) * 1000
    after_first = rss_mb()
    times = []
    for one in charts[1:]:
        start = time.perf_counter()
        png = await render_chart(one)
        times.append((time.perf_counter() - start) * 1000)
    after_all = rss_mb()
    after = max_rss_mb()
    import matplotlib

    shape = (
        f"{args.rows} areas per panel" if args.kind == "weak" else f"progress, 3 categories × {PROGRESS_WEEKS} weeks"
    )
    print(f"matplotlib {matplotlib.__version__}; {shape}; PNG {len(png) // 1024} KiB")
    print(f"first chart (imports matplotlib): {first_ms:.0f} ms, {len(first) // 1024} KiB")
    print(
        f"chart, {args.runs} runs: median {statistics.median(times):.1f} ms, "
        f"p90 {statistics.quantiles(times, n=10)[-1]:.1f} ms, max {max(times):.1f} ms"
    )
    print(f"RSS after the first chart: +{after_first - before:.1f} MB (matplotlib and numpy loaded)")
    print(f"RSS after {args.runs + 1} charts: +{after_all - before:.1f} MB")
    print(f"peak RSS: {before:.1f} MB before, {after:.1f} MB after {args.runs + 1} charts: +{after - before:.1f} MB")
    floor = subprocess.run([sys.executable, "-c", FLOOR], capture_output=True, text=True, check=True, cwd=ROOT)
    numpy_mb, core_mb, figure_mb = (float(x) for x in floor.stdout.split())
    print(
        f"importing alone, fresh process: numpy +{numpy_mb:.1f}, matplotlib +{core_mb:.1f}, "
        f"Figure and Agg +{figure_mb:.1f}: +{numpy_mb + core_mb + figure_mb:.1f} MB before any drawing"
    )


if __name__ == "__main__":
    asyncio.run(main())
