"""Log-rank family against R survival 3.5-3 (tests/reference/km_logrank.R -> km_logrank.json).

Expected values: R ``survdiff`` (log-rank, ``rho = 1`` = Fleming-Harrington(1, 0), stratified);
Breslow/Gehan, Tarone-Ware and FH(p, q > 0), which ``survdiff`` does not offer, from the
explicit hand-coded R loops ``wlr()`` in the R script (checked there against ``survdiff`` for
w = 1 and rho = 1); trend from survdiff's obs/exp/var; pairwise from survdiff on subsets and
``p.adjust``. Tolerance 1e-6 relative.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from rtdelay.stats import logrank_test, logrank_trend_test, pairwise_logrank

REF = json.loads((Path(__file__).parents[1] / "reference" / "km_logrank.json").read_text())
LR = REF["logrank"]
VET = LR["data_veteran"]
LUNG = LR["data_lung"]
AML = LR["data_aml"]
RTOL = 1e-6


def _close(actual: object, expected: object) -> None:
    np.testing.assert_allclose(np.asarray(actual, dtype=float), np.asarray(expected, dtype=float), rtol=RTOL, atol=1e-10)


def _check(res, ref: dict, *, weighted: bool = False) -> None:
    _close(res.statistic, ref["statistic"])
    _close(res.df, ref["df"])
    _close(res.p_value, ref["p_value"])
    _close(res.extra["variance"], ref["variance"])
    if weighted:
        _close(res.extra["weighted_observed"], ref["weighted_observed"])
        _close(res.extra["weighted_expected"], ref["weighted_expected"])


def test_veteran_celltype_four_groups() -> None:
    # survdiff(Surv(time, status) ~ celltype, data = veteran): chisq 25.4, df 3
    ref = LR["veteran_celltype"]
    res = logrank_test(VET["time"], VET["status"], VET["celltype"])
    _check(res, ref)
    _close(res.observed, ref["observed"])
    _close(res.expected, ref["expected"])
    _close(res.extra["n"], ref["n"])
    assert res.groups == ("adeno", "large", "smallcell", "squamous")


def test_veteran_fleming_harrington_1_0_is_survdiff_rho_1() -> None:
    # survdiff(Surv(time, status) ~ celltype, data = veteran, rho = 1)
    ref = LR["veteran_celltype_rho1"]
    res = logrank_test(VET["time"], VET["status"], VET["celltype"], weighting="fleming-harrington", p=1, q=0)
    _check(res, ref)
    _close(res.extra["weighted_observed"], ref["observed"])  # survdiff's obs is weighted
    _close(res.extra["weighted_expected"], ref["expected"])
    _close(res.observed, ref["unweighted_observed"])


@pytest.mark.parametrize(
    ("key", "weighting", "p", "q"),
    [
        ("veteran_celltype_breslow", "breslow", 0, 0),  # R wlr(..., w = n_j)
        ("veteran_celltype_tarone", "tarone-ware", 0, 0),  # R wlr(..., w = sqrt(n_j))
        ("veteran_celltype_fh_1_1", "fleming-harrington", 1, 1),  # R wlr(..., S(t-)^1 (1-S(t-))^1)
        ("veteran_celltype_fh_0_1", "fleming-harrington", 0, 1),  # R wlr(..., (1-S(t-))^1)
    ],
)
def test_veteran_hand_coded_weightings(key: str, weighting: str, p: float, q: float) -> None:
    res = logrank_test(VET["time"], VET["status"], VET["celltype"], weighting=weighting, p=p, q=q)
    _check(res, LR[key], weighted=True)


def test_aml_two_groups() -> None:
    # survdiff(Surv(time, status) ~ x, data = aml): chisq 3.4 on 1 df
    ref = LR["aml_x"]
    res = logrank_test(AML["time"], AML["status"], AML["x"])
    _check(res, ref)
    _close(res.observed, ref["observed"])
    _close(res.expected, ref["expected"])
    _check(logrank_test(AML["time"], AML["status"], AML["x"], weighting="breslow"), LR["aml_x_breslow"], weighted=True)
    _check(logrank_test(AML["time"], AML["status"], AML["x"], weighting="tarone-ware"), LR["aml_x_tarone"], weighted=True)
    # survdiff(..., rho = 1)
    _check(logrank_test(AML["time"], AML["status"], AML["x"], weighting="fleming-harrington", p=1), LR["aml_x_rho1"])


def test_stratified() -> None:
    # survdiff(Surv(time, status) ~ trt + strata(celltype), data = veteran)
    res = logrank_test(VET["time"], VET["status"], VET["trt"], strata=VET["celltype"])
    _check(res, LR["veteran_trt_strata"])
    _close(res.observed, LR["veteran_trt_strata"]["observed"])
    _close(res.expected, LR["veteran_trt_strata"]["expected"])
    # ... rho = 1 (KM weights computed within each stratum)
    res1 = logrank_test(VET["time"], VET["status"], VET["trt"], strata=VET["celltype"], weighting="fleming-harrington", p=1)
    _check(res1, LR["veteran_trt_strata_rho1"])
    # hand-coded stratified Breslow
    res2 = logrank_test(VET["time"], VET["status"], VET["trt"], strata=VET["celltype"], weighting="breslow")
    _check(res2, LR["veteran_trt_strata_breslow"], weighted=True)


def test_group_with_one_member() -> None:
    # survdiff(Surv(time, status) ~ ph.ecog, data = lung): ph.ecog == 3 has one patient
    assert LUNG["ph_ecog"].count(3) == 1
    ref = LR["lung_ecog"]
    res = logrank_test(LUNG["time"], LUNG["status"], LUNG["ph_ecog"], min_group_size=1)
    _check(res, ref)
    _close(res.observed, ref["observed"])
    _close(res.expected, ref["expected"])


@pytest.mark.parametrize(
    ("key", "scores"),
    [("trend_lung_ecog_default", None), ("trend_lung_ecog_scores", [0, 1, 2, 5])],
)
def test_trend_lung_ecog(key: str, scores: list | None) -> None:
    # U <- fit$obs - fit$exp; (sum(c * U))^2 / (c' fit$var c), fit = survdiff(... ~ ph.ecog)
    ref = LR[key]
    res = logrank_trend_test(LUNG["time"], LUNG["status"], LUNG["ph_ecog"], scores=scores, min_group_size=1)
    _close(res.statistic, ref["statistic"])
    _close(res.p_value, ref["p_value"])
    _close(res.extra["z"], ref["z"])
    assert res.df == 1.0


def test_trend_scores_as_mapping_and_veteran() -> None:
    ref = LR["trend_veteran_celltype"]
    res = logrank_trend_test(VET["time"], VET["status"], VET["celltype"], scores={"adeno": 1, "large": 2, "smallcell": 3, "squamous": 4})
    _close(res.statistic, ref["statistic"])
    _close(res.p_value, ref["p_value"])
    with pytest.raises(ValueError, match="one value per group"):
        logrank_trend_test(VET["time"], VET["status"], VET["celltype"], scores=[1, 2])


@pytest.mark.parametrize("adjust", ["holm", "bonferroni", "none"])
def test_pairwise_veteran(adjust: str) -> None:
    # survdiff(..., subset = celltype %in% c(a, b)) for each pair; p.adjust(p, "holm"/"bonferroni")
    ref = LR["pairwise_veteran_celltype"]
    table = pairwise_logrank(VET["time"], VET["status"], VET["celltype"], adjust=adjust)
    assert list(table.columns) == ["group1", "group2", "statistic", "p_value", "p_adjusted"]
    assert list(table["group1"]) == ref["group1"] and list(table["group2"]) == ref["group2"]
    _close(table["statistic"], ref["statistic"])
    _close(table["p_value"], ref["p_value"])
    expected = {"holm": ref["p_holm"], "bonferroni": ref["p_bonferroni"], "none": ref["p_value"]}[adjust]
    _close(table["p_adjusted"], expected)


def test_one_group_raises() -> None:
    with pytest.raises(ValueError, match="at least two groups"):
        logrank_test([1, 2, 3], [1, 0, 1], ["a", "a", "a"])


def test_all_censored_gives_undefined_test() -> None:
    # R: survdiff(Surv(c(1,2,3), c(0,0,0)) ~ c(1,1,2)) gives Chisq = 0 and p = NA
    res = logrank_test([1, 2, 3], [0, 0, 0], [1, 1, 2], min_group_size=1)
    assert res.statistic == 0.0 and res.df == 0.0 and math.isnan(res.p_value)
    assert not res.computed and res.note == "no events: the test is undefined"


def test_group_of_one_gives_a_note_not_a_p_value() -> None:
    res = logrank_test([1, 2, 3, 4], [1, 0, 1, 1], ["a", "a", "a", "b"])
    assert not res.computed and math.isnan(res.p_value)
    assert res.note == "group 'b' has 1 patient: at least 2 per group are needed"
    assert res.to_dict()["p_value"] is None and res.to_dict()["note"] == res.note


def test_two_groups_hand_calculation() -> None:
    # Hand calculation. Group A: 1, 3 (events); group B: 2 (event), 4 (censored).
    # t=1: n=4, nA=2, d=1 (A): E_A=1/2, V=1*3/(16*3)*(4*2-4)=1/4
    # t=2: n=3, nA=1, d=1 (B): E_A=1/3, V=1*2/(9*2)*(3*1-1)=2/9
    # t=3: n=2, nA=1, d=1 (A): E_A=1/2, V=1*1/(4*1)*(2-1)=1/4
    # O_A=2, E_A=4/3, U=2/3, V=1/4+2/9+1/4=13/18; chi2 = (4/9)/(13/18) = 8/13
    res = logrank_test([1, 3, 2, 4], [1, 1, 1, 0], ["A", "A", "B", "B"])
    assert res.statistic == pytest.approx(8 / 13, rel=1e-12)
    assert res.expected[0] == pytest.approx(4 / 3, rel=1e-12)


def test_ties_at_time_zero() -> None:
    # Hand calculation: t=0, n=4 (2 A, 2 B), d=2 (1 A, 1 B): E_A=1, V=2*2/(16*3)*(4*2-4)=1/3;
    # t=1: n=2 (1 A, 1 B), d=1 (A): E_A=1/2, V=1*1/(4*1)*(2-1)=1/4. O_A=2, E_A=3/2,
    # chi2 = (1/2)^2 / (1/3 + 1/4) = 3/7.
    res = logrank_test([0, 1, 0, 2], [1, 1, 1, 0], ["A", "A", "B", "B"])
    assert res.statistic == pytest.approx(3 / 7, rel=1e-12)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"time": [1, -1, 2], "event": [1, 0, 1], "group": [1, 2, 1]}, "index 1"),
        ({"time": [1, float("nan"), 2], "event": [1, 0, 1], "group": [1, 2, 1]}, "index 1"),
        ({"time": [1, 2, 2], "event": [1, 0, 3], "group": [1, 2, 1]}, "index 2"),
        ({"time": [1, 2, 2], "event": [1, 0, 1], "group": ["a", None, "b"]}, "index 1"),
        ({"time": [1, 2, 2], "event": [1, 0, 1], "group": [1.0, float("nan"), 2.0]}, "index 1"),
        ({"time": [1, 2, 2], "event": [1, 0, 1], "group": [1, 2]}, "same length"),
    ],
)
def test_bad_input_names_index(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        logrank_test(**kwargs)


@pytest.mark.parametrize(
    "kw",
    [{"weighting": "wilcoxon"}, {"weighting": "logrank", "p": 1}, {"weighting": "fleming-harrington", "p": -1}],
)
def test_bad_options(kw: dict) -> None:
    with pytest.raises(ValueError):
        logrank_test([1, 2, 3, 4], [1, 1, 0, 1], [1, 1, 2, 2], **kw)


def test_pairwise_bad_adjust() -> None:
    with pytest.raises(ValueError, match="adjust"):
        pairwise_logrank([1, 2, 3, 4], [1, 1, 0, 1], [1, 1, 2, 2], adjust="fdr")


def test_result_dict_is_json() -> None:
    res = logrank_test(VET["time"], VET["status"], VET["celltype"])
    json.dumps(res.to_dict())
    assert len(res.to_frame()) == 4


def test_integer_and_sorted_paths_agree_with_r_on_veteran() -> None:
    # veteran times are whole days (bincount path); time + 0.5 keeps the order (sort path),
    # so both must reproduce survdiff(Surv(time, status) ~ celltype, data = veteran).
    ref = LR["veteran_celltype"]
    shifted = np.asarray(VET["time"], dtype=float) + 0.5
    _check(logrank_test(shifted, VET["status"], VET["celltype"]), ref)
    big = np.asarray(VET["time"], dtype=float) * 1e6  # integers with a range too wide to bin
    _check(logrank_test(big, VET["status"], VET["celltype"]), ref)


def test_group_codes_of_any_integer_or_bool_dtype() -> None:
    # Labels 5/7 (not 0-based), int8 0/1 and bool must give the aml result:
    # survdiff(Surv(time, status) ~ x, data = aml)
    ref = LR["aml_x"]
    x = np.asarray(AML["x"]) == "Nonmaintained"
    for g in (np.where(x, 7, 5), x.astype(np.int8), x):
        _check(logrank_test(AML["time"], AML["status"], g), ref)


def test_stratum_missing_a_group() -> None:
    # Stratum "b" has only group 1: it adds nothing to U and V (hand reasoning: n_gj = 0 or
    # n_j for all j, so d_gj - d_j n_gj / n_j = 0 and V terms vanish).
    t = [1.5, 2.5, 3.5, 4.5, 1.2, 2.2]
    e = [1, 1, 0, 1, 1, 1]
    g = [0, 1, 0, 1, 1, 1]
    s = ["a", "a", "a", "a", "b", "b"]
    full = logrank_test(t, e, g, strata=s)
    only_a = logrank_test(t[:4], e[:4], g[:4])
    assert full.statistic == pytest.approx(only_a.statistic, rel=1e-12)
