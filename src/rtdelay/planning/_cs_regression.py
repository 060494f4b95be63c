"""Parametric regression for current-status data: risk of progression by a given wait.

Each patient is looked at once, at inspection time ``c_i`` (months from surgery to the pre-RT
MRI), and we see only ``delta_i = 1{T_i <= c_i}`` (progression before radiotherapy). With a
parametric distribution ``F(t | x)`` the log-likelihood is (Jewell & van der Laan 2004;
Sun 2006, *The Statistical Analysis of Interval-censored Failure Time Data*, ch. 2)

    l(theta) = sum_i delta_i log F(c_i | x_i) + (1 - delta_i) log(1 - F(c_i | x_i)).

Two baselines are offered, both linear in ``log t`` on a link scale, so that the model is a
binary regression on ``(1, log c, x)`` with a positive coefficient for ``log c``:

- Weibull, proportional hazards: ``F = 1 - exp(-exp(eta))`` (complementary log-log link),
  i.e. cumulative hazard ``H(t|x) = exp(a + k log t + x'b)``, shape ``k > 0``.
- Log-logistic, proportional odds: ``F = 1 / (1 + exp(-eta))`` (logit link),
  i.e. ``log F/(1-F) = a + k log t + x'b``.

with ``eta = a + k log t + x'b``. Parameters are estimated by maximum likelihood: the model is a
binomial GLM, fitted by iteratively reweighted least squares (Fisher scoring, as R ``glm``, to
a relative log-likelihood change of 1e-12); only when that fit fails or gives a shape ``k <= 0``
is the likelihood maximised on ``(a, log k, b)`` (``scipy.optimize.minimize``, BFGS with the
analytic gradient), keeping ``k > 0``. Standard
errors from the expected (Fisher) information on ``(a, k, b)``, ``sum_i z_i z_i' f(eta_i)^2 /
(F_i (1 - F_i))`` with ``f = dF/deta`` — the information R's ``glm`` uses, so that the
Weibull model agrees with ``glm(family = binomial(link = "cloglog"))`` on ``log c`` — and the model with
the lower AIC = -2 l + 2p is chosen. A predicted risk ``F(t|x)`` gets a Wald interval on the
link scale, transformed back: ``F = g^{-1}(eta_hat +/- z se(eta_hat))``, which stays in (0, 1).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import optimize, special, stats

from rtdelay.errors import ModelError

__all__ = [
    "BASELINES",
    "CurrentStatusFit",
    "fit_current_status",
    "current_status_loglik",
]

BASELINES: tuple[str, ...] = ("weibull", "loglogistic")
_BASELINE_LABELS = {"weibull": "Weibull", "loglogistic": "log-logistic"}
_LINK_NAMES = {
    "weibull": "complementary log-log (Weibull PH)",
    "loglogistic": "logit (log-logistic PO)",
}


def _cdf(eta: NDArray[np.float64], baseline: str) -> NDArray[np.float64]:
    if baseline == "weibull":  # exp(700) is finite: F = 1 there, without an overflow warning
        return -np.expm1(-np.exp(np.minimum(eta, 700.0)))
    return special.expit(eta)


def _log_f_and_log_s(
    eta: NDArray[np.float64], baseline: str
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Return log F and log(1 - F) computed stably."""
    if baseline == "weibull":
        h = np.exp(np.minimum(eta, 700.0))
        log_s = -h
        # log F = log(1 - exp(-h)); for h <= 1e-12 (eta <= -27.6) it is log h = eta to within
        # h / 2, and log(0) (h underflowed to 0) is never evaluated
        tiny = h <= 1e-12
        log_f = np.where(tiny, eta, np.log(-np.expm1(-np.where(tiny, 1.0, h))))
        return log_f, log_s
    return -np.logaddexp(0.0, -eta), -np.logaddexp(0.0, eta)


