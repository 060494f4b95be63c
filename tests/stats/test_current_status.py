"""Current-status NPMLE (weighted PAVA) and its bootstrap band.

Expected NPMLE values come from ``tests/reference/current_status.R`` (greatest convex minorant of
the cumulative-sum diagram, checked in R against the max-min formula) or from hand calculation
written beside the assertion. Tolerance: 1e-6 relative.
"""

from __future__ import annotations

import json
import time as _time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rtdelay.stats import StepFunction, current_status_ci, current_status_npmle
from rtdelay.stats._current_status import CurrentStatusBand, pava

REF = json.loads((Path(__file__).parents[1] / "reference" / "current_status.json").read_text())
RTOL = 1e-6


@pytest.mark.parametrize("name", ["simulated", "uniform_looks", "small"])
def test_npmle_matches_r(name: str) -> None:
    ds = REF[name]
    fit = current_status_npmle(ds["time"], ds["progressed"])
    # R: gcm_slopes(w, s) == maxmin(w, s) on the pooled look times (current_status.R)
    np.testing.assert_allclose(fit.time, ds["look_time"], rtol=0)
    np.testing.assert_array_equal(fit.n_looks, ds["n_looks"])
    np.testing.assert_array_equal(fit.n_positive, ds["n_positive"])
    np.testing.assert_allclose(fit.cdf, ds["cdf"], rtol=RTOL, atol=1e-12)


def test_hand_example_single_violator() -> None:
    # s/w = 1, 0, 1 -> pool the first two: 0.5, 0.5, 1
    fit = current_status_npmle([1, 2, 3], [1, 0, 1])
    np.testing.assert_allclose(fit.cdf, [0.5, 0.5, 1.0], rtol=1e-12)


def test_hand_example_ties_pooled_with_weights() -> None:
    # look times 1 (2 looked, 2 positive), 2 (1 looked, 0 positive), 3 (3 looked, 1 positive).
    # Ratios 1, 0, 1/3: pool {1, 2} -> 2/3 (weight 3), then 1/3 < 2/3 -> pool all: 3/6 = 0.5.
    fit = current_status_npmle([3, 1, 2, 3, 1, 3], [0, 1, 0, 1, 1, 0])
    np.testing.assert_array_equal(fit.n_looks, [2, 1, 3])
    np.testing.assert_array_equal(fit.n_positive, [2, 0, 1])
    np.testing.assert_allclose(fit.cdf, [0.5, 0.5, 0.5], rtol=1e-12)


def test_hand_example_ties_differ_from_unpooled_isoreg() -> None:
    # Pooling ties matters: times 1, 1, 2 with responses 1, 0, 0.
    # Pooled: w = (2, 1), s = (1, 0): ratios 0.5, 0 -> pool all: 1/3 at both times.
    fit = current_status_npmle([1, 1, 2], [1, 0, 0])
    np.testing.assert_allclose(fit.cdf, [1 / 3, 1 / 3], rtol=1e-12)


def test_small_by_max_min_formula_by_hand() -> None:
    ds = REF["small"]
    # w = (2,3,2,2,2,1), s = (1,2,1,0,2,0). Max-min at j = 1: min over b of cumulative ratios
    # from a = 1: 1/2, 3/5, 4/7, 4/9, 6/11, 6/12 -> 4/9. At j = 5: max over a of
    # min_b: a = 5: min(2/2, 2/3) = 2/3 (the largest) -> 2/3.
    fit = current_status_npmle(ds["time"], ds["progressed"])
    assert fit.cdf[0] == pytest.approx(4 / 9, rel=1e-12)
    assert fit.cdf[4] == pytest.approx(2 / 3, rel=1e-12)


def test_all_positive_all_negative_single_look() -> None:
    np.testing.assert_array_equal(current_status_npmle([3, 1, 2], [1, 1, 1]).cdf, [1, 1, 1])
    np.testing.assert_array_equal(current_status_npmle([3, 1, 2], [0, 0, 0]).cdf, [0, 0, 0])
    one = current_status_npmle([2, 2, 2, 2], [1, 0, 0, 1])
    np.testing.assert_array_equal(one.time, [2.0])
    np.testing.assert_allclose(one.cdf, [0.5])
    assert one.n_looks.tolist() == [4] and one.n_positive.tolist() == [2]


