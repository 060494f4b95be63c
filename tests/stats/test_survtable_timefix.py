"""The one-pass timefix of the risk table equals R's rule applied to the exact table.

``risk_table(..., timefix=True)`` drops run boundaries between times R's ``aeqSurv`` ties; the
reference here is the two-step construction: the exact table, then
``merge_table(tab, chain_starts(tab.time))`` (each chain of tied rows summed into its first
row), whose rule is checked against R in tests/stats (``audit_issue11.json``).
"""

from __future__ import annotations

import numpy as np
import pytest

from rtdelay.stats._survtable import risk_table
from rtdelay.stats._timefix import TIMEFIX_TOL, chain_starts, merge_table


def _noisy_times(n: int, rng: np.random.Generator) -> np.ndarray:
    base = np.round(rng.exponential(10.0, n), 2)
    noise = rng.choice([0.0, 1e-12, -1e-12, 3e-10, 2e-9], size=n)  # below and above tol
    return np.abs(base * (1.0 + noise) + noise)


def _same(a, b) -> None:
    for name in ("time", "n_at_risk", "n_events", "n_censored", "group_at_risk", "group_events", "group_n"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("k", [1, 2, 5, 300])
@pytest.mark.parametrize("event_times_only", [False, True])
def test_one_pass_equals_exact_table_then_merge(seed: int, k: int, event_times_only: bool) -> None:
    rng = np.random.default_rng(seed)
    t = _noisy_times(2000, rng)
    e = rng.random(t.size) < 0.6
    codes = rng.integers(0, k, t.size).astype(np.intp)
    per_group = k > 1
    exact = risk_table(t, e, codes, k, per_group=per_group)
    starts = chain_starts(exact.time)
    assert starts is not None and starts.size < exact.time.size  # the data do have near-ties
    expected = merge_table(exact, starts, event_rows_only=event_times_only)
    got = risk_table(t, e, codes, k, per_group=per_group, event_times_only=event_times_only, timefix=True)
    _same(got, expected)


def test_no_near_ties_gives_the_exact_table() -> None:
    t = np.array([0.5, 1.0, 1.0, 2.5, 4.0])
    e = np.array([True, False, True, True, False])
    _same(risk_table(t, e, timefix=True), risk_table(t, e))
    assert chain_starts(np.unique(t)) is None


def test_relative_rule_ties_large_whole_numbers() -> None:
    # whole numbers 1 apart are tied when 1 / mean(|y|) <= tol: times around 1e8
    big = 1e8
    t = np.array([big, big + 1.0, big + 5.0 / TIMEFIX_TOL, 1.0])
    e = np.array([True, True, False, True])
    tab = risk_table(t, e, timefix=True)
    assert tab.time.tolist() == [1.0, big, big + 5.0 / TIMEFIX_TOL]
    assert tab.n_events.tolist() == [1, 2, 0] and tab.n_at_risk.tolist() == [4, 3, 1]


def test_chain_rule_matches_r_formula_at_the_boundary() -> None:
    # dy <= tol or dy / mean(abs(y)) <= tol, evaluated exactly as R's aeqSurv
    y = np.array([1.0, 1.0 + TIMEFIX_TOL, 1.0 + 2 * TIMEFIX_TOL + 1e-9, 3.0])
    dy = np.diff(y)
    tied = (dy <= TIMEFIX_TOL) | (dy / np.mean(np.abs(y)) <= TIMEFIX_TOL)
    starts = chain_starts(y)
    expected = np.flatnonzero(np.concatenate(([True], ~tied)))
    np.testing.assert_array_equal(starts if starts is not None else np.arange(y.size), expected)
