"""chi_square and fisher_exact against R 4.2 ``chisq.test`` / ``fisher.test``
(tests/reference/rank_contingency.R -> rank_contingency.json). Tolerance 1e-6 relative unless
stated beside the assertion.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from rtdelay.stats import chi_square, fisher_exact

REF = json.loads((Path(__file__).parents[1] / "reference" / "rank_contingency.json").read_text())
RTOL = 1e-6
TABLES = REF["tables"]


@pytest.mark.parametrize("key", sorted(TABLES))
def test_chi_square_matches_r(key: str) -> None:
    case = TABLES[key]
    res = chi_square(case["table"])
    # chisq.test(m, correct = FALSE): $statistic, $parameter, $p.value, $expected
    assert res.statistic == pytest.approx(case["chisq"], rel=RTOL)
    assert res.df == case["df"]
    assert res.p_value == pytest.approx(case["chisq_p"], rel=RTOL)
    np.testing.assert_allclose(res.expected, case["expected"], rtol=RTOL)
    assert res.extra["min_expected"] == pytest.approx(np.min(case["expected"]), rel=RTOL)


@pytest.mark.parametrize("key", sorted(k for k in TABLES if "yates_chisq" in TABLES[k]))
def test_yates_matches_r(key: str) -> None:
    case = TABLES[key]
    res = chi_square(case["table"], correction=True)
    # chisq.test(m, correct = TRUE)
    assert res.statistic == pytest.approx(case["yates_chisq"], rel=RTOL)
    assert res.p_value == pytest.approx(case["yates_p"], rel=RTOL)
    assert res.extra["correction"] is True


def test_yates_only_for_2x2() -> None:
    m = TABLES["t2x3"]["table"]
    assert chi_square(m, correction=True).statistic == chi_square(m).statistic


@pytest.mark.parametrize("key", sorted(TABLES))
def test_fisher_p_matches_r(key: str) -> None:
    case = TABLES[key]
    # fisher.test(m)$p.value
    assert fisher_exact(case["table"]).p_value == pytest.approx(case["fisher_p"], rel=RTOL)


@pytest.mark.parametrize("key", sorted(REF["tables_large"]))
def test_fisher_larger_tables_match_r(key: str) -> None:
    case = REF["tables_large"][key]
    # fisher.test(m, workspace = 2e7)$p.value
    assert fisher_exact(case["table"]).p_value == pytest.approx(case["fisher_p"], rel=RTOL)


def _uniroot_scale(v: float) -> float:
    # R finds psi in (0, 1) or 1/psi in (eps, 1) with uniroot(tol = eps^0.25 ~ 1.2e-4): compare
    # on that scale with that absolute tolerance (R's own precision, not ours: we solve to 1e-12)
    return v if v <= 1 else 1.0 / v


@pytest.mark.parametrize("key", sorted(k for k in TABLES if "fisher_or" in TABLES[k]))
def test_fisher_odds_ratio_and_interval_match_r(key: str) -> None:
    case = TABLES[key]
    res = fisher_exact(case["table"])
    # fisher.test(m)$estimate, $conf.int
    for ours, r in zip(
        (res.extra["odds_ratio"], res.extra["ci_lower"], res.extra["ci_upper"]),
        (case["fisher_or"], *case["fisher_ci"]),
        strict=True,
    ):
        assert _uniroot_scale(ours) == pytest.approx(_uniroot_scale(r), abs=1.3e-4)


def test_fisher_2x2_hand_calculation() -> None:
    # [[3, 1], [1, 3]]: hypergeometric probabilities of x11 = 0..4 are (1, 16, 36, 16, 1) / 70;
    # observed x11 = 3 (16/70): p = (1 + 16 + 16 + 1) / 70
    res = fisher_exact([[3, 1], [1, 3]])
    assert res.p_value == pytest.approx(34 / 70, rel=1e-12)
    assert res.statistic == pytest.approx(16 / 70, rel=1e-12)


def test_fisher_transpose_invariant_and_infinite_or() -> None:
    m = np.array(TABLES["t3x4"]["table"])
    assert fisher_exact(m.T).p_value == pytest.approx(fisher_exact(m).p_value, rel=1e-9)
    res = fisher_exact([[5, 0], [1, 4]])
    assert math.isinf(res.extra["odds_ratio"]) and math.isinf(res.extra["ci_upper"])
    json.dumps(res.to_dict())  # inf -> null


@pytest.mark.parametrize(
    ("table", "match"),
    [
        ([[1, -1], [2, 3]], "non-negative"),
        ([[1.5, 1], [2, 3]], "non-negative integers"),
        ([[np.nan, 1], [2, 3]], "non-negative"),
        ([[0, 0], [2, 3]], "row 0 is empty"),
        ([[0, 4], [0, 3]], "column 0 is empty"),
        ([[1, 2, 3]], "at least 2 rows"),
        ([1, 2, 3, 4], "two-dimensional"),
        ([], "two-dimensional"),
        ([["a", "b"], ["c", "d"]], "numeric"),
    ],
)
def test_bad_tables(table: object, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        chi_square(table)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=match):
        fisher_exact(table)  # type: ignore[arg-type]


def test_fisher_size_limit_raises() -> None:
    big = [[60, 50, 40, 30], [45, 55, 65, 50], [30, 40, 50, 70], [20, 35, 45, 80]]
    with pytest.raises(ValueError, match="too large"):
        fisher_exact(big)