def current_status_loglik(
    theta: ArrayLike,
    inspection_time: ArrayLike,
    progressed: ArrayLike,
    design: ArrayLike | None = None,
    *,
    baseline: str = "weibull",
) -> float:
    """Log-likelihood of current-status data under a parametric baseline.

    Parameters
    ----------
    theta : array-like
        ``(a, k, b_1, ..., b_p)``: intercept, shape (> 0) and covariate coefficients, on the
        scale ``eta = a + k log t + x'b``.
    inspection_time : array-like of float > 0
    progressed : array-like of 0/1
    design : array-like (n, p) or None
    baseline : {"weibull", "loglogistic"}

    Returns
    -------
    float
        ``sum delta log F(c|x) + (1 - delta) log(1 - F(c|x))``.
    """
    _check_baseline(baseline)
    th = np.asarray(theta, dtype=float)
    c = np.asarray(inspection_time, dtype=float)
    d = np.asarray(progressed, dtype=float)
    x = (
        np.zeros((c.size, 0))
        if design is None
        else np.asarray(design, dtype=float).reshape(c.size, -1)
    )
    eta = th[0] + th[1] * np.log(c) + x @ th[2:]
    log_f, log_s = _log_f_and_log_s(eta, baseline)
    return float(np.sum(d * log_f + (1.0 - d) * log_s))


def _check_baseline(baseline: str) -> None:
    if baseline not in BASELINES:
        raise ValueError(f"baseline must be one of {', '.join(BASELINES)}; got {baseline!r}")