def test_unsorted_equals_sorted() -> None:
    ds = REF["uniform_looks"]
    t = np.asarray(ds["time"])
    p = np.asarray(ds["progressed"])
    order = np.argsort(t)
    a = current_status_npmle(t, p)
    b = current_status_npmle(t[order], p[order])
    np.testing.assert_array_equal(a.cdf, b.cdf)


def test_step_function_convention() -> None:
    fit = current_status_npmle([1, 2, 3], [1, 0, 1])
    assert isinstance(fit, StepFunction)
    # 0 before the first look; value at the last look <= t; NaN after the last look
    out = fit.at([0.5, 1.0, 1.5, 2.0, 3.0, 3.5])
    np.testing.assert_allclose(out[:5], [0.0, 0.5, 0.5, 0.5, 1.0])
    assert np.isnan(out[5])
    assert list(fit.to_frame().columns) == ["time", "n_looks", "n_positive", "cdf"]
    d = fit.to_dict()
    json.dumps(d)
    assert d["cdf"] == [0.5, 0.5, 1.0]


@pytest.mark.parametrize(
    ("time", "progressed", "match"),
    [
        ([1, float("nan"), 3], [1, 0, 1], "inspection_time.*index 1"),
        ([1, 2, -3], [1, 0, 1], "inspection_time.*index 2"),
        ([1, 2, 3], [1, 2, 1], "progressed.*index 1"),
        ([1, 2, 3], [1, 0], "same length"),
        ([], [], "empty"),
    ],
)
def test_bad_inputs(time: list[float], progressed: list[float], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        current_status_npmle(time, progressed)
    with pytest.raises(ValueError, match=match):
        current_status_ci(time, progressed, n_boot=10)


def _max_min(w: np.ndarray, s: np.ndarray) -> np.ndarray:
    """Independent brute-force max-min formula (test oracle)."""
    m = len(w)
    out = np.empty(m)
    for j in range(m):
        out[j] = max(min(s[a : b + 1].sum() / w[a : b + 1].sum() for b in range(j, m)) for a in range(j + 1))
    return out


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(1, 5), st.floats(0, 1, allow_nan=False)),
        min_size=1,
        max_size=25,
    )
)
def test_pava_equals_max_min(rows: list[tuple[int, float]]) -> None:
    w = np.array([r[0] for r in rows], dtype=float)
    y = np.array([r[1] for r in rows])
    fitted = pava(y, w)
    np.testing.assert_allclose(fitted, _max_min(w, y * w), rtol=1e-9, atol=1e-12)
    assert np.all(np.diff(fitted) >= -1e-12)


