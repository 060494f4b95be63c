"""Parametric current-status regression: hand calculations, R glm, and simulation."""

import json
import math
from pathlib import Path

import numpy as np
import pytest
from weibull_se import weibull_risk_se

from rtdelay.errors import ModelError
from rtdelay.planning import fit_current_status
from rtdelay.planning._cs_regression import current_status_loglik

REF = json.loads((Path(__file__).parents[1] / "reference" / "cs_regression.json").read_text())


def test_weibull_loglik_by_hand():
    # theta = (a, k, b): eta = a + k log c + b x; F = 1 - exp(-exp(eta))
    a, k, b = -1.0, 1.5, 0.5
    c = [0.5, 2.0, 4.0]
    delta = [0, 1, 1]
    x = [[0.0], [1.0], [0.0]]
    expected = 0.0
    for ci, di, (xi,) in zip(c, delta, x, strict=True):
        h = math.exp(a + k * math.log(ci) + b * xi)  # cumulative hazard at c
        f = 1.0 - math.exp(-h)
        expected += math.log(f) if di else math.log(1.0 - f)
    # written out: h = e^-1 0.5^1.5, e^-0.5 2^1.5, e^-1 4^1.5
    assert expected == pytest.approx(
        -math.exp(-1) * 0.5**1.5
        + math.log(1 - math.exp(-math.exp(-0.5) * 2**1.5))
        + math.log(1 - math.exp(-math.exp(-1) * 4**1.5)),
        rel=1e-12,
    )
    got = current_status_loglik([a, k, b], c, delta, x, baseline="weibull")
    assert got == pytest.approx(expected, rel=1e-12)


def test_loglogistic_loglik_by_hand():
    a, k = 0.3, 2.0
    c = [1.0, 3.0]
    delta = [1, 0]
    p1 = 1 / (1 + math.exp(-(a + k * math.log(1.0))))
    p2 = 1 / (1 + math.exp(-(a + k * math.log(3.0))))
    expected = math.log(p1) + math.log(1 - p2)
    assert current_status_loglik([a, k], c, delta, baseline="loglogistic") == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("baseline", ["weibull", "loglogistic"])
def test_agrees_with_r_glm(baseline):
    # R: glm(delta ~ log(c) + growth + surgery, family = binomial(link = "cloglog" | "logit"))
    d = REF["data"]
    fit = fit_current_status(
        [r["c"] for r in d],
        [r["delta"] for r in d],
        covariates={"growth": [r["growth"] for r in d], "surgery": [r["surgery"] for r in d]},
        baseline=baseline,
        reference={"growth": "moderate", "surgery": "decompression"},
    )
    ref = REF[baseline]
    np.testing.assert_allclose(fit.coef, ref["coef"], rtol=1e-5, atol=1e-7)  # optimiser tolerance
    np.testing.assert_allclose(fit.se, ref["se"], rtol=1e-5)
    assert fit.log_likelihood == pytest.approx(ref["loglik"], rel=1e-9)
    assert fit.aic == pytest.approx(ref["aic"], rel=1e-9)
    assert fit.names[2:] == (
        "growth[rapid]",
        "growth[slow]",
        "surgery[separation]",
        "surgery[vertebrectomy]",
    )


def test_prediction_and_ci_agree_with_r():
    # R: predict(fit_w, newdata, type = "link", se.fit = TRUE), interval back-transformed
    d = REF["data"]
    fit = fit_current_status(
        [r["c"] for r in d],
        [r["delta"] for r in d],
        covariates={"growth": [r["growth"] for r in d], "surgery": [r["surgery"] for r in d]},
        baseline="weibull",
        reference={"growth": "moderate", "surgery": "decompression"},
    )
    pred = fit.predict([3.0], {"growth": "rapid", "surgery": "separation"})
    assert pred.risk[0] == pytest.approx(REF["pred"]["risk"], rel=1e-5)
    assert pred.lower[0] == pytest.approx(REF["pred"]["lower"], rel=1e-5)
    assert pred.upper[0] == pytest.approx(REF["pred"]["upper"], rel=1e-5)
    with pytest.raises(ValueError, match="growth must be one of moderate, rapid, slow"):
        fit.predict([3.0], {"growth": "glacial"})


def test_auto_chooses_lower_aic():
    d = REF["data"]
    c = [r["c"] for r in d]
    delta = [r["delta"] for r in d]
    fit = fit_current_status(c, delta, baseline="auto")
    w = fit_current_status(c, delta, baseline="weibull")
    ll = fit_current_status(c, delta, baseline="loglogistic")
    assert fit.aic == pytest.approx(min(w.aic, ll.aic))
    assert any("chosen by AIC" in n for n in fit.notes)


def test_single_level_covariate_dropped_with_note():
    rng = np.random.default_rng(1)
    c = rng.uniform(0.5, 6, 80)
    delta = (rng.uniform(size=80) < c / 8).astype(int)
    fit = fit_current_status(c, delta, covariates={"surgery": ["separation"] * 80}, baseline="weibull")
    assert fit.names == ("intercept", "log_time_shape")
    assert any("surgery dropped: a single level" in n for n in fit.notes)


