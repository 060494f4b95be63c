"""cox_ph against R survival 3.5-3 (tests/reference/cox.R -> cox.json).

Every expected number comes from the R script; the data sets (survival::lung complete cases,
ovarian, veteran) are stored in the same JSON. Tolerance 1e-6 relative throughout.
"""

from __future__ import annotations

import dataclasses
import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from rtdelay import stats as st
from rtdelay.errors import InputError, ModelError, StatisticalWarning
from rtdelay.stats import CoxResult, cox_ph

REF = json.loads((Path(__file__).parents[1] / "reference" / "cox.json").read_text())
RTOL = 1e-6

# fixture key -> (data set, duration, event, covariates, strata) mirroring the R formulas
SPECS: dict[str, tuple[str, str, str, list[str], str | None]] = {
    "lung": ("lung", "time", "status", ["age", "sex", "ph.ecog"], None),
    "ovarian": ("ovarian", "futime", "fustat", ["age", "ecog.ps", "rx"], None),
    "veteran": ("veteran", "time", "status", ["trt", "karno", "celltype"], None),
    "lung_strata": ("lung", "time", "status", ["age", "ph.ecog"], "sex"),
    "veteran_strata": ("veteran", "time", "status", ["trt", "karno"], "celltype"),
}


def _data(name: str) -> pd.DataFrame:
    return pd.DataFrame(REF["data"][name])


def _fit(key: str) -> tuple[CoxResult, dict[str, Any]]:
    base, ties = key.rsplit("_", 1)
    data, dur, ev, cov, strata = SPECS[base]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatisticalWarning)  # ovarian: 12 events, 3 coefficients
        fit = cox_ph(_data(data), duration=dur, event=ev, covariates=cov, ties=ties, strata=strata)
    return fit, REF["fits"][key]


@pytest.mark.parametrize("key", sorted(REF["fits"]))
def test_coefficients_match_r(key: str) -> None:
    fit, r = _fit(key)
    # coef(fit), sqrt(diag(fit$var)), summary(fit)$coefficients[, "z"/"Pr(>|z|)"], $conf.int
    np.testing.assert_allclose(fit.coef, r["coef"], rtol=RTOL)
    np.testing.assert_allclose(fit.se, r["se"], rtol=RTOL)
    np.testing.assert_allclose(fit.z, r["z"], rtol=RTOL)
    np.testing.assert_allclose(fit.p_value, r["p"], rtol=RTOL)
    np.testing.assert_allclose(fit.hazard_ratio, np.exp(r["coef"]), rtol=RTOL)
    np.testing.assert_allclose(fit.ci_lower, r["ci_lower"], rtol=RTOL)
    np.testing.assert_allclose(fit.ci_upper, r["ci_upper"], rtol=RTOL)
    assert fit.n == r["n"] and fit.n_events == r["nevent"]
    assert fit.iterations == r["iter"]  # same Newton-Raphson path as coxfit6


@pytest.mark.parametrize("key", sorted(REF["fits"]))
def test_likelihood_and_global_tests_match_r(key: str) -> None:
    fit, r = _fit(key)
    # fit$loglik = c(null, final); fit$score; fit$wald.test; 2 * diff(fit$loglik)
    np.testing.assert_allclose([fit.log_likelihood_null, fit.log_likelihood], r["loglik"], rtol=RTOL)
    np.testing.assert_allclose(fit.score_test["chisq"], r["score_test"], rtol=RTOL)
    np.testing.assert_allclose(fit.wald_test["chisq"], r["wald_test"], rtol=RTOL)
    np.testing.assert_allclose(fit.lr_test["chisq"], r["lr_test"], rtol=RTOL)
    assert fit.lr_test["df"] == len(r["coef"])


@pytest.mark.parametrize("key", sorted(REF["fits"]))
def test_concordance_matches_r(key: str) -> None:
    fit, r = _fit(key)
    # fit$concordance["concordance"]
    np.testing.assert_allclose(fit.concordance, r["concordance"], rtol=RTOL)


