"""mann_whitney and wilcoxon_signed_rank against R 4.2 ``wilcox.test``
(tests/reference/rank_contingency.R -> rank_contingency.json), and exact tests with ties against
full enumeration written out here (coin is not installed). Tolerance 1e-6 relative.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest
from scipy import stats as sst

from rtdelay.stats import mann_whitney, wilcoxon_signed_rank

REF = json.loads((Path(__file__).parents[1] / "reference" / "rank_contingency.json").read_text())
RTOL = 1e-6


@pytest.mark.parametrize("key", sorted(REF["mann_whitney"]))
def test_mann_whitney_matches_r(key: str) -> None:
    case = REF["mann_whitney"][key]
    method = "exact" if case["exact"] else "asymptotic"
    res = mann_whitney(case["x"], case["y"], method=method)
    # wilcox.test(x, y, exact = <exact>, correct = FALSE): $statistic (W), $p.value
    assert res.statistic == pytest.approx(case["W"], rel=RTOL)
    assert res.p_value == pytest.approx(case["p"], rel=RTOL)
    assert res.extra["U_x"] + res.extra["U_y"] == len(case["x"]) * len(case["y"])


@pytest.mark.parametrize("key", ["ties_zeros", "small_asymptotic", "small_exact"])
def test_signed_rank_matches_r(key: str) -> None:
    case = REF["signed_rank"][key]
    method = "exact" if case["exact"] else "asymptotic"
    res = wilcoxon_signed_rank(case["before"], case["after"], method=method)
    # wilcox.test(after, before, paired = TRUE, exact = <exact>, correct = FALSE)
    assert res.statistic == pytest.approx(case["V"], rel=RTOL)
    assert res.p_value == pytest.approx(case["p"], rel=RTOL)


def test_signed_rank_zeros_dropped_counts() -> None:
    case = REF["signed_rank"]["ties_zeros"]
    d = np.subtract(case["after"], case["before"])
    res = wilcoxon_signed_rank(case["before"], case["after"])
    assert res.extra["n_pairs"] == len(d)
    assert res.extra["n_zero_dropped"] == int((d == 0).sum()) > 0
    assert res.extra["n_nonzero"] == int((d != 0).sum())


def test_signed_rank_with_ties_r_falls_back_to_normal() -> None:
    # wilcox.test(..., exact = TRUE) with tied |d| uses the normal approximation: compare that
    case = REF["signed_rank"]["twelve_exact"]
    res = wilcoxon_signed_rank(case["before"], case["after"])
    assert res.statistic == pytest.approx(case["V"], rel=RTOL)
    assert res.p_value == pytest.approx(case["p"], rel=RTOL)


def _enumerated_rank_sum_p(x: list[float], y: list[float]) -> float:
    """Exact conditional p by listing every split of the pooled mid-ranks (hand check)."""
    pooled = x + y
    ranks = sst.rankdata(pooled)
    mu = len(x) * (len(pooled) + 1) / 2
    obs = abs(ranks[: len(x)].sum() - mu)
    sums = [ranks[list(c)].sum() for c in itertools.combinations(range(len(pooled)), len(x))]
    return float(np.mean([abs(s - mu) >= obs - 1e-9 for s in sums]))


def test_mann_whitney_exact_with_ties_equals_enumeration() -> None:
    x = [1.0, 2.0, 2.0, 3.0, 5.0, 5.0]
    y = [2.0, 3.0, 4.0, 5.0, 6.0, 6.0, 7.0]
    res = mann_whitney(x, y, method="exact")
    assert res.p_value == pytest.approx(_enumerated_rank_sum_p(x, y), rel=1e-12)
    # hand count (independent of the helper): all 4 values tied -> p = 1
    assert mann_whitney([1, 1], [1, 1], method="exact").p_value == 1.0


def _enumerated_signed_rank_p(d: list[float]) -> float:
    d = [v for v in d if v != 0]
    ranks = sst.rankdata(np.abs(d))
    mu = ranks.sum() / 2
    obs = abs(ranks[np.array(d) > 0].sum() - mu)
    sums = [ranks[np.array(s, dtype=bool)].sum() for s in itertools.product([0, 1], repeat=len(d))]
    return float(np.mean([abs(s - mu) >= obs - 1e-9 for s in sums]))


def test_signed_rank_exact_with_ties_equals_enumeration() -> None:
    before = [10, 12, 9, 14, 11, 13, 10, 8, 15, 12]
    after = [12, 14, 9, 11, 14, 16, 12, 10, 16, 10]
    res = wilcoxon_signed_rank(before, after, method="exact")
    d = list(np.subtract(after, before).astype(float))
    assert res.p_value == pytest.approx(_enumerated_signed_rank_p(d), rel=1e-12)
    assert res.extra["n_zero_dropped"] == 1
    # hand: d = (+1, +2, +3) -> V = 6 of a maximum 6; P(V = 6 or V = 0) = 2/8
    assert wilcoxon_signed_rank([0, 0, 0], [1, 2, 3], method="exact").p_value == pytest.approx(0.25)


def test_nan_dropped_and_counted() -> None:
    case = REF["mann_whitney"]["ties"]
    ref = mann_whitney(case["x"], case["y"])
    res = mann_whitney([*case["x"], np.nan], [np.nan, *case["y"], np.nan])
    assert res.p_value == ref.p_value
    assert (res.extra["n_missing_x"], res.extra["n_missing_y"]) == (1, 2)
    sr = REF["signed_rank"]["ties_zeros"]
    ref2 = wilcoxon_signed_rank(sr["before"], sr["after"])
    res2 = wilcoxon_signed_rank([*sr["before"], np.nan, 3.0], [*sr["after"], 4.0, np.nan])
    assert res2.p_value == ref2.p_value and res2.extra["n_missing_dropped"] == 2


def test_all_ties_give_p_one_with_note() -> None:
    res = mann_whitney([2, 2, 2], [2, 2])
    assert res.p_value == 1.0 and "tied" in res.extra["note"]
    res2 = wilcoxon_signed_rank([1, 2, 3], [1, 2, 3])
    assert res2.p_value == 1.0 and res2.statistic == 0.0 and "zero" in res2.extra["note"]
    assert res2.extra["n_zero_dropped"] == 3


def test_empty_and_bad_inputs() -> None:
    assert mann_whitney([], [1, 2]).note == "x has 0 non-missing values: at least 2 per group are needed"
    assert "y has 0 non-missing values" in mann_whitney([1, 2], [np.nan]).note
    with pytest.raises(ValueError, match="method"):
        mann_whitney([1, 2], [3, 4], method="monte-carlo")
    with pytest.raises(ValueError, match="numeric"):
        mann_whitney(["a", "b"], [1, 2])
    with pytest.raises(ValueError, match="same length"):
        wilcoxon_signed_rank([1, 2], [1, 2, 3])
    assert "0 complete (before, after) pairs" in wilcoxon_signed_rank([np.nan, 1], [2, np.nan]).note
    assert not wilcoxon_signed_rank([], []).computed


def test_result_serialises() -> None:
    res = mann_whitney([1.0, 2.5, 3.0], [4.0, 5.0, 6.5])
    d = res.to_dict()
    json.dumps(d)
    assert d["extra"]["U"] == 0.0 and len(res.to_frame()) == 1
