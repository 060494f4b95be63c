"""Issue 2 §3 edge cases for the entry points whose own test modules do not cover them.

Expected numbers are from R (the call is quoted beside each) or from hand calculation.
kaplan_meier, logrank_test, cumulative_incidence and the Cox/rank error paths are covered in
their own modules; this file fills the gaps for the trend and pairwise log-rank tests, Gray's
test, the current-status estimators, the Cox model and the rank tests.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

import rtdelay.stats as st

REL = 1e-6


def _cox(time: list[float], event: list[float]) -> Any:
    x = [0.1, 0.5, 0.2, 0.9, 0.3, 0.4][: len(time)]
    frame = pd.DataFrame({"t": time, "e": event, "x": x})
    return st.cox_ph(frame, duration="t", event="e", covariates=["x"])


GROUP = [0, 0, 1, 1, 2, 2]
ENTRY_POINTS: dict[str, Callable[[list[float], list[float]], Any]] = {
    "kaplan_meier": lambda t, e: st.kaplan_meier(t, e),
    "logrank_test": lambda t, e: st.logrank_test(t, e, GROUP),
    "logrank_trend_test": lambda t, e: st.logrank_trend_test(t, e, GROUP),
    "pairwise_logrank": lambda t, e: st.pairwise_logrank(t, e, GROUP),
    "cumulative_incidence": lambda t, e: st.cumulative_incidence(t, e),
    "gray_test": lambda t, e: st.gray_test(t, e, GROUP),
    "current_status_npmle": lambda t, e: st.current_status_npmle(t, e),
    "current_status_ci": lambda t, e: st.current_status_ci(t, e, n_boot=20),
    "cox_ph": _cox,
}
GOOD_T = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
GOOD_E = [1, 0, 1, 1, 0, 1]


@pytest.mark.parametrize("name", sorted(ENTRY_POINTS))
@pytest.mark.parametrize(
    ("time", "event", "match"),
    [
        ([1.0, -2.0, 3.0, 4.0, 5.0, 6.0], GOOD_E, "negative at index 1"),
        ([1.0, 2.0, 3.0, 4.0, np.inf, 6.0], GOOD_E, "index 4"),
        (GOOD_T, [1, 0, 1, 0.5, 0, 1], "index 3"),
        (GOOD_T, [1, 0, 1, -1, 0, 1], "index 3"),
    ],
)
def test_bad_values_raise_value_error_naming_the_index(
    name: str, time: list[float], event: list[float], match: str
) -> None:
    with pytest.raises(ValueError, match=match):
        ENTRY_POINTS[name](time, event)


@pytest.mark.parametrize(
    "name",
    sorted(set(ENTRY_POINTS) - {"cox_ph"}),  # cox_ph drops missing rows as R na.omit (documented)
)
def test_nan_time_raises_value_error_naming_the_index(name: str) -> None:
    with pytest.raises(ValueError, match="index 2"):
        ENTRY_POINTS[name]([1.0, 2.0, np.nan, 4.0, 5.0, 6.0], GOOD_E)


@pytest.mark.parametrize(
    "name",
    [
        "kaplan_meier",
        "logrank_test",
        "logrank_trend_test",
        "pairwise_logrank",
        "current_status_npmle",
        "current_status_ci",
    ],
)
def test_event_two_raises_for_binary_entry_points(name: str) -> None:
    with pytest.raises(ValueError, match="index 2"):
        ENTRY_POINTS[name](GOOD_T, [1, 0, 2, 1, 0, 1])


# ---------------------------------------------------------------- trend and pairwise log-rank


def test_trend_two_groups_equals_logrank_ties_at_zero() -> None:
    # Two groups: the trend statistic is the log-rank chi-square.
    # R: survdiff(Surv(c(0,0,0,2,3,4), c(1,0,1,1,0,1)) ~ c(0,1,2,0,1,2) > 0)$chisq
    res = st.logrank_trend_test([0, 0, 0, 2, 3, 4], [1, 0, 1, 1, 0, 1], [0, 1, 1, 0, 1, 1])
    assert res.statistic == pytest.approx(1.73076923076923, rel=REL)
    assert res.df == 1


def test_trend_group_with_one_member() -> None:
    # R: survdiff(Surv(c(1,2,3,2), c(1,1,0,1)) ~ c(1,1,1,2))$chisq
    res = st.logrank_trend_test([1, 2, 3, 2], [1, 1, 0, 1], [1, 1, 1, 2], min_group_size=1)
    assert res.statistic == pytest.approx(0.0169491525423729, rel=REL)
    # by default a group of one patient gives a note, not a p value
    res = st.logrank_trend_test([1, 2, 3, 2], [1, 1, 0, 1], [1, 1, 1, 2])
    assert not res.computed and "group 2 has 1 patient" in res.note


def test_trend_and_pairwise_all_censored_are_undefined() -> None:
    # R: survdiff with no events gives Chisq = 0 and p = NA
    res = st.logrank_trend_test(GOOD_T, [0] * 6, GROUP)
    assert res.statistic == 0.0 and math.isnan(res.p_value) and res.note == "no events: the test is undefined"
    out = st.pairwise_logrank(GOOD_T, [0] * 6, GROUP)
    assert (out["statistic"] == 0.0).all() and out["p_value"].isna().all()


@pytest.mark.parametrize("fn", [st.logrank_trend_test, st.pairwise_logrank])
def test_trend_and_pairwise_one_group_raise(fn: Callable[..., Any]) -> None:
    with pytest.raises(ValueError, match="two groups"):
        fn(GOOD_T, GOOD_E, [1] * 6)


def test_pairwise_ties_at_zero_match_survdiff_and_p_adjust() -> None:
    t, e, g = [0, 0, 0, 2, 3, 4], [1, 0, 1, 1, 0, 1], [0, 1, 2, 0, 1, 2]
    out = st.pairwise_logrank(t, e, g)
    # R: k <- g %in% pair; survdiff(Surv(t[k], e[k]) ~ g[k])$chisq for pairs (0,1), (0,2), (1,2)
    assert out["statistic"].to_numpy() == pytest.approx([2.0, 0.428571428571429, 1.0], rel=REL)
    assert out["p_value"].to_numpy() == pytest.approx(
        [0.157299207050284, 0.512690760261923, 0.317310507862914], rel=REL
    )
    # R: p.adjust(c(0.157299207050284, 0.512690760261923, 0.317310507862914), "holm")
    assert out["p_adjusted"].to_numpy() == pytest.approx(
        [0.471897621150853, 0.634621015725828, 0.634621015725828], rel=REL
    )


# ---------------------------------------------------------------------------- Gray's test


def test_gray_ties_at_time_zero() -> None:
    # R: cuminc(c(0,0,0,2,3,4,5,6), c(1,2,0,1,2,1,0,1), c(1,1,1,1,2,2,2,2))$Tests[1, ]
    res = st.gray_test([0, 0, 0, 2, 3, 4, 5, 6], [1, 2, 0, 1, 2, 1, 0, 1], [1, 1, 1, 1, 2, 2, 2, 2])
    assert res.statistic == pytest.approx(3.23293516645409, rel=REL)
    assert res.p_value == pytest.approx(0.0721712277425191, rel=REL)


def test_gray_group_with_one_member() -> None:
    # R: cuminc(c(1,2,3,4,5,6), c(1,0,2,1,0,1), c(1,1,1,1,1,2))$Tests[1, ]
    res = st.gray_test([1, 2, 3, 4, 5, 6], [1, 0, 2, 1, 0, 1], [1, 1, 1, 1, 1, 2], min_group_size=1)
    assert res.statistic == pytest.approx(0.540914864970224, rel=REL)
    assert res.p_value == pytest.approx(0.462053823895044, rel=REL)
    res = st.gray_test([1, 2, 3, 4, 5, 6], [1, 0, 2, 1, 0, 1], [1, 1, 1, 1, 1, 2])
    assert not res.computed and "group 2 has 1 patient" in res.note and math.isnan(res.p_value)


def test_gray_all_censored_is_a_note() -> None:
    res = st.gray_test(GOOD_T, [0] * 6, GROUP)
    assert not res.computed and "no failure" in res.note


# ------------------------------------------------------------------- cumulative incidence


def test_cif_reaching_one_gives_nan_limits_not_a_crash() -> None:
    # Hand calculation: every subject fails from cause 1, F(3) = 1; the log(-log) limits are
    # undefined there. R: cuminc(c(1,2,3), c(1,1,1))[[1]]$var ends with 0.1111111.
    fit = st.cumulative_incidence([1, 2, 3], [1, 1, 1])
    assert fit.estimate[-1] == 1.0
    assert fit.variance[-1] == pytest.approx(1 / 9, rel=REL)
    assert math.isnan(fit.lower[-1]) and math.isnan(fit.upper[-1])


# ------------------------------------------------------------------ current-status NPMLE


def test_npmle_ties_at_time_zero_pooled() -> None:
    # Hand calculation: looks at 0 (3 subjects, 2 positive) and 2 (0 of 1) violate monotonicity
    # and pool to 2/4 = 0.5; looks at 3 and 4 are positive: F = 1.
    f = st.current_status_npmle([0, 0, 0, 2, 3, 4], [1, 0, 1, 0, 1, 1])
    assert list(f.time) == [0, 2, 3, 4]
    assert f.cdf == pytest.approx([0.5, 0.5, 1.0, 1.0], rel=1e-12)


def test_npmle_and_band_all_negative() -> None:
    f = st.current_status_npmle(GOOD_T, [0] * 6)
    assert (f.cdf == 0).all()
    band = st.current_status_ci(GOOD_T, [0] * 6, n_boot=20)
    assert (band.cdf == 0).all()


# --------------------------------------------------------------------------------- Cox


@pytest.mark.filterwarnings("ignore::rtdelay.errors.StatisticalWarning")
def test_cox_ties_at_time_zero() -> None:
    # R: coxph(Surv(c(0,0,1,2,3,4,5), c(1,1,0,1,0,1,1)) ~ c(0.1,0.5,0.2,0.9,0.3,0.4,0.8))
    frame = pd.DataFrame(
        {
            "t": [0, 0, 1, 2, 3, 4, 5],
            "e": [1, 1, 0, 1, 0, 1, 1],
            "x": [0.1, 0.5, 0.2, 0.9, 0.3, 0.4, 0.8],
        }
    )
    fit = st.cox_ph(frame, duration="t", event="e", covariates=["x"])
    assert fit.coef[0] == pytest.approx(-0.969387926094336, rel=REL)
    assert fit.se[0] == pytest.approx(2.07148672973074, rel=REL)
    assert fit.log_likelihood == pytest.approx(-5.70266365874342, rel=REL)


@pytest.mark.filterwarnings("ignore::rtdelay.errors.StatisticalWarning")
def test_cox_binary_covariate_with_one_member() -> None:
    # R: coxph(Surv(c(1,2,3,4,5,6,7), c(1,0,1,1,0,1,1)) ~ c(0,0,1,0,0,0,0))
    frame = pd.DataFrame(
        {"t": [1, 2, 3, 4, 5, 6, 7], "e": [1, 0, 1, 1, 0, 1, 1], "x": [0, 0, 1, 0, 0, 0, 0]}
    )
    fit = st.cox_ph(frame, duration="t", event="e", covariates=["x"])
    assert fit.coef[0] == pytest.approx(1.58902691517395, rel=REL)
    assert fit.se[0] == pytest.approx(1.42148539428292, rel=REL)
    assert fit.log_likelihood == pytest.approx(-5.06502039180096, rel=REL)


# --------------------------------------------------------------------------- rank tests


@pytest.mark.parametrize("method", ["asymptotic", "exact"])
def test_mann_whitney_group_with_one_member(method: str) -> None:
    # R: wilcox.test(c(1,2,3,4), 2.5, exact=FALSE, correct=FALSE) -> W = 2, p = 1 (also exact)
    res = st.mann_whitney([1, 2, 3, 4], [2.5], method=method, min_group_size=1)
    assert res.extra["U_x"] == 2  # R's W is the Mann-Whitney U of x
    assert res.p_value == pytest.approx(1.0, rel=REL)
    res = st.mann_whitney([1, 2, 3, 4], [2.5], method=method)
    assert not res.computed and res.note == "y has 1 non-missing value: at least 2 per group are needed"


def test_signed_rank_single_pair() -> None:
    # R: wilcox.test(2, 1, paired=TRUE, exact=FALSE, correct=FALSE)$p.value
    res = st.wilcoxon_signed_rank([1.0], [2.0], min_pairs=1)
    assert res.p_value == pytest.approx(0.317310507862914, rel=REL)
    res = st.wilcoxon_signed_rank([1.0], [2.0])
    assert not res.computed and "1 complete (before, after) pair" in res.note


def test_mann_whitney_ties_at_zero() -> None:
    # R: wilcox.test(c(0,0,0,1,2), c(0,1,0,1,4), exact=FALSE, correct=FALSE) -> W = 10
    res = st.mann_whitney([0, 0, 0, 1, 2], [0, 1, 0, 1, 4])
    assert res.extra["U_x"] == 10  # R's W is the Mann-Whitney U of x
    assert res.p_value == pytest.approx(0.572119552542181, rel=REL)
