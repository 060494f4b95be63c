"""Simulated current-status data with a known progression distribution (DOMAIN.md §7a).

Truth: T exponential with F(6 months) = 0.45; look time C lognormal with median 2 months and
sigma 0.8, independent of T. The article's Kaplan-Meier treatment (event = progression seen at
the look, time = look time) is biased; the NPMLE and the parametric model recover the truth.
"""

import math

import numpy as np
import pytest
from weibull_se import weibull_risk_se

from rtdelay.planning import fit_current_status
from rtdelay.stats import current_status_npmle, kaplan_meier

RATE = -math.log(1 - 0.45) / 6.0  # F(6) = 0.45
TIMES = np.array([1.0, 3.0, 6.0])
TRUTH = 1 - np.exp(-RATE * TIMES)  # 0.0950, 0.2584, 0.4500 (DOMAIN.md §7a table)


def _simulate(n, seed):
    rng = np.random.default_rng(seed)
    t = rng.exponential(1 / RATE, n)
    c = rng.lognormal(math.log(2.0), 0.8, n)
    return c, (t <= c).astype(int)


def test_truth_matches_domain_table():
    np.testing.assert_allclose(TRUTH, [0.095, 0.258, 0.450], atol=1e-3)


@pytest.mark.parametrize(("n", "tol"), [(300, 0.13), (2000, 0.05), (8000, 0.03)])
def test_npmle_recovers_truth(n, tol):
    # the NPMLE converges at rate n^(1/3) (Groeneboom & Wellner 1992): tolerances shrink slowly
    c, d = _simulate(n, seed=n)
    est = current_status_npmle(c, d).at(TIMES)
    np.testing.assert_allclose(est, TRUTH, atol=tol)


@pytest.mark.parametrize("n", [300, 2000, 8000])
def test_parametric_model_recovers_truth(n):
    c, d = _simulate(n, seed=n + 1)
    fit = fit_current_status(c, d, baseline="weibull")
    pred = fit.predict(TIMES)
    # each estimate within three of its own standard errors of the truth
    se = weibull_risk_se(fit, TIMES)
    assert np.all(np.abs(pred.risk - TRUTH) < 3.0 * se), (pred.risk, TRUTH, se)
    # the truth is exponential = Weibull with shape 1
    assert abs(fit.coef[1] - 1.0) < 3.0 * fit.se[1]  # within three standard errors


def test_naive_kaplan_meier_is_biased():
    # averaged over 20 replicates of n = 2000 (DOMAIN.md §7a: naive KM 0.014 at 1 month vs 0.095)
    naive = []
    for seed in range(20):
        c, d = _simulate(2000, seed=100 + seed)
        naive.append(1 - kaplan_meier(c, d).at(TIMES))
    mean_naive = np.mean(naive, axis=0)
    assert mean_naive[0] < 0.03  # understated early risk
    assert TRUTH[0] - mean_naive[0] > 0.06
    assert abs(mean_naive[2] - 0.475) < 0.03  # catches up / overshoots by 6 months
