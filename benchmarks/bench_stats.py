"""Benchmark of rtdelay's Kaplan-Meier + two-group log-rank (a script that prints figures).

Run: ``.venv/bin/python benchmarks/bench_stats.py [--n 1000000] [--repeats 5] [--big 10000000]``

Measured in one run, on the same arrays:

1. ``kaplan_meier`` + ``logrank_test`` (two groups) on ``--n`` right-censored records, with
   continuous times and with integer-day times; lifelines ``KaplanMeierFitter().fit`` +
   ``lifelines.statistics.logrank_test``; and ``numpy.argsort`` of the time column. Medians of
   ``--repeats`` interleaved repeats, and the ratios (goals: >= 10x faster than lifelines,
   <= 4x the argsort time). A sanity check compares the two libraries' answers.
2. Peak memory (``resource.getrusage`` max RSS of a fresh subprocess) for ``--big`` records,
   data generation included (goal: <= 2 GB).
3. ``rtdelay --help`` wall time (goal: < 0.3 s) and whether it imports matplotlib/lifelines.

Timings on a shared machine are noisy: compare the ratios within one run, not across runs.

2026-12-03 21:38 UTC, quiet machine (load 0.8), n = 1e6 continuous times, after the KM timefix
fix: rtdelay KM + log-rank 105.6 ms (KM 45.9, log-rank 59.2), lifelines 1,606 ms: 15.2x
(goal >= 10 met); numpy.argsort 23.2 ms: 4.55x (goal <= 4 NOT met on a quiet machine; 3.87x
was measured earlier at load 14.9, where argsort itself slows down more).

2026-12-04 14:52 UTC, another machine (AMD EPYC without AVX-512, load 0.9), 7 repeats:
rtdelay 278.8 ms (KM 137.9, log-rank 139.6), lifelines 3,751 ms: 13.5x; numpy.argsort 98.6 ms:
2.83x; both goals met. numpy's argsort uses AVX-512 where the CPU has it, so the argsort ratio
depends on the processor as much as on rtdelay (see benchmarks/README.md). 10^7 records: peak
1,326 MB (goal 2 GB).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np


def make_data(n: int, *, integer_days: bool, seed: int = 20210121) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Two groups, exponential event times (hazard ratio 1/1.3), exponential censoring."""
    rng = np.random.default_rng(seed)
    group = rng.integers(0, 2, n).astype(np.int8)
    t_event = rng.exponential(10.0, n) * np.where(group == 1, 1.3, 1.0)
    t_cens = rng.exponential(15.0, n)
    event = (t_event <= t_cens).astype(np.int8)
    time_ = np.minimum(t_event, t_cens)
    if integer_days:
        time_ = np.ceil(time_ * 30.4375)  # months -> whole days
    return time_, event, group