def _score_weights(
    eta: NDArray[np.float64], d: NDArray[np.float64], baseline: str
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Per-subject dl/deta and d2l/deta2."""
    if baseline == "loglogistic":
        p = special.expit(eta)
        return d - p, -p * (1.0 - p)
    h, r, _ = _h_ratios(eta)
    g = d * r - (1.0 - d) * h
    # d r / d eta = r (1 - h - r) ... derivative of h/(e^h - 1) w.r.t. eta (dh/deta = h):
    #   h * [ (e^h - 1) - h e^h ] / (e^h - 1)^2 = r - r * h * e^h/(e^h - 1) = r (1 - h - r)
    hess = d * r * (1.0 - h - r) - (1.0 - d) * h
    return g, hess


def _fisher_weights(eta: NDArray[np.float64], baseline: str) -> NDArray[np.float64]:
    """Expected information weight f(eta)^2 / (F (1 - F)) per subject."""
    if baseline == "loglogistic":
        p = special.expit(eta)
        return p * (1.0 - p)
    return _h_ratios(eta)[2]


def _h_ratios(
    eta: NDArray[np.float64],
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Weibull link: ``h = exp(eta)``, ``h / expm1(h)`` and ``h^2 / expm1(h)``, without 0/0 or overflow.

    ``dlogF/deta = h e^{-h} / (1 - e^{-h}) = h / expm1(h)`` and the Fisher weight
    ``f^2 / (F (1 - F)) = h^2 / expm1(h)`` (``f = h e^{-h}``). Each branch of ``np.where`` is
    evaluated on every element, so each gets arguments it can take: ``h`` below 1e-12 (``h``
    may underflow to 0, ``0 / expm1(0)``) uses the series ``1 - h/2`` and ``h``; ``h`` above 30
    (``h * h`` overflows past 1e154) uses logs, ``exp(k log h - h - log1p(-e^{-h}))``.
    """
    eta_c = np.minimum(eta, 700.0)
    h = np.exp(eta_c)
    tiny, big = h <= 1e-12, h > 30.0
    mid = np.clip(h, 1e-12, 30.0)
    log_expm1 = h + np.log1p(-np.exp(-np.maximum(h, 30.0)))  # log expm1(h), used where h > 30
    r = np.where(tiny, 1.0 - h / 2.0, np.where(big, np.exp(eta_c - log_expm1), mid / np.expm1(mid)))
    w = np.where(tiny, h, np.where(big, np.exp(2.0 * eta_c - log_expm1), mid * mid / np.expm1(mid)))
    return h, r, w


@dataclass(frozen=True, eq=False)
class CurrentStatusPrediction:
    """Predicted risk ``F(t | x)`` of a :class:`CurrentStatusFit` with pointwise Wald limits.

    Attributes
    ----------
    time : numpy.ndarray
        Prediction times (months).
    risk, lower, upper : numpy.ndarray
        ``F(t | x)`` and its limits: ``F`` of ``eta -/+ z se(eta)`` on the link scale.
    conf_level : float
    baseline : str
        The fitted model's baseline (link).
    """

    time: NDArray[np.float64]
    risk: NDArray[np.float64]
    lower: NDArray[np.float64]
    upper: NDArray[np.float64]
    conf_level: float
    baseline: str

    def __post_init__(self) -> None:
        for name in ("time", "risk", "lower", "upper"):
            getattr(self, name).setflags(write=False)

    def __repr__(self) -> str:
        return (
            f"CurrentStatusPrediction({self.time.size} time(s), {self.baseline} model, "
            f"{100 * self.conf_level:g}% Wald limits)"
        )

    def __getitem__(self, key: str) -> NDArray[np.float64]:
        """``pred["risk"]`` as well as ``pred.risk`` (the dict this replaced)."""
        if key not in ("time", "risk", "lower", "upper"):
            raise KeyError(key)
        return getattr(self, key)  # type: ignore[no-any-return]

    def to_frame(self) -> Any:
        import pandas as pd

        return pd.DataFrame(
            {"time": self.time, "risk": self.risk, "lower": self.lower, "upper": self.upper}
        )

    def to_dict(self) -> dict[str, Any]:
        from rtdelay.stats import jsonable

        return {
            "time": jsonable(self.time),
            "risk": jsonable(self.risk),
            "lower": jsonable(self.lower),
            "upper": jsonable(self.upper),
            "conf_level": self.conf_level,
            "baseline": self.baseline,
        }


@dataclass(frozen=True)
class CurrentStatusFit:
    """A fitted parametric current-status model.

    Attributes
    ----------
    baseline : str
    names : tuple of str
        ``("intercept", "log_time_shape", covariate terms...)``.
    coef, se : numpy.ndarray
        Estimates and standard errors on the ``eta = a + k log t + x'b`` scale (``k`` itself,
        not its log).
    covariance : numpy.ndarray
    log_likelihood, aic : float
    n, n_progressed : int
    terms : dict
        Covariate -> list of dummy columns (reference level first, not in the model).
    levels : dict
        Covariate -> all levels seen in the data, reference first.
    notes : tuple of str
        Covariates dropped (a single level) and other remarks.
    converged : bool
    max_time : float
        Longest inspection time in the data (predictions beyond it extrapolate).
    """

    baseline: str
    names: tuple[str, ...]
    coef: NDArray[np.float64]
    se: NDArray[np.float64]
    covariance: NDArray[np.float64]
    log_likelihood: float
    aic: float
    n: int
    n_progressed: int
    terms: dict[str, list[str]] = field(default_factory=dict)
    levels: dict[str, list[str]] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    converged: bool = True
    max_time: float = float("nan")

    @property
    def link(self) -> str:
        return _LINK_NAMES[self.baseline]

    def design_row(self, profile: Mapping[str, Any]) -> NDArray[np.float64]:
        """Covariate row (without intercept and log t) for a profile ``{covariate: level}``.

        A covariate missing from the profile is set to its reference level; an unknown level
        raises ``ValueError`` listing the allowed levels.
        """
        row: list[float] = []
        for cov, dummies in self.terms.items():
            levels = self.levels[cov]
            value = profile.get(cov, levels[0])
            value = str(value)
            if value not in levels:
                raise ValueError(
                    f"{cov} must be one of {', '.join(levels)} (the levels in the data the model was "
                    f"fitted on); got {value!r}"
                )
            row.extend(1.0 if d == f"{cov}[{value}]" else 0.0 for d in dummies)
        return np.asarray(row, dtype=float)

    def predict(
        self,
        times: ArrayLike,
        profile: Mapping[str, Any] | None = None,
        *,
        conf_level: float = 0.95,
    ) -> CurrentStatusPrediction:
        """Predicted risk ``F(t | x)`` with a Wald interval on the link scale.

        Returns a :class:`CurrentStatusPrediction` (``time``, ``risk``, ``lower``, ``upper``;
        ``to_frame()``, ``to_dict()``).
        """
        t = np.asarray(times, dtype=float).reshape(-1)
        if np.any(~np.isfinite(t)) or np.any(t <= 0):
            raise ValueError("prediction times must be positive and finite")
        x = self.design_row(profile or {})
        z_rows = np.column_stack([np.ones_like(t), np.log(t), np.tile(x, (t.size, 1))])
        eta = z_rows @ self.coef
        var = np.einsum("ij,jk,ik->i", z_rows, self.covariance, z_rows)
        se = np.sqrt(np.maximum(var, 0.0))
        z = stats.norm.ppf(0.5 + conf_level / 2.0)
        return CurrentStatusPrediction(
            time=t,
            risk=np.asarray(_cdf(eta, self.baseline), dtype=np.float64),
            lower=np.asarray(_cdf(eta - z * se, self.baseline), dtype=np.float64),
            upper=np.asarray(_cdf(eta + z * se, self.baseline), dtype=np.float64),
            conf_level=float(conf_level),
            baseline=self.baseline,
        )

    def to_frame(self) -> Any:
        import pandas as pd

        return pd.DataFrame({"term": list(self.names), "coef": self.coef, "se": self.se})

    def to_dict(self) -> dict[str, Any]:
        from rtdelay.stats import jsonable

        return {
            "baseline": self.baseline,
            "link": self.link,
            "terms": list(self.names),
            "coef": jsonable(self.coef),
            "se": jsonable(self.se),
            "log_likelihood": jsonable(self.log_likelihood),
            "aic": jsonable(self.aic),
            "n": self.n,
            "n_progressed": self.n_progressed,
            "levels": self.levels,
            "notes": list(self.notes),
            "converged": self.converged,
            "max_time": jsonable(self.max_time),
        }


def _design(
    covariates: Mapping[str, Sequence[Any]] | None,
    n: int,
    reference: Mapping[str, str] | None,
    labels: Mapping[str, str] | None = None,
) -> tuple[NDArray[np.float64], list[str], dict[str, list[str]], dict[str, list[str]], list[str]]:
    """Treatment-coded dummies; single-level covariates are dropped with a note."""
    columns: list[NDArray[np.float64]] = []
    names: list[str] = []
    terms: dict[str, list[str]] = {}
    levels_out: dict[str, list[str]] = {}
    notes: list[str] = []
    for cov, values in (covariates or {}).items():
        vals = np.asarray([str(v) for v in values], dtype=object)
        if vals.size != n:
            raise ValueError(f"covariate {cov} has {vals.size} values; expected {n}")
        levels = sorted(set(vals.tolist()))
        ref = (reference or {}).get(cov)
        if ref is not None and ref in levels:
            levels.remove(ref)
            levels.insert(0, ref)
        if len(levels) < 2:
            name = (labels or {}).get(cov, cov)
            notes.append(
                f"{name} dropped: a single level ({levels[0] if levels else 'none'}) in the data"
            )
            continue
        levels_out[cov] = levels
        terms[cov] = []
        for level in levels[1:]:
            name = f"{cov}[{level}]"
            columns.append((vals == level).astype(float))
            names.append(name)
            terms[cov].append(name)
    x = np.column_stack(columns) if columns else np.zeros((n, 0))
    return x, names, terms, levels_out, notes


def _irls(
    z: NDArray[np.float64], d: NDArray[np.float64], baseline: str
) -> tuple[NDArray[np.float64], float, bool, NDArray[np.float64]] | None:
    """Binomial GLM by iteratively reweighted least squares, step for step as R ``glm.fit``.

    Start at ``mu = (d + 0.5) / 2``; each step regresses the working response
    ``eta + (d - mu) / f(eta)`` on ``Z`` with weights ``f^2 / (mu (1 - mu))``; stop when
    ``|dev - dev_old| / (|dev| + 0.1) < 1e-12`` with ``dev = -2 l`` (R's rule with
    ``glm.control(epsilon = 1e-12)``), at most 100 steps; None if a step fails. Also returns
    ``Z'WZ`` of the last step, whose inverse is R's ``vcov`` (``summary.glm`` uses the weights
    of the last iteration).
    """
    mu = (d + 0.5) / 2.0
    eta = np.log(-np.log1p(-mu)) if baseline == "weibull" else np.log(mu / (1.0 - mu))
    dev_old = -2.0 * float(np.sum(d * np.log(mu) + (1.0 - d) * np.log1p(-mu)))
    theta = np.zeros(z.shape[1])
    for _ in range(100):
        u, _ = _score_weights(eta, d, baseline)
        w = _fisher_weights(eta, baseline)
        if not np.all(np.isfinite(w) & (w > 0.0)):
            # separation: some fitted probabilities are numerically 0 or 1 (eta ran to
            # +-infinity), the working response is 0/0; IRLS cannot go on (R's glm warns
            # "fitted probabilities numerically 0 or 1 occurred") and the caller refits on
            # (a, log k, b) or reports the model as not estimable
            return None
        with np.errstate(over="ignore"):  # |u / w| overflowing to inf is caught just below
            work = eta + u / w  # eta + (d - mu) / f, since u = (d - mu) f / (mu (1 - mu))
        if not np.all(np.isfinite(work)):
            return None
        info = (z.T * w) @ z
        try:
            theta = np.asarray(np.linalg.solve(info, (z.T * w) @ work), dtype=np.float64)
        except np.linalg.LinAlgError:
            return None
        eta = z @ theta
        log_f, log_s = _log_f_and_log_s(eta, baseline)
        dev = -2.0 * float(np.sum(d * log_f + (1.0 - d) * log_s))
        if not np.isfinite(dev):
            return None
        if abs(dev - dev_old) / (abs(dev) + 0.1) < 1e-12:
            return theta, -dev / 2.0, True, info
        dev_old = dev
    return theta, -dev_old / 2.0, False, info


def _fit_one(
    c: NDArray[np.float64], d: NDArray[np.float64], x: NDArray[np.float64], baseline: str
) -> tuple[NDArray[np.float64], NDArray[np.float64], float, bool]:
    logc = np.log(c)
    z = np.column_stack([np.ones_like(c), logc, x])
    glm = _irls(z, d, baseline)
    if glm is not None and glm[2] and glm[0][1] > 0 and np.all(np.isfinite(glm[0])):
        theta, info = glm[0], glm[3]
        try:
            cov = np.asarray(np.linalg.inv(info), dtype=np.float64)
        except np.linalg.LinAlgError:
            cov = np.full_like(info, np.nan)
        return theta, cov, glm[1], True
    # the shape k = theta[1] must be positive: otherwise maximise on (a, log k, b)

    def unpack(phi: NDArray[np.float64]) -> NDArray[np.float64]:
        th = phi.copy()
        th[1] = np.exp(phi[1])
        return th

    def negll(phi: NDArray[np.float64]) -> tuple[float, NDArray[np.float64]]:
        th = unpack(phi)
        eta = z @ th
        log_f, log_s = _log_f_and_log_s(eta, baseline)
        g, _ = _score_weights(eta, d, baseline)
        grad = z.T @ g
        grad[1] *= th[1]  # chain rule for log k
        return -float(np.sum(d * log_f + (1 - d) * log_s)), -grad

    p0 = float(np.clip(d.mean(), 0.02, 0.98))
    start = np.zeros(z.shape[1])
    start[0] = np.log(-np.log1p(-p0)) if baseline == "weibull" else np.log(p0 / (1 - p0))
    start[0] -= float(np.mean(logc))
    res = optimize.minimize(
        negll, start, jac=True, method="BFGS", options={"gtol": 1e-8, "maxiter": 2000}
    )
    theta = unpack(res.x)
    eta = z @ theta
    info = (z.T * _fisher_weights(eta, baseline)) @ z
    try:
        cov = np.asarray(np.linalg.inv(info), dtype=np.float64)
    except np.linalg.LinAlgError:
        cov = np.full_like(info, np.nan)
    converged = bool(res.success) or float(np.max(np.abs(res.jac))) < 1e-4
    return theta, cov, -float(res.fun), converged


def fit_current_status(
    inspection_time: ArrayLike,
    progressed: ArrayLike,
    *,
    covariates: Mapping[str, Sequence[Any]] | None = None,
    baseline: str = "auto",
    reference: Mapping[str, str] | None = None,
    max_abs_coef: float = 15.0,
    labels: Mapping[str, str] | None = None,
) -> CurrentStatusFit:
    """Fit a Weibull-PH or log-logistic current-status regression by maximum likelihood.

    Parameters
    ----------
    inspection_time : array-like of float > 0
        Months from surgery to the look (pre-RT MRI).
    progressed : array-like of 0/1
        Progression seen at the look.
    covariates : mapping name -> sequence of levels, optional
        Categorical covariates (treatment coding, reference = ``reference[name]`` or the first
        sorted level). A covariate with a single level in the data is dropped with a note.
    baseline : {"auto", "weibull", "loglogistic"}
        ``"auto"`` fits both and keeps the lower AIC.
    reference : mapping, optional
        Reference level per covariate.
    max_abs_coef : float
        Coefficients larger than this in absolute value signal (quasi-)separation, e.g. a level
        with no progression at all: that covariate is dropped with a note and the model refitted.
    labels : mapping, optional
        Readable name per covariate, used in the notes (default: the covariate's key).

    Returns
    -------
    CurrentStatusFit

    Raises
    ------
    ValueError
        Bad inputs (non-positive times, events not 0/1, unknown baseline).
    rtdelay.errors.ModelError
        No progression or no non-progression at all.
    """
    c = np.asarray(inspection_time, dtype=float).reshape(-1)
    d_raw = np.asarray(progressed, dtype=float).reshape(-1)
    if c.size != d_raw.size:
        raise ValueError(
            f"inspection_time and progressed differ in length ({c.size} vs {d_raw.size})"
        )
    bad = ~np.isfinite(c) | (c <= 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(f"inspection_time must be positive and finite; index {i} has {c[i]!r}")
    badd = ~np.isin(d_raw, (0.0, 1.0))
    if badd.any():
        i = int(np.flatnonzero(badd)[0])
        raise ValueError(f"progressed must be 0 or 1; index {i} has {d_raw[i]!r}")
    n_pos = int(d_raw.sum())
    if n_pos == 0 or n_pos == c.size:
        raise ModelError(
            "the model needs both patients with and without progression before radiotherapy; "
            f"found {n_pos} of {c.size} with progression"
        )
    if baseline != "auto":
        _check_baseline(baseline)
    candidates = BASELINES if baseline == "auto" else (baseline,)
    remaining = dict(covariates or {})
    dropped_notes: list[str] = []
    while True:
        x, names, terms, levels, notes = _design(remaining, c.size, reference, labels)
        fits: list[CurrentStatusFit] = []
        separated: str | None = None
        for b in candidates:
            theta, cov, ll, converged = _fit_one(c, d_raw, x, b)
            big = np.flatnonzero(np.abs(theta[2:]) > max_abs_coef)
            if big.size:
                term = names[int(big[0])]
                separated = next(k for k, v in terms.items() if term in v)
                break
            se = np.sqrt(np.maximum(np.diag(cov), 0.0))
            fits.append(
                CurrentStatusFit(
                    baseline=b,
                    names=("intercept", "log_time_shape", *names),
                    coef=theta,
                    se=se,
                    covariance=cov,
                    log_likelihood=ll,
                    aic=-2.0 * ll + 2.0 * theta.size,
                    n=int(c.size),
                    n_progressed=n_pos,
                    terms=terms,
                    levels=levels,
                    notes=tuple(dropped_notes + notes),
                    converged=converged,
                    max_time=float(c.max()),
                )
            )
        if separated is None:
            break
        dropped_notes.append(
            f"{(labels or {}).get(separated, separated)} dropped: a level with no (or only) progression makes its effect "
            "inestimable (separation); merge levels to keep it"
        )
        del remaining[separated]
    best = min(fits, key=lambda f: f.aic)
    if len(fits) > 1:
        other = [f for f in fits if f is not best][0]
        best = CurrentStatusFit(
            **{
                **{k: getattr(best, k) for k in best.__dataclass_fields__},
                "notes": (
                    *best.notes,
                    f"{_BASELINE_LABELS[best.baseline]} chosen by AIC ({best.aic:.2f} vs "
                    f"{_BASELINE_LABELS[other.baseline]} {other.aic:.2f})",
                ),
            }
        )
    return best
