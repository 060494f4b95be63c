"""Coverage of 95 % intervals for the current-status NPMLE: likelihood ratio vs bootstraps.

Truth: progression time T ~ exponential with rate 0.1 per month (F(1) = 0.095, F(3) = 0.259,
F(6) = 0.451); look time C ~ uniform(0, 9) months, independent of T, as the pre-RT MRI in the
study; one look per patient. For n = 50, 100, 300 and 200 data sets each (seed 2024), the table
gives the share of data sets whose interval covers F(t) at t = 1, 3, 6 months, for

- LR: the likelihood-ratio interval of Banerjee & Wellner (2001), ``current_status_lr_ci``
  (what rtdelay reports; where the NPMLE is 0 or 1 a limit is widened to the exact monotone
  binomial bound, see its module docstring; ``bnd`` counts the data sets where that applied);
- boot: the plain percentile bootstrap, ``current_status_ci(n_boot=B)`` (inconsistent);
- m/n: the m-out-of-n bootstrap with m = round(n^(2/3)), rescaled (Lee & Pun 2006).

It also checks the critical value: the 0.95 quantile of the LR statistic at the true F(t0) for
n = 2000 (the limit D of Banerjee & Wellner has d_0.95 = 2.28).

Run:  .venv/bin/python benchmarks/current_status_coverage.py [--boot 500] [--sets 200]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from rtdelay.stats import current_status_ci, current_status_lr_ci, current_status_lr_statistic

RATE = 0.1
TIMES = np.array([1.0, 3.0, 6.0])
TRUTH = 1.0 - np.exp(-RATE * TIMES)


def simulate(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    look = rng.uniform(0.0, 9.0, n)
    return look, (rng.exponential(1.0 / RATE, n) <= look).astype(int)


def covers(lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    return (lower <= TRUTH) & (TRUTH <= upper)


def lr_quantile(n: int, sets: int, seed: int) -> float:
    """0.95 quantile of 2 log(LR) at the true F(3) over ``sets`` data sets of size ``n``."""
    rng = np.random.default_rng(seed)
    stats = [
        current_status_lr_statistic(*simulate(n, rng), time=3.0, value=float(TRUTH[1])) for _ in range(sets)
    ]
    return float(np.quantile(stats, 0.95))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--boot", type=int, default=500, help="bootstrap replicates per data set")
    parser.add_argument("--sets", type=int, default=200, help="data sets per sample size")
    parser.add_argument("--quantile-sets", type=int, default=300, help="data sets for the d_0.95 check (0: skip)")
    args = parser.parse_args()
    print(f"Coverage of nominal 95% intervals, {args.sets} data sets per n, {args.boot} bootstrap replicates")
    print("truth F(1, 3, 6) = " + ", ".join(f"{f:.3f}" for f in TRUTH))
    header = (
        f"{'n':>5} {'t':>3} | {'LR':>6} {'boot':>6} {'m/n':>6} | {'LR width':>8} {'boot width':>10} | {'bnd':>4}"
    )
    print(header)
    print("-" * len(header))
    for n in (50, 100, 300):
        rng = np.random.default_rng(2024 + n)
        hit = {k: np.zeros(TIMES.size) for k in ("lr", "boot", "mn")}
        width = {k: np.zeros(TIMES.size) for k in ("lr", "boot")}
        boundary = np.zeros(TIMES.size, dtype=int)
        started = time.perf_counter()
        m = int(round(n ** (2.0 / 3.0)))
        for i in range(args.sets):
            look, pos = simulate(n, rng)
            at = TIMES <= look.max()
            lr = current_status_lr_ci(look, pos, times=TIMES)
            hit["lr"] += covers(lr.lower, lr.upper)
            width["lr"] += np.nan_to_num(lr.upper - lr.lower)
            boundary += lr.boundary
            boot = current_status_ci(look, pos, times=TIMES[at], n_boot=args.boot, seed=i)
            lo, up = np.full(TIMES.size, np.nan), np.full(TIMES.size, np.nan)
            lo[at], up[at] = boot.lower, boot.upper
            hit["boot"] += covers(lo, up)
            width["boot"] += np.nan_to_num(up - lo)
            mn = current_status_ci(look, pos, times=TIMES[at], n_boot=args.boot, seed=i, m=m)
            lo[at], up[at] = mn.lower, mn.upper
            hit["mn"] += covers(lo, up)
        for j, t in enumerate(TIMES):
            print(
                f"{n:>5} {t:>3g} | {hit['lr'][j] / args.sets:>6.3f} {hit['boot'][j] / args.sets:>6.3f} "
                f"{hit['mn'][j] / args.sets:>6.3f} | {width['lr'][j] / args.sets:>8.3f} "
                f"{width['boot'][j] / args.sets:>10.3f} | {boundary[j]:>4d}"
            )
        print(f"      (n = {n}: {time.perf_counter() - started:.1f} s, m = {m})")
    if args.quantile_sets:
        q = lr_quantile(2000, args.quantile_sets, seed=7)
        print(f"0.95 quantile of 2 log LR at the truth, n = 2000, {args.quantile_sets} sets: {q:.2f} (d_0.95 = 2.28)")


if __name__ == "__main__":
    main()
