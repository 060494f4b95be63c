"""Code paths of the risk-set table (rtdelay.stats._survtable) against R and hand calculations.

Expected values: R survival 3.5-3 (tests/reference/survtable_paths.R -> survtable_paths.json
for simulated data; tests/reference/km_logrank.json for aml and veteran) and hand calculations.
The log-rank family depends on the times only through their order (ties included), so R's
results on the original times also hold after a strictly increasing transform of the times;
such transforms steer the data into each sort path. Tolerance 1e-6 relative.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from rtdelay.stats import kaplan_meier, logrank_test
from rtdelay.stats._survtable import _time_codes

REF_DIR = Path(__file__).parents[1] / "reference"
PATHS = json.loads((REF_DIR / "survtable_paths.json").read_text())
LR = json.loads((REF_DIR / "km_logrank.json").read_text())["logrank"]
RTOL = 1e-6


def _arr(x: object) -> np.ndarray:
    vals = x if isinstance(x, list) else [x]
    return np.array([np.nan if v is None or v == "NA" else v for v in vals], dtype=float)


def _close(actual: object, expected: object) -> None:
    np.testing.assert_allclose(np.asarray(actual, dtype=float), _arr(expected), rtol=RTOL, atol=1e-10)


def _wide(t: object) -> np.ndarray:
    """Strictly increasing map of the times onto powers of two from 2^-1020 to 2^1020."""
    distinct, rank = np.unique(np.asarray(t, dtype=float), return_inverse=True)
    step = 2040 // (distinct.size - 1)
    return np.ldexp(1.0, -1020 + step * rank.reshape(-1))


def test_many_groups_beyond_one_key_byte() -> None:
    # survdiff(Surv(time, status) ~ factor(g)) with 130 groups (survtable_paths.R)
    ref = PATHS["many_groups"]
    d = ref["data"]
    res = logrank_test(d["time"], d["status"], d["group"])
    _close(res.statistic, ref["statistic"])
    _close(res.df, ref["df"])
    _close(res.observed, ref["observed"])
    _close(res.expected, ref["expected"])


def test_continuous_times_without_ties() -> None:
    # survdiff(Surv(time2, status2) ~ g2) and survfit(Surv(time2, status2) ~ 1) on 400
    # distinct times (survtable_paths.R)
    ref = PATHS["no_ties"]
    d = ref["data"]
    res = logrank_test(d["time"], d["status"], d["group"])
    _close(res.statistic, ref["statistic"])
    _close(res.observed, ref["observed"])
    _close(res.expected, ref["expected"])
    _close(res.extra["variance"], ref["variance"])
    fit = kaplan_meier(d["time"], d["status"])
    km = ref["km"]
    _close(fit.time, km["time"])
    _close(fit.n_at_risk, km["n_risk"])
    _close(fit.n_events, km["n_event"])
    _close(fit.survival, km["surv"])
    _close(fit.std_err, km["std_err"])
    _close(fit.lower, km["lower"])
    _close(fit.upper, km["upper"])


@pytest.mark.parametrize(("case", "group_key"), [("aml_x", "x"), ("veteran_celltype", "celltype")])
def test_times_spanning_too_many_binades_take_the_merge_path(case: str, group_key: str) -> None:
    # survdiff(Surv(time, status) ~ x, data = aml) and ~ celltype on veteran, on times mapped
    # to powers of two from 2^-1020 to 2^1020: the order (and ties) are kept but the times span
    # more binades than the packed key can code next to the group bits, so the per-group sort
    # and merge runs.
    data = LR["data_aml"] if case == "aml_x" else LR["data_veteran"]
    t = _wide(data["time"])
    assert _time_codes(t, 2) is None
    ref = LR[case]
    res = logrank_test(t, data["status"], data[group_key], timefix=False)  # order-only premise: exact times
    _close(res.statistic, ref["statistic"])
    _close(res.expected, ref["expected"])
    _close(res.extra["variance"], ref["variance"])


def test_zero_and_negative_zero_times_on_the_sort_path() -> None:
    # Hand calculation (as test_logrank.test_ties_at_time_zero, non-integer later times):
    # t=0: n=4 (2 A, 2 B), d=2 (1 A, 1 B): E_A=1, V=1/3; t=1.5: n=2, d=1 (A): E_A=1/2, V=1/4.
    # chi2 = (1/2)^2 / (7/12) = 3/7. -0.0 is the time 0.
    res = logrank_test([0.0, 1.5, -0.0, 2.5], [1, 1, 1, 0], ["A", "A", "B", "B"])
    assert res.statistic == pytest.approx(3 / 7, rel=1e-12)
    # KM by hand: t=0: n=4, d=1, one censored -> S=3/4; t=0.5: n=2, d=1 -> 3/8; t=1.5: n=1 -> 0.
    fit = kaplan_meier([0.5, -0.0, 0.0, 1.5], [1, 1, 0, 1])
    np.testing.assert_array_equal(fit.time, [0.0, 0.5, 1.5])
    assert not np.signbit(fit.time[0])
    np.testing.assert_array_equal(fit.n_at_risk, [4, 2, 1])
    np.testing.assert_array_equal(fit.n_censored, [1, 0, 0])
    np.testing.assert_allclose(fit.survival, [0.75, 0.375, 0.0], rtol=1e-12)


def test_no_ties_hand_calculation() -> None:
    # Hand calculation: sorted 1.5 (censored), 2.5 (event), 3.5 (event):
    # S = 1, 1 - 1/2, 0; Greenwood at 2.5: 1/(2*1) -> SE = 0.5 * sqrt(0.5).
    fit = kaplan_meier([3.5, 1.5, 2.5], [1, 0, 1])
    np.testing.assert_array_equal(fit.n_at_risk, [3, 2, 1])
    np.testing.assert_array_equal(fit.n_censored, [1, 0, 0])
    np.testing.assert_allclose(fit.survival, [1.0, 0.5, 0.0], rtol=1e-12)
    assert fit.std_err[1] == pytest.approx(0.5 * math.sqrt(0.5), rel=1e-12)
    # Two groups, no ties: test_logrank.test_two_groups_hand_calculation with times + 0.5.
    res = logrank_test([1.5, 3.5, 2.5, 4.5], [1, 1, 1, 0], ["A", "A", "B", "B"])
    assert res.statistic == pytest.approx(8 / 13, rel=1e-12)


def test_time_codes_keep_order_and_decode_exactly() -> None:
    from rtdelay.stats._survtable import _decode_times

    t = np.array([0.0, 5e-324, 1e-300, 2.0, -0.0, 1e300, 2.0, 3.5])
    coded = _time_codes(t, 1)
    assert coded is not None
    codes, lo = coded
    assert codes.max() < 2**63
    np.testing.assert_array_equal(np.argsort(codes, kind="stable"), np.argsort(t, kind="stable"))
    np.testing.assert_array_equal(_decode_times(codes, lo), np.where(t == 0, 0.0, t))
