"""Benchmark: how long rater calibration (bot.core.calibration.calibrate) takes on a community
of a given size, the work each calibrated read (/mock me, the calibrated board, /mock raters,
/mock report) does once per event. A benchmark, not a test: it asserts nothing.

    cd <checkout> && .venv/bin/python bench/calibration.py --answers 2000 --raters 3
    .venv/bin/python bench/calibration.py --answers 6667 --raters 3 --members 600    # ~ the 20,000 window
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from bot.core.calibration import Rated, calibrate


def community(answers: int, per_answer: int, members: int, seed: int = 1) -> list[Rated]:
    rng = random.Random(seed)
    raters = [f"u{i}" for i in range(members)]
    leniency = {r: rng.gauss(0, 0.6) for r in raters}
    out = []
    for a in range(answers):
        quality = rng.uniform(1.5, 4.5)
        for r in rng.sample(raters, per_answer):
            out.append(Rated(a, "", r, min(5, max(1, round(quality + leniency[r] + rng.gauss(0, 0.7))))))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=2000)
    parser.add_argument("--raters", type=int, default=3, help="raters per answer")
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with open("/proc/loadavg") as f:
        print(f"load average: {' '.join(f.read().split()[:3])}")
    ratings = community(args.answers, args.raters, args.members)
    times = []
    for _ in range(args.runs):
        start = time.perf_counter()
        found = calibrate(ratings)
        times.append((time.perf_counter() - start) * 1000)
    print(f"{len(ratings):,} shared ratings, {len(found.raters)} raters: median {statistics.median(times):.0f} ms, "
          f"max {max(times):.0f} ms; {len(found.flagged())} listed")  # fmt: skip


if __name__ == "__main__":
    main()
