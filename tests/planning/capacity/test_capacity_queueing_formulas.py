"""The capacity engine against queueing theory (hand-calculated formulas quoted beside each test).

The engine's continuous-time capacity (``Servers``: c servers, general service times) runs
through the same ``fifo_starts`` / ``priority_starts`` the planner uses for slotted starts.
Each comparison also checks that the simulation's standard error is small enough for the 2 %
tolerance to mean something (|sim - formula| < 2 % and 3 SE < 2 %).
"""

import math

import numpy as np
import pytest

from rtdelay.planning.capacity import (
    Servers,
    batch_means,
    fifo_starts,
    leave_times,
    little_check,
    priority_starts,
)

NO_DEATH = np.inf


def _poisson_ready(rng, rate, reps, n):
    return np.cumsum(rng.exponential(1.0 / rate, size=(reps, n)), axis=1)


def _assert_close(sim, se, formula, tol=0.02):
    assert abs(sim - formula) / formula < tol, (sim, formula)
    assert 3 * se / formula < tol, ("simulation too noisy for the tolerance", se)


# Pollaczek-Khinchine for M/D/1 (D = 1): Wq = rho D / (2 (1 - rho)); 0.5 -> 0.5, 0.8 -> 2.0, 0.9 -> 4.5.
@pytest.mark.parametrize("rho", [0.5, 0.8])
def test_pollaczek_khinchine_md1_independent_replications(rho):
    rng = np.random.default_rng(151)
    reps, n, warm = 40, 40_000, 4_000
    ready = _poisson_ready(rng, rho, reps, n)
    start = fifo_starts(ready, np.full_like(ready, NO_DEATH), Servers(1, np.ones_like(ready)))
    per_rep = (start - ready)[:, warm:].mean(axis=1)
    _assert_close(per_rep.mean(), per_rep.std(ddof=1) / math.sqrt(reps), rho / (2 * (1 - rho)))


@pytest.mark.slow
def test_pollaczek_khinchine_md1_high_load_batch_means():
    rho = 0.9
    rng = np.random.default_rng(152)
    n, warm = 5_000_000, 50_000
    ready = _poisson_ready(rng, rho, 1, n)
    start = fifo_starts(ready, np.full_like(ready, NO_DEATH), Servers(1, np.ones_like(ready)))
    mean, se = batch_means((start - ready)[0, warm:], n_batches=20)
    _assert_close(mean, se, rho / (2 * (1 - rho)))  # 4.5


def test_fifo_lindley_closed_form_equals_the_server_loop():
    """The no-death shortcut (Lindley via cumulative minima) and the general loop agree."""
    rng = np.random.default_rng(153)
    ready = _poisson_ready(rng, 0.8, 5, 3000)
    ready[2, 2500:] = np.inf  # padding, as for replications with fewer patients
    service = rng.exponential(1.0, size=ready.shape)
    fast = fifo_starts(ready, np.full_like(ready, np.inf), Servers(1, service))
    loop = fifo_starts(ready, np.full_like(ready, 1e300), Servers(1, service))
    np.testing.assert_allclose(fast, loop, rtol=0, atol=1e-9)
    assert np.isnan(fast[2, 2500:]).all()


def _erlang_c_wait(c, lam, mu):
    """Erlang C (M/M/c): Wq = C(c, a) / (c mu - lam), a = lam / mu, rho = a / c,
    C = (a^c / c!) / (1 - rho) / (sum_{k<c} a^k / k! + (a^c / c!) / (1 - rho))."""
    a = lam / mu
    rho = a / c
    top = a**c / math.factorial(c) / (1 - rho)
    return top / (sum(a**k / math.factorial(k) for k in range(c)) + top) / (c * mu - lam)


def test_erlang_c_formula_hand_value():
    # c = 3, a = 2: C = (8/6 * 3) / (1 + 2 + 2 + 4) = 4/9; Wq = (4/9) / (0.3 - 0.2) = 4.4444
    assert _erlang_c_wait(3, 0.2, 0.1) == pytest.approx(40 / 9, rel=1e-12)


@pytest.mark.slow
def test_erlang_c_mmc_and_littles_law():
    rng = np.random.default_rng(154)
    c, lam, mu = 3, 0.2, 0.1
    reps, n, warm = 300, 12_000, 1_500
    ready = _poisson_ready(rng, lam, reps, n)
    death = np.full_like(ready, NO_DEATH)
    start = fifo_starts(ready, death, Servers(c, rng.exponential(1 / mu, size=ready.shape)))
    per_rep = (start - ready)[:, warm:].mean(axis=1)
    _assert_close(per_rep.mean(), per_rep.std(ddof=1) / math.sqrt(reps), _erlang_c_wait(c, lam, mu))
    # Little's law on every replication: time-average queue = arrival rate x mean wait
    horizon = float(np.min(ready[:, -1]))
    check = little_check(ready, leave_times(ready, start, death), horizon)
    assert np.all(check.gap < 0.01), check.gap.max()
    lq = check.time_average.mean()
    assert lq == pytest.approx(lam * _erlang_c_wait(c, lam, mu), rel=0.03)


@pytest.mark.slow
def test_cobham_two_class_nonpreemptive_priority():
    """M/D/1 with two classes (lam1 = lam2 = 0.3, D = 1; class 0 first), Cobham (1954):
    W0 = sum lam_i E[S_i^2] / 2 = 0.3; Wq1 = W0 / (1 - rho1) = 0.4286;
    Wq2 = W0 / ((1 - rho1)(1 - rho1 - rho2)) = 1.0714."""
    rng = np.random.default_rng(155)
    reps, n, warm = 30, 40_000, 2_000
    ready = _poisson_ready(rng, 0.6, reps, n)
    cls = (rng.uniform(size=ready.shape) < 0.5).astype(float)
    start = priority_starts(ready, np.full_like(ready, NO_DEATH), cls, Servers(1, np.ones_like(ready)))
    wait = (start - ready)[:, warm:]
    w0 = 0.6 * 1.0 / 2
    for k, formula in ((0, w0 / 0.7), (1, w0 / (0.7 * 0.4))):
        per_rep = np.array([wait[r][cls[r, warm:] == k].mean() for r in range(reps)])
        _assert_close(per_rep.mean(), per_rep.std(ddof=1) / math.sqrt(reps), formula)


def test_priority_loop_with_equal_keys_is_fifo_for_servers():
    rng = np.random.default_rng(156)
    ready = _poisson_ready(rng, 0.25, 3, 2000)
    service = rng.exponential(10.0, size=ready.shape)
    death = ready + rng.exponential(200.0, size=ready.shape)
    fifo = fifo_starts(ready, death, Servers(3, service))
    prio = priority_starts(ready, death, np.zeros_like(ready), Servers(3, service))
    np.testing.assert_allclose(fifo, prio, equal_nan=True)
    assert np.isnan(fifo).any()  # some died waiting


def test_batch_means_se_of_independent_series():
    x = np.random.default_rng(157).normal(size=100_000)
    mean, se = batch_means(x, n_batches=20)
    assert abs(mean) < 4 * se
    assert se == pytest.approx(1 / math.sqrt(x.size), rel=0.5)
