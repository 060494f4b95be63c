"""Statistics from count tables equal the patient-level statistics (to 1e-12).

The patient-level functions are checked against R elsewhere (tests/reference); here the count
table path must give the same numbers on the same data: KM with Greenwood and its limits,
log-rank in every weighting (stratified or not), Aalen-Johansen with cmprsk's variance and
Gray's test, on fixed data and on hypothesis-generated samples (ties, near-ties, integer and
continuous times, empty groups in a stratum).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rtdelay.errors import InputError
from rtdelay.stats import (
    count_records,
    cumulative_incidence,
    cumulative_incidence_counts,
    event_counts,
    gray_test,
    gray_test_counts,
    kaplan_meier,
    kaplan_meier_counts,
    logrank_counts,
    logrank_test,
)

TOL = 1e-12
WEIGHTINGS = [
    ("logrank", 0.0, 0.0),
    ("breslow", 0.0, 0.0),
    ("tarone-ware", 0.0, 0.0),
    ("fleming-harrington", 1.0, 0.0),
    ("fleming-harrington", 0.5, 2.0),
]


def _close(a: np.ndarray, b: np.ndarray) -> None:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    assert a.shape == b.shape
    assert np.array_equal(np.isnan(a), np.isnan(b))
    ok = ~np.isnan(a)
    np.testing.assert_allclose(a[ok], b[ok], rtol=0, atol=TOL)


def _sample(seed: int, n: int = 120, *, integer: bool = False) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    t = rng.exponential(10.0, n)
    t = np.ceil(t) if integer else np.round(t, 1)
    t[:3] = [0.1 + 0.2, 0.3, 0.30000000001]  # near-ties: R's timefix merges them
    cause = rng.choice([0, 1, 2], n, p=[0.3, 0.45, 0.25])
    group = rng.choice(["a", "b", "c"], n)
    strata = rng.choice(["s1", "s2", "s3"], n)
    return {"t": t, "cause": cause, "group": group, "strata": strata}


def _check_km(d: dict[str, np.ndarray], conf_type: str = "log-log") -> None:
    tab = count_records(d["t"], d["cause"], group=d["group"], strata=d["strata"])
    by_counts = kaplan_meier_counts(tab, conf_type=conf_type)
    assert isinstance(by_counts, dict)
    direct = kaplan_meier(d["t"], d["cause"] == 1, group=d["group"], conf_type=conf_type)
    assert list(by_counts) == list(direct)
    for key, curve in direct.items():
        other = by_counts[key]
        for name in ("time", "survival", "std_err", "lower", "upper", "n_at_risk", "n_events", "n_censored"):
            _close(getattr(curve, name), getattr(other, name))
        assert curve.median() == other.median() or (np.isnan(curve.median()) and np.isnan(other.median()))
    allc = kaplan_meier_counts(tab, cause=None, by_group=False)
    assert not isinstance(allc, dict)
    ref = kaplan_meier(d["t"], d["cause"] > 0)
    _close(ref.survival, allc.survival)
    _close(ref.std_err, allc.std_err)


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("conf_type", ["log-log", "log", "plain"])
def test_km_from_counts_equals_patient_level(seed: int, conf_type: str) -> None:
    _check_km(_sample(seed), conf_type)
    _check_km(_sample(seed, integer=True), conf_type)


def _check_logrank(d: dict[str, np.ndarray], weighting: str, p: float, q: float, timefix: bool = True) -> None:
    tab = count_records(d["t"], d["cause"], group=d["group"], strata=d["strata"])
    ev = d["cause"] == 1
    for stratified in (False, True):
        ref = logrank_test(
            d["t"], ev, d["group"], strata=d["strata"] if stratified else None,
            weighting=weighting, p=p, q=q, timefix=timefix,
        )
        got = logrank_counts(tab, stratified=stratified, weighting=weighting, p=p, q=q, timefix=timefix)
        assert got.method == ref.method
        assert got.df == ref.df
        assert abs(got.statistic - ref.statistic) <= TOL * max(1.0, abs(ref.statistic))
        _close(np.array([got.p_value]), np.array([ref.p_value]))
        _close(got.observed, ref.observed)
        _close(got.expected, ref.expected)
        _close(got.extra["variance"], ref.extra["variance"])
        _close(got.extra["n"], ref.extra["n"])


@pytest.mark.parametrize(("weighting", "p", "q"), WEIGHTINGS)
@pytest.mark.parametrize("seed", [4, 5])
def test_logrank_from_counts_equals_patient_level(weighting: str, p: float, q: float, seed: int) -> None:
    _check_logrank(_sample(seed), weighting, p, q)
    _check_logrank(_sample(seed, integer=True), weighting, p, q)
    _check_logrank(_sample(seed), weighting, p, q, timefix=False)


@pytest.mark.parametrize("seed", [6, 7, 8])
def test_competing_from_counts_equals_patient_level(seed: int) -> None:
    d = _sample(seed)
    tab = count_records(d["t"], d["cause"], group=d["group"], strata=d["strata"])
    for cause in (1, 2):
        ref = cumulative_incidence(d["t"], d["cause"], cause_of_interest=cause, group=d["group"])
        got = cumulative_incidence_counts(tab, cause_of_interest=cause)
        assert isinstance(got, dict) and list(got) == list(ref)
        for key, fit in ref.items():
            for name in ("time", "estimate", "variance", "lower", "upper", "n_at_risk"):
                _close(getattr(fit, name), getattr(got[key], name))
        for stratified in (False, True):
            g_ref = gray_test(d["t"], d["cause"], d["group"], cause_of_interest=cause,
                              strata=d["strata"] if stratified else None)
            g_got = gray_test_counts(tab, cause_of_interest=cause, stratified=stratified)
            assert g_got.method == g_ref.method
            assert abs(g_got.statistic - g_ref.statistic) <= TOL * max(1.0, g_ref.statistic)
            _close(g_got.expected, g_ref.expected)
            _close(g_got.extra["covariance"], g_ref.extra["covariance"])


times = st.one_of(
    st.integers(0, 30).map(float),
    st.floats(0.0, 50.0, allow_nan=False, allow_infinity=False),
    st.sampled_from([0.1 + 0.2, 0.3, 1.0 / 3.0, 0.3333333333]),
)


@st.composite
def samples(draw: st.DrawFn) -> dict[str, np.ndarray]:
    n = draw(st.integers(4, 40))
    t = np.array(draw(st.lists(times, min_size=n, max_size=n)))
    cause = np.array(draw(st.lists(st.sampled_from([0, 1, 1, 2]), min_size=n, max_size=n)))
    group = np.array(draw(st.lists(st.sampled_from(["a", "b"]), min_size=n, max_size=n)))
    strata = np.array(draw(st.lists(st.sampled_from(["x", "y"]), min_size=n, max_size=n)))
    group[:2] = ["a", "b"]
    group[2:4] = ["a", "b"]
    return {"t": t, "cause": cause, "group": group, "strata": strata}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(samples(), st.sampled_from(WEIGHTINGS))
def test_counts_equal_patient_level_property(d: dict[str, np.ndarray], w: tuple[str, float, float]) -> None:
    _check_km(d)
    _check_logrank(d, *w)
    tab = count_records(d["t"], d["cause"], group=d["group"], strata=d["strata"])
    ref = cumulative_incidence(d["t"], d["cause"], group=d["group"])
    got = cumulative_incidence_counts(tab)
    assert isinstance(got, dict)
    for key, fit in ref.items():
        _close(fit.estimate, got[key].estimate)
        _close(fit.variance, got[key].variance)
    for stratified in (False, True):
        g_ref = gray_test(d["t"], d["cause"], d["group"], strata=d["strata"] if stratified else None)
        g_got = gray_test_counts(tab, stratified=stratified)
        assert g_ref.note == g_got.note
        _close(np.array([g_ref.statistic]), np.array([g_got.statistic]))


def test_event_counts_sums_rows_of_one_cell_and_checks_input() -> None:
    tab = event_counts([2.0, 1.0, 2.0], [1, 0, 2], [0, 1, 0], [1, 0, 0], group=["a", "a", "a"])
    assert tab.time.tolist() == [1.0, 2.0]
    assert tab.n_event_1.tolist() == [0, 3]
    assert tab.n_censored.tolist() == [0, 1]
    assert tab.n_records == 5
    with pytest.raises(InputError, match="n_event_1 .* index 1"):
        event_counts([1.0, 2.0], [1, -1])
    with pytest.raises(InputError, match="index 0"):
        event_counts([1.0], [1.5])
    with pytest.raises(InputError, match="time"):
        event_counts([np.nan], [1])


def test_small_group_and_no_event_are_notes_not_crashes() -> None:
    tab = count_records([1.0, 2.0, 3.0], [1, 0, 1], group=["a", "a", "b"])
    assert not logrank_counts(tab).computed
    tab2 = count_records([1.0, 2.0, 3.0, 4.0], [0, 0, 0, 0], group=["a", "a", "b", "b"])
    assert logrank_counts(tab2).note == "no events: the test is undefined"
    assert not gray_test_counts(tab2).computed
    with pytest.raises(InputError, match="two groups"):
        logrank_counts(count_records([1.0, 2.0], [1, 1]))