def test_separated_covariate_dropped_with_note():
    rng = np.random.default_rng(2)
    c = rng.uniform(0.5, 6, 120)
    growth = np.where(np.arange(120) < 40, "slow", "rapid")
    delta = ((rng.uniform(size=120) < c / 6) & (growth == "rapid")).astype(int)
    fit = fit_current_status(c, delta, covariates={"growth": growth}, baseline="weibull")
    assert "growth[slow]" not in fit.names
    assert any("growth dropped" in n and "separation" in n for n in fit.notes)


def test_bad_inputs():
    with pytest.raises(ValueError, match="index 1"):
        fit_current_status([1.0, 0.0, 2.0], [0, 1, 1])
    with pytest.raises(ValueError, match="0 or 1; index 2"):
        fit_current_status([1.0, 2.0, 3.0], [0, 1, 2])
    with pytest.raises(ModelError, match="both patients with and without"):
        fit_current_status([1.0, 2.0, 3.0], [0, 0, 0])
    with pytest.raises(ValueError, match="baseline must be one of"):
        fit_current_status([1.0, 2.0, 3.0], [0, 1, 0], baseline="gompertz")


def _simulate(rng, n):
    # truth: Weibull PH, H(t) = exp(-2.5) t^1.4 (reference), x = rapid adds 0.9 on the log-hazard
    rapid = rng.uniform(size=n) < 0.5
    lp = -2.5 + 0.9 * rapid
    t = (-np.log(rng.uniform(size=n)) / np.exp(lp)) ** (1 / 1.4)
    c = rng.lognormal(np.log(2.0), 0.8, n)
    return c, (t <= c).astype(int), np.where(rapid, "rapid", "slow")


def _true_risk(t, rapid):
    return 1 - math.exp(-math.exp(-2.5 + 0.9 * rapid) * t**1.4)


@pytest.mark.parametrize("n", [100, 400, 2000])
def test_recovers_truth(n):
    rng = np.random.default_rng(n)
    c, d, g = _simulate(rng, n)
    fit = fit_current_status(c, d, covariates={"growth": g}, baseline="weibull", reference={"growth": "slow"})
    pred = fit.predict([1.0, 3.0, 6.0], {"growth": "rapid"})
    truth = np.array([_true_risk(t, 1) for t in (1.0, 3.0, 6.0)])
    # each estimate within three of its own standard errors of the truth
    se = weibull_risk_se(fit, [1.0, 3.0, 6.0], {"growth": "rapid"})
    assert np.all(np.abs(pred.risk - truth) < 3.0 * se), (pred.risk, truth, se)


@pytest.mark.slow
def test_ci_coverage_at_least_90_percent():
    # 200 simulated data sets of 150 patients: the 95 % CI of F(3 | rapid) covers the truth
    rng = np.random.default_rng(20211)
    truth = _true_risk(3.0, 1)
    hits = 0
    for _ in range(200):
        c, d, g = _simulate(rng, 150)
        fit = fit_current_status(c, d, covariates={"growth": g}, baseline="weibull", reference={"growth": "slow"})
        p = fit.predict([3.0], {"growth": "rapid"})
        hits += int(p.lower[0] <= truth <= p.upper[0])
    assert hits / 200 >= 0.90


@pytest.mark.parametrize("baseline", ["weibull", "loglogistic"])
def test_glm_fit_agrees_with_r_glm_to_1e8(baseline):
    # Issue 11: fitted as a binomial GLM by IRLS, so it agrees with R
    # glm(delta ~ log(c) + growth + surgery, family = binomial(link = "cloglog" | "logit"),
    #     control = glm.control(epsilon = 1e-12)) to 1e-8, not the optimiser's 1e-5.
    d = REF["data"]
    fit = fit_current_status(
        [r["c"] for r in d],
        [r["delta"] for r in d],
        covariates={"growth": [r["growth"] for r in d], "surgery": [r["surgery"] for r in d]},
        baseline=baseline,
        reference={"growth": "moderate", "surgery": "decompression"},
    )
    ref = REF[baseline]
    np.testing.assert_allclose(fit.coef, ref["coef"], rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(fit.se, ref["se"], rtol=1e-8)


def test_predict_returns_a_typed_frozen_result() -> None:
    import dataclasses
    import json

    from rtdelay.planning import CurrentStatusPrediction

    rng = np.random.default_rng(5)
    look = rng.uniform(0.2, 9.0, 300)
    pos = (rng.exponential(8.0, 300) <= look).astype(int)
    fit = fit_current_status(look, pos)
    pred = fit.predict([1.0, 3.0])
    assert isinstance(pred, CurrentStatusPrediction) and pred.conf_level == 0.95
    assert list(pred.to_frame().columns) == ["time", "risk", "lower", "upper"]
    json.dumps(pred.to_dict())
    assert np.array_equal(pred["risk"], pred.risk)  # the dict-style access callers used still works
    assert np.all(pred.lower <= pred.risk) and np.all(pred.risk <= pred.upper)
    with pytest.raises(dataclasses.FrozenInstanceError):
        pred.risk = pred.upper  # type: ignore[misc]
    with pytest.raises(ValueError):
        pred.risk[0] = 0.5  # read-only arrays
    assert hash(pred) and "CurrentStatusPrediction(2 time(s)" in repr(pred)
