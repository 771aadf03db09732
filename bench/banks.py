"""Benchmark: how long the question banks take to load, and `mockpanel demo` from start to end.

    cd <checkout> && .venv/bin/python bench/banks.py              # 5 runs of each
    PYTHONPATH=/path/to/other/checkout .venv/bin/python bench/banks.py --banks question_banks

Each figure is measured in a fresh Python process (the first load of a process is what a
start pays), median and range over the runs. `--banks DIR` loads that folder instead of the
installed banks, so two versions of the loader can be timed on the same files. A benchmark,
not a test: nothing here asserts a time. See bench/README.md ("Bank loading").
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

LOAD = """
import sys, time
t0 = time.perf_counter()
from bot.core.banks import load_paths, shipped_bank_dir
t1 = time.perf_counter()
folder = sys.argv[1] if len(sys.argv) > 1 and sys.argv[1] else None
library = load_paths([__import__('pathlib').Path(folder)] if folder else [shipped_bank_dir()])
t2 = time.perf_counter()
print(t1 - t0, t2 - t1, len(library.questions), len(library.categories))
"""


def _run(args: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True, check=True, env=os.environ.copy())
    return time.perf_counter() - start, done.stdout


def _summary(values: list[float]) -> str:
    return f"median {statistics.median(values):.3f} s (min {min(values):.3f}, max {max(values):.3f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--banks", default="", help="load this folder instead of the installed banks")
    args = parser.parse_args()
    with open("/proc/loadavg") as f:
        print(f"load average: {' '.join(f.read().split()[:3])}; python {sys.version.split()[0]}")
    imports, loads = [], []
    for _ in range(args.runs):
        _, out = _run([sys.executable, "-c", LOAD, args.banks])
        t_import, t_load, questions, categories = out.split()
        imports.append(float(t_import))
        loads.append(float(t_load))
    print(f"banks: {questions} questions in {categories} categories")
    print(f"import bot.core.banks: {_summary(imports)}")
    print(f"load the banks:        {_summary(loads)}")
    demo = []
    with tempfile.TemporaryDirectory() as folder:
        for n in range(args.runs):
            seconds, _ = _run([sys.executable, "-m", "bot", "demo", "--db", str(Path(folder) / f"demo{n}.db")])
            demo.append(seconds)
    print(f"mockpanel demo, whole process: {_summary(demo)}")


if __name__ == "__main__":
    main()