def test_bootstrap_band_properties() -> None:
    ds = REF["simulated"]
    band = current_status_ci(ds["time"], ds["progressed"], n_boot=300, seed=4)
    assert isinstance(band, CurrentStatusBand)
    fit = current_status_npmle(ds["time"], ds["progressed"])
    np.testing.assert_array_equal(band.time, fit.time)
    np.testing.assert_array_equal(band.cdf, fit.cdf)
    assert np.all(band.lower <= band.upper)
    assert np.all((band.lower >= 0) & (band.upper <= 1))
    assert not np.isnan(band.lower).any() and not np.isnan(band.upper).any()
    assert np.all(band.n_used <= 300) and band.n_used[len(band.n_used) // 2] == 300
    assert band.n_boot == 300 and band.seed == 4 and band.m == 150 and band.conf_level == 0.95
    assert list(band.to_frame().columns) == ["time", "cdf", "lower", "upper"]
    json.dumps(band.to_dict())


def test_bootstrap_deterministic_for_seed() -> None:
    ds = REF["simulated"]
    a = current_status_ci(ds["time"], ds["progressed"], n_boot=200, seed=7, times=[1, 2, 4])
    b = current_status_ci(ds["time"], ds["progressed"], n_boot=200, seed=7, times=[1, 2, 4])
    c = current_status_ci(ds["time"], ds["progressed"], n_boot=200, seed=8, times=[1, 2, 4])
    np.testing.assert_array_equal(a.lower, b.lower)
    np.testing.assert_array_equal(a.upper, b.upper)
    assert not (np.array_equal(a.lower, c.lower) and np.array_equal(a.upper, c.upper))


def test_bootstrap_degenerate_samples() -> None:
    # every replicate of an all-positive sample is all positive: band [1, 1]
    band = current_status_ci([1, 2, 3, 4], [1, 1, 1, 1], n_boot=50)
    np.testing.assert_array_equal(band.lower, 1.0)
    np.testing.assert_array_equal(band.upper, 1.0)
    # a replicate without look 1 does not identify F(1): it is left out, not counted as 0
    assert np.all(band.n_used[:1] < 50)
    # before the first look time everything is 0 by convention
    band = current_status_ci([1, 2, 3, 4], [0, 1, 0, 1], n_boot=50, times=[0.5, 4])
    assert band.lower[0] == band.upper[0] == band.cdf[0] == 0.0


def test_m_out_of_n_and_option_checks() -> None:
    ds = REF["simulated"]
    band = current_status_ci(ds["time"], ds["progressed"], n_boot=100, m=40, times=[2.0])
    assert band.m == 40
    with pytest.raises(ValueError, match="m must be"):
        current_status_ci(ds["time"], ds["progressed"], m=1000)
    with pytest.raises(ValueError, match="n_boot"):
        current_status_ci(ds["time"], ds["progressed"], n_boot=0)
    with pytest.raises(ValueError, match="conf_level"):
        current_status_ci(ds["time"], ds["progressed"], conf_level=1.0)
    last = max(ds["time"])
    with pytest.raises(ValueError, match="after the last look time.*index 1"):
        current_status_ci(ds["time"], ds["progressed"], times=[1.0, last + 1])


def test_bootstrap_is_fast() -> None:
    ds = REF["simulated"]
    t = np.asarray(ds["time"])[:100]
    p = np.asarray(ds["progressed"])[:100]
    start = _time.perf_counter()
    current_status_ci(t, p, n_boot=2000)
    # Target: 2000 replicates on n = 100 well under a second (about 0.1 s here); the bound
    # leaves room for a loaded CI machine.
    assert _time.perf_counter() - start < 2.0


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 6), st.integers(0, 6)), min_size=1, max_size=40))
def test_scipy_isotonic_equals_hand_pava_on_bootstrap_counts(rows: list[tuple[int, int]]) -> None:
    """The bootstrap refits with scipy's isotonic_regression; the hand PAVA (exact block sums,
    the fallback on scipy < 1.12) gives the same fit to rounding, ties and all-0/all-1 included."""
    from rtdelay.stats._current_status import _isotonic, _pava_sums

    w = np.array([r[0] for r in rows], dtype=float)
    s = np.minimum(np.array([r[1] for r in rows], dtype=float), w)
    np.testing.assert_allclose(_isotonic(s / w, w), _pava_sums(s.tolist(), w.tolist()), rtol=0, atol=1e-13)


def test_bootstrap_band_unchanged_by_the_scipy_refit(monkeypatch: pytest.MonkeyPatch) -> None:
    """Same band with the hand PAVA forced (as on scipy < 1.12) and with scipy's isotonic fit."""
    import scipy.optimize

    from rtdelay.stats import _current_status as cs

    ds = REF["simulated"]
    with_scipy = current_status_ci(ds["time"], ds["progressed"], n_boot=200, seed=3)
    monkeypatch.delattr(scipy.optimize, "isotonic_regression")
    hand = current_status_ci(ds["time"], ds["progressed"], n_boot=200, seed=3)
    with pytest.raises(ImportError):
        from scipy.optimize import isotonic_regression  # noqa: F401
    assert cs._isotonic(np.array([1.0, 0.0]), np.array([1.0, 1.0])).tolist() == [0.5, 0.5]
    np.testing.assert_allclose(with_scipy.lower, hand.lower, rtol=0, atol=1e-12)
    np.testing.assert_allclose(with_scipy.upper, hand.upper, rtol=0, atol=1e-12)


def test_ci_functions_take_data_and_nan_policy() -> None:
    from rtdelay.errors import InputError
    from rtdelay.stats import current_status_lr_ci

    frame = pd.DataFrame({"look": [1.0, 2.0, np.nan, 3.0, 4.0, 5.0, 6.0], "pos": [0, 1, 1, 0, 1, 1, 1]})
    for func, kw in ((current_status_ci, {"n_boot": 50, "seed": 2}), (current_status_lr_ci, {})):
        with pytest.raises(InputError, match="missing"):
            func("look", "pos", data=frame, **kw)
        got = func("look", "pos", data=frame, nan_policy="omit", **kw)
        clean = frame.dropna()
        ref = func(clean["look"].to_numpy(), clean["pos"].to_numpy(), **kw)
        assert got.n_omitted == 1 and ref.n_omitted == 0
        np.testing.assert_array_equal(got.lower, ref.lower)
        np.testing.assert_array_equal(got.upper, ref.upper)
