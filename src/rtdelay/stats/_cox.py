"""Cox proportional hazards model fitted by Newton-Raphson on the partial likelihood.

The fit follows R ``survival::coxph`` (Therneau & Grambsch 2000, ch. 3): Efron or Breslow
handling of tied event times, strata with their own baseline hazard, start at beta = 0,
Newton-Raphson with step-halving when the log partial likelihood decreases, and convergence when
the relative change of the log likelihood is below 1e-9 (``coxph.control(eps = 1e-9)``, at most
20 iterations).

Log partial likelihood with Efron ties (Efron 1977). For a distinct event time ``t`` of stratum
``s`` with ``d`` events (set ``D``) and risk set ``R`` (subjects of ``s`` with time >= t)::

    l(beta) = sum_t [ sum_{i in D} eta_i - sum_{k=0}^{d-1} log( S0(t) - (k/d) * S0_D(t) ) ]

with ``eta = X beta``, ``S0(t) = sum_{j in R} exp(eta_j)`` and ``S0_D`` the same sum over ``D``.
Breslow's approximation drops the ``k/d`` term. Score and information follow by differentiation
(weighted means and covariances of ``X`` over the corrected risk sets).
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray
from scipy import stats as sst

from rtdelay.errors import InputError, ModelError, StatisticalWarning
from rtdelay.stats._check import check_survival, check_time
from rtdelay.stats._cox_design import Design, check_identifiable, design_matrix
from rtdelay.stats._results import ResultMixin, fmt, jsonable
from rtdelay.stats._timefix import timefix_times

if TYPE_CHECKING:
    import pandas as pd

    from rtdelay.stats._cox_zph import PHTest

__all__ = ["CoxResult", "cox_ph"]


def _remap_terms(terms: dict[str, tuple[int, ...]], kept: NDArray[np.int64]) -> dict[str, tuple[int, ...]]:
    """Term -> positions among the kept (non-aliased) columns; fully aliased terms are left out."""
    pos = {int(j): i for i, j in enumerate(kept)}
    out = {k: tuple(pos[j] for j in v if j in pos) for k, v in terms.items()}
    return {k: v for k, v in out.items() if v}

_TIES = ("efron", "breslow")
_EPS = 1e-9  # R coxph.control(eps): relative change in log likelihood
_ITER_MAX = 20  # R coxph.control(iter.max)
_MIN_EVENTS_PER_COVARIATE = 10


@dataclasses.dataclass(frozen=True)
class _RiskSets:
    """Sorted data and event bookkeeping, built once per fit.

    Rows are sorted by stratum, then by decreasing time, so that a cumulative sum over rows gives
    risk-set sums. ``death_rows`` are the rows of the events, grouped by (stratum, time);
    ``death_group`` maps each event to its group and ``frac`` is Efron's ``k/d`` (0 for Breslow).
    """

    time: NDArray[np.float64]
    event: NDArray[np.bool_]
    x: NDArray[np.float64]
    stratum: NDArray[np.int64]
    death_rows: NDArray[np.int64]
    death_group: NDArray[np.int64]
    frac: NDArray[np.float64]
    group_end: NDArray[np.int64]
    group_start: NDArray[np.int64]
    # Left truncation: rows (in sorted order) by stratum and decreasing entry; for each event
    # group, [late_start, late_end) are the rows of its stratum that enter at or after its time.
    late_rows: NDArray[np.int64] | None = None
    late_start: NDArray[np.int64] | None = None
    late_end: NDArray[np.int64] | None = None


def _late_entries(rs: _RiskSets, entry: NDArray[np.float64]) -> _RiskSets:
    """Add the rows not yet at risk (``entry >= t``) to the risk-set bookkeeping."""
    late_rows = np.lexsort((-entry, rs.stratum)).astype(np.int64)
    s_late, e_late = rs.stratum[late_rows], entry[late_rows]
    group_rows = rs.death_rows[np.flatnonzero(np.r_[True, np.diff(rs.death_group) > 0])] if len(rs.death_rows) else rs.death_rows
    g_time, g_str = rs.time[group_rows], rs.stratum[group_rows]
    start = np.searchsorted(s_late, g_str, side="left").astype(np.int64)
    end = start.copy()
    for s in np.unique(g_str):
        lo, hi = np.searchsorted(s_late, [s, s + 1])
        neg = -e_late[lo:hi]  # increasing within the stratum
        sel = g_str == s
        end[sel] = lo + np.searchsorted(neg, -g_time[sel], side="right")
    return dataclasses.replace(rs, late_rows=late_rows, late_start=start, late_end=end)


def _risk_sets(
    time: NDArray[np.float64],
    event: NDArray[np.bool_],
    x: NDArray[np.float64],
    stratum: NDArray[np.int64],
    efron: bool,
    entry: NDArray[np.float64] | None = None,
) -> _RiskSets:
    order = np.lexsort((~event, -time, stratum))  # events first within a tied time (cosmetic)
    if entry is not None:
        return _late_entries(_risk_sets(time[order], event[order], x[order], stratum[order], efron), entry[order])
    t, e, xs, s = time[order], event[order], x[order], stratum[order]
    n = len(t)
    # first row of each stratum (rows of a stratum are contiguous)
    s_first = np.searchsorted(s, s, side="left")
    death_rows = np.flatnonzero(e)
    if len(death_rows) == 0:
        empty_i = np.empty(0, dtype=np.int64)
        return _RiskSets(t, e, xs, s, empty_i, empty_i, np.empty(0), empty_i, empty_i)
    # a group is a (stratum, time) pair; risk set = rows of the stratum up to the last row of time t
    key_change = np.ones(len(death_rows), dtype=bool)
    dt, ds = t[death_rows], s[death_rows]
    key_change[1:] = (dt[1:] != dt[:-1]) | (ds[1:] != ds[:-1])
    death_group = np.cumsum(key_change) - 1
    first_of_group = np.flatnonzero(key_change)
    counts = np.diff(np.append(first_of_group, len(death_rows)))
    k_in_group = np.arange(len(death_rows)) - first_of_group[death_group]
    frac = k_in_group / counts[death_group] if efron else np.zeros(len(death_rows))
    # last row (exclusive end) with time >= t inside the stratum: rows sorted by decreasing time
    group_rows = death_rows[first_of_group]
    # runs of equal (stratum, time); a group's risk set ends where its run ends
    run_start = np.ones(n, dtype=bool)
    run_start[1:] = (t[1:] != t[:-1]) | (s[1:] != s[:-1])
    run_id = np.cumsum(run_start) - 1
    run_end = np.append(np.flatnonzero(run_start)[1:], n)
    end = run_end[run_id[group_rows]].astype(np.int64)
    return _RiskSets(
        t, e, xs, s, death_rows, death_group.astype(np.int64), frac.astype(np.float64),
        end, s_first[group_rows].astype(np.int64),
    )


@dataclasses.dataclass(frozen=True)
class _Derivs:
    loglik: float
    score: NDArray[np.float64]
    info: NDArray[np.float64]
    xbar: NDArray[np.float64]  # per event: weighted mean of x over the (Efron) risk set
    var: NDArray[np.float64]  # per event: weighted covariance of x


def _derivatives(beta: NDArray[np.float64], rs: _RiskSets) -> _Derivs:
    """Log partial likelihood, score and information at ``beta`` (Efron or Breslow)."""
    x = rs.x
    eta = x @ beta
    w = np.exp(eta - eta.max())  # the partial likelihood is invariant to a common shift
    p = x.shape[1]
    a1 = w[:, None] * x
    a2 = a1[:, :, None] * x[:, None, :]
    c0 = np.concatenate(([0.0], np.cumsum(w)))
    c1 = np.vstack((np.zeros((1, p)), np.cumsum(a1, axis=0)))
    c2 = np.concatenate((np.zeros((1, p, p)), np.cumsum(a2, axis=0)))
    r0 = c0[rs.group_end] - c0[rs.group_start]
    r1 = c1[rs.group_end] - c1[rs.group_start]
    r2 = c2[rs.group_end] - c2[rs.group_start]
    if rs.late_rows is not None:  # left truncation: drop those who enter at or after t
        lr, ls, le = rs.late_rows, rs.late_start, rs.late_end
        l0 = np.concatenate(([0.0], np.cumsum(w[lr])))
        l1 = np.vstack((np.zeros((1, p)), np.cumsum(a1[lr], axis=0)))
        l2 = np.concatenate((np.zeros((1, p, p)), np.cumsum(a2[lr], axis=0)))
        r0 = r0 - (l0[le] - l0[ls])
        r1 = r1 - (l1[le] - l1[ls])
        r2 = r2 - (l2[le] - l2[ls])
    ng = len(rs.group_end)
    dr = rs.death_rows
    d0 = np.bincount(rs.death_group, weights=w[dr], minlength=ng)
    d1 = np.zeros((ng, p))
    np.add.at(d1, rs.death_group, a1[dr])
    d2 = np.zeros((ng, p, p))
    np.add.at(d2, rs.death_group, a2[dr])
    g, f = rs.death_group, rs.frac
    s0 = r0[g] - f * d0[g]
    s1 = r1[g] - f[:, None] * d1[g]
    s2 = r2[g] - f[:, None, None] * d2[g]
    xbar = s1 / s0[:, None]
    var = s2 / s0[:, None, None] - xbar[:, :, None] * xbar[:, None, :]
    loglik = float(np.sum(eta[dr] - eta.max()) - np.sum(np.log(s0)))
    score = x[dr].sum(axis=0) - xbar.sum(axis=0)
    return _Derivs(loglik, score, var.sum(axis=0), xbar, var)


def _solve(info: NDArray[np.float64], vec: NDArray[np.float64]) -> NDArray[np.float64]:
    try:
        chol = np.linalg.cholesky(info)
    except np.linalg.LinAlgError:
        raise ModelError(
            "the information matrix is not positive definite: the covariates are collinear or "
            "a covariate does not vary among the patients at risk"
        ) from None
    y = np.linalg.solve(chol, vec)
    return np.asarray(np.linalg.solve(chol.T, y), dtype=np.float64)


def _newton(rs: _RiskSets) -> tuple[NDArray[np.float64], _Derivs, _Derivs, int]:
    """Newton-Raphson as R's coxfit6: step-halving, stop on relative loglik change < 1e-9."""
    p = rs.x.shape[1]
    beta = np.zeros(p)
    null = cur = _derivatives(beta, rs)
    new_beta = beta + _solve(cur.info, cur.score)
    halving = 0
    for it in range(1, _ITER_MAX + 1):
        new = _derivatives(new_beta, rs)
        if not np.isfinite(new.loglik):
            new_lk_ok = False
        else:
            new_lk_ok = True
            change = abs(1.0 - cur.loglik / new.loglik) if new.loglik != 0.0 else abs(cur.loglik)
            if change <= _EPS and halving == 0:
                return new_beta, new, null, it
        if not new_lk_ok or new.loglik < cur.loglik:
            halving += 1
            new_beta = (new_beta + beta) / 2.0
            continue
        halving = 0
        beta, cur = new_beta, new
        new_beta = beta + _solve(cur.info, cur.score)
    raise ModelError(
        f"the Cox model did not converge in {_ITER_MAX} iterations (a coefficient may be infinite: "
        "check for a covariate level with no events or perfect separation)"
    )


