"""Aalen-Johansen cumulative incidence and Gray's test against R cmprsk 2.2-11.

Expected values come from ``tests/reference/competing.R`` (stored in ``competing.json``) or from
hand calculation written out beside the assertion. Tolerance: 1e-6 relative.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import norm

from rtdelay.stats import CumulativeIncidence, cumulative_incidence, gray_test

REF = json.loads((Path(__file__).parents[1] / "reference" / "competing.json").read_text())
RTOL = 1e-6
ATOL = 1e-12  # for values that are exactly 0 in R

CIF_CASES = [
    (name, cause)
    for name in ("simulated", "mgus2", "small", "no_competing", "edge_last_single", "edge_all_fail", "three_causes")
    for cause in REF[name]["cuminc"]
]


@pytest.mark.parametrize(("name", "cause"), CIF_CASES)
def test_timepoints_match_cmprsk(name: str, cause: str) -> None:
    ds = REF[name]
    ref = ds["cuminc"][cause]
    fit = cumulative_incidence(ds["time"], ds["cause"], cause_of_interest=int(cause))
    table = fit.summary_at(ref["tp_times"])
    # R: timepoints(cuminc(time, cause), tp)$est / $var
    np.testing.assert_allclose(table["estimate"], ref["tp_est"], rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(table["variance"], ref["tp_var"], rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize(("name", "cause"), CIF_CASES)
def test_whole_curve_matches_cmprsk(name: str, cause: str) -> None:
    ds = REF[name]
    ref = ds["cuminc"][cause]
    fit = cumulative_incidence(ds["time"], ds["cause"], cause_of_interest=int(cause))
    # R: cuminc(time, cause)[["1 k"]]$time/est/var lists each jump twice (before, after);
    # the last entry at each time is the right-continuous value.
    t = np.asarray(ref["time"], dtype=float)
    last = np.r_[t[1:] != t[:-1], True]
    np.testing.assert_allclose(fit.at(t[last]), np.asarray(ref["est"])[last], rtol=RTOL, atol=ATOL)
    variance = fit.summary_at(t[last])["variance"]
    np.testing.assert_allclose(variance, np.asarray(ref["var"])[last], rtol=RTOL, atol=ATOL)


def test_no_competing_events_equals_one_minus_km() -> None:
    ds = REF["no_competing"]
    fit = cumulative_incidence(ds["time"], ds["cause"])
    # R: 1 - survfit(Surv(time, cause) ~ 1)$surv
    np.testing.assert_allclose(fit.at(ds["km_time"]), ds["km_one_minus_surv"], rtol=RTOL, atol=ATOL)


def test_hand_calculation_small() -> None:
    ds = REF["small"]
    fit = cumulative_incidence(ds["time"], ds["cause"], cause_of_interest=1)
    # t = 0: n = 12, one cause-1 failure (tie with a censoring at 0): F = 1/12,
    # Var = S(0-)^2 d(n-d)/(n^2 (n-1)) = 11 / (144 * 11) = 1/144.
    assert fit.at([0.0])[0] == pytest.approx(1 / 12, rel=1e-12)
    assert fit.summary_at([0.0])["variance"][0] == pytest.approx(1 / 144, rel=1e-12)
    # t = 2: S(2-) = (11/12)(9/10) = 0.825, n = 9, one cause-1 failure: F = 1/12 + 0.825/9 = 0.175.
    assert fit.at([2.0])[0] == pytest.approx(0.175, rel=1e-12)
    # Between failures the step is flat and right-continuous.
    assert fit.at([1.999])[0] == pytest.approx(1 / 12, rel=1e-12)


def test_loglog_limits_formula() -> None:
    ds = REF["simulated"]
    ref = ds["cuminc"]["1"]
    fit = cumulative_incidence(ds["time"], ds["cause"], conf_level=0.9)
    i = 3  # tp_times[3] = 5
    f, v = ref["tp_est"][i], ref["tp_var"][i]
    z = norm.ppf(0.95)
    w = z * math.sqrt(v) / (f * math.log(f))  # F^exp(+-z se/(F log F)), Pintilie (2006)
    row = fit.summary_at([ref["tp_times"][i]])
    assert row["lower"][0] == pytest.approx(f ** math.exp(-w), rel=RTOL)
    assert row["upper"][0] == pytest.approx(f ** math.exp(w), rel=RTOL)
    assert row["lower"][0] < f < row["upper"][0]


def test_result_shape_and_serialisation() -> None:
    ds = REF["small"]
    fit = cumulative_incidence(ds["time"], ds["cause"])
    assert isinstance(fit, CumulativeIncidence)
    np.testing.assert_array_equal(fit.time, [0, 1, 2, 3, 4, 5, 6])
    np.testing.assert_array_equal(fit.n_at_risk, [12, 10, 9, 6, 5, 3, 2])
    assert fit.cause_of_interest == 1 and fit.conf_level == 0.95
    assert list(fit.to_frame().columns) == ["time", "n_at_risk", "estimate", "variance", "lower", "upper"]
    assert list(fit.summary_at([1, 2]).columns) == ["time", "estimate", "variance", "lower", "upper"]
    json.dumps(fit.to_dict())
    # beyond the last observed time: NaN; before the first: 0
    assert np.isnan(fit.at([6.5])[0])
    assert cumulative_incidence([1, 2], [1, 0]).at([0.5])[0] == 0.0
    with pytest.raises(AttributeError):
        fit.cause_of_interest = 2  # type: ignore[misc]


def test_all_censored_is_zero() -> None:
    fit = cumulative_incidence([1, 2, 3, 4], [0, 0, 0, 0])
    np.testing.assert_array_equal(fit.estimate, 0.0)
    np.testing.assert_array_equal(fit.variance, 0.0)
    assert np.isnan(fit.lower).all() and np.isnan(fit.upper).all()


def test_only_competing_cause() -> None:
    time = [1, 2, 2, 3, 5, 8]
    cause = [2, 2, 0, 2, 0, 2]
    fit1 = cumulative_incidence(time, cause, cause_of_interest=1)
    np.testing.assert_array_equal(fit1.estimate, 0.0)
    # cause 2 alone is 1 - KM: S = (5/6)(4/5)(2/3)(0/1) -> F = 1/6, 1/3, 5/9, 1 (hand)
    fit2 = cumulative_incidence(time, cause, cause_of_interest=2)
    np.testing.assert_allclose(fit2.at([1, 2, 3, 8]), [1 / 6, 1 / 3, 5 / 9, 1.0], rtol=1e-12)
    assert np.isnan(fit2.lower[-1])  # F = 1: no log(-log) limit


def test_ties_at_time_zero() -> None:
    fit = cumulative_incidence([0, 0, 0, 1, 2], [1, 2, 0, 1, 0])
    # t = 0: n = 5, one cause-1 and one cause-2 failure: F = 1/5 (hand)
    assert fit.at([0])[0] == pytest.approx(0.2, rel=1e-12)
    # t = 1: S(1-) = 3/5, n = 2: F = 0.2 + 0.6 / 2 = 0.5
    assert fit.at([1])[0] == pytest.approx(0.5, rel=1e-12)


@pytest.mark.parametrize(
    ("time", "cause", "match"),
    [
        ([1, 2, float("nan")], [1, 0, 1], "index 2"),
        ([1, -2, 3], [1, 0, 1], "index 1"),
        ([1, 2, 3], [1, -1, 0], "index 1"),
        ([1, 2, 3], [1, 0, 1.5], "index 2"),
        ([1, 2, 3], [1, 0, float("nan")], "index 2"),
        ([1, 2, 3], [1, 0], "same length"),
        ([], [], "empty"),
    ],
)
def test_bad_inputs(time: list[float], cause: list[float], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        cumulative_incidence(time, cause)


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "1"])
def test_bad_cause_of_interest(bad: object) -> None:
    with pytest.raises(ValueError, match="cause_of_interest"):
        cumulative_incidence([1, 2], [1, 0], cause_of_interest=bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("level", [0, 1, 1.5, -0.1])
def test_bad_conf_level(level: float) -> None:
    with pytest.raises(ValueError, match="conf_level"):
        cumulative_incidence([1, 2], [1, 0], conf_level=level)


GRAY_CASES = [
    (name, key, cause)
    for name in ("simulated", "mgus2", "small", "three_causes", "single_member_group")
    for key in ("gray2", "gray3")
    if key in REF[name]
    for cause in REF[name][key]
]


@pytest.mark.parametrize(("name", "key", "cause"), GRAY_CASES)
def test_gray_matches_cmprsk(name: str, key: str, cause: str) -> None:
    ds = REF[name]
    ref = ds[key][cause]
    # min_group_size=1: cmprsk's behaviour for the single-member group case
    res = gray_test(ds["time"], ds["cause"], ds["group" + key[-1]], cause_of_interest=int(cause), min_group_size=1)
    # R: cuminc(time, cause, group)$Tests[cause, c("stat", "pv", "df")]
    assert res.statistic == pytest.approx(ref["stat"], rel=RTOL)
    assert res.df == ref["df"]
    # cmprsk computes pv as 1 - pchisq(stat, df), which rounds to 0 below about 1e-16 (mgus2,
    # death by age group: R prints 0, the true tail is 1.3e-59); hence the absolute 1e-15.
    assert res.p_value == pytest.approx(ref["pv"], rel=RTOL, abs=1e-15)


def test_gray_result_contents() -> None:
    ds = REF["simulated"]
    res = gray_test(ds["time"], ds["cause"], ds["group3"])
    assert res.groups == ("a", "b", "c")
    assert res.observed.shape == res.expected.shape == (3,)
    # observed = cause-1 failures per group; the score O - E sums to zero over groups
    cause = np.asarray(ds["cause"])
    group = np.asarray(ds["group3"])
    np.testing.assert_array_equal(res.observed, [np.sum((cause == 1) & (group == g)) for g in "abc"])
    assert res.observed.sum() == pytest.approx(res.expected.sum(), rel=1e-12)
    np.testing.assert_allclose(res.extra["score"], (res.observed - res.expected)[:2], rtol=1e-12)
    assert "Gray" in res.method
    json.dumps(res.to_dict())
    assert len(res.to_frame()) == 3


def test_gray_label_order_does_not_change_statistic() -> None:
    ds = REF["simulated"]
    relabelled = [{"a": "z", "b": "y", "c": "x"}[g] for g in ds["group3"]]
    # R: cuminc(...)$Tests["1", "stat"] = 6.20765747055847 whichever group is dropped
    res = gray_test(ds["time"], ds["cause"], relabelled)
    assert res.statistic == pytest.approx(REF["simulated"]["gray3"]["1"]["stat"], rel=RTOL)


def test_gray_one_group_is_an_error() -> None:
    with pytest.raises(ValueError, match="at least two groups"):
        gray_test([1, 2, 3], [1, 2, 0], ["a", "a", "a"])


def test_gray_no_failure_of_interest_is_a_note() -> None:
    res = gray_test([1, 2, 3, 4], [2, 2, 0, 0], ["a", "b", "a", "b"])
    assert not res.computed and "no failure from cause 1" in res.note
    assert np.isnan(res.p_value)


@pytest.mark.parametrize(
    ("time", "cause", "group", "match"),
    [
        ([1, 2, -3, 4], [1, 0, 1, 2], [1, 1, 2, 2], "index 2"),
        ([1, 2, 3, 4], [1, 0, 7.5, 2], [1, 1, 2, 2], "index 2"),
        ([1, 2, 3, 4], [1, 0, 1, 2], [1, None, 2, 2], "index 1"),
        ([1, 2, 3, 4], [1, 0, 1, 2], [1, 1, 2], "same length"),
    ],
)
def test_gray_bad_inputs(time: list[float], cause: list[float], group: list[object], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        gray_test(time, cause, group)
