"""Kaplan-Meier against R survival 3.5-3 (tests/reference/km_logrank.R -> km_logrank.json).

Every expected value comes from R: ``survfit(Surv(time, event) ~ 1, conf.type = ...)`` for the
curve (std.err converted to the survival scale as ``summary.survfit`` does), ``summary(fit,
times = ...)`` for the tables at given times, and ``print(fit)`` (``summary(fit)$table``) for
the median and its 0.95LCL/0.95UCL. Tolerance 1e-6 relative; R's NA is our NaN.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from rtdelay.stats import SurvivalCurve, kaplan_meier

REF = json.loads((Path(__file__).parents[1] / "reference" / "km_logrank.json").read_text())
KM = REF["km"]
RTOL = 1e-6


def _arr(x: object) -> np.ndarray:
    """R vector from JSON (length-1 vectors are unboxed; null is NA) -> float array."""
    vals = x if isinstance(x, list) else [x]
    return np.array([np.nan if v is None else v for v in vals], dtype=float)


def _num(x: object) -> float:
    return float("nan") if x is None else float(x)


def _close(actual: np.ndarray, expected: np.ndarray) -> None:
    np.testing.assert_allclose(np.asarray(actual, dtype=float), expected, rtol=RTOL, atol=1e-12, equal_nan=True)


def _fit(case: dict) -> SurvivalCurve:
    level = case.get("conf_level", 0.95)
    return kaplan_meier(case["data"]["time"], case["data"]["event"], conf_type=case["conf_type"], conf_level=level)


@pytest.mark.parametrize("name", sorted(KM))
def test_curve_matches_survfit(name: str) -> None:
    # survfit(Surv(time, event) ~ 1, conf.type = ct): time, n.risk, n.event, n.censor, surv,
    # std.err * surv, lower, upper
    case = KM[name]
    fit = _fit(case)
    cur = case["curve"]
    _close(fit.time, _arr(cur["time"]))
    _close(fit.n_at_risk, _arr(cur["n_risk"]))
    _close(fit.n_events, _arr(cur["n_event"]))
    _close(fit.n_censored, _arr(cur["n_censor"]))
    _close(fit.survival, _arr(cur["surv"]))
    _close(fit.std_err, _arr(cur["std_err"]))
    _close(fit.lower, _arr(cur["lower"]))
    _close(fit.upper, _arr(cur["upper"]))


@pytest.mark.parametrize("name", sorted(KM))
def test_median_and_ci_match_print_survfit(name: str) -> None:
    # print(survfit(...)): median, 0.95LCL, 0.95UCL (NA -> NaN)
    case = KM[name]
    fit = _fit(case)
    _close(np.array([fit.median(), *fit.median_ci()]), np.array([_num(case["median"]), _num(case["lcl"]), _num(case["ucl"])]))


@pytest.mark.parametrize("name", sorted(k for k in KM if "summary" in KM[k]))
def test_summary_at_matches_summary_survfit(name: str) -> None:
    # summary(survfit(...), times = times): time, n.risk, n.event, surv, std.err, lower, upper
    case = KM[name]
    s = case["summary"]
    table = _fit(case).summary_at(_arr(s["times"]))
    assert list(table.columns) == ["time", "n_at_risk", "n_events", "survival", "std_err", "lower", "upper"]
    kept = table[table["time"] <= max(case["curve"]["time"])]  # R drops later times
    _close(kept["time"].to_numpy(), _arr(s["time"]))
    _close(kept["n_at_risk"].to_numpy(), _arr(s["n_risk"]))
    _close(kept["n_events"].to_numpy(), _arr(s["n_event"]))
    _close(kept["survival"].to_numpy(), _arr(s["surv"]))
    _close(kept["std_err"].to_numpy(), _arr(s["std_err"]))
    _close(kept["lower"].to_numpy(), _arr(s["lower"]))
    _close(kept["upper"].to_numpy(), _arr(s["upper"]))


def test_special_cases_are_in_the_fixture() -> None:
    # The fixture must really contain the cases the edge-case tests rely on.
    assert KM["half_log-log"]["median"] == 3.5  # flat at exactly 0.5 on [3, 4): R's midpoint
    assert KM["half2_log-log"]["median"] == 3  # flat at 0.5 on [2, 4) with a censoring inside
    assert KM["ovarian_rx2_log-log"]["median"] is None  # not reached
    assert KM["zero_log-log"]["curve"]["surv"][-1] == 0


def test_median_flat_half_hand_calculation() -> None:
    # Six events at 1..6: S = 3/6 on [3, 4) exactly, so the median is (3 + 4) / 2.
    assert kaplan_meier([1, 2, 3, 4, 5, 6], [1] * 6).median() == 3.5


def test_median_not_reached_is_nan() -> None:
    fit = kaplan_meier([1, 2, 3, 4], [1, 0, 0, 0])
    assert math.isnan(fit.median())
    assert math.isnan(fit.median_ci()[1])


def test_survival_reaching_zero_gives_nan_ci_not_crash() -> None:
    # R: survfit(Surv(c(1,2,2,3,4), c(1,0,1,1,1)) ~ 1) has surv 0 at 4, std.err Inf, CI NA.
    for ct in ("log-log", "log", "plain"):
        fit = kaplan_meier([1, 2, 2, 3, 4], [1, 0, 1, 1, 1], conf_type=ct)
        assert fit.survival[-1] == 0.0
        assert math.isnan(fit.std_err[-1]) and math.isnan(fit.lower[-1]) and math.isnan(fit.upper[-1])


def test_all_censored() -> None:
    fit = kaplan_meier([2, 3, 5, 7], [0, 0, 0, 0])
    assert np.all(fit.survival == 1.0)
    assert np.all(fit.std_err == 0.0)
    assert math.isnan(fit.median())
    assert fit.n_events.sum() == 0


def test_ties_at_time_zero() -> None:
    # Two events and one censoring at t = 0 among 10: S(0) = 1 - 2/10 = 0.8 (hand calculation)
    fit = kaplan_meier([0, 0, 0, 1, 2, 3, 3, 5, 6, 6], [1, 0, 1, 1, 0, 1, 1, 0, 1, 0])
    assert fit.time[0] == 0.0 and fit.n_at_risk[0] == 10 and fit.n_events[0] == 2
    assert fit.survival[0] == pytest.approx(0.8, rel=1e-12)


def test_at_is_right_continuous_and_nan_beyond_last_time() -> None:
    # Hand calculation: S = 5/6 at 1, 4/6 at 2, ...
    fit = kaplan_meier([1, 2, 3, 4, 5, 6], [1] * 6)
    got = fit.at([0, 0.999, 1, 1.5, 2, 6, 6.01])
    np.testing.assert_allclose(got[:6], [1, 1, 5 / 6, 5 / 6, 4 / 6, 0], rtol=1e-12)
    assert math.isnan(got[6])


def test_summary_at_beyond_last_time_is_nan_row() -> None:
    table = kaplan_meier([1, 2, 3], [1, 0, 1]).summary_at([2, 10])
    assert len(table) == 2
    assert math.isnan(table["survival"].iloc[1]) and table["n_at_risk"].iloc[1] == 0


def test_summary_at_rejects_negative_times() -> None:
    with pytest.raises(ValueError, match="index 1"):
        kaplan_meier([1, 2, 3], [1, 0, 1]).summary_at([2, -1])


@pytest.mark.parametrize(
    ("time", "event", "match"),
    [
        ([1, -2, 3], [1, 0, 1], "index 1"),
        ([1, 2, float("nan")], [1, 0, 1], "index 2"),
        ([1, 2, 3], [1, 2, 1], "index 1"),
        ([1, 2, 3], [1, 0], "same length"),
        ([], [], "empty"),
    ],
)
def test_bad_input_names_index(time: list, event: list, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        kaplan_meier(time, event)


@pytest.mark.parametrize("kw", [{"conf_type": "logit"}, {"conf_level": 1.5}, {"conf_level": 0}])
def test_bad_options(kw: dict) -> None:
    with pytest.raises(ValueError):
        kaplan_meier([1, 2], [1, 1], **kw)


def test_frame_and_dict_and_integer_path_agree_with_float_path() -> None:
    rng = np.random.default_rng(1)
    t = rng.integers(0, 50, 500).astype(float)
    e = rng.integers(0, 2, 500)
    a = kaplan_meier(t, e)
    b = kaplan_meier(t + 0.25, e)  # non-integer: the argsort path
    np.testing.assert_allclose(a.survival, b.survival)
    np.testing.assert_allclose(a.time + 0.25, b.time)
    frame = a.to_frame()
    assert list(frame.columns) == ["time", "n_at_risk", "n_events", "n_censored", "survival", "std_err", "lower", "upper"]
    d = a.to_dict()
    json.dumps(d)
    assert d["n"] == 500 and d["conf_type"] == "log-log"