@dataclasses.dataclass(frozen=True, eq=False)
class CoxResult(ResultMixin):
    """Fitted Cox proportional hazards model (as R ``summary(coxph(...))``).

    Attributes
    ----------
    names : tuple of str
        Coefficient names; a categorical covariate ``col`` gives ``col[level]`` per non-reference
        level (reference = first level in sorted order).
    coef, se, hazard_ratio, ci_lower, ci_upper, z, p_value : numpy.ndarray
        Log hazard ratios, standard errors from the inverse information, ``exp(coef)``, Wald
        confidence limits ``exp(coef -/+ q * se)``, Wald z and two-sided p.
    conf_level : float
    concordance : float
        Harrell's C as ``fit$concordance["concordance"]`` (pairs within strata; ties in the
        linear predictor count 1/2; pairs tied on an event time are not comparable).
    log_likelihood, log_likelihood_null : float
        Log partial likelihood at the estimate and at beta = 0 (R ``fit$loglik``).
    lr_test, score_test, wald_test : dict
        ``{"chisq", "df", "p"}`` as printed by R (score = log-rank for one binary covariate).
    n, n_events, n_dropped_missing : int
        Rows used, events, and rows dropped for a missing value (complete-case, as R na.omit).
    ties : str
    strata : tuple of str
        Stratification columns (empty if none).
    iterations : int
    var : numpy.ndarray
        Covariance matrix of ``coef``.
    terms : dict
        Covariate name -> coefficient names (one per dummy for categorical covariates).
    method : str
        ``"maximum partial likelihood"`` or ``"Firth penalised partial likelihood"`` (then
        ``log_likelihood``, ``log_likelihood_null`` and ``lr_test`` are penalised, and
        ``ci_lower``/``ci_upper``/``p_value`` come from the profile penalised likelihood; see
        :mod:`rtdelay.stats._firth`).
    ci_method : str
        ``"Wald"`` or ``"profile penalised likelihood"``.
    monotone : bool
        The ordinary partial likelihood was found monotone (a coefficient runs off to
        infinity; R's check in ``coxph.fit``).
    notes : tuple of str
        What the reader must know: aliased covariates (NaN coefficients, R's NA), a
        coefficient that may be infinite.
    """

    names: tuple[str, ...]
    coef: NDArray[np.float64]
    se: NDArray[np.float64]
    hazard_ratio: NDArray[np.float64]
    ci_lower: NDArray[np.float64]
    ci_upper: NDArray[np.float64]
    z: NDArray[np.float64]
    p_value: NDArray[np.float64]
    conf_level: float
    concordance: float
    log_likelihood: float
    log_likelihood_null: float
    lr_test: dict[str, float]
    score_test: dict[str, float]
    wald_test: dict[str, float]
    n: int
    n_events: int
    n_dropped_missing: int
    ties: str
    strata: tuple[str, ...]
    iterations: int
    var: NDArray[np.float64]
    terms: dict[str, tuple[str, ...]]
    # The PH test (or why it is not available), computed at fit time: the patient-level risk
    # sets it needs are not kept in the result.
    _ph: PHTest | Exception = dataclasses.field(repr=False, compare=False)
    _term_index: dict[str, tuple[int, ...]] = dataclasses.field(repr=False, compare=False)
    notes: tuple[str, ...] = ()
    _kept: tuple[int, ...] = dataclasses.field(default=(), repr=False, compare=False)
    # Scaled Schoenfeld residuals (time, 1 - KM(t-), one column per kept coefficient), or the
    # reason they are not available; computed at fit time for the same reason as ``_ph``.
    _schoenfeld: Schoenfeld | Exception | None = dataclasses.field(default=None, repr=False, compare=False)
    method: str = "maximum partial likelihood"
    ci_method: str = "Wald"
    monotone: bool = False

    @property
    def n_omitted(self) -> int:
        """Rows dropped for a missing value (``n_dropped_missing``; the name used elsewhere)."""
        return self.n_dropped_missing

    def to_dict(self) -> dict[str, Any]:
        return {
            f.name: jsonable(getattr(self, f.name))
            for f in dataclasses.fields(self)
            if not f.name.startswith("_")
        }

    def __repr__(self) -> str:
        lr = self.lr_test
        return (
            f"CoxResult(n={self.n}, events={self.n_events}, {len(self.names)} coefficient(s), ties={self.ties!r}; "
            f"LR chi-square={fmt(lr['chisq'])} on {lr['df']:g} df, p={fmt(lr['p'])}; concordance={fmt(self.concordance)})"
        )

    def summary(self) -> pd.DataFrame:
        """The coefficient table (as lifelines ``CoxPHFitter.summary``): see :meth:`to_frame`."""
        return self.to_frame()

    def to_frame(self) -> pd.DataFrame:
        """One row per coefficient: coef, se, hazard_ratio, ci_lower, ci_upper, z, p_value."""
        import pandas as pd

        return pd.DataFrame(
            {
                "coef": self.coef,
                "se": self.se,
                "hazard_ratio": self.hazard_ratio,
                "ci_lower": self.ci_lower,
                "ci_upper": self.ci_upper,
                "z": self.z,
                "p_value": self.p_value,
            },
            index=pd.Index(list(self.names), name="covariate"),
        )

    def ph_test(self) -> PHTest:
        """Test of proportional hazards as R ``cox.zph(fit, transform = "km")`` (survival >= 3).

        See :func:`rtdelay.stats._cox_zph.zph_table` for the formula. Rows are the covariates
        (one row with several df for a categorical covariate) and ``"GLOBAL"``; ``to_frame()``
        gives R's table (columns ``chisq``, ``df``, ``p``). Computed when the model was fitted.

        Raises
        ------
        ModelError
            The fit has entry times (left truncation), or the test's information matrix is
            singular.
        """
        if isinstance(self._ph, Exception):
            raise ModelError(str(self._ph)) from self._ph
        return self._ph

    def schoenfeld_residuals(self) -> pd.DataFrame:
        """Scaled Schoenfeld residuals, as R ``cox.zph(fit, transform = "km")``'s ``y``.

        One row per event (increasing time): ``time``, ``km_time`` (``1 - KM(t-)``, R's ``x``,
        the axis of ``plot(cox.zph(fit))``) and one column per estimable coefficient. See
        :func:`rtdelay.stats._cox_zph.zph_residuals` for the formula.
        """
        import pandas as pd

        if self._schoenfeld is None:
            raise ModelError("Schoenfeld residuals are kept only by cox_ph(..., residuals=True)")
        if isinstance(self._schoenfeld, Exception):
            raise ModelError(str(self._schoenfeld)) from self._schoenfeld
        kept = list(self._kept) if self._kept else list(range(len(self.coef)))
        time, km_time, y = self._schoenfeld
        frame = pd.DataFrame(y, columns=[self.names[k] for k in kept])
        frame.insert(0, "km_time", km_time)
        frame.insert(0, "time", time)
        return frame


