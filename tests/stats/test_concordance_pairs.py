"""Harrell's concordance counted in O(n log n) equals the count of every pair, by definition.

The pairs are counted here one by one from the definition (R ``concordance()`` for a coxph fit:
``i`` an event, ``j`` in the same stratum with ``t_j > t_i`` or ``t_j == t_i`` and censored;
concordant when ``risk_i > risk_j``, tied on x when equal; event pairs at one time are tied on
y), on small data with many ties in time, risk and strata. tests/stats/test_cox.py compares the
concordance of fits with R.
"""

from __future__ import annotations

import time as clock

import numpy as np
import pytest

from rtdelay.stats._cox_zph import concordance


def _by_definition(t, e, r, s):
    conc = disc = tx = ty = 0
    for i in range(len(t)):
        if not e[i]:
            continue
        for j in range(len(t)):
            if i == j or s[i] != s[j]:
                continue
            if t[j] > t[i] or (t[j] == t[i] and not e[j]):
                conc += r[i] > r[j]
                disc += r[i] < r[j]
                tx += r[i] == r[j]
            elif t[j] == t[i] and e[j]:
                ty += 1
    return conc, disc, tx, ty // 2


@pytest.mark.parametrize("seed", range(40))
def test_pair_counts_equal_the_definition(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 60))
    t = rng.integers(0, 8, n).astype(float)
    e = rng.random(n) < 0.6
    r = rng.integers(0, 5, n).astype(float) / 3.0
    s = rng.integers(0, 3, n).astype(np.int64)
    got = concordance(t, e, r, s)
    assert (got["concordant"], got["discordant"], got["tied_x"], got["tied_y"]) == _by_definition(
        t, e, r, s
    )


def test_a_million_rows_take_seconds_not_hours():
    rng = np.random.default_rng(7)
    n = 1_000_000
    t = rng.integers(0, 2000, n).astype(float)
    e = rng.random(n) < 0.5
    r = rng.normal(size=n)
    start = clock.perf_counter()
    got = concordance(t, e, r, np.zeros(n, dtype=np.int64))
    assert clock.perf_counter() - start < 120  # every pair one by one: ~2.5e11 comparisons
    assert abs(got["concordance"] - 0.5) < 0.01  # a score unrelated to time
