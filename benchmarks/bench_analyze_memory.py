"""Peak memory and time of ``rtdelay analyze`` on large cohorts (a script that prints figures).

Run: ``.venv/bin/python benchmarks/bench_analyze_memory.py [--sizes 10000,100000] [--repeats 1]``

The cohort of N rows is the shipped demo cohort resampled with replacement (fixed seed) under new
patient ids, written as csv. Each run is a fresh ``python -m rtdelay analyze --quiet`` subprocess;
its peak resident memory is read from ``getrusage(RUSAGE_CHILDREN)`` (Linux: KiB) after it ends,
so each size runs in its own child of a fresh helper process.

Goals of issue 10: 100,000 rows under 1.5 GB peak; 1,000,000 rows completing under 8 GB.
Measured on the shared 2-core machine (load ~13): 100,000 rows peaked at 4.60 GiB before the
current-status bootstrap counted replicates in blocks, 1.30 GiB after (exit 0); 10,000 rows
0.61 GiB before. Re-measured after the chunked multinomial bootstrap (issue 9a) and the
issue-10 follow-ups, 2026-12-03, load 13-20 on 2 cores: 100,000 rows 0.88 GiB peak, exit 0,
980 s wall. 1,000,000 rows (first try, 2026-12-03, load 5-8): 29 min in, still in the first Cox
model's concordance (every event against every subject, quadratic), peak 5.83 GiB, stopped.
After the O(n log n) concordance, 2026-12-03, same machine, run as ``/usr/bin/time -v nice -n 10
python -m rtdelay analyze cohort.csv --out OUT`` on this script's cohorts: 100,000 rows 0.83 GiB
peak, 141 s wall, exit 0 (load 5.3-5.7); 1,000,000 rows 6.36 GiB peak (6.83 GB, under the 8 GB
goal), 551 s wall, exit 0 (load 5.0 at the start, 1.9 at the end). Most of the peak is held
early: 5.25 GiB resident 3.5 min into the first try (stage not recorded); 6.36 GiB reached by the time
it was writing cohort_included.csv.
Timings on a shared machine are noisy; the memory figure is not.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

_CHILD = r"""
import resource, subprocess, sys, time
start = time.perf_counter()
res = subprocess.run([sys.executable, "-m", "rtdelay", "analyze", sys.argv[1], "--out", sys.argv[2], "--quiet"],
                     capture_output=True, text=True)
elapsed = time.perf_counter() - start
peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(res.returncode, elapsed, peak_kib)
sys.stderr.write(res.stderr[-2000:])
"""


def make_cohort(n: int, path: Path, seed: int = 20240607) -> None:
    import numpy as np
    import pandas as pd

    from rtdelay.demo import demo_cohort_path

    demo = pd.read_csv(demo_cohort_path(), dtype=str, keep_default_na=False)
    rng = np.random.default_rng(seed)
    rows = demo.iloc[rng.integers(0, len(demo), size=n)].reset_index(drop=True)
    rows["patient_id"] = [f"B{i:07d}" for i in range(n)]
    rows.to_csv(path, index=False)


def run_once(cohort: Path, out: Path) -> tuple[int, float, float, str]:
    res = subprocess.run(
        [sys.executable, "-c", _CHILD, str(cohort), str(out)], capture_output=True, text=True, check=True
    )
    code, elapsed, peak_kib = res.stdout.split()
    return int(code), float(elapsed), int(peak_kib) / 1024**2, res.stderr


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    print(f"{'rows':>10} {'exit':>4} {'median s':>9} {'peak GiB':>9}")
    with tempfile.TemporaryDirectory(prefix="rtdelay-bench-") as tmp:
        for n in sizes:
            cohort = Path(tmp) / f"cohort_{n}.csv"
            make_cohort(n, cohort)
            times, peaks, codes = [], [], []
            for r in range(args.repeats):
                code, elapsed, peak, err = run_once(cohort, Path(tmp) / f"out_{n}_{r}")
                times.append(elapsed)
                peaks.append(peak)
                codes.append(code)
                if code != 0:
                    print(f"  exit {code}: {err.strip().splitlines()[-1] if err.strip() else ''}")
            print(f"{n:>10} {max(codes):>4} {statistics.median(times):>9.1f} {max(peaks):>9.2f}")


if __name__ == "__main__":
    main()
