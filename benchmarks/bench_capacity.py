"""Benchmark of the capacity planner against Ciw on the same scenario (a script that prints figures).

Run: ``.venv/bin/python benchmarks/bench_capacity.py [--replications 1000] [--ciw-runs 20] [--repeats 3]``
(Ciw is in the dev extra.)

Scenario: Poisson operations, 4 a week; ready 14 days after surgery; 5 course starts a week,
one at the end of each working day Monday-Friday; first come first served; death while waiting
at 0.3 a year; 10 simulated years.

1. ``plan_capacity`` for one policy and one capacity, 10 years x ``--replications``, everything
   included (patients, calendar, engine, summaries, Little's law, queue trajectories): median of
   ``--repeats`` runs (goal: < 10 s). Also the engine alone (``fifo_starts``) and the risk-first
   policy with the demo cohort's risk model (one first-come queue per risk level, all
   replications at once; the heap loop gives the same starts).
2. Ciw (``ciw.Slotted`` schedule, exponential reneging for deaths) for ``--ciw-runs`` runs of the
   same scenario: median seconds per replication, against rtdelay's per-replication time (goal:
   >= 10x faster), and the two mean waits with their standard errors (they must agree).

Timings on a shared machine are noisy: compare ratios within one run.
"""

from __future__ import annotations

import argparse
import math
import statistics
import time

import numpy as np

from rtdelay.planning.capacity import (
    PlannerSettings,
    SlotCalendar,
    Slots,
    draw_patients,
    fifo_starts,
    harm_from_cohort,
    harm_from_curve,
    plan_capacity,
)

ARRIVALS, READY, STARTS, DEATH, YEARS = 4.0, 14.0, 5, 0.3, 10.0
HARM = harm_from_curve([2, 4, 8, 16], [0.05, 0.10, 0.20, 0.35])


def _settings() -> PlannerSettings:
    return PlannerSettings(arrivals_per_week=ARRIVALS, ready_after_days=READY, years=YEARS, death_rate_per_year=DEATH)


def _time(func) -> tuple[float, object]:
    t0 = time.perf_counter()
    out = func()
    return time.perf_counter() - t0, out


def _ciw_run(seed: int) -> tuple[float, float]:
    import ciw

    horizon = YEARS * 365.25
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(ARRIVALS / 7.0)],
        service_distributions=[ciw.dists.Deterministic(0.01)],
        number_of_servers=[ciw.Slotted(slots=[1.0, 2.0, 3.0, 4.0, 5.0, 7.0], slot_sizes=[1, 1, 1, 1, 1, 0])],
        reneging_time_distributions=[ciw.dists.Exponential(DEATH / 365.25)],
    )
    ciw.seed(seed)
    t0 = time.perf_counter()
    sim = ciw.Simulation(network)
    sim.simulate_until_max_time(horizon + 120.0)
    elapsed = time.perf_counter() - t0
    # Ciw's arrival is readiness (the 14-day shift does not change waits); count the same window
    waits = [r.waiting_time for r in sim.get_all_records() if r.arrival_date < horizon and r.record_type == "service"]
    return elapsed, float(np.mean(waits))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replications", type=int, default=1000)
    ap.add_argument("--ciw-runs", type=int, default=20)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    reps = args.replications

    full, engine, risk = [], [], []
    plan = None
    cohort_harm = HARM
    for i in range(args.repeats):
        t, plan = _time(lambda: plan_capacity(_settings(), HARM, starts_per_week=[STARTS], policies=["fifo"],
                                              replications=reps, seed=1))
        full.append(t)
        pts = draw_patients(seed=1, n_reps=reps, horizon_days=YEARS * 365.25, arrivals_per_week=ARRIVALS,
                            surgery_days=None, ready_after_days=(READY, READY), profile_weights=np.ones(1),
                            death_rate_per_day=DEATH / 365.25)
        times, _ = SlotCalendar(starts_per_week=STARTS).slots(int(YEARS * 365.25) + 800, reps)
        engine.append(_time(lambda p=pts, t=times: fifo_starts(p.ready, p.death, Slots(t)))[0])
        if i == 0:
            from rtdelay.cohort import read_cohort
            from rtdelay.demo import demo_cohort_path

            cohort_harm, _ = harm_from_cohort(read_cohort(demo_cohort_path()).eligibility.included, source="demo")
            risk.append(_time(lambda h=cohort_harm: plan_capacity(_settings(), h, starts_per_week=[STARTS],
                                                                  policies=["risk"], replications=reps, seed=1))[0])
    s = plan.scenario("fifo", STARTS)
    per_rep = statistics.median(full) / reps
    print(f"scenario: {ARRIVALS:g} operations/week, ready after {READY:g} d, {STARTS} starts/week mon-fri, FIFO, "
          f"death {DEATH:g}/year, {YEARS:g} years")
    print(f"rtdelay plan_capacity, {reps} replications x {YEARS:g} years, one policy and capacity: "
          f"median {statistics.median(full):.2f} s over {args.repeats} runs (goal < 10 s)")
    print(f"  engine alone (fifo_starts, all replications): median {statistics.median(engine):.3f} s; "
          f"per replication {1000 * statistics.median(engine) / reps:.2f} ms")
    print(f"  risk-first policy (risk model of the demo cohort, {len(cohort_harm.profiles)} risk levels: one queue per level), "
          f"same size: {risk[0]:.2f} s (one run)")

    ciw_times, ciw_waits = [], []
    for seed in range(args.ciw_runs):
        t, w = _ciw_run(seed)
        ciw_times.append(t)
        ciw_waits.append(w)
    ciw_rep = statistics.median(ciw_times)
    print(f"Ciw: median {1000 * ciw_rep:.1f} ms per 10-year replication over {args.ciw_runs} runs")
    print(f"  rtdelay per replication (everything included): {1000 * per_rep:.2f} ms -> {ciw_rep / per_rep:.0f}x faster "
          "(goal >= 10x)")
    ours_days = 7.0 * s.mean_wait_weeks
    ours_se = 7.0 * (s.mean_wait_ci[1] - s.mean_wait_ci[0]) / (2 * 1.959963984540054)
    ciw_se = float(np.std(ciw_waits, ddof=1) / math.sqrt(len(ciw_waits)))
    z = (ours_days - float(np.mean(ciw_waits))) / math.hypot(ours_se, ciw_se)
    print(f"mean wait from readiness: rtdelay {ours_days:.3f} d (SE {ours_se:.3f}), Ciw {np.mean(ciw_waits):.3f} d "
          f"(SE {ciw_se:.3f}); difference {z:+.2f} SE -> {'agree' if abs(z) < 3 else 'DISAGREE'}")
    print(f"Little's law max gap over replications: {s.littles_law_max_gap:.2e}")


if __name__ == "__main__":
    main()