@pytest.mark.parametrize("key", sorted(REF["fits"]))
def test_ph_test_matches_r_cox_zph_km(key: str) -> None:
    fit, r = _fit(key)
    # cox.zph(fit, transform = "km")$table
    table = fit.ph_test().to_frame()
    assert list(table.index) == r["zph_rows"]
    np.testing.assert_allclose(table["chisq"], r["zph_chisq"], rtol=RTOL)
    np.testing.assert_allclose(table["df"], r["zph_df"], rtol=0)
    np.testing.assert_allclose(table["p"], r["zph_p"], rtol=RTOL)


def test_categorical_covariate_names_and_terms() -> None:
    fit, r = _fit("veteran_efron")
    # R names celltypelarge, celltypesmallcell, celltypesquamous (reference adeno)
    assert fit.names == ("trt", "karno", "celltype[large]", "celltype[smallcell]", "celltype[squamous]")
    assert [n.replace("[", "").replace("]", "") for n in fit.names] == r["names"]
    assert fit.terms["celltype"] == fit.names[2:]
    frame = fit.to_frame()
    assert list(frame.index) == list(fit.names)
    assert list(frame.columns) == ["coef", "se", "hazard_ratio", "ci_lower", "ci_upper", "z", "p_value"]
    d = fit.to_dict()
    json.dumps(d)
    assert "_risk_sets" not in d and d["ties"] == "efron"


def test_efron_agrees_with_lifelines() -> None:
    import lifelines  # a dev dependency: missing, this fails rather than skips

    df = _data("lung")
    fit = cox_ph(df, duration="time", event="status", covariates=["age", "sex", "ph.ecog"])
    cph = lifelines.CoxPHFitter().fit(df, duration_col="time", event_col="status")
    np.testing.assert_allclose(fit.coef, cph.params_[["age", "sex", "ph.ecog"]], rtol=1e-5)


def test_missing_rows_dropped_as_na_omit() -> None:
    df = _data("lung")
    fit0 = cox_ph(df, duration="time", event="status", covariates=["age", "sex", "ph.ecog"])
    extra = pd.DataFrame({"time": [100.0, np.nan], "status": [1, 1], "age": [np.nan, 60], "sex": [1, 2], "ph.ecog": [1, 1]})
    fit = cox_ph(
        pd.concat([df, extra], ignore_index=True), duration="time", event="status", covariates=["age", "sex", "ph.ecog"]
    )
    assert fit.n_dropped_missing == 2 and fit.n == fit0.n
    np.testing.assert_allclose(fit.coef, fit0.coef, rtol=1e-12)


def _small() -> pd.DataFrame:
    rng = np.random.default_rng(1)
    n = 40
    return pd.DataFrame(
        {
            "t": rng.exponential(10, n).round(1) + 0.1,
            "e": rng.integers(0, 2, n),
            "x": rng.normal(size=n),
            "c": np.full(n, 3.0),
            "g": rng.choice(["a", "b"], n),
        }
    )


def test_constant_covariate_raises_model_error() -> None:
    with pytest.raises(ModelError, match="constant"):
        cox_ph(_small(), duration="t", event="e", covariates=["x", "c"])


def test_single_level_categorical_raises() -> None:
    df = _small().assign(g="a")
    with pytest.raises(ModelError, match="single level"):
        cox_ph(df, duration="t", event="e", covariates=["g"])


def test_collinear_covariate_is_aliased_as_in_r() -> None:
    # Issue 11: R coxph reports NA for the aliased coefficient and fits the rest
    # (against R in tests/stats/test_audit_issue11.py); here: the fit equals the fit without it.
    df = _small()
    df["x2"] = 2 * df["x"] + 1
    with pytest.warns(StatisticalWarning, match="aliased"):
        fit = cox_ph(df, duration="t", event="e", covariates=["x", "x2"])
    alone = cox_ph(df, duration="t", event="e", covariates=["x"])
    assert fit.names == ("x", "x2") and np.isnan(fit.coef[1]) and np.isnan(fit.se[1])
    assert fit.coef[0] == pytest.approx(alone.coef[0], rel=1e-12)
    assert fit.lr_test["df"] == 1.0 and fit.notes


def test_covariate_constant_within_strata_raises() -> None:
    df = _small()
    df["h"] = (df["g"] == "a").astype(float)
    with pytest.raises(ModelError, match="within every stratum"):
        cox_ph(df, duration="t", event="e", covariates=["x", "h"], strata="g")


