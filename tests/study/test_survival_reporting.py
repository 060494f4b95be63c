"""Survival reporting as journals ask for it, against R (survival 3.x).

Expected values: tests/reference/survival_reporting_{study,demo}.json written by
``Rscript tests/reference/survival_reporting.R <cohort.csv> <out.json>``:
- medians: ``summary(survfit(Surv(t, e) ~ 1, conf.type = "log-log"))$table[c("median", "0.95LCL", "0.95UCL")]``
- rates: ``summary(survfit(...), times = c(6, 12, 24), extend = TRUE)``, NA beyond the last time
- hazard ratio: ``summary(coxph(Surv(t, e) ~ pbr, ties = "efron"))$conf.int`` and ``Pr(>|z|)``
- follow-up: ``quantile(survfit(Surv(os_months, 1 - os_event) ~ 1), c(.25, .5, .75))``
Tolerance 1e-6 relative.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from rtdelay.study import run

REFERENCE = Path(__file__).resolve().parents[1] / "reference"

REL = 1e-6


def _same(ours: float, theirs: float | None) -> bool:
    if theirs is None:
        return math.isnan(ours)
    return ours == pytest.approx(theirs, rel=REL)


@pytest.fixture(scope="module", params=["study", "demo"])
def case(request):
    frame = request.getfixturevalue("study_cohort" if request.param == "study" else "demo_cohort_derived")
    ref = json.loads((REFERENCE / f"survival_reporting_{request.param}.json").read_text())
    return run(frame, beyond=False), ref


@pytest.mark.parametrize("endpoint", ["local_control", "overall_survival"])
@pytest.mark.parametrize("group", ["all", "PBR", "NPBR"])
def test_median_with_ci_and_last_time(case, endpoint, group):
    res, ref = case
    ours = getattr(res, endpoint).median_ci[group]
    theirs = ref[endpoint][group]
    assert _same(ours.median, theirs["median"])
    assert _same(ours.lower, theirs["lcl"])
    assert _same(ours.upper, theirs["ucl"])
    assert ours.last_time == pytest.approx(theirs["last_time"], rel=REL)
    assert ours.reached == (theirs["median"] is not None)


@pytest.mark.parametrize("endpoint", ["local_control", "overall_survival"])
@pytest.mark.parametrize("group", ["all", "PBR", "NPBR"])
def test_rates_at_6_12_24(case, endpoint, group):
    res, ref = case
    ours = getattr(res, endpoint).rates_at[group]
    theirs = ref[endpoint][group]
    assert [r.time for r in ours] == theirs["rate_time"]
    for r, s, lo, hi, n in zip(ours, theirs["rate"], theirs["rate_lower"], theirs["rate_upper"], theirs["n_risk"], strict=True):
        assert _same(r.value, s) and _same(r.lower, lo) and _same(r.upper, hi)
        if s is not None:
            assert r.n_at_risk == n


@pytest.mark.parametrize("endpoint", ["local_control", "overall_survival"])
def test_unadjusted_hazard_ratio(case, endpoint):
    res, ref = case
    hr = getattr(res, endpoint).hazard_ratio
    theirs = ref[endpoint]["hr"]
    assert hr.hazard_ratio == pytest.approx(theirs["hr"], rel=REL)
    assert hr.lower == pytest.approx(theirs["lower"], rel=REL)
    assert hr.upper == pytest.approx(theirs["upper"], rel=REL)
    assert hr.p_value == pytest.approx(theirs["p"], rel=1e-5)


def test_reverse_km_followup_with_iqr(case):
    res, ref = case
    fu = res.followup
    assert fu.median_reverse_km == pytest.approx(ref["reverse_km"]["median"], rel=REL)
    assert fu.reverse_km_iqr[0] == pytest.approx(ref["reverse_km"]["q25"], rel=REL)
    assert fu.reverse_km_iqr[1] == pytest.approx(ref["reverse_km"]["q75"], rel=REL)


def test_times_option_changes_the_rates(study_cohort):
    res = run(study_cohort, beyond=False, times=(3, 9))
    assert [r.time for r in res.overall_survival.rates_at["all"]] == [3.0, 9.0]


def test_no_pbr_patient_gives_no_hazard_ratio_and_a_note(study_cohort):
    res = run(study_cohort[study_cohort["group"] == "NPBR"], beyond=False)
    assert res.overall_survival.hazard_ratio is None
    assert "PBR" not in res.overall_survival.median_ci
