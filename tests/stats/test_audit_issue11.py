"""Issue 11 audit items against R (tests/reference/audit_issue11.R -> audit_issue11.json).

Each expected number comes from the R call quoted beside it.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import rtdelay.stats as st

REF = json.loads((Path(__file__).parents[1] / "reference" / "audit_issue11.json").read_text())


# ---- Fleming-Harrington with strata / without events in a stratum -------------------------


def test_fh_retinopathy_strata() -> None:
    # survdiff(Surv(futime, status) ~ trt + strata(id), data = retinopathy, rho = 1)
    r = REF["fh_retinopathy"]
    d = r["data"]
    res = st.logrank_test(
        d["time"], d["event"], d["group"], strata=d["strata"], weighting="fleming-harrington", p=1
    )
    assert res.statistic == pytest.approx(r["chisq"], rel=1e-10)
    np.testing.assert_allclose(res.extra["weighted_observed"], r["obs"], rtol=1e-10)
    np.testing.assert_allclose(res.extra["weighted_expected"], r["exp"], rtol=1e-10)


def test_fh_minimal_and_stratum_without_events() -> None:
    # survdiff(Surv(c(1,2,3,4), c(1,1,0,0)) ~ c("a","b","a","b") + strata(c(1,1,2,2)), rho = 1)
    res = st.logrank_test(
        [1, 2, 3, 4], [1, 1, 0, 0], list("abab"), strata=[1, 1, 2, 2], weighting="fleming-harrington", p=1
    )
    assert res.statistic == pytest.approx(REF["fh_minimal"]["chisq"], rel=1e-12)
    # survdiff(Surv(tt, ee) ~ gg + strata(ss), rho = 1): stratum 2 has no event
    r = REF["fh_noevent_stratum"]
    d = r["data"]
    kw = {"strata": d["strata"], "weighting": "fleming-harrington", "p": 1}
    res = st.logrank_test(d["time"], d["event"], d["group"], **kw)
    assert res.statistic == pytest.approx(r["chisq"], rel=1e-12)
    trend = st.logrank_trend_test(d["time"], d["event"], d["group"], **kw)
    assert np.isfinite(trend.statistic)
    pw = st.pairwise_logrank(d["time"], d["event"], d["group"], **kw)
    assert len(pw.to_frame()) == 1
    # no event at all: undefined test, no crash
    none = st.logrank_test([1, 2, 3, 4], [0, 0, 0, 0], [1, 2, 1, 2], weighting="fleming-harrington", p=1)
    assert none.df == 0 and np.isnan(none.p_value)


# ---- Fisher's exact test, 2 x c --------------------------------------------------------------


@pytest.mark.parametrize("name", ["t5", "t10", "t6"])
def test_fisher_2xc_reach(name: str) -> None:
    # fisher.test(t, workspace = 2e8); t6 (6 x 2, n = 4,060) takes R about 24 s
    r = REF["fisher"][name]
    res = st.fisher_exact(r["table"])
    assert res.p_value == pytest.approx(r["p"], rel=1e-6)


def test_fisher_2xc_out_of_reach_is_refused_quickly() -> None:
    # 10 x 2 with n = 7,880: R's FEXACT does not finish within 5 minutes with workspace = 2e8
    table = np.array(REF["fisher"]["t10"]["table"]) * 10
    start = time.perf_counter()
    with pytest.raises(ValueError, match="too large"):
        st.fisher_exact(table)
    assert time.perf_counter() - start < 15.0  # about 1 s unloaded; generous for shared CI


# ---- pairwise log-rank with Benjamini-Hochberg -----------------------------------------------


def test_pairwise_bh_pbc_stage() -> None:
    # survdiff(Surv(time, status == 2) ~ stage, data = pbc, subset = stage %in% c(a, b));
    # p.adjust(p, "BH")
    r = REF["pairwise_bh"]
    d = r["data"]
    res = st.pairwise_logrank(d["time"], d["event"], d["stage"], adjust="BH")
    assert list(res.group1) == r["group1"] and list(res.group2) == r["group2"]
    np.testing.assert_allclose(res.statistic, r["chisq"], rtol=1e-10)
    np.testing.assert_allclose(res.p_adjusted, r["p_bh"], rtol=1e-9)
    assert not res.p_adjusted.flags.writeable
    assert res == res and hash(res) is not None


# ---- label order: pandas Categorical and levels= (pbc edema none / moderate / severe) --------


def test_pbc_edema_trend_honours_categorical_order_and_levels() -> None:
    # fit <- survdiff(Surv(time, status == 2) ~ edema_f, pbc); U <- fit$obs - fit$exp;
    # (sum(1:3 * U))^2 / (1:3 %*% fit$var %*% 1:3) = 102.02; alphabetical order gave 0.87
    r = REF["pbc_edema"]
    d = r["data"]
    cat = pd.Categorical(d["edema"], categories=r["levels"], ordered=True)
    res = st.logrank_trend_test(d["time"], d["event"], cat)
    assert res.groups == tuple(r["levels"])
    assert res.statistic == pytest.approx(r["trend_chisq"], rel=1e-10)
    res2 = st.logrank_trend_test(d["time"], d["event"], d["edema"], levels=r["levels"])
    assert res2.statistic == pytest.approx(r["trend_chisq"], rel=1e-10)
    assert st.logrank_test(d["time"], d["event"], cat).statistic == pytest.approx(r["chisq"], rel=1e-10)
    curves = st.kaplan_meier(d["time"], d["event"], group=cat)
    assert list(curves) == r["levels"]
    # coxph(Surv(time, status == 2) ~ edema_f, pbc): reference level "none"
    frame = pd.DataFrame({"t": d["time"], "e": d["event"], "edema": cat})
    fit = st.cox_ph(frame, duration="t", event="e", covariates=["edema"])
    assert fit.names == ("edema[moderate]", "edema[severe]")
    np.testing.assert_allclose(fit.coef, r["cox_coef"], rtol=1e-8)
    np.testing.assert_allclose(fit.se, r["cox_se"], rtol=1e-8)
    fit2 = st.cox_ph(frame.assign(edema=d["edema"]), duration="t", event="e", covariates=["edema"],
                     levels={"edema": r["levels"]})
    np.testing.assert_allclose(fit2.coef, r["cox_coef"], rtol=1e-8)


def test_levels_errors_name_the_value_and_index() -> None:
    with pytest.raises(ValueError, match=r"value 'c' at index 2 is not among levels"):
        st.logrank_test([1, 2, 3], [1, 1, 1], ["a", "b", "c"], levels=["a", "b"])


# ---- timefix (R aeqSurv) ---------------------------------------------------------------------

FT = [0.1 + 0.2, 0.3, 1, 1 + 1e-12, 2, 2 + 2e-9, 2.5, 3, 3 * (1 + 1e-10), 4, 5, 6]


def test_timefix_data_is_r_data() -> None:
    assert [float(v) for v in FT] == [float(s) for s in REF["timefix"]["time_17"]]


@pytest.mark.filterwarnings("ignore::rtdelay.errors.StatisticalWarning")
@pytest.mark.parametrize(("timefix", "key"), [(True, "on"), (False, "off")])
def test_timefix_km_logrank_cox(timefix: bool, key: str) -> None:
    # survfit / survdiff / coxph(Surv(ft, fe) ~ ..., timefix = TRUE | FALSE)
    r = REF["timefix"][key]
    d = REF["timefix"]["data"]
    km = st.kaplan_meier(FT, d["event"], timefix=timefix)
    np.testing.assert_allclose(km.time, r["km_time"], rtol=1e-14)
    np.testing.assert_allclose(km.survival, r["km_surv"], rtol=1e-12)
    assert km.n_at_risk.tolist() == r["km_n_risk"]
    lr = st.logrank_test(FT, d["event"], d["group"], timefix=timefix)
    assert lr.statistic == pytest.approx(r["lr_chisq"], rel=1e-9)
    frame = pd.DataFrame({"t": FT, "e": d["event"], "x": d["x"]})
    fit = st.cox_ph(frame, duration="t", event="e", covariates=["x"], timefix=timefix)
    assert fit.coef[0] == pytest.approx(r["cox_coef"], rel=1e-8)
    assert fit.log_likelihood == pytest.approx(r["cox_loglik"][1], rel=1e-10)


# ---- Gray's test with strata; cumulative incidence by group ----------------------------------


@pytest.mark.parametrize("cause", [1, 2])
def test_gray_with_strata(cause: int) -> None:
    # cuminc(pbc$time, pbc$status, group = trt, strata = sex)$Tests (pbc rows with trt)
    r = REF["gray_strata"]
    d = r["data"]
    res = st.gray_test(d["time"], d["cause"], d["group"], strata=d["strata"], cause_of_interest=cause)
    assert res.statistic == pytest.approx(r["stat"][cause - 1], rel=1e-9)
    assert res.p_value == pytest.approx(r["pv"][cause - 1], rel=1e-9)


def test_cumulative_incidence_by_group() -> None:
    # timepoints(cuminc(time, status, group = trt), c(500, 1000, 2000, 3000)), cause 2
    r = REF["gray_strata"]
    d = r["data"]
    by = st.cumulative_incidence(d["time"], d["cause"], group=d["group"], cause_of_interest=2)
    assert list(by) == [1, 2]
    for g in (1, 2):
        tab = by[g].summary_at(r["times"])
        np.testing.assert_allclose(tab["estimate"], r[f"est_{g}_2"], rtol=1e-10)
        np.testing.assert_allclose(tab["variance"], r[f"var_{g}_2"], rtol=1e-9)


# ---- left truncation: Stanford heart transplant data -----------------------------------------


def test_km_left_truncation_heart() -> None:
    # survfit(Surv(start, stop, event) ~ 1, data = heart)  (R's default conf.type = "log")
    r = REF["left_truncation"]
    d = r["data"]
    km = st.kaplan_meier(d["time"], d["event"], entry=d["entry"], conf_type="log")
    np.testing.assert_allclose(km.time, r["km_time"], rtol=1e-12)
    np.testing.assert_allclose(km.survival, r["km_surv"], rtol=1e-12)
    assert km.n_at_risk.tolist() == r["km_n_risk"]
    np.testing.assert_allclose(km.std_err, r["km_std_err"], rtol=1e-10)
    np.testing.assert_allclose(km.lower, np.array(r["km_lower"], dtype=float), rtol=1e-10)
    np.testing.assert_allclose(km.upper, np.array(r["km_upper"], dtype=float), rtol=1e-10)


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_cox_left_truncation_heart(ties: str) -> None:
    # coxph(Surv(start, stop, event) ~ age + transplant, data = heart, ties = ties)
    r = REF["left_truncation"]
    frame = pd.DataFrame(r["data"])
    fit = st.cox_ph(frame, duration="time", event="event", covariates=["age", "transplant"], entry="entry", ties=ties)
    coef = r["cox_coef"] if ties == "efron" else r["cox_breslow_coef"]
    loglik = r["cox_loglik"] if ties == "efron" else r["cox_breslow_loglik"]
    np.testing.assert_allclose(fit.coef, coef, rtol=1e-7)
    assert fit.log_likelihood == pytest.approx(loglik[1], rel=1e-10)
    assert fit.log_likelihood_null == pytest.approx(loglik[0], rel=1e-10)
    if ties == "efron":
        np.testing.assert_allclose(fit.se, r["cox_se"], rtol=1e-7)


def test_entry_not_below_time_is_an_input_error() -> None:
    from rtdelay.errors import InputError

    with pytest.raises(InputError, match="index 1"):
        st.kaplan_meier([2, 3], [1, 1], entry=[0, 3])


# ---- Cox: infinite coefficient warning; aliased covariates -----------------------------------


def test_cox_warns_when_a_coefficient_may_be_infinite() -> None:
    # coxph(Surv(time, status) ~ cens + age, lung): "Loglik converged before variable 1;
    # coefficient may be infinite."  coef -19.73
    from rtdelay.errors import StatisticalWarning

    r = REF["cox_infinite"]
    assert "may be infinite" in r["warning"]
    frame = pd.DataFrame(r["data"])
    with pytest.warns(StatisticalWarning, match="cens; coefficient may be infinite"):
        fit = st.cox_ph(frame, duration="time", event="event", covariates=["cens", "age"])
    assert fit.coef[0] < -15 and any("infinite" in n for n in fit.notes)
    assert fit.coef[1] == pytest.approx(r["coef"][1], rel=1e-5)


def test_cox_aliased_covariate_is_na_as_in_r() -> None:
    # lung$agesex <- lung$age + 2 * lung$sex; coxph(Surv(time, status) ~ age + sex + agesex + ph.karno)
    from rtdelay.errors import StatisticalWarning

    r = REF["cox_aliased"]
    frame = pd.DataFrame(r["data"])
    with pytest.warns(StatisticalWarning, match="aliased"):
        fit = st.cox_ph(frame, duration="time", event="event", covariates=["age", "sex", "agesex", "ph_karno"])
    ok = [i for i, c in enumerate(r["coef"]) if c is not None]
    assert ok == [0, 1, 3] and np.isnan(fit.coef[2]) and np.isnan(fit.hazard_ratio[2])
    np.testing.assert_allclose(fit.coef[ok], [r["coef"][i] for i in ok], rtol=1e-8)
    np.testing.assert_allclose(fit.se[ok], [r["se"][i] for i in ok], rtol=1e-8)
    assert fit.log_likelihood == pytest.approx(r["loglik"][1], rel=1e-12)
    assert fit.lr_test["df"] == r["lr_df"] and fit.n == r["n"]
    assert list(fit.ph_test().to_frame().index) == ["age", "sex", "ph_karno", "GLOBAL"]