def test_no_events_raises_and_few_events_warn() -> None:
    df = _small().assign(e=0)
    with pytest.raises(ModelError, match="no events"):
        cox_ph(df, duration="t", event="e", covariates=["x"])
    with pytest.warns(StatisticalWarning, match="per"):
        cox_ph(_small().head(25), duration="t", event="e", covariates=["x", "g"])


def test_separation_does_not_converge() -> None:
    # R: coxph(Surv(t, e) ~ x) on these data "Ran out of iterations and did not converge"
    df = pd.DataFrame({"t": range(1, 9), "e": [1, 1, 1, 1, 0, 0, 0, 0], "x": [1, 1, 1, 1, 0, 0, 0, 0]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatisticalWarning)
        with pytest.raises(ModelError, match="converge"):
            cox_ph(df, duration="t", event="e", covariates=["x"])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"ties": "exact"}, "ties"),
        ({"covariates": ["nope"]}, "not found"),
        ({"covariates": []}, "covariate"),
        ({"conf_level": 1.5}, "conf_level"),
    ],
)
def test_bad_options(kwargs: dict[str, Any], match: str) -> None:
    args: dict[str, Any] = {"duration": "t", "event": "e", "covariates": ["x"], **kwargs}
    with pytest.raises(InputError, match=match):
        cox_ph(_small(), **args)


def test_bad_event_and_time_values() -> None:
    df = _small()
    df.loc[3, "e"] = 2
    with pytest.raises(InputError, match="0 or 1"):
        cox_ph(df, duration="t", event="e", covariates=["x"])
    df = _small()
    df.loc[5, "t"] = -1.0
    with pytest.raises(InputError, match="negative"):
        cox_ph(df, duration="t", event="e", covariates=["x"])
    with pytest.raises(ModelError, match="complete"):
        cox_ph(_small().iloc[:0], duration="t", event="e", covariates=["x"])


def test_single_event_in_a_risk_set_of_one_raises_model_error() -> None:
    # the only event is the last time: the partial likelihood is flat (R: NA coefficient)
    df = pd.DataFrame({"t": [1, 2, 3, 4], "e": [0, 0, 0, 1], "x": [0.1, 0.5, 0.2, 0.9]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatisticalWarning)
        with pytest.raises(ModelError, match="not positive definite"):
            cox_ph(df, duration="t", event="e", covariates=["x"])


def test_result_keeps_no_patient_level_data_and_ph_test_is_typed() -> None:
    import pickle

    rng = np.random.default_rng(11)
    n = 5000
    frame = pd.DataFrame({"t": rng.exponential(5.0, n), "e": rng.random(n) < 0.7, "x": rng.normal(size=n)})
    fit = cox_ph(frame, duration="t", event="e", covariates=["x"])
    for f in dataclasses.fields(fit):
        value = getattr(fit, f.name)
        assert not (isinstance(value, np.ndarray) and value.size >= n), f.name
    assert len(pickle.dumps(fit)) < 20_000  # the risk sets alone would be > 100 kB
    assert isinstance(fit.ph_test(), st.PHTest)
    entry = cox_ph(frame.assign(s=frame["t"] / 3), duration="t", event="e", covariates=["x"], entry="s")
    with pytest.raises(ModelError, match="entry times"):
        entry.ph_test()


def test_nan_policy() -> None:
    frame = pd.DataFrame(
        {"t": [5.0, 3.0, 8.0, 2.0, 9.0, 4.0, 7.0, 6.0], "e": [1, 1, 0, 1, 1, 0, 1, 1],
         "x": [1.0, np.nan, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0]},
        index=list("abcdefgh"),
    )  # fmt: skip
    omitted = cox_ph(frame, duration="t", event="e", covariates=["x"])  # R's na.omit by default
    assert omitted.n == 7 and omitted.n_dropped_missing == omitted.n_omitted == 1
    same = cox_ph(frame.dropna(), duration="t", event="e", covariates=["x"], nan_policy="raise")
    np.testing.assert_allclose(same.coef, omitted.coef, rtol=1e-12)
    with pytest.raises(InputError, match=r"x is missing at row 1 \(index label 'b'\)"):
        cox_ph(frame, duration="t", event="e", covariates=["x"], nan_policy="raise")
    with pytest.raises(InputError, match="nan_policy"):
        cox_ph(frame, duration="t", event="e", covariates=["x"], nan_policy="drop")
