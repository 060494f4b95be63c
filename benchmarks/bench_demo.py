"""Benchmark: ``rtdelay demo`` to results.json, cold start in a fresh subprocess, median of 5.

Goal: under 3 s on the reference machine (2 shared cores). Usage:

    .venv/bin/python benchmarks/bench_demo.py            # rtdelay demo
    .venv/bin/python benchmarks/bench_demo.py --analyze COHORT.csv   # rtdelay analyze COHORT

Each run starts a new interpreter (``python -m rtdelay ...``), so imports are included, and writes
into a fresh temporary folder. Prints every run and the median; exits 1 if the median is over
the goal.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GOAL_SECONDS = 3.0


def one_run(args: list[str]) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        cmd = [sys.executable, "-m", "rtdelay", *args, "--out", str(out), "--quiet"]
        start = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        elapsed = time.perf_counter() - start
        if proc.returncode != 0 or not (out / "results.json").is_file():
            sys.stderr.write(proc.stderr)
            raise SystemExit(f"run failed with exit code {proc.returncode}")
        return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--analyze", metavar="COHORT", help="benchmark rtdelay analyze COHORT instead")
    parser.add_argument("--repeat", type=int, default=5)
    ns = parser.parse_args()
    args = ["analyze", ns.analyze] if ns.analyze else ["demo"]
    times = [one_run(args) for _ in range(ns.repeat)]
    for i, t in enumerate(times, 1):
        print(f"run {i}: {t:.2f} s")
    med = statistics.median(times)
    print(f"rtdelay {args[0]}: median {med:.2f} s over {ns.repeat} cold runs (goal < {GOAL_SECONDS:.1f} s)")
    raise SystemExit(0 if med < GOAL_SECONDS else 1)


if __name__ == "__main__":
    main()