def _ph_at_fit(coef: NDArray[np.float64], rs: _RiskSets, term_index: dict[str, tuple[int, ...]], ties: str) -> PHTest | Exception:
    """The PH test of a fit, or the reason it is not available (kept in :class:`CoxResult`)."""
    from rtdelay.stats._cox_zph import zph_table

    if rs.late_rows is not None:
        return ModelError("the proportional-hazards test is not available for a fit with entry times")
    try:
        return zph_table(coef, rs, term_index, ties=ties)
    except (np.linalg.LinAlgError, ValueError, FloatingPointError) as exc:
        return ModelError(f"the proportional-hazards test could not be computed: {exc}")



Schoenfeld = tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]


def _schoenfeld_at_fit(coef: NDArray[np.float64], var: NDArray[np.float64], rs: _RiskSets) -> Schoenfeld | Exception:
    """Scaled Schoenfeld residuals of a fit (kept coefficients), or why they are not available."""
    from rtdelay.stats._cox_zph import zph_residuals

    if rs.late_rows is not None:
        return ModelError("Schoenfeld residuals are not available for a fit with entry times")
    try:
        return zph_residuals(coef, var, rs)
    except (np.linalg.LinAlgError, ValueError, FloatingPointError) as exc:
        return ModelError(f"the Schoenfeld residuals could not be computed: {exc}")


