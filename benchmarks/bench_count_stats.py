"""Statistics from count tables against the same statistics on patient rows (prints figures).

Run: ``.venv/bin/python benchmarks/bench_count_stats.py [--n 1000000] [--repeats 5]``

N synthetic records (fixed seed): integer follow-up in days (0-1825), 2 groups, 3 sites, cause
0/1/2. Timed, each the median of ``--repeats`` runs:

* patient rows (the peer): ``kaplan_meier(group=)``, ``logrank_test(strata=)`` (site-stratified),
  ``cumulative_incidence(group=)``, ``gray_test(strata=)``;
* rows -> count table (``count_records``) and the same four from it (``*_counts``);
* the four from a count table already built (what ``rtdelay pool`` does with site summaries).

The two paths give the same numbers (tests/stats/test_counts.py, 1e-12); this shows what the
count table costs or saves. Timings on the shared 2-core machine are noisy.

Measured (1,000,000 records, 10,956 count-table rows, 3 repeats, load average about 20 on 2
cores): patient rows 35.2 s; rows -> count table 15.6 s (most of it encoding the string group and
site labels, the encoder the patient path uses too); the four statistics from the table 0.081 s
(0.0023 of the patient-row time).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np


def _median_time(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    from rtdelay.stats import (
        count_records,
        cumulative_incidence,
        cumulative_incidence_counts,
        gray_test,
        gray_test_counts,
        kaplan_meier,
        kaplan_meier_counts,
        logrank_counts,
        logrank_test,
    )

    rng = np.random.default_rng(16)
    n = args.n
    t = rng.integers(0, 1826, n).astype(float)
    cause = rng.choice([0, 1, 2], n, p=[0.5, 0.3, 0.2])
    group = rng.choice(["NPBR", "PBR"], n)
    site = rng.choice(["A", "B", "C"], n)
    event = cause == 1

    def patient() -> None:
        kaplan_meier(t, event, group=group)
        logrank_test(t, event, group, strata=site)
        cumulative_incidence(t, cause, group=group)
        gray_test(t, cause, group, strata=site)

    def build() -> object:
        return count_records(t, cause, group=group, strata=site)

    table = build()

    def from_table() -> None:
        kaplan_meier_counts(table)  # type: ignore[arg-type]
        logrank_counts(table, stratified=True)  # type: ignore[arg-type]
        cumulative_incidence_counts(table)  # type: ignore[arg-type]
        gray_test_counts(table, stratified=True)  # type: ignore[arg-type]

    t_patient = _median_time(patient, args.repeats)
    t_build = _median_time(build, args.repeats)
    t_table = _median_time(from_table, args.repeats)
    print(f"records: {n:,}; count-table rows: {len(table):,}")  # type: ignore[arg-type]
    print(f"patient rows (peer), KM + stratified log-rank + CIF + stratified Gray: {t_patient:.3f} s")
    print(f"rows -> count table (count_records):                                   {t_build:.3f} s")
    print(f"the same four statistics from the count table:                         {t_table:.4f} s")
    print(f"ratio (rows -> table -> statistics) / patient rows:                     {(t_build + t_table) / t_patient:.2f}")
    print(f"ratio (statistics from a built table) / patient rows:                  {t_table / t_patient:.4f}")


if __name__ == "__main__":
    main()
