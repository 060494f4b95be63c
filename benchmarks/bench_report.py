"""Benchmark: ``rtdelay demo`` end to end with every output (results.json, tables in five
formats, four figures in png/svg/pdf, flow diagram, report.html, methods.md), cold start in a
fresh subprocess, median of 3. Goal: under 5 s on the reference machine (2 shared cores).

Usage::

    .venv/bin/python benchmarks/bench_report.py                  # rtdelay demo
    .venv/bin/python benchmarks/bench_report.py --analyze FILE   # rtdelay analyze FILE
    .venv/bin/python benchmarks/bench_report.py --reference      # analyze tests' reference cohort

``--reference`` writes tests/reference/study_cohort.csv in the data dictionary's dates form
(78 patients, as tests/cli does) and analyses it: the same outputs as the demo, usable before
the demo cohort ships. Prints every run and the median; exits 1 if the median is over the goal or
an output is missing.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GOAL_SECONDS = 5.0
ROOT = Path(__file__).resolve().parents[1]
EXPECTED = (
    "results.json",
    "report.html",
    "methods.md",
    "tables/table1.docx",
    "tables/table2.tex",
    "tables/survival_rates.csv",
    "figures/fig2_pbr_risk.png",
    "figures/fig3_pbr_by_surgery.svg",
    "figures/fig4a_local_control.pdf",
    "figures/fig4b_overall_survival.png",
    "figures/flow_diagram.svg",
)


def one_run(args: list[str]) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        cmd = [sys.executable, "-m", "rtdelay", *args, "--out", str(out), "--quiet"]
        start = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True)
        elapsed = time.perf_counter() - start
        if proc.returncode != 0:
            sys.exit(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr.strip()[-2000:]}")
        missing = [name for name in EXPECTED if not (out / name).is_file()]
        if missing:
            sys.exit(f"outputs missing: {', '.join(missing)}")
        return elapsed


def reference_cohort(folder: Path) -> Path:
    sys.path.insert(0, str(ROOT / "tests" / "cli"))
    from study_cohort_dates import write_dates_cohort

    return Path(write_dates_cohort(folder / "cohort.csv"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--analyze", type=Path, help="cohort file for rtdelay analyze")
    parser.add_argument("--reference", action="store_true", help="analyze the tests' reference cohort")
    parser.add_argument("--runs", type=int, default=3)
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if opts.reference:
            args = ["analyze", str(reference_cohort(Path(tmp)))]
        elif opts.analyze is not None:
            args = ["analyze", str(opts.analyze)]
        else:
            args = ["demo"]
        times = []
        for i in range(opts.runs):
            t = one_run(args)
            times.append(t)
            print(f"run {i + 1}: {t:.2f} s")
    median = statistics.median(times)
    print(f"rtdelay {' '.join(args[:1])} with all outputs: median {median:.2f} s (goal < {GOAL_SECONDS:.0f} s)")
    sys.exit(0 if median < GOAL_SECONDS else 1)


if __name__ == "__main__":
    main()
