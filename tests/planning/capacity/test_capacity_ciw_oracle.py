"""The slotted engine against Ciw (Palmer et al., J Simul 2019), an independent discrete-event library.

Ciw is a dev-only dependency. Each scenario runs both simulators on their own random numbers;
the mean waits must agree within simulation error (|difference| < 4 combined standard errors),
and the standard errors must be small enough (< 5 % of the mean) for that to mean something.
Time unit: days; day 0 is a Monday; a course start happens at the end of its day.
"""

import datetime as dt
import math

import numpy as np
import pytest

from rtdelay.planning.capacity import (
    SlotCalendar,
    Slots,
    fifo_starts,
    parse_start_days,
    priority_starts,
)

ciw = pytest.importorskip("ciw")

YEARS = 3.0
CIW_RUNS = 30
T = YEARS * 365.25
MONDAY = dt.date(2027, 1, 4)


def _ciw_waits(slots, sizes, lam_by_class, *, seed, renege_rate=None):
    """Mean wait per class of customers arriving before T (reneged ones counted apart)."""
    classes = {f"Class {i}": i for i in range(len(lam_by_class))}
    kwargs = {}
    if renege_rate is not None:
        kwargs["reneging_time_distributions"] = {c: [ciw.dists.Exponential(renege_rate)] for c in classes}
    network = ciw.create_network(
        arrival_distributions={c: [ciw.dists.Exponential(lam_by_class[i])] for c, i in classes.items()},
        service_distributions={c: [ciw.dists.Deterministic(0.01)] for c in classes},
        number_of_servers=[ciw.Slotted(slots=slots, slot_sizes=sizes)],
        priority_classes=dict(classes),
        **kwargs,
    )
    ciw.seed(seed)
    sim = ciw.Simulation(network)
    sim.simulate_until_max_time(T + 200.0)
    recs = [r for r in sim.get_all_records() if r.arrival_date < T]
    served = [r for r in recs if r.record_type == "service"]
    out = [float(np.mean([r.waiting_time for r in served if r.customer_class == c])) for c in classes]
    died = sum(r.record_type == "renege" for r in recs) / max(len(recs), 1)
    return out, died


def _ours(starts, days, lam_by_class, *, seed, reps, death_rate=0.0, priority=False):
    rng = np.random.default_rng(seed)
    lam = sum(lam_by_class)
    counts = rng.poisson(lam * T, size=reps)
    n = int(counts.max())
    ready = rng.uniform(0, T, size=(reps, n))
    ready = np.sort(np.where(np.arange(n) < counts[:, None], ready, np.inf), axis=1)
    cls = (rng.uniform(size=ready.shape) >= lam_by_class[0] / lam).astype(float)
    death = ready + rng.exponential(1 / death_rate, size=ready.shape) if death_rate else np.full_like(ready, np.inf)
    cal = SlotCalendar(starts_per_week=starts, start_days=parse_start_days(days), start_date=MONDAY)
    times, _ = cal.slots(int(T) + 400, reps)
    cap = Slots(times)
    start = priority_starts(ready, death, cls, cap) if priority else fifo_starts(ready, death, cap)
    wait = start - ready
    per_class = [np.array([np.nanmean(np.where(cls[r] == i, wait[r], np.nan)) for r in range(reps)])
                 for i in range(len(lam_by_class))]
    died = np.array([np.mean(np.isnan(wait[r][np.isfinite(ready[r])])) for r in range(reps)])
    return per_class, died


def _agree(ours, theirs):
    a, b = np.asarray(ours), np.asarray(theirs)
    se = math.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
    assert se < 0.05 * b.mean(), ("too noisy to compare", se, b.mean())
    assert abs(a.mean() - b.mean()) < 4 * se, (a.mean(), b.mean(), se)


@pytest.mark.slow
def test_fifo_mon_to_fri_one_start_a_day_agrees_with_ciw():
    lam = [3 / 7]
    theirs = [_ciw_waits([1.0, 2.0, 3.0, 4.0, 5.0, 7.0], [1, 1, 1, 1, 1, 0], lam, seed=s)[0][0] for s in range(CIW_RUNS)]
    ours, _ = _ours(5, "mon-fri", lam, seed=1501, reps=200)
    _agree(ours[0], theirs)


@pytest.mark.slow
def test_fifo_all_starts_on_friday_with_deaths_agrees_with_ciw():
    lam, death = [4 / 7], 1 / 60.0
    runs = [_ciw_waits([5.0, 7.0], [5, 0], lam, seed=s, renege_rate=death) for s in range(CIW_RUNS)]
    ours, died = _ours(5, "fri", lam, seed=1502, reps=200, death_rate=death)
    _agree(ours[0], [w[0][0] for w in runs])
    _agree(died, [w[1] for w in runs])


@pytest.mark.slow
def test_two_priority_classes_mon_wed_fri_agree_with_ciw():
    lam = [0.7 / 7, 1.4 / 7]  # urgent first; 2.1 patients for 3 starts a week
    runs = [_ciw_waits([1.0, 3.0, 5.0, 7.0], [1, 1, 1, 0], lam, seed=s)[0] for s in range(CIW_RUNS)]
    ours, _ = _ours(3, "mon,wed,fri", lam, seed=1503, reps=100, priority=True)
    for k in range(2):
        _agree(ours[k], [w[k] for w in runs])
