"""Planning helpers behind ``rtdelay risk``: the time shape on the log scale, the caution, the
extrapolation rule and readable covariate names (all by hand)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sst

from rtdelay.planning import (
    EXTRAPOLATION_LIMIT,
    MAX_WAIT_WEEKS,
    CurrentStatusFit,
    describe_profile,
    fit_current_status,
    predict_wait_risk,
    time_shape,
    wait_caution,
)


def _fit(k: float, se_k: float, max_time: float = 6.0) -> CurrentStatusFit:
    return CurrentStatusFit(
        baseline="weibull",
        names=("intercept", "log_time_shape"),
        coef=np.array([-2.0, k]),
        se=np.array([0.3, se_k]),
        covariance=np.diag([0.09, se_k**2]),
        log_likelihood=-50.0,
        aic=104.0,
        n=80,
        n_progressed=12,
        max_time=max_time,
    )


def test_time_shape_interval_is_on_the_log_scale_and_never_negative():
    # k = 0.3, se 0.4: the plain Wald interval 0.3 -/+ 1.96 * 0.4 = (-0.484, 1.084) goes negative
    shape = time_shape(_fit(0.3, 0.4))
    z = sst.norm.ppf(0.975)
    assert shape.lower == pytest.approx(0.3 * math.exp(-z * 0.4 / 0.3), rel=1e-12)
    assert shape.upper == pytest.approx(0.3 * math.exp(z * 0.4 / 0.3), rel=1e-12)
    assert shape.lower > 0
    assert shape.p_no_rise == pytest.approx(2 * sst.norm.sf(0.3 / 0.4), rel=1e-12)


def test_caution_only_when_the_rise_is_not_clear():
    text = wait_caution(_fit(0.3, 0.4))
    assert text is not None and "does not clearly rise" in text
    assert "CI 0.02 to 4.09" in text  # 0.3 exp(-/+ 1.96 * 0.4 / 0.3) = 0.3 * (0.0733, 13.64), by hand
    assert "-" not in text.split("CI")[1].split(";")[0]
    assert wait_caution(_fit(1.5, 0.2)) is None


def _toy_model() -> CurrentStatusFit:
    rng = np.random.default_rng(7)
    c = rng.uniform(0.2, 8.0, 400)
    t = rng.weibull(1.5, 400) * 6.0
    return fit_current_status(c, (t <= c).astype(int), baseline="weibull")


def test_extrapolation_warns_beyond_the_longest_look_and_refuses_beyond_twice():
    fit = _toy_model()
    longest_weeks = fit.max_time * 30.4375 / 7.0
    pred = predict_wait_risk(fit, {}, [4, longest_weeks + 1])
    assert len(pred.warnings) == 1 and "extrapolation" in pred.warnings[0]
    assert predict_wait_risk(fit, {}, [4, longest_weeks - 1]).warnings == ()
    with pytest.raises(ValueError, match=f"more than {EXTRAPOLATION_LIMIT:g} times the longest wait"):
        predict_wait_risk(fit, {}, [EXTRAPOLATION_LIMIT * longest_weeks + 0.5])


def test_latest_week_search_stops_at_the_longest_look():
    fit = _toy_model()
    pred = predict_wait_risk(fit, {}, [4], max_risk=0.99)
    assert pred.search_weeks == math.floor(fit.max_time * 30.4375 / 7.0) < MAX_WAIT_WEEKS
    assert pred.latest_week == pred.search_weeks  # risk stays under 99 % over the searched range


def test_profile_in_words():
    text = describe_profile({"growth_class": "moderate", "surgery_type": "separation", "escc_grade": "1b"})
    assert text == "growth class: moderate, operation type: separation, ESCC grade: 1b"
