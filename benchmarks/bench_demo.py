"""Benchmark: ``rtdelay demo`` to results.json, cold start in a fresh subprocess, median of 5.

Goal: under 3 s on the reference machine (2 shared cores). Usage:

    .venv/bin/python benchmarks/bench_demo.py            # rtdelay demo
    .venv/bin/python benchmarks/bench_demo.py --analyze COHORT.csv   # rtdelay analyze COHORT

Each run starts a new interpreter (``python -m rtdelay ...``), so imports are included, and writes
into a fresh temporary folder. Prints, per run, the time until results.json is written (its
modification time) and the time of the whole command (which also draws the report's figures),
then the medians; exits 1 if the median time to results.json is over the goal.
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


def one_run(args: list[str]) -> tuple[float, float]:
    """Return (seconds until results.json was written, seconds for the whole command)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        cmd = [sys.executable, "-m", "rtdelay", *args, "--out", str(out), "--quiet"]
        wall0 = time.time()
        start = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        elapsed = time.perf_counter() - start
        results = out / "results.json"
        if proc.returncode != 0 or not results.is_file():
            sys.stderr.write(proc.stderr)
            raise SystemExit(f"run failed with exit code {proc.returncode}")
        return results.stat().st_mtime - wall0, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--analyze", metavar="COHORT", help="benchmark rtdelay analyze COHORT instead")
    parser.add_argument("--repeat", type=int, default=5)
    ns = parser.parse_args()
    args = ["analyze", ns.analyze] if ns.analyze else ["demo"]
    runs = [one_run(args) for _ in range(ns.repeat)]
    for i, (to_json, total) in enumerate(runs, 1):
        print(f"run {i}: results.json after {to_json:.2f} s, command done after {total:.2f} s")
    med_json = statistics.median(r[0] for r in runs)
    med_total = statistics.median(r[1] for r in runs)
    print(
        f"rtdelay {args[0]}: median {med_json:.2f} s to results.json, {med_total:.2f} s in all "
        f"(with the report's tables and figures), {ns.repeat} cold runs; goal < {GOAL_SECONDS:.1f} s"
    )
    raise SystemExit(0 if med_json < GOAL_SECONDS else 1)


if __name__ == "__main__":
    main()
