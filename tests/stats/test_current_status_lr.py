"""Likelihood-ratio intervals for the current-status NPMLE (Banerjee & Wellner 2001).

The constrained maximum likelihood under F(t0) = theta is recomputed here by a general
constrained optimiser (scipy SLSQP with the monotonicity and the point constraint written out),
not by the split-and-truncate rule the module uses, so the statistic is checked independently.
The coverage simulation (slow) is the small version of benchmarks/current_status_coverage.py.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy import optimize, stats

from rtdelay.stats import current_status_lr_ci, current_status_lr_statistic, current_status_npmle

LOOK = np.array([0.5, 1.0, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 5.0])
POS = np.array([0, 0, 1, 0, 1, 0, 1, 1, 0, 1])


def _loglik(f: np.ndarray, s: np.ndarray, w: np.ndarray) -> float:
    f = np.clip(f, 1e-300, 1 - 1e-16)
    return float(np.sum(s * np.log(f) + (w - s) * np.log1p(-f)))


def _constrained_max(t0: float, theta: float) -> float:
    """max log-likelihood over non-decreasing F at the distinct looks with F(t0) = theta."""
    ut, inv = np.unique(LOOK, return_inverse=True)
    w = np.bincount(inv).astype(float)
    s = np.bincount(inv, weights=POS).astype(float)
    k = int(np.searchsorted(ut, t0, side="right"))
    cons = [{"type": "ineq", "fun": lambda f, i=i: f[i + 1] - f[i]} for i in range(ut.size - 1)]
    if k > 0:
        cons.append({"type": "ineq", "fun": lambda f: theta - f[k - 1]})
    if k < ut.size:
        cons.append({"type": "ineq", "fun": lambda f: f[k] - theta})
    start = np.full(ut.size, theta)
    res = optimize.minimize(
        lambda f: -_loglik(f, s, w), start, method="SLSQP", bounds=[(1e-9, 1 - 1e-9)] * ut.size,
        constraints=cons, options={"ftol": 1e-14, "maxiter": 1000},
    )
    return -float(res.fun)


@pytest.mark.parametrize(("t0", "theta"), [(1.2, 0.1), (1.2, 0.7), (3.2, 0.2), (3.2, 0.95), (0.2, 0.4), (5.0, 0.3)])
def test_statistic_equals_a_general_constrained_optimiser(t0: float, theta: float) -> None:
    ut, inv = np.unique(LOOK, return_inverse=True)
    w = np.bincount(inv).astype(float)
    s = np.bincount(inv, weights=POS).astype(float)
    full = _loglik(current_status_npmle(LOOK, POS).cdf, s, w)
    expected = 2.0 * (full - _constrained_max(t0, theta))
    assert current_status_lr_statistic(LOOK, POS, time=t0, value=theta) == pytest.approx(expected, abs=1e-6)


def test_limits_are_where_the_statistic_reaches_the_critical_value() -> None:
    ci = current_status_lr_ci(LOOK, POS, times=[1.2, 3.2])
    assert ci.critical_value == 2.28  # Banerjee & Wellner (2005), Table 1: d_0.95
    for i, t0 in enumerate([1.2, 3.2]):
        lo, hi = ci.lower[i], ci.upper[i]
        assert 0.0 < lo < ci.cdf[i] < hi < 1.0
        for limit in (lo, hi):
            assert current_status_lr_statistic(LOOK, POS, time=t0, value=limit) == pytest.approx(2.28, abs=1e-6)
        inside = current_status_lr_statistic(LOOK, POS, time=t0, value=(lo + ci.cdf[i]) / 2)
        assert inside < 2.28


def test_edges_and_conventions() -> None:
    # before the first look the NPMLE is 0: the interval starts at 0 and is not collapsed
    ci = current_status_lr_ci(LOOK, POS, times=[0.1, 6.0], conf_level=0.90)
    assert ci.cdf[0] == 0.0 and ci.lower[0] == 0.0 and ci.upper[0] > 0.0
    assert np.isnan(ci.lower[1]) and np.isnan(ci.cdf[1])  # after the last look: not identified
    assert ci.critical_value == 1.61
    # everybody positive: upper limit 1, lower limit below 1
    ci = current_status_lr_ci([1, 2, 3, 4], [1, 1, 1, 1], times=[2.5])
    assert ci.upper[0] == 1.0 and ci.lower[0] < 1.0
    json.dumps(ci.to_dict())
    with pytest.raises(ValueError, match="conf_level must be one of"):
        current_status_lr_ci(LOOK, POS, conf_level=0.8)


def test_boundary_upper_limit_is_the_exact_monotone_binomial_bound() -> None:
    # no positive look at or before t0 = 2: NPMLE 0 there. n = 12 -> window ceil(12^(2/3)) = 6 looks
    # after t0; with the tie at 4.0 the window holds the looks 2.5, 3, 3.5, 4, 4 (5 looks) and 4.5 (6th).
    look = np.array([0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.0, 4.5, 5.0, 6.0])
    pos = np.array([0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 1, 1])
    ci = current_status_lr_ci(look, pos, times=[2.0, 3.2])
    assert ci.cdf[0] == 0.0 and bool(ci.boundary[0]) and not bool(ci.boundary[1])
    # Clopper-Pearson one-sided 97.5 % upper limit for 2 positives of 6 looks (R: binom.test(2, 6)$conf.int[2])
    exact = float(stats.beta.ppf(0.975, 2 + 1, 6 - 2))
    assert exact == pytest.approx(0.7772219, abs=1e-6)
    lr_only = current_status_lr_statistic(look, pos, time=2.0, value=exact)
    assert ci.upper[0] == pytest.approx(exact, abs=1e-12) and lr_only > 2.28  # the exact bound is wider
    assert ci.lower[0] == 0.0
    # everybody positive: the lower limit is the exact bound from the looks at or before t0 (4 of 4)
    ci = current_status_lr_ci([1, 2, 3, 4, 5], [1, 1, 1, 1, 1], times=[4.5])
    assert ci.upper[0] == 1.0 and bool(ci.boundary[0])
    assert ci.lower[0] <= float(stats.beta.ppf(0.025, 3, 1)) + 1e-12  # ceil(5^(2/3)) = 3 looks, 3 positive


@pytest.mark.slow
def test_coverage_at_least_90_percent_by_simulation() -> None:
    """n = 50, 100, 300; 200 data sets each; T ~ exp(0.1 / month), looks ~ U(0, 9) months.

    The 95 % LR interval must cover F(1), F(3) and F(6) (0.095, 0.26, 0.45) in at least 90 % of
    data sets (fixed seeds); at 1 month this needs the exact boundary bound (LR alone: 0.89 at
    n = 100). benchmarks/current_status_coverage.py prints the full table with the bootstraps.
    """
    times = np.array([1.0, 3.0, 6.0])
    truth = 1.0 - np.exp(-0.1 * times)
    for n in (50, 100, 300):
        rng = np.random.default_rng(2024 + n)
        hits = np.zeros(times.size)
        for _ in range(200):
            look = rng.uniform(0.0, 9.0, n)
            pos = (rng.exponential(10.0, n) <= look).astype(int)
            ci = current_status_lr_ci(look, pos, times=times)
            hits += (ci.lower <= truth) & (truth <= ci.upper)
        assert np.all(hits / 200 >= 0.90), (n, hits / 200)
