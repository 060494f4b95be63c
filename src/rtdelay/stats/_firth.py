"""Firth's penalised partial likelihood for the Cox model, with profile-likelihood intervals.

When the partial likelihood is monotone (a covariate, or a combination of covariates, whose
highest -- or lowest -- value fails at every event time; typically a small group with all or no
events) the maximum-likelihood estimate is infinite. Firth (1993) removes the first-order bias
of the estimate by maximising the penalised log partial likelihood (Heinze & Schemper 2001)

.. math:: l^*(\\beta) = l(\\beta) + \\tfrac12 \\log \\det I(\\beta),

which stays finite under separation. Its score is

.. math:: U^*_j(\\beta) = U_j(\\beta) + \\tfrac12 \\operatorname{tr}\\big(I(\\beta)^{-1}
          \\partial I(\\beta) / \\partial \\beta_j\\big),

where :math:`I = \\sum_{\\text{events}} V` is the sum over event times of the weighted covariance
of ``x`` over the (Efron-corrected) risk set, and :math:`\\partial V_{ab} / \\partial \\beta_c`
is the weighted third central moment
:math:`E[(x_a - \\bar x_a)(x_b - \\bar x_b)(x_c - \\bar x_c)]` over the same set (weights
:math:`\\exp(x'\\beta)` times Efron's fixed factors). The estimate is found by Newton-Raphson
on :math:`l^*` (Hessian by forward differences of the analytic :math:`U^*`; :math:`I` while that
is not negative definite), with step-halving on :math:`l^*` and steps capped at 5 on the
log-hazard scale (as coxphf's ``maxstep``).

Inference follows coxphf (``pl = TRUE``): the confidence limits of :math:`\\beta_j` are the
values :math:`b` where the profile penalised likelihood
:math:`l^*_j(b) = \\max_{\\beta_{-j}} l^*(b, \\beta_{-j})` satisfies
:math:`2\\{l^*(\\hat\\beta) - l^*_j(b)\\} = \\chi^2_{1, 1 - \\alpha}`, and the p value is the
penalised likelihood-ratio test :math:`2\\{l^*(\\hat\\beta) - l^*_j(0)\\}` on 1 df. Standard errors
are :math:`\\sqrt{\\operatorname{diag} I(\\hat\\beta)^{-1}}` (shown for reference only; the
intervals are not Wald intervals).

References
----------
Firth D. Bias reduction of maximum likelihood estimates. Biometrika 1993;80:27-38.
Heinze G, Schemper M. A solution to the problem of monotone likelihood in Cox regression.
Biometrics 2001;57:114-9.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import optimize
from scipy import stats as sst

from rtdelay.errors import ModelError
from rtdelay.stats._cox import CoxResult, _chi2, _derivatives, _ph_at_fit, _RiskSets, _solve
from rtdelay.stats._cox_zph import concordance

__all__ = ["FirthFit", "firth_fit", "firth_result", "is_monotone"]

_TOL = 1e-10  # largest |step| at convergence
_ITER_MAX = 100
_MAX_STEP = 5.0
_TOLER_INF = np.sqrt(1e-9)  # R coxph.control(toler.inf) = sqrt(eps)


@dataclasses.dataclass(frozen=True)
class _Pen:
    loglik: float  # unpenalised log partial likelihood
    penalised: float  # l + 0.5 log det I
    score: NDArray[np.float64]  # penalised score U*
    info: NDArray[np.float64]  # I (unpenalised information)


def _penalised(beta: NDArray[np.float64], rs: _RiskSets) -> _Pen:
    """l, l*, U* and I at ``beta`` (weighted moments up to the third over the risk sets)."""
    x = rs.x
    eta = x @ beta
    w = np.exp(eta - eta.max())
    p = x.shape[1]
    dr, g, f = rs.death_rows, rs.death_group, rs.frac
    # the events of a (stratum, time) group are adjacent rows: sum them with reduceat
    first = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])

    def risk_sum(a: NDArray[np.float64]) -> NDArray[np.float64]:
        """Efron-corrected risk-set sums of the per-row array ``a`` (first axis = rows)."""
        c = np.concatenate((np.zeros((1, *a.shape[1:])), np.cumsum(a, axis=0)))
        r = c[rs.group_end] - c[rs.group_start]
        d = np.add.reduceat(a[dr], first, axis=0)
        frac = f.reshape((-1,) + (1,) * (a.ndim - 1))
        return np.asarray(r[g] - frac * d[g], dtype=np.float64)

    s0 = risk_sum(w)
    m1 = risk_sum(w[:, None] * x) / s0[:, None]
    e2 = risk_sum(w[:, None, None] * x[:, :, None] * x[:, None, :]) / s0[:, None, None]
    e3 = (
        risk_sum(w[:, None, None, None] * x[:, :, None, None] * x[:, None, :, None] * x[:, None, None, :])
        / s0[:, None, None, None]
    )
    var = e2 - m1[:, :, None] * m1[:, None, :]
    # third central moment: E3 - E2_ab m_c - E2_ac m_b - E2_bc m_a + 2 m_a m_b m_c
    m3 = (
        e3
        - e2[:, :, :, None] * m1[:, None, None, :]
        - e2[:, :, None, :] * m1[:, None, :, None]
        - e2[:, None, :, :] * m1[:, :, None, None]
        + 2.0 * m1[:, :, None, None] * m1[:, None, :, None] * m1[:, None, None, :]
    )
    info = var.sum(axis=0)
    d_info = m3.sum(axis=0)  # d_info[a, b, c] = dI_ab / d beta_c
    loglik = float(np.sum(eta[dr] - eta.max()) - np.sum(np.log(s0)))
    score = x[dr].sum(axis=0) - m1.sum(axis=0)
    sign, logdet = np.linalg.slogdet(info)
    if sign <= 0 or not np.isfinite(logdet):
        return _Pen(loglik, -np.inf, np.full(p, np.nan), info)
    inv = np.linalg.inv(info)
    pen_score = score + 0.5 * np.einsum("ab,bac->c", inv, d_info)
    return _Pen(loglik, loglik + 0.5 * float(logdet), pen_score, info)


def _hessian(beta: NDArray[np.float64], rs: _RiskSets, idx: NDArray[np.intp], cur: _Pen) -> NDArray[np.float64]:
    """Negative Hessian of l* on the free coefficients: forward differences of the analytic
    score U*, symmetrised; falls back to I where that is not positive definite (far from the
    maximum)."""
    h = 1e-6
    cols = []
    for j in idx:
        up = beta.copy()
        up[j] += h
        cols.append((cur.score[idx] - _penalised(up, rs).score[idx]) / h)
    neg = np.column_stack(cols)
    neg = (neg + neg.T) / 2.0
    if not np.all(np.isfinite(neg)):
        return np.asarray(cur.info[np.ix_(idx, idx)])
    try:
        np.linalg.cholesky(neg)
    except np.linalg.LinAlgError:
        return np.asarray(cur.info[np.ix_(idx, idx)])
    return neg


def _maximise(
    rs: _RiskSets, start: NDArray[np.float64], free: NDArray[np.bool_]
) -> tuple[NDArray[np.float64], _Pen, int]:
    """Newton-Raphson on the free coefficients (the others held at ``start``)."""
    beta = start.copy()
    cur = _penalised(beta, rs)
    if not np.isfinite(cur.penalised):
        raise ModelError("the information matrix is singular at the start of the Firth fit")
    idx = np.flatnonzero(free)
    for it in range(1, _ITER_MAX + 1):
        try:
            step = np.linalg.solve(_hessian(beta, rs, idx, cur), cur.score[idx])
        except np.linalg.LinAlgError:
            raise ModelError("the information matrix is singular in the Firth fit") from None
        big = np.max(np.abs(step)) if step.size else 0.0
        if big > _MAX_STEP:
            step *= _MAX_STEP / big
        for _ in range(60):  # step-halving until the penalised likelihood does not decrease
            trial = beta.copy()
            trial[idx] += step
            new = _penalised(trial, rs)
            if np.isfinite(new.penalised) and new.penalised >= cur.penalised - 1e-12 * abs(cur.penalised):
                break
            step /= 2.0
        beta, cur = trial, new
        if np.max(np.abs(step), initial=0.0) < _TOL:
            return beta, cur, it
    raise ModelError(f"the Firth penalised Cox model did not converge in {_ITER_MAX} iterations")


def _profile(rs: _RiskSets, j: int, b: float, warm: NDArray[np.float64]) -> tuple[float, NDArray[np.float64]]:
    start = warm.copy()
    start[j] = b
    free = np.ones(start.size, dtype=bool)
    free[j] = False
    if not free.any():
        return _penalised(start, rs).penalised, start
    beta, fit, _ = _maximise(rs, start, free)
    return fit.penalised, beta


def _limit(rs: _RiskSets, j: int, beta: NDArray[np.float64], top: float, crit: float, side: float, scale: float) -> float:
    """Profile-likelihood limit on one side (``side`` = -1 or +1); infinite if none within reach."""
    warm = beta.copy()

    def excess(b: float) -> float:
        nonlocal warm
        value, warm = _profile(rs, j, b, warm)
        return 2.0 * (top - value) - crit

    centre = float(beta[j])
    inner, dist = centre, max(scale, 0.5)
    reach = 60.0 + 40.0 * scale  # a limit beyond exp(60) is infinite for every purpose
    while True:
        outer = centre + side * min(dist, reach)
        if excess(outer) >= 0.0:
            break
        if dist >= reach:
            return float(side * np.inf)
        inner, dist = outer, 2.0 * dist
    lo, hi = sorted((inner, outer))
    return float(optimize.brentq(excess, lo, hi, xtol=1e-12, rtol=4 * np.finfo(float).eps, maxiter=200))


@dataclasses.dataclass(frozen=True)
class FirthFit:
    """Raw Firth fit: estimates, profile limits and penalised likelihood-ratio tests."""

    coef: NDArray[np.float64]
    var: NDArray[np.float64]
    lower: NDArray[np.float64]
    upper: NDArray[np.float64]
    p_value: NDArray[np.float64]
    chisq: NDArray[np.float64]
    penalised: float
    penalised_null: float
    loglik: float
    iterations: int


def firth_fit(rs: _RiskSets, *, conf_level: float = 0.95) -> FirthFit:
    """Maximise the penalised partial likelihood on prepared risk sets; profile limits and tests."""
    p = rs.x.shape[1]
    beta, fit, iterations = _maximise(rs, np.zeros(p), np.ones(p, dtype=bool))
    var = np.linalg.inv(fit.info)
    var = (var + var.T) / 2.0
    se = np.sqrt(np.maximum(np.diag(var), 0.0))
    crit = float(sst.chi2.ppf(conf_level, 1))
    lower, upper, chisq = np.empty(p), np.empty(p), np.empty(p)
    for j in range(p):
        lower[j] = _limit(rs, j, beta, fit.penalised, crit, -1.0, float(se[j]))
        upper[j] = _limit(rs, j, beta, fit.penalised, crit, 1.0, float(se[j]))
        at_zero, _ = _profile(rs, j, 0.0, beta)
        chisq[j] = max(2.0 * (fit.penalised - at_zero), 0.0)
    null = _penalised(np.zeros(p), rs)
    return FirthFit(
        coef=beta,
        var=var,
        lower=lower,
        upper=upper,
        p_value=sst.chi2.sf(chisq, 1),
        chisq=chisq,
        penalised=fit.penalised,
        penalised_null=null.penalised,
        loglik=fit.loglik,
        iterations=iterations,
    )


def is_monotone(beta: NDArray[np.float64], score: NDArray[np.float64], var: NDArray[np.float64]) -> bool:
    """R's check for an infinite coefficient after a converged fit (``coxph.fit``).

    The coefficient is still moving: the one-step Newton increment :math:`|U' V|` exceeds both
    ``eps = 1e-9`` and ``toler.inf * |beta|`` with ``toler.inf = sqrt(1e-9)``.
    """
    inc = np.abs(score @ var)
    return bool(np.any((inc > 1e-9) & (inc > _TOLER_INF * np.abs(beta))))


def firth_result(
    rs: _RiskSets,
    conf_level: float,
    *,
    n: int,
    n_events: int,
    n_dropped_missing: int,
    ties: str,
    strata: tuple[str, ...],
    design: Any,
    monotone: bool,
) -> CoxResult:
    """CoxResult of Firth's penalised fit (profile limits, penalised LR p values)."""
    ff = firth_fit(rs, conf_level=conf_level)
    beta = ff.coef
    se = np.sqrt(np.diag(ff.var))
    p = beta.size
    null = _derivatives(np.zeros(p), rs)
    info = np.linalg.inv(ff.var)
    with np.errstate(over="ignore"):
        hr, lo, hi = np.exp(beta), np.exp(ff.lower), np.exp(ff.upper)
    return CoxResult(
        names=design.names,
        coef=beta,
        se=se,
        hazard_ratio=hr,
        ci_lower=lo,
        ci_upper=hi,
        z=beta / se,
        p_value=ff.p_value,
        conf_level=conf_level,
        concordance=concordance(rs.time, rs.event, rs.x @ beta, rs.stratum)["concordance"],
        log_likelihood=ff.penalised,
        log_likelihood_null=ff.penalised_null,
        lr_test=_chi2(2.0 * (ff.penalised - ff.penalised_null), p),
        score_test=_chi2(float(null.score @ _solve(null.info, null.score)), p),
        wald_test=_chi2(float(beta @ info @ beta), p),
        n=n,
        n_events=n_events,
        n_dropped_missing=n_dropped_missing,
        ties=ties,
        strata=strata,
        iterations=ff.iterations,
        var=ff.var,
        terms={k: tuple(design.names[i] for i in v) for k, v in design.terms.items()},
        _ph=_ph_at_fit(beta, rs, design.terms, ties),
        _term_index=design.terms,
        method="Firth penalised partial likelihood",
        ci_method="profile penalised likelihood",
        monotone=monotone,
    )

