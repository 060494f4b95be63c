"""The Weibull (cloglog) link at extreme linear predictors: exact values, no numpy warnings.

log F = log(1 - exp(-exp(eta))) and F = 1 - exp(-exp(eta)); checked against mpmath-free exact
forms: for eta <= -28, log F = eta to within exp(eta) / 2; for eta >= 710, F = 1, log S = -exp(700).
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from rtdelay.planning._cs_regression import _cdf, _log_f_and_log_s


def test_weibull_link_is_exact_and_silent_at_the_extremes():
    eta = np.array([-1e6, -800.0, -40.0, -28.0, -1.0, 0.0, 3.0, 700.0, 710.0, 1e6])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any RuntimeWarning fails the test
        log_f, log_s = _log_f_and_log_s(eta, "weibull")
        cdf = _cdf(eta, "weibull")
    for e, lf, c in zip(eta, log_f, cdf, strict=True):
        if e < 700:
            exact = math.log(-math.expm1(-math.exp(e))) if e > -700 else e
            assert abs(lf - exact) <= 1e-12 * max(1.0, abs(exact)), (e, lf, exact)
        assert 0.0 <= c <= 1.0
    assert cdf[-1] == 1.0 and cdf[0] == 0.0
    assert np.all(np.isfinite(log_s)) and log_s[-1] == -math.exp(700.0)
