"""The demo generator's private fast evaluators against R and against rtdelay.stats."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from rtdelay import stats
from rtdelay.demo._evaluate import (
    km_at,
    logrank_chi2,
    logrank_p,
    mann_whitney_p,
    mean_sd,
    signed_rank_p,
)

REF = json.loads((Path(__file__).parents[1] / "reference" / "demo_evaluators.json").read_text())


@pytest.mark.parametrize("name", ["aml", "lung"])
def test_km_at_matches_r(name: str) -> None:
    d = REF[name]
    # R: summary(survfit(Surv(time, status) ~ 1), times = at)$surv
    got = km_at(d["time"], d["status"], d["at"])
    assert got == pytest.approx(d["surv"], rel=1e-9)


def test_km_at_before_first_time_is_one() -> None:
    assert km_at([3.0, 5.0], [1, 1], [0.0, 2.9, 3.0])[0] == 1.0
    assert km_at([3.0, 5.0], [1, 1], [3.0])[0] == pytest.approx(0.5)  # hand: 1 - 1/2


@pytest.mark.parametrize("name", ["aml", "lung"])
def test_logrank_matches_r(name: str) -> None:
    d = REF[name]
    # R: survdiff(Surv(time, status) ~ group)$chisq
    stat, df = logrank_chi2(d["time"], d["status"], d["group"])
    assert stat == pytest.approx(d["logrank_chisq"], rel=1e-9)
    assert df == len(set(map(str, d["group"]))) - 1
    if "logrank_p" in d:  # R: pchisq(chisq, df, lower.tail = FALSE)
        assert logrank_p(d["time"], d["status"], d["group"]) == pytest.approx(d["logrank_p"], rel=1e-9)


@pytest.mark.parametrize("name", ["sleep", "nrs"])
def test_signed_rank_matches_r(name: str) -> None:
    d = REF[name]
    # R: wilcox.test(after, before, paired = TRUE, exact = FALSE, correct = FALSE)$p.value
    assert signed_rank_p(d["before"], d["after"]) == pytest.approx(d["p"], rel=1e-9)


@pytest.mark.parametrize("name", ["ozone", "mobility"])
def test_mann_whitney_matches_r(name: str) -> None:
    d = REF[name]
    # R: wilcox.test(x, y, exact = FALSE, correct = FALSE)$p.value
    assert mann_whitney_p(d["x"], d["y"]) == pytest.approx(d["p"], rel=1e-9)


def test_signed_rank_hand_calculation() -> None:
    # two pairs, both worse by 1: ranks tie at 1.5, W+ = 3, mean 1.5,
    # var = 2*3*5/24 - (8 - 2)/48 = 1.125, z = 1.5/sqrt(1.125) = sqrt(2), p = erfc(1) = 0.1573
    assert signed_rank_p([0, 0, 1, 0], [1, 1, 1, 0]) == pytest.approx(math.erfc(1.0), rel=1e-12)
    assert signed_rank_p([1, 2], [1, 2]) == 1.0  # all differences zero


def test_mean_sd_uses_n_minus_1() -> None:
    assert mean_sd([1, 2, 3, 4]) == pytest.approx((2.5, math.sqrt(5 / 3)))


def test_agrees_with_rtdelay_stats_on_random_data() -> None:
    rng = np.random.default_rng(7)
    for _ in range(5):
        n = 40
        t = rng.integers(1, 60, size=n).astype(float)  # integer times: ties
        e = rng.random(n) < 0.6
        g = rng.choice(["a", "b", "c"], size=n)
        assert km_at(t, e, [10.0, 30.0]) == pytest.approx(stats.kaplan_meier(t, e).at([10.0, 30.0]), rel=1e-9)
        assert logrank_p(t, e, g) == pytest.approx(stats.logrank_test(t, e, g).p_value, rel=1e-7)
        pre = rng.integers(0, 11, size=n)
        post = np.clip(pre + rng.integers(-3, 3, size=n), 0, 10)
        ref = stats.wilcoxon_signed_rank(pre, post).p_value
        assert signed_rank_p(pre, post) == pytest.approx(ref, rel=1e-9)
        ref = stats.mann_whitney(pre[:25], post[25:]).p_value
        assert mann_whitney_p(pre[:25], post[25:]) == pytest.approx(ref, rel=1e-9)