def _chi2(stat: float, df: int) -> dict[str, float]:
    return {"chisq": float(stat), "df": float(df), "p": float(sst.chi2.sf(stat, df))}


def cox_ph(
    frame: pd.DataFrame,
    *,
    duration: str,
    event: str,
    covariates: Sequence[str],
    ties: str = "efron",
    strata: str | Sequence[str] | None = None,
    conf_level: float = 0.95,
    entry: str | None = None,
    timefix: bool = True,
    levels: Mapping[str, Sequence[Any]] | None = None,
    firth: bool | str = False,
    min_events_per_coef: float | None = None,
    nan_policy: str = "omit",
    residuals: bool = False,
) -> CoxResult:
    """Fit a Cox proportional hazards model, as R ``coxph(Surv(duration, event) ~ ...)``.

    Parameters
    ----------
    frame : pandas.DataFrame
    duration, event : str
        Columns of follow-up time (>= 0) and event indicator (0/1).
    covariates : sequence of str
        Covariate columns. Numeric (and boolean) columns enter as they are; any other column is
        expanded to treatment dummies named ``col[level]`` with the first level as reference:
        levels in the order of ``levels[col]`` if given, else of a pandas Categorical's
        categories, else sorted (as R orders a factor's levels).
    ties : {"efron", "breslow"}
    strata : str or sequence of str, optional
        Stratify the baseline hazard by these columns (all combinations), as ``+ strata(s)``.
    conf_level : float
        Level of the Wald confidence intervals of the hazard ratios.
    entry : str, optional
        Column of entry (left-truncation) times, each below the duration: a patient is in the
        risk sets of the event times in ``(entry, duration]``, as
        ``coxph(Surv(entry, duration, event) ~ ...)``. The PH test is not offered then and the
        concordance is NaN.
    timefix : bool, default True
        Merge times equal up to floating-point noise, as R's default ``timefix = TRUE``
        (``aeqSurv``, :mod:`rtdelay.stats._timefix`); ``False`` compares times exactly.
    levels : mapping, optional
        ``{column: levels}``: level order of categorical covariates (the first is the reference).
    firth : bool or "auto", default False
        ``True``: Firth's penalised partial likelihood with profile penalised-likelihood
        intervals and penalised likelihood-ratio p values (Heinze & Schemper 2001, as R
        ``coxphf``). ``"auto"``: fit by maximum partial likelihood and refit with Firth's method
        when the likelihood is monotone (a coefficient is infinite) or the fit fails to
        converge; ``monotone`` says which happened. Not available with ``entry`` (``"auto"``
        then keeps the ordinary fit and its note).
    min_events_per_coef : float, optional
        Refuse (``ModelError``) to fit with fewer events than this per coefficient; the usual
        rule for the Cox model is 5 (Vittinghoff & McCulloch 2007). Default: no rule, as R.
    nan_policy : {"omit", "raise"}, default "omit"
        ``"omit"``: rows with a missing value in any used column are dropped (complete-case, as
        R's default ``na.action = na.omit`` for a model formula); their number is
        ``n_dropped_missing`` (also ``n_omitted``, the name the other entry points use).
        ``"raise"``: a missing value is an ``InputError`` naming its column and row label.
        The default differs from the array functions' ``"raise"`` on purpose: a model
        formula in R drops incomplete rows, and the R agreement tests rely on it.
    residuals : bool, default False
        Keep the scaled Schoenfeld residuals (one row per event) for
        :meth:`CoxResult.schoenfeld_residuals`; by default the result keeps no per-patient data.

    Raises
    ------
    InputError
        Unknown column, bad option, bad times or events.
    ModelError
        No events, a constant or collinear covariate, fewer events per coefficient than
        ``min_events_per_coef``, or no convergence in 20 iterations.

    Warns
    -----
    StatisticalWarning
        Fewer than 10 events per coefficient; a coefficient that may be infinite (R's rule:
        the next Newton step :math:`|U' I^{-1}|` exceeds ``eps`` = 1e-9 and ``sqrt(eps)`` times
        the coefficient, "Loglik converged before variable ..."); an aliased covariate.

    Examples
    --------
    >>> import pandas as pd
    >>> from rtdelay.stats import cox_ph
    >>> df = pd.DataFrame({"t": [5, 8, 3, 9, 12, 4, 7, 10], "e": [1, 1, 1, 0, 1, 1, 0, 1],
    ...                    "x": [1, 0, 0, 1, 0, 1, 1, 0]})
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")  # 6 events for 1 coefficient: the few-events warning
    ...     fit = cox_ph(df, duration="t", event="e", covariates=["x"])
    >>> fit.names, round(float(fit.hazard_ratio[0]), 3)
    (('x',), 1.21)

    Notes
    -----
    A covariate that is a linear combination of earlier ones (aliased) is not estimated: as R,
    its coefficient, standard error and hazard ratio are NaN (R's NA), the others are fitted
    without it and ``notes`` says so.

    Rows with a missing value in any used column are dropped (complete-case, as R's default
    ``na.omit``); their number is ``n_dropped_missing``.

    References
    ----------
    Cox DR. Regression models and life-tables. J R Stat Soc B 1972;34:187-220.
    Efron B. The efficiency of Cox's likelihood function for censored data. JASA 1977;72:557-65.
    Therneau TM, Grambsch PM. Modeling Survival Data. Springer 2000.
    Heinze G, Schemper M. A solution to the problem of monotone likelihood in Cox regression.
    Biometrics 2001;57:114-9.
    Vittinghoff E, McCulloch CE. Relaxing the rule of ten events per variable in logistic and
    Cox regression. Am J Epidemiol 2007;165:710-8.
    """
    if ties not in _TIES:
        raise InputError(f"ties must be one of {_TIES}, got {ties!r}")
    if not 0.0 < conf_level < 1.0:
        raise InputError(f"conf_level must be between 0 and 1, got {conf_level!r}")
    covariates = [covariates] if isinstance(covariates, str) else list(covariates)
    if not covariates:
        raise InputError("at least one covariate is needed")
    strata_cols = [] if strata is None else ([strata] if isinstance(strata, str) else list(strata))
    used = [duration, event, *covariates, *strata_cols, *([] if entry is None else [entry])]
    missing_cols = [c for c in dict.fromkeys(used) if c not in frame.columns]
    if missing_cols:
        raise InputError(f"column(s) not found in the data: {', '.join(map(repr, missing_cols))}")
    if nan_policy not in ("omit", "raise"):
        raise InputError(f"nan_policy must be 'omit' or 'raise', got {nan_policy!r}")
    present = frame.loc[:, list(dict.fromkeys(used))].notna()
    complete = present.all(axis=1)
    if nan_policy == "raise" and not bool(complete.all()):
        row = int(np.flatnonzero(~complete.to_numpy())[0])
        col = next(c for c in present.columns if not bool(present[c].iloc[row]))
        raise InputError(
            f"{col} is missing at row {row} (index label {frame.index[row]!r}); "
            "pass nan_policy='omit' to drop incomplete rows"
        )
    data = frame.loc[complete.to_numpy()]
    n_dropped = int(len(frame) - len(data))
    if len(data) == 0:
        raise ModelError("no row has complete data for the Cox model")
    try:
        time, ev = check_survival(data[duration].to_numpy(), data[event].to_numpy())
        start = None if entry is None else check_time(data[entry].to_numpy(), name=entry)
    except ValueError as exc:
        raise InputError(str(exc)) from None
    if start is not None and np.any(start >= time):
        i = int(np.flatnonzero(start >= time)[0])
        raise InputError(f"{entry} must be below {duration}; row {i} has {float(start[i])} and {float(time[i])}")
    if timefix:
        if start is None:
            (time,) = timefix_times(time)
        else:
            start, time = timefix_times(start, time)
    design = design_matrix(data, covariates, levels)
    if strata_cols:
        keys = data[strata_cols].astype(str).agg("\x1f".join, axis=1).to_numpy()
        stratum = np.unique(keys, return_inverse=True)[1].astype(np.int64).reshape(-1)
    else:
        stratum = np.zeros(len(data), dtype=np.int64)
    n_events = int(ev.sum())
    if n_events == 0:
        raise ModelError("there are no events: the Cox model cannot be fitted")
    aliased = check_identifiable(design.x, stratum, design.names)
    kept = np.array([j for j in range(len(design.names)) if j not in aliased], dtype=np.int64)
    notes: list[str] = []
    if aliased:
        names_al = ", ".join(design.names[j] for j in aliased)
        notes.append(
            f"{names_al}: a linear combination of the other covariates (aliased); not estimated "
            "(NA, as R coxph), the other coefficients are fitted without it"
        )
        warnings.warn(notes[-1], StatisticalWarning, stacklevel=2)
    full_names = design.names
    full_terms = {k: tuple(design.names[i] for i in v) for k, v in design.terms.items()}
    design = Design(design.x[:, kept], tuple(design.names[j] for j in kept), _remap_terms(design.terms, kept))
    p = len(design.names)
    if firth not in (True, False, "auto"):
        raise InputError(f"firth must be True, False or 'auto', got {firth!r}")
    if min_events_per_coef is not None and n_events < min_events_per_coef * p:
        raise ModelError(
            f"{n_events} events for {p} coefficient(s): fewer than {min_events_per_coef:g} events per "
            "coefficient (Vittinghoff & McCulloch 2007), too few to estimate the model"
        )
    if n_events < _MIN_EVENTS_PER_COVARIATE * p:
        warnings.warn(
            f"{n_events} events for {p} coefficient(s) (fewer than {_MIN_EVENTS_PER_COVARIATE} per "
            "coefficient): estimates may be biased and unstable",
            StatisticalWarning,
            stacklevel=2,
        )
    x = design.x - design.x.mean(axis=0)  # centring changes nothing but the numerics (as R)
    rs = _risk_sets(time, ev, x, stratum, ties == "efron", start)
    from rtdelay.stats._firth import firth_result, is_monotone

    if firth is True and start is not None:
        raise InputError("firth=True is not available with entry (left-truncation) times")
    monotone = False
    if firth is not True:
        try:
            beta, fit, null, iterations = _newton(rs)
            var = np.asarray(np.linalg.inv(fit.info), dtype=np.float64)
            monotone = is_monotone(beta, fit.score, var)
        except ModelError:
            if firth != "auto" or start is not None:
                raise
            monotone = True
    if start is None and (firth is True or (monotone and firth == "auto")):
        extra = dict(
            n=int(len(data)), n_events=n_events, n_dropped_missing=n_dropped, ties=ties,
            strata=tuple(strata_cols), design=design, monotone=monotone,
        )
        result = firth_result(rs, conf_level, **extra)  # type: ignore[arg-type]
        if residuals:
            result = dataclasses.replace(
                result, _schoenfeld=_schoenfeld_at_fit(result.coef, np.asarray(result.var), rs))
        return result
    var = (var + var.T) / 2.0
    se = np.sqrt(np.diag(var))
    step = np.abs(fit.score @ var)  # R coxph.fit: infs <- abs(coxfit$u %*% var)
    infinite = ~np.isfinite(fit.score) | ((step > _EPS) & (step > np.sqrt(_EPS) * np.abs(beta)))
    if np.any(infinite):
        notes.append(
            "Loglik converged before " + ", ".join(design.names[j] for j in np.flatnonzero(infinite))
            + "; coefficient may be infinite (monotone likelihood, e.g. a group with no events)"
        )
        warnings.warn(notes[-1], StatisticalWarning, stacklevel=2)
    q = float(sst.norm.ppf(0.5 + conf_level / 2.0))
    z = beta / se
    score0 = float(null.score @ _solve(null.info, null.score))
    wald = float(beta @ fit.info @ beta)  # b' V^-1 b with V = I^-1
    from rtdelay.stats._cox_zph import concordance

    conc = (
        concordance(rs.time, rs.event, rs.x @ beta, rs.stratum) if start is None else {"concordance": float("nan")}
    )
    with np.errstate(over="ignore"):  # a huge coefficient gives an infinite ratio, as in R
        hr, lo, hi = np.exp(beta), np.exp(beta - q * se), np.exp(beta + q * se)
    n_full = len(full_names)

    def full(v: NDArray[np.float64]) -> NDArray[np.float64]:
        out = np.full(n_full, np.nan)
        out[kept] = v
        return out

    var_full = np.full((n_full, n_full), np.nan)
    var_full[np.ix_(kept, kept)] = var
    return CoxResult(
        names=full_names,
        coef=full(beta),
        se=full(se),
        hazard_ratio=full(hr),
        ci_lower=full(lo),
        ci_upper=full(hi),
        z=full(z),
        p_value=full(2.0 * sst.norm.sf(np.abs(z))),
        conf_level=conf_level,
        concordance=conc["concordance"],
        log_likelihood=fit.loglik,
        log_likelihood_null=null.loglik,
        lr_test=_chi2(2.0 * (fit.loglik - null.loglik), p),
        score_test=_chi2(score0, p),
        wald_test=_chi2(wald, p),
        n=int(len(data)),
        n_events=n_events,
        n_dropped_missing=n_dropped,
        ties=ties,
        strata=tuple(strata_cols),
        iterations=iterations,
        var=var_full,
        terms=full_terms,
        notes=tuple(notes),
        _ph=_ph_at_fit(beta, rs, design.terms, ties),
        _term_index=design.terms,
        _kept=tuple(int(j) for j in kept),
        _schoenfeld=_schoenfeld_at_fit(beta, var, rs) if residuals else None,
        monotone=monotone,
    )

