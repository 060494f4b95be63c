"""Likelihood-ratio confidence intervals for the current-status NPMLE (Banerjee & Wellner 2001).

The NPMLE :math:`\\hat F(t_0)` of current-status data converges at rate :math:`n^{1/3}` to a
non-normal limit and the plain bootstrap is inconsistent for it (see
:mod:`rtdelay.stats._current_status`). The likelihood-ratio statistic for
:math:`H_0: F(t_0) = \\theta`,

.. math:: 2 \\log \\lambda_n(\\theta) = 2 \\{ l(\\hat F) - l(\\hat F^0_\\theta) \\},

with :math:`l(F) = \\sum_j s_j \\log F(c_j) + (w_j - s_j) \\log(1 - F(c_j))` over the distinct look
times, converges under :math:`H_0` to a universal limit :math:`\\mathbb D` that does not depend on
:math:`F`, the look-time distribution or :math:`t_0` (Banerjee & Wellner 2001, Theorem 2.5), so
inverting it needs no nuisance parameter:

.. math:: CI = \\{\\theta : 2 \\log \\lambda_n(\\theta) \\le d_{1-\\alpha}\\},

with :math:`d_{0.95} = 2.28` and :math:`d_{0.90} = 1.61` (quantiles of :math:`\\mathbb D`,
Banerjee & Wellner 2005, Table 1; reproduced by simulation in
``benchmarks/current_status_coverage.py``). The constrained NPMLE splits at :math:`t_0`: on the
look times :math:`\\le t_0` it is the isotonic regression of those data alone truncated from above
at :math:`\\theta`, on the look times :math:`> t_0` the isotonic regression of those truncated from
below at :math:`\\theta` (Banerjee & Wellner 2001, section 2). Both isotonic fits are computed once
per :math:`t_0`; each :math:`\\theta` costs one pass over the look times, and the limits are found
by Brent's method. Memory is O(number of look times).

Boundary. Where :math:`\\hat F(t_0) = 0` (no positive look at or before :math:`t_0`) the few events
near :math:`t_0` are too few for the Brownian limit behind :math:`\\mathbb D`, and the LR upper limit
is too low: in simulation (true :math:`F(t_0) = 0.095`) the 95 % interval covered in 89 % of data
sets at n = 100, every miss an upper limit below the truth. There the upper limit is the larger of the
LR limit and an exact bound that holds at any n by monotonicity alone: conditionally on the look
times, each of the :math:`k` looks nearest after :math:`t_0` is positive with probability
:math:`F(c) \\ge F(t_0)`, so the number positive :math:`x` is stochastically larger than
Binomial(:math:`k, F(t_0)`), and the one-sided Clopper-Pearson limit

.. math:: U = B^{-1}(1 - \\alpha/2;\\ x + 1,\\ k - x)

(beta quantile) is exceeded by :math:`F(t_0)` with probability at most :math:`\\alpha/2`. The window
holds :math:`k = \\lceil n^{2/3} \\rceil` looks (ties at its last look time included): it depends on the
look times only, and :math:`n^{2/3}` balances the binomial spread against the rise of :math:`F` over
the window (both of order :math:`n^{-1/3}`). Symmetrically, where :math:`\\hat F(t_0) = 1` the lower limit
is the smaller of the LR limit and :math:`B^{-1}(\\alpha/2;\\ x,\\ k - x + 1)` from the :math:`k` looks
nearest at or before :math:`t_0`. ``boundary`` flags the times where this applied.

References
----------
Banerjee M, Wellner JA. Likelihood ratio tests for monotone functions. Ann Stat
2001;29:1699-1731. Banerjee M, Wellner JA. Confidence intervals for current status data. Scand J
Stat 2005;32:405-24.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import optimize, special

from rtdelay.stats._check import apply_nan_policy, check_time, from_data
from rtdelay.stats._current_status import _check_current_status, _pava_sums
from rtdelay.stats._results import ResultMixin

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["CurrentStatusInterval", "LR_CRITICAL_VALUES", "current_status_lr_ci", "current_status_lr_statistic"]

#: Quantiles of Banerjee & Wellner's limit distribution D, by confidence level.
LR_CRITICAL_VALUES: dict[float, float] = {0.90: 1.61, 0.95: 2.28}
_EDGE = 1e-12


@dataclasses.dataclass(frozen=True, eq=False)
class CurrentStatusInterval(ResultMixin):
    """Pointwise likelihood-ratio confidence intervals for the current-status NPMLE.

    Attributes
    ----------
    time : numpy.ndarray
        Times at which :math:`F` is estimated.
    cdf : numpy.ndarray
        NPMLE at ``time`` (convention of :meth:`StepFunction.at`).
    lower, upper : numpy.ndarray
        Limits of :math:`\\{\\theta: 2 \\log \\lambda_n(\\theta) \\le d\\}`; NaN after the last look time.
    conf_level : float
    critical_value : float
        The quantile :math:`d` of Banerjee & Wellner's distribution used.
    method : str
    n_omitted : int
        Rows dropped for a missing value (``nan_policy="omit"``).
    boundary : numpy.ndarray of bool
        Times where :math:`\\hat F = 0` or 1 and a limit was widened to the exact monotone binomial
        bound (module docstring); all False when not given.
    """

    time: NDArray[np.float64]
    cdf: NDArray[np.float64]
    lower: NDArray[np.float64]
    upper: NDArray[np.float64]
    conf_level: float
    critical_value: float
    method: str = "likelihood ratio (Banerjee & Wellner 2001)"
    boundary: NDArray[np.bool_] = dataclasses.field(default_factory=lambda: np.zeros(0, dtype=bool))
    n_omitted: int = 0

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame({"time": self.time, "cdf": self.cdf, "lower": self.lower, "upper": self.upper})


def _loglik(s: NDArray[np.float64], w: NDArray[np.float64], f: NDArray[np.float64]) -> float:
    # 0 log 0 = 0; a positive at F = 0 (or a negative at F = 1) gives -inf
    with np.errstate(divide="ignore"):
        return float(np.sum(special.xlogy(s, f) + special.xlogy(w - s, 1.0 - f)))


def _tables(
    inspection_time: ArrayLike, progressed: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], float]:
    """Distinct look times, counts looked at / positive, the NPMLE there and its log-likelihood."""
    t, e = _check_current_status(inspection_time, progressed)
    ut, inv = np.unique(t, return_inverse=True)
    inv = inv.reshape(-1)
    w = np.bincount(inv, minlength=ut.shape[0]).astype(np.float64)
    s = np.asarray(np.bincount(inv, weights=e.astype(np.float64), minlength=ut.shape[0]), dtype=np.float64)
    fitted = np.asarray(_pava_sums(s.tolist(), w.tolist()), dtype=np.float64)
    return ut, w, s, fitted, _loglik(s, w, fitted)


def current_status_lr_statistic(
    inspection_time: ArrayLike, progressed: ArrayLike, *, time: float, value: float
) -> float:
    """The likelihood-ratio statistic :math:`2 \\log \\lambda_n` for :math:`H_0: F(time) = value`.

    Compare it with :data:`LR_CRITICAL_VALUES` (quantiles of Banerjee & Wellner's limit D);
    ``inf`` when the data contradict ``value`` outright (e.g. a positive look before ``time``
    and ``value = 0``).

    Examples
    --------
    >>> look, positive = [1, 2, 3, 4, 5, 6], [0, 0, 1, 0, 1, 1]
    >>> current_status_lr_statistic(look, positive, time=3.5, value=0.5)  # the NPMLE itself
    0.0
    >>> round(current_status_lr_statistic(look, positive, time=3.5, value=0.9), 4)
    2.0433
    """
    ut, w, s, fitted, full = _tables(inspection_time, progressed)
    k = int(np.searchsorted(ut, float(time), side="right"))
    left = np.asarray(_pava_sums(s[:k].tolist(), w[:k].tolist()), dtype=np.float64)
    right = np.asarray(_pava_sums(s[k:].tolist(), w[k:].tolist()), dtype=np.float64)
    f = np.concatenate((np.minimum(left, value), np.maximum(right, value)))
    return max(2.0 * (full - _loglik(s, w, f)), 0.0)


def _interval_at(
    t0: float,
    ut: NDArray[np.float64],
    s: NDArray[np.float64],
    w: NDArray[np.float64],
    fitted: NDArray[np.float64],
    full: float,
    crit: float,
) -> tuple[float, float]:
    k = int(np.searchsorted(ut, t0, side="right"))  # looks 0..k-1 are <= t0
    left = np.asarray(_pava_sums(s[:k].tolist(), w[:k].tolist()), dtype=np.float64)
    right = np.asarray(_pava_sums(s[k:].tolist(), w[k:].tolist()), dtype=np.float64)

    def stat(theta: float) -> float:
        f = np.concatenate((np.minimum(left, theta), np.maximum(right, theta)))
        return 2.0 * (full - _loglik(s, w, f)) - crit

    # the statistic is 0 for theta between the NPMLE at the last look <= t0 and the first > t0
    a = float(fitted[k - 1]) if k > 0 else 0.0
    b = float(fitted[k]) if k < fitted.size else a
    lo_edge, hi_edge = _EDGE, 1.0 - _EDGE
    if a <= lo_edge or stat(lo_edge) <= 0.0:
        lower = 0.0 if stat(0.0) <= 0.0 else lo_edge
    else:
        lower = float(optimize.brentq(stat, lo_edge, a, xtol=1e-12))
    if b >= hi_edge or stat(hi_edge) <= 0.0:
        upper = 1.0 if stat(1.0) <= 0.0 else hi_edge
    else:
        upper = float(optimize.brentq(stat, b, hi_edge, xtol=1e-12))
    return lower, upper


def _window_bound(
    t0: float, ut: NDArray[np.float64], s: NDArray[np.float64], w: NDArray[np.float64], alpha: float, *, after: bool
) -> float:
    """Exact one-sided Clopper-Pearson bound for F(t0) from the ~n^(2/3) looks nearest t0 on one side.

    ``after=True``: upper bound from the looks > t0 (F(c) >= F(t0) there); otherwise the lower bound
    from the looks <= t0 (F(c) <= F(t0)). The window is whole look times, so ties stay together.
    """
    k_target = float(np.ceil(w.sum() ** (2.0 / 3.0)))
    k0 = int(np.searchsorted(ut, t0, side="right"))
    if after:
        ww, ss = w[k0:], s[k0:]
    else:
        ww, ss = w[:k0][::-1], s[:k0][::-1]
    if ww.size == 0:
        return 1.0 if after else 0.0
    j = min(int(np.searchsorted(np.cumsum(ww), k_target)), ww.size - 1)
    k, x = float(ww[: j + 1].sum()), float(ss[: j + 1].sum())
    if after:
        return 1.0 if x >= k else float(special.betaincinv(x + 1.0, k - x, 1.0 - alpha / 2.0))
    return 0.0 if x <= 0 else float(special.betaincinv(x, k - x + 1.0, alpha / 2.0))


def current_status_lr_ci(
    inspection_time: ArrayLike | str,
    progressed: ArrayLike | str,
    *,
    times: ArrayLike | None = None,
    conf_level: float = 0.95,
    data: Any = None,
    nan_policy: str = "raise",
) -> CurrentStatusInterval:
    """Likelihood-ratio confidence intervals for :math:`F(t)` from current-status data.

    Parameters
    ----------
    inspection_time, progressed : array-like
        As in :func:`current_status_npmle`.
    times : array-like, optional
        Times at which to give the interval; default the distinct look times. Times after the
        last look time give NaN limits (the NPMLE is not identified there).
    conf_level : {0.95, 0.90}
        Levels for which the quantile of the limiting distribution is tabulated.
    data : pandas.DataFrame, optional
        With ``data``, ``inspection_time`` and ``progressed`` are column names.
    nan_policy : {"raise", "omit"}
        As in :func:`current_status_npmle` (omitted rows counted in ``n_omitted``).

    Returns
    -------
    CurrentStatusInterval

    Notes
    -----
    The interval inverts the likelihood-ratio test of Banerjee & Wellner (2001); its coverage
    is asymptotically exact at the :math:`n^{1/3}` rate without estimating the density of the
    event or look times (formula in the module docstring). Where the NPMLE is 0 (or 1) at a time,
    the upper (lower) limit is widened to an exact monotone binomial bound valid at any n (module
    docstring; ``boundary`` flags those times). In simulation (n = 50, 100, 300, 200 data sets each,
    true F = 0.095, 0.26, 0.45; ``benchmarks/current_status_coverage.py``) the 95 % interval covered
    the truth in at least 90 % of data sets at every time, where the plain percentile bootstrap did
    not.

    Examples
    --------
    >>> ci = current_status_lr_ci([1, 2, 3, 4, 5, 6], [0, 0, 1, 0, 1, 1], times=[3.5])
    >>> float(ci.cdf[0]), bool(ci.lower[0] < 0.5 < ci.upper[0])
    (0.5, True)
    """
    level = float(conf_level)
    crit = next((v for k, v in LR_CRITICAL_VALUES.items() if abs(k - level) < 1e-9), None)
    if crit is None:
        levels = ", ".join(f"{k:g}" for k in LR_CRITICAL_VALUES)
        raise ValueError(f"conf_level must be one of {levels} for the likelihood-ratio interval, got {conf_level!r}")
    inspection_time, progressed = from_data(data, inspection_time=inspection_time, progressed=progressed)
    (inspection_time, progressed), n_omitted = apply_nan_policy(nan_policy, inspection_time, progressed)
    ut, w, s, fitted, full = _tables(inspection_time, progressed)
    at = ut.copy() if times is None else check_time(times, name="times")
    lower = np.full(at.shape[0], np.nan)
    upper = np.full(at.shape[0], np.nan)
    idx = np.searchsorted(ut, at, side="right") - 1
    cdf = np.where(idx >= 0, fitted[np.maximum(idx, 0)], 0.0)
    cdf = np.where(at > ut[-1], np.nan, cdf)
    boundary = np.zeros(at.shape[0], dtype=bool)
    for i, t0 in enumerate(at.tolist()):
        if t0 <= ut[-1]:
            lower[i], upper[i] = _interval_at(float(t0), ut, s, w, fitted, full, crit)
            if cdf[i] <= 0.0:
                boundary[i] = True
                upper[i] = max(upper[i], _window_bound(float(t0), ut, s, w, 1.0 - level, after=True))
            elif cdf[i] >= 1.0:
                boundary[i] = True
                lower[i] = min(lower[i], _window_bound(float(t0), ut, s, w, 1.0 - level, after=False))
    return CurrentStatusInterval(
        time=at,
        cdf=cdf,
        lower=lower,
        upper=upper,
        conf_level=level,
        critical_value=float(crit),
        boundary=boundary,
        n_omitted=n_omitted,
    )