def _timed(func: Callable[[], Any]) -> float:
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def bench_speed(n: int, repeats: int, lifelines_repeats: int) -> None:
    from lifelines import KaplanMeierFitter
    from lifelines.statistics import logrank_test as ll_logrank

    from rtdelay.stats import kaplan_meier, logrank_test

    print(f"== Speed: n = {n:,} records, medians of {repeats} repeats (lifelines {lifelines_repeats})")
    for label, integer_days in (("continuous times", False), ("integer-day times", True)):
        t, e, g = make_data(n, integer_days=integer_days)
        n_distinct = np.unique(t).size
        ours: list[float] = []
        srt: list[float] = []
        km_only: list[float] = []
        lr_only: list[float] = []
        for _ in range(repeats):
            srt.append(_timed(lambda: np.argsort(t)))  # noqa: B023
            k = _timed(lambda: kaplan_meier(t, e))  # noqa: B023
            r = _timed(lambda: logrank_test(t, e, g))  # noqa: B023
            km_only.append(k)
            lr_only.append(r)
            ours.append(k + r)
        theirs: list[float] = []
        m0, m1 = g == 0, g == 1

        def run_lifelines() -> Any:
            kmf = KaplanMeierFitter().fit(t, e)  # noqa: B023
            res = ll_logrank(t[m0], t[m1], event_observed_A=e[m0], event_observed_B=e[m1])  # noqa: B023
            return kmf, res

        for _ in range(lifelines_repeats):
            theirs.append(_timed(run_lifelines))
        med_ours, med_sort, med_ll = (statistics.median(x) for x in (ours, srt, theirs))
        print(f"-- {label} ({n_distinct:,} distinct times)")
        print(f"   numpy.argsort(time)           {med_sort * 1e3:9.1f} ms")
        print(
            f"   rtdelay KM + log-rank          {med_ours * 1e3:9.1f} ms"
            f"   (KM {statistics.median(km_only) * 1e3:.1f} ms, log-rank {statistics.median(lr_only) * 1e3:.1f} ms)"
        )
        print(f"   lifelines KM + log-rank        {med_ll * 1e3:9.1f} ms")
        print(f"   speed-up over lifelines        {med_ll / med_ours:9.1f} x   (goal >= 10)")
        print(f"   rtdelay / argsort              {med_ours / med_sort:9.2f} x   (goal <= 4)")
        # Sanity: both libraries give the same answer.
        kmf, ll_res = run_lifelines()
        curve = kaplan_meier(t, e)
        probe = np.quantile(t, [0.1, 0.5, 0.9])
        ll_s = kmf.survival_function_at_times(probe).to_numpy()
        ours_res = logrank_test(t, e, g)
        print(
            f"   check: max |S_rtdelay - S_lifelines| = {np.max(np.abs(curve.at(probe) - ll_s)):.2e}; "
            f"chi2 {ours_res.statistic:.6f} vs lifelines {ll_res.test_statistic:.6f}"
        )


_CHILD = """
import resource, sys, time
import numpy as np
sys.path.insert(0, {bench_dir!r})
from bench_stats import make_data
from rtdelay.stats import kaplan_meier, logrank_test
t, e, g = make_data({n}, integer_days={integer})
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
curve = kaplan_meier(t, e)
res = logrank_test(t, e, g)
elapsed = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(base / 1024, peak / 1024, elapsed, curve.time.size, res.statistic)
"""


def bench_memory(n: int) -> None:
    from pathlib import Path

    print(f"== Memory: n = {n:,} records, KM + log-rank in a fresh subprocess (max RSS, goal <= 2048 MB)")
    bench_dir = str(Path(__file__).resolve().parent)
    for label, integer in (("continuous times", False), ("integer-day times", True)):
        code = _CHILD.format(bench_dir=bench_dir, n=n, integer=integer)
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            print(f"-- {label}: failed: {proc.stderr.strip().splitlines()[-1:]}")
            continue
        base, peak, elapsed, n_times, stat = proc.stdout.split()
        print(
            f"-- {label}: peak {float(peak):7.0f} MB (after data generation {float(base):6.0f} MB); "
            f"KM + log-rank {float(elapsed):.2f} s; {int(n_times):,} distinct times; chi2 {float(stat):.3f}"
        )


def bench_help(repeats: int = 7) -> None:
    print("== rtdelay --help")
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "rtdelay", "--help"], capture_output=True, check=True)
        times.append(time.perf_counter() - start)
    bare = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], capture_output=True, check=True)
        bare.append(time.perf_counter() - start)
    code = (
        "import sys\nfrom rtdelay.cli import main\nsys.argv=['rtdelay','--help']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print([m for m in ('matplotlib','lifelines','pandas','scipy') if m in sys.modules], file=sys.stderr)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    print(f"   median wall time {statistics.median(times) * 1e3:.0f} ms (goal < 300 ms); "
          f"bare python start-up {statistics.median(bare) * 1e3:.0f} ms")
    print(f"   heavy modules imported by --help: {proc.stderr.strip()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--lifelines-repeats", type=int, default=3)
    parser.add_argument("--big", type=int, default=10_000_000)
    parser.add_argument("--skip", nargs="*", default=[], choices=["speed", "memory", "help"])
    args = parser.parse_args()
    import os

    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}; {os.cpu_count()} CPUs, load average {load}")
    if "help" not in args.skip:
        bench_help()
    if "speed" not in args.skip:
        bench_speed(args.n, args.repeats, args.lifelines_repeats)
    if "memory" not in args.skip:
        bench_memory(args.big)


if __name__ == "__main__":
    main()
