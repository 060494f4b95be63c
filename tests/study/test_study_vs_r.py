"""rtdelay.study.run on the reference cohort agrees with R (survival 3.5-3, stats).

Expected values: tests/reference/study.json, written by
``Rscript tests/reference/study.R tests/reference/study_cohort.csv tests/reference/study.json``
from tests/reference/study_cohort.csv (seeded: tests/reference/make_study_cohort.py), and
tests/reference/study_demo.json from the demo cohort's eligible patients
(``export_derived.py --demo tests/reference/study_demo_cohort.csv``, then study.R on it).
Tolerance 1e-6 relative (R writes 15 significant digits).
"""

from __future__ import annotations

import pytest

from rtdelay.study import results_to_json, run

REL = 1e-6


CASES = {
    # the fixture csv as is; the same patients in dates form read by rtdelay.cohort; the demo
    "derived_csv": ("study_cohort", "study_r"),
    "read_cohort": ("study_cohort_via_reader", "study_r"),
    "demo": ("demo_cohort_derived", "demo_r"),
}


@pytest.fixture(scope="module", params=list(CASES))
def case(request):
    frame_name, r_name = CASES[request.param]
    return run(request.getfixturevalue(frame_name)), request.getfixturevalue(r_name)


@pytest.fixture(scope="module")
def res(case):
    return case[0]


@pytest.fixture(scope="module")
def ref(case):
    return case[1]


@pytest.fixture(scope="module")
def doc(res):
    return results_to_json(res)


def test_descriptives(doc, ref):
    assert doc["n_patients"] == ref["n_patients"]
    # R: c(mean(age), sd(age))
    assert doc["age_mean_sd"] == pytest.approx(ref["age_mean_sd"], rel=REL)
    # R: median(ti_months), range(ti_months)
    assert doc["ti_months_median"] == pytest.approx(ref["ti_median"], rel=REL)
    assert doc["ti_months_range"] == pytest.approx(ref["ti_range"], rel=REL)
    # R: table(cut(ti_months, c(0, 1, 3, 6, 9), right = FALSE))
    assert doc["ti_bin_counts"] == ref["ti_bins"]
    # R: c(mean(followup_months), sd(followup_months))
    assert doc["followup_months_after_rt_mean_sd"] == pytest.approx(ref["followup_mean_sd"], rel=REL)
    assert doc["lost_to_followup"] == ref["lost"]
    assert doc["followup_rate"] == pytest.approx(ref["followup_rate"], rel=REL)
    # R: summary(survfit(Surv(os_months, 1 - os_event) ~ 1))$table["median"]
    assert doc["details"]["followup"]["median_reverse_km_months"] == pytest.approx(
        ref["reverse_km_median"], rel=REL
    )


def test_pbr_risk(doc, ref):
    r = ref["pbr_risk"]
    # R: 1 - summary(survfit(Surv(ti_months, pbr) ~ 1, conf.type = "log-log"), times = c(1, 3, 6))$surv
    assert [doc["pbr_cumulative_risk"][k] for k in ("1", "3", "6")] == pytest.approx(r["risk"], rel=REL)
    rows = doc["details"]["interval"]["pbr_risk"]
    # R: 1 - $upper, 1 - $lower, $n.risk
    assert [x["lower"] for x in rows] == pytest.approx(r["lower"], rel=REL)
    assert [x["upper"] for x in rows] == pytest.approx(r["upper"], rel=REL)
    assert [x["n_at_risk"] for x in rows] == r["n_risk"]
    # R: survdiff(Surv(ti_months, pbr) ~ surgery_type)
    assert doc["pbr_by_surgery_logrank_p"] == pytest.approx(ref["pbr_by_surgery_logrank"]["p"], rel=REL)


@pytest.mark.parametrize("ep,key", [("lc", "local_control"), ("os", "overall_survival")])
def test_endpoints(doc, ref, ep, key):
    for g in ("all", "PBR", "NPBR"):
        r = ref[ep][g]
        # R: summary(survfit(Surv(<ep>_months, <ep>_event) ~ 1, conf.type = "log-log"), times = 12)
        assert doc[f"{ep}_1y"][g] == pytest.approx(r["surv"], rel=REL)
        rate = doc["details"][key]["rates"][g]
        assert rate["lower"] == pytest.approx(r["lower"], rel=REL)
        assert rate["upper"] == pytest.approx(r["upper"], rel=REL)
        assert rate["std_err_survival"] == pytest.approx(r["std_err"], rel=REL)
        assert rate["n_at_risk"] == r["n_risk"]
    # R: survdiff(Surv(<ep>_months, <ep>_event) ~ group)
    assert doc[f"{ep}_logrank_p"] == pytest.approx(ref[ep]["logrank"]["p"], rel=REL)
    assert doc["details"][key]["logrank"]["statistic"] == pytest.approx(ref[ep]["logrank"]["chisq"], rel=REL)


@pytest.mark.parametrize("measure", ["nrs", "kps", "mobility", "sphincter_dysfunction"])
def test_qol(doc, ref, measure):
    r = ref["qol"][measure]
    for g in ("PBR", "NPBR"):
        got = doc["qol"][measure][g]
        # R: c(mean(x, na.rm), sd(x, na.rm))
        assert got["pre"] == pytest.approx(r[g]["pre"], rel=REL)
        assert got["followup"] == pytest.approx(r[g]["followup"], rel=REL)
        # R: wilcox.test(fu, pre, paired = TRUE, exact = FALSE, correct = FALSE)$p.value
        assert got["p"] == pytest.approx(r[g]["p"], rel=REL)
        assert doc["details"]["qol"][measure]["groups"][g]["n_pairs"] == r[g]["n_pairs"]
    # R: wilcox.test(fu[PBR], fu[NPBR], exact = FALSE, correct = FALSE)$p.value
    assert doc["qol"][measure]["between_groups_followup_p"] == pytest.approx(
        r["between_groups_followup_p"], rel=REL
    )


def test_mobility_months(doc, ref):
    r = ref["qol"]["mobility_months_after_rt"]
    got = doc["qol"]["mobility_months_after_rt"]
    assert got["PBR"] == pytest.approx(r["PBR"], rel=REL)
    assert got["NPBR"] == pytest.approx(r["NPBR"], rel=REL)
    # R: wilcox.test(x[PBR], x[NPBR], exact = FALSE, correct = FALSE)$p.value
    assert got["p"] == pytest.approx(r["p"], rel=REL)


def test_table1(res, ref):
    for variable, r in ref["table1"].items():
        row = res.table1.row(variable)
        # R: wilcox.test(exact = FALSE, correct = FALSE), chisq.test(correct = FALSE) or fisher.test
        assert row.test_name == r["test"], variable
        assert row.p_value == pytest.approx(r["p"], rel=REL), variable
        if "min_expected" in r:
            assert row.min_expected == pytest.approx(r["min_expected"], rel=REL)
            assert f"{r['min_expected']:.1f}" in row.test_reason or r["min_expected"] >= 5
