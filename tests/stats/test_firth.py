"""Firth's penalised Cox model against an independent R implementation and a hand calculation.

tests/reference/firth.R writes the penalised partial likelihood l*(b) = l(b) + log det I(b) / 2
on top of survival::coxph (loglik and inverse information at ``init = b`` with
``iter.max = 0``), maximises it with optim + Newton on numerical derivatives, and finds the
profile penalised-likelihood limits with uniroot (coxphf is not installable here). rtdelay uses
analytic scores (third moments); agreement to 1e-6 is therefore an independent check.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import optimize
from scipy import stats as sst

from rtdelay.errors import InputError, ModelError, StatisticalWarning
from rtdelay.stats import cox_ph

REF = json.loads((Path(__file__).parents[1] / "reference" / "firth.json").read_text())
TOL = 1e-6

SPECS = {
    "coxphf_example": ("coxphf_example", "time", "cens", ["x"], None),
    "monotone": ("monotone", "time", "status", ["cd", "stage", "age"], None),
    "ovarian": ("ovarian", "futime", "fustat", ["age", "ecog.ps", "rx"], None),
    "monotone_strata": ("monotone", "time", "status", ["cd", "age"], "stage"),
}


def _fit(key: str, **kwargs):  # type: ignore[no-untyped-def]
    base, ties = key.rsplit("_", 1)
    data, dur, ev, cov, strata = SPECS[base]
    frame = pd.DataFrame(REF["data"][data])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatisticalWarning)
        fit = cox_ph(frame, duration=dur, event=ev, covariates=cov, ties=ties, strata=strata, **kwargs)
    return fit, REF["fits"][key]


@pytest.mark.parametrize("key", sorted(REF["fits"]))
def test_firth_matches_independent_r_implementation(key: str) -> None:
    fit, r = _fit(key, firth=True)
    # R: argmax of pen_loglik(b) = coxph(init = b, iter.max = 0)$loglik[1] - 0.5 log det $var
    np.testing.assert_allclose(fit.coef, r["coef"], rtol=TOL, atol=TOL)
    # R: the same at the estimate and at b = 0
    assert fit.log_likelihood == pytest.approx(r["loglik_penalised"], rel=TOL)
    assert fit.log_likelihood_null == pytest.approx(r["loglik_penalised_null"], rel=TOL)
    # R: uniroot of 2 (l*(bhat) - max_{b_-j} l*(b_j, b_-j)) = qchisq(0.95, 1), exponentiated
    np.testing.assert_allclose(np.log(fit.ci_lower), np.log(r["ci_lower"]), rtol=TOL, atol=TOL)
    np.testing.assert_allclose(np.log(fit.ci_upper), np.log(r["ci_upper"]), rtol=TOL, atol=TOL)
    # R: pchisq(2 (l*(bhat) - l*_j(0)), 1, lower.tail = FALSE)
    np.testing.assert_allclose(fit.p_value, r["p"], rtol=1e-5, atol=1e-9)
    # R: sqrt(diag(coxph(init = bhat, iter.max = 0)$var))
    np.testing.assert_allclose(fit.se, r["se"], rtol=TOL)
    assert fit.method == "Firth penalised partial likelihood"
    assert fit.ci_method == "profile penalised likelihood"


def test_coxphf_help_example_by_hand() -> None:
    """?coxphf: time 1, 2, 3 (all deaths), x = 1, 1, 0. By hand, with p_k the weighted share of
    x = 1 in each risk set: l(b) = 2b - log(2e^b + 1) - log(e^b + 1) and
    I(b) = p1 (1 - p1) + p2 (1 - p2), p1 = 2e^b / (2e^b + 1), p2 = e^b / (e^b + 1)."""

    def lp(b: float) -> float:
        e = np.exp(b)
        p1, p2 = 2 * e / (2 * e + 1), e / (e + 1)
        return 2 * b - np.log(2 * e + 1) - np.log(e + 1) + 0.5 * np.log(p1 * (1 - p1) + p2 * (1 - p2))

    top = optimize.minimize_scalar(lambda b: -lp(b), bounds=(-5, 10), method="bounded", options={"xatol": 1e-12})
    crit = sst.chi2.ppf(0.95, 1)
    lower = optimize.brentq(lambda b: 2 * (lp(top.x) - lp(b)) - crit, -10, top.x, xtol=1e-14)
    upper = optimize.brentq(lambda b: 2 * (lp(top.x) - lp(b)) - crit, top.x, 20, xtol=1e-14)
    frame = pd.DataFrame({"time": [1, 2, 3], "cens": [1, 1, 1], "x": [1, 1, 0]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatisticalWarning)
        fit = cox_ph(frame, duration="time", event="cens", covariates=["x"], firth=True, ties="breslow")
    assert fit.coef[0] == pytest.approx(top.x, abs=1e-7)
    assert fit.ci_lower[0] == pytest.approx(np.exp(lower), rel=1e-7)
    assert fit.ci_upper[0] == pytest.approx(np.exp(upper), rel=1e-7)
    assert fit.p_value[0] == pytest.approx(sst.chi2.sf(2 * (lp(top.x) - lp(0.0)), 1), rel=1e-7)


def test_auto_detects_monotone_likelihood_as_r_does() -> None:
    # R: coxph(Surv(time, status) ~ cd + stage + age) warns "coefficient may be infinite"
    assert REF["coxph_warns_infinite_on_monotone"] is True
    fit, r = _fit("monotone_efron", firth="auto")
    assert fit.monotone and fit.method.startswith("Firth")
    np.testing.assert_allclose(fit.coef, r["coef"], rtol=TOL, atol=TOL)
    plain, _ = _fit("monotone_efron")
    assert plain.monotone and plain.method == "maximum partial likelihood"
    assert plain.hazard_ratio[0] > 1e4  # what an ordinary fit would print


def test_auto_keeps_ordinary_fit_without_separation() -> None:
    fit, r = _fit("ovarian_efron", firth="auto")
    assert not fit.monotone and fit.method == "maximum partial likelihood"
    np.testing.assert_allclose(fit.coef, r["plain_coef"], rtol=TOL)
    # without separation the penalised estimates stay within a standard error of the ordinary
    firth, _ = _fit("ovarian_efron", firth=True)
    assert np.all(np.abs(firth.coef - fit.coef) < fit.se)


def test_events_per_coefficient_rule() -> None:
    frame = pd.DataFrame(REF["data"]["ovarian"])  # 12 events, 3 coefficients
    with pytest.raises(ModelError, match="fewer than 5 events per coefficient.*Vittinghoff"):
        cox_ph(frame, duration="futime", event="fustat", covariates=["age", "ecog.ps", "rx"], min_events_per_coef=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatisticalWarning)
        fit = cox_ph(frame, duration="futime", event="fustat", covariates=["age", "rx"], min_events_per_coef=5)
    assert fit.n_events == 12
    with pytest.raises(InputError, match="firth"):
        cox_ph(frame, duration="futime", event="fustat", covariates=["age"], firth="yes")


def test_firth_result_serialises() -> None:
    fit, _ = _fit("monotone_efron", firth=True)
    d = fit.to_dict()
    json.dumps(d)
    assert d["method"] == "Firth penalised partial likelihood"
    assert list(fit.to_frame().columns)[:3] == ["coef", "se", "hazard_ratio"]
