"""Current-status data: isotonic NPMLE of the distribution function and a bootstrap band.

Each subject is looked at once, at time :math:`C_i`, and we see only
:math:`\\delta_i = 1\\{T_i \\le C_i\\}` (in rtdelay: the pre-radiotherapy MRI shows progression or
not). With distinct look times :math:`c_{(1)} < \\dots < c_{(m)}`, :math:`w_j` subjects looked at
:math:`c_{(j)}` and :math:`s_j` of them positive, the log-likelihood
:math:`\\sum_j s_j \\log F(c_{(j)}) + (w_j - s_j) \\log(1 - F(c_{(j)}))` is maximised over
non-decreasing :math:`F` by the weighted isotonic regression of :math:`s_j / w_j` with weights
:math:`w_j` (Ayer et al. 1955), computed by the pool-adjacent-violators algorithm:

.. math:: \\hat F(c_{(j)}) = \\max_{a \\le j} \\min_{b \\ge j}
          \\frac{\\sum_{l=a}^{b} s_l}{\\sum_{l=a}^{b} w_l} ,

the left derivative of the greatest convex minorant of the cumulative-sum diagram
:math:`(\\sum w, \\sum s)`. Tied look times are pooled first (weights = number looked at).

Convention: the NPMLE is identified only at the look times. :meth:`StepFunction.at` returns the
value at the last look time :math:`\\le t` (right-continuous step), 0 before the first look time
(where the NPMLE puts no mass; the true :math:`F` there is not identified) and NaN after the
last look time.

Inference. :math:`\\hat F(t)` converges at rate :math:`n^{1/3}` to a scaled Chernoff
distribution (Groeneboom & Wellner 1992), not at :math:`n^{1/2}` to a normal, and the plain
nonparametric bootstrap is inconsistent for it pointwise (Abrevaya & Huang 2005; Sen, Banerjee
& Woodroofe 2010). The percentile band of :func:`current_status_ci` is therefore descriptive. The
m-out-of-n bootstrap (``m`` well below ``n``, e.g. of order :math:`n^{2/3}`) is consistent
(Lee & Pun 2006) once its spread is rescaled by :math:`(m/n)^{1/3}`; it is offered through ``m``.
The likelihood-ratio intervals of Banerjee & Wellner (2001),
:func:`rtdelay.stats.current_status_lr_ci`, need no tuning and are what rtdelay reports.

References
----------
Ayer M, Brunk HD, Ewing GM, Reid WT, Silverman E. An empirical distribution function for
sampling with incomplete information. Ann Math Stat 1955;26:641-7. Groeneboom P, Wellner JA.
Information Bounds and Nonparametric Maximum Likelihood Estimation. Birkhauser 1992.
Abrevaya J, Huang J. On the bootstrap of the maximum score estimator. Econometrica
2005;73:1175-1204. Sen B, Banerjee M, Woodroofe M. Inconsistency of bootstrap: the Grenander
estimator. Ann Stat 2010;38:1953-77. Lee SMS, Pun MC. On m out of n bootstrapping for
nonstandard M-estimation with nuisance parameters. JASA 2006;101:1185-97.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from rtdelay.errors import InputError
from rtdelay.stats._check import (
    apply_nan_policy,
    check_event,
    check_same_length,
    check_time,
    from_data,
)
from rtdelay.stats._results import ResultMixin, fmt

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["CurrentStatusBand", "StepFunction", "current_status_ci", "current_status_npmle", "pava"]


def pava(y: ArrayLike, w: ArrayLike) -> NDArray[np.float64]:
    """Weighted non-decreasing isotonic regression by pool-adjacent-violators (O(m)), delegated
    to ``scipy.optimize.isotonic_regression`` (the hand-written PAVA on scipy < 1.12).

    Parameters
    ----------
    y : array-like
        Responses in the order of the covariate.
    w : array-like
        Positive weights.

    Returns
    -------
    numpy.ndarray
        Fitted values: within each pooled block the weighted mean of ``y``.
    """
    yy = np.asarray(y, dtype=np.float64).reshape(-1)
    ww = np.asarray(w, dtype=np.float64).reshape(-1)
    return _isotonic(yy, ww)


def _isotonic(y: NDArray[np.float64], w: NDArray[np.float64]) -> NDArray[np.float64]:
    """Weighted non-decreasing isotonic fit of ``y`` with weights ``w`` (all > 0).

    ``scipy.optimize.isotonic_regression`` (scipy >= 1.12) when available, else
    :func:`_pava_sums`; the two agree to rounding (tests/stats/test_current_status.py).
    """
    try:
        from scipy.optimize import isotonic_regression
    except ImportError:  # scipy < 1.12
        return np.asarray(_pava_sums((y * w).tolist(), w.tolist()), dtype=np.float64)
    return np.asarray(isotonic_regression(y, weights=w, increasing=True).x, dtype=np.float64)


def _pava_sums(s: list[float], w: list[float]) -> list[float]:
    """PAVA on block sums: ``s`` weighted responses, ``w`` weights (all > 0).

    Exact block means ``sum(s) / sum(w)``; kept for the likelihood-ratio interval (where the
    constrained and unconstrained fits must agree exactly) and as the fallback of
    :func:`_isotonic` on scipy < 1.12."""
    bs: list[float] = []  # block sums of s
    bw: list[float] = []  # block sums of w
    bn: list[int] = []  # block lengths
    for sj, wj in zip(s, w, strict=True):
        cs, cw, cn = sj, wj, 1
        # merge while the previous block mean exceeds the current one (cross-multiplied)
        while bs and bs[-1] * cw > cs * bw[-1]:
            cs += bs.pop()
            cw += bw.pop()
            cn += bn.pop()
        bs.append(cs)
        bw.append(cw)
        bn.append(cn)
    out: list[float] = []
    for cs, cw, cn in zip(bs, bw, bn, strict=True):
        out.extend([cs / cw] * cn)
    return out


def _check_current_status(
    inspection_time: ArrayLike, progressed: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    t = check_time(inspection_time, name="inspection_time")
    e = check_event(progressed, name="progressed")
    check_same_length(inspection_time=t, progressed=e)
    if t.shape[0] == 0:
        raise InputError("inspection_time is empty: at least one observation is needed")
    return t, e


@dataclasses.dataclass(frozen=True, eq=False)
class StepFunction(ResultMixin):
    """NPMLE of :math:`F(t) = P(T \\le t)` from current-status data, at the distinct look times.

    Attributes
    ----------
    time : numpy.ndarray
        Distinct look times, sorted.
    cdf : numpy.ndarray
        :math:`\\hat F` at each look time (non-decreasing, in [0, 1]).
    n_looks, n_positive : numpy.ndarray
        Subjects looked at, and positive, at each look time.
    """

    time: NDArray[np.float64]
    cdf: NDArray[np.float64]
    n_looks: NDArray[np.int64]
    n_positive: NDArray[np.int64]
    n_omitted: int = 0

    def __repr__(self) -> str:
        return (
            f"StepFunction(current-status NPMLE: n={int(self.n_looks.sum())}, positive="
            f"{int(self.n_positive.sum())}, {self.time.size} look times, F at last look={fmt(self.cdf[-1])})"
        )

    def at(self, times: ArrayLike, *, extend: bool = False) -> NDArray[np.float64]:
        """Value at the last look time <= t; 0 before the first look, NaN after the last unless
        ``extend=True`` (the last value carried forward)."""
        t = np.asarray(times, dtype=np.float64).reshape(-1)
        idx = np.searchsorted(self.time, t, side="right") - 1
        out = np.where(idx >= 0, self.cdf[np.maximum(idx, 0)], 0.0)
        return np.where(((t > self.time[-1]) & (not extend)) | np.isnan(t), np.nan, out)

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame(
            {"time": self.time, "n_looks": self.n_looks, "n_positive": self.n_positive, "cdf": self.cdf}
        )


@dataclasses.dataclass(frozen=True, eq=False)
class CurrentStatusBand(ResultMixin):
    """Pointwise bootstrap percentile band for the current-status NPMLE (descriptive).

    Attributes
    ----------
    time : numpy.ndarray
        Times at which the NPMLE and the band are evaluated.
    cdf : numpy.ndarray
        NPMLE of the full sample at ``time`` (see :meth:`StepFunction.at`).
    lower, upper : numpy.ndarray
        Percentile limits over the bootstrap replicates.
    n_boot, seed : int
    conf_level : float
    m : int
        Bootstrap sample size (n for the ordinary bootstrap).
    n_used : numpy.ndarray
        Replicates in which each time was identified (see :func:`current_status_ci`).
    n_omitted : int
        Rows dropped for a missing value (``nan_policy="omit"``).
    """

    time: NDArray[np.float64]
    cdf: NDArray[np.float64]
    lower: NDArray[np.float64]
    upper: NDArray[np.float64]
    n_boot: int
    seed: int
    conf_level: float
    m: int
    n_used: NDArray[np.int64]
    n_omitted: int = 0

    def __repr__(self) -> str:
        return (
            f"CurrentStatusBand({self.time.size} times, {100 * self.conf_level:g}% percentile band, "
            f"n_boot={self.n_boot}, seed={self.seed})"
        )

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame({"time": self.time, "cdf": self.cdf, "lower": self.lower, "upper": self.upper})


def current_status_npmle(
    inspection_time: ArrayLike | str,
    progressed: ArrayLike | str,
    *,
    data: Any = None,
    nan_policy: str = "raise",
) -> StepFunction:
    """Isotonic NPMLE of the distribution function from current-status data.

    Parameters
    ----------
    inspection_time : array-like
        The one look time per subject (finite, >= 0), in any order.
    progressed : array-like of 0/1
        Whether the event had happened by the look (1 = positive).
    data : pandas.DataFrame, optional
        With ``data``, ``inspection_time`` and ``progressed`` are column names.
    nan_policy : {"raise", "omit"}
        A missing value is an error naming its index (default), or its row is dropped and
        counted in ``n_omitted``.

    Returns
    -------
    StepFunction
        :math:`\\hat F` at the distinct look times: the weighted PAVA fit of :math:`s_j / w_j` with
        weights :math:`w_j` (see the module docstring for the formula and the evaluation
        convention).

    Examples
    --------
    >>> from rtdelay.stats import current_status_npmle
    >>> current_status_npmle([1, 2, 3, 4, 5], [0, 1, 0, 1, 1]).cdf.tolist()
    [0.0, 0.5, 0.5, 1.0, 1.0]
    """
    inspection_time, progressed = from_data(data, inspection_time=inspection_time, progressed=progressed)
    (inspection_time, progressed), n_omitted = apply_nan_policy(nan_policy, inspection_time, progressed)
    t, e = _check_current_status(inspection_time, progressed)
    ut, inv = np.unique(t, return_inverse=True)
    inv = inv.reshape(-1)
    w = np.bincount(inv, minlength=ut.shape[0])
    s = np.bincount(inv, weights=e.astype(np.float64), minlength=ut.shape[0])
    cdf = pava(s / w, w.astype(np.float64))
    return StepFunction(
        time=ut, cdf=cdf, n_looks=w.astype(np.int64), n_positive=s.astype(np.int64), n_omitted=n_omitted
    )


def _replicates(
    inv: NDArray[np.intp], e: NDArray[np.bool_], m_look: int, size: int, n_boot: int, seed: int
) -> Iterator[tuple[NDArray[np.float64], NDArray[np.float64]]]:
    """Counts looked at / positive at each distinct look time, one replicate at a time.

    Resampling ``size`` subjects with replacement is a multinomial draw over the distinct
    (look time, status) cells. Draws are made in chunks of ``_CHUNK`` replicates, so memory is
    O(_CHUNK x number of look times) whatever ``n_boot`` and never replicates x patients.
    """
    rng = np.random.default_rng(seed)
    n = inv.shape[0]
    key = inv.astype(np.int64) * 2 + e.astype(np.int64)
    cells, counts = np.unique(key, return_counts=True)
    look, positive = cells // 2, (cells % 2).astype(bool)
    first_of_look = np.flatnonzero(np.r_[True, look[1:] != look[:-1]])  # cells sorted by look
    looks_present = look[first_of_look]
    p = counts / n
    done = 0
    while done < n_boot:
        k = min(_CHUNK, n_boot - done)
        draw = rng.multinomial(size, p, size=k).astype(np.float64)  # (k, cells)
        w = np.zeros((k, m_look))
        s = np.zeros((k, m_look))
        w[:, looks_present] = np.add.reduceat(draw, first_of_look, axis=1)
        s[:, look[positive]] = draw[:, positive]  # at most one positive cell per look time
        for b in range(k):
            yield w[b], s[b]
        done += k


_CHUNK = 256


def current_status_ci(
    inspection_time: ArrayLike | str,
    progressed: ArrayLike | str,
    *,
    times: ArrayLike | None = None,
    n_boot: int = 2000,
    conf_level: float = 0.95,
    seed: int = 0,
    m: int | None = None,
    data: Any = None,
    nan_policy: str = "raise",
) -> CurrentStatusBand:
    """Nonparametric bootstrap percentile band for the current-status NPMLE.

    Subjects are resampled with replacement (``numpy.random.default_rng(seed)``), the NPMLE is
    refitted on each replicate and evaluated at ``times``; the band is the
    ``(1 - conf_level)/2`` and ``(1 + conf_level)/2`` quantiles (linear interpolation, as R
    ``quantile`` type 7). Deterministic for a given seed.

    Parameters
    ----------
    inspection_time, progressed : array-like
        As in :func:`current_status_npmle`.
    times : array-like, optional
        Evaluation times; default the distinct look times. Times after the last look time are
        not allowed (the NPMLE is not identified there).
    n_boot : int, default 2000
    conf_level : float, default 0.95
    seed : int, default 0
    m : int, optional
        Bootstrap sample size; default n (ordinary bootstrap: percentile limits). A value below
        n gives the m-out-of-n bootstrap with the limits rescaled to sample size n:
        ``F_hat - (m/n)^(1/3) (q_upper - F_hat)`` and ``F_hat - (m/n)^(1/3) (q_lower - F_hat)``
        (clipped to [0, 1]), with ``q`` the quantiles of the replicates (Lee & Pun 2006).
    data : pandas.DataFrame, optional
        With ``data``, ``inspection_time`` and ``progressed`` are column names.
    nan_policy : {"raise", "omit"}
        As in :func:`current_status_npmle` (omitted rows counted in ``n_omitted``).

    Returns
    -------
    CurrentStatusBand

    Notes
    -----
    Within a replicate a time is evaluated at the replicate's last look time at or before it. A
    replicate that has no look time at or before it, or none at or after it, does not identify
    the NPMLE there and is left out of that time's quantiles (``n_used`` counts the replicates
    used). Times before the data's first look time are 0 by the convention of
    :meth:`StepFunction.at`. The plain bootstrap is inconsistent for this
    :math:`n^{1/3}`-rate estimator (see the module docstring): read the band as descriptive.

    Examples
    --------
    >>> from rtdelay.stats import current_status_ci
    >>> band = current_status_ci([1, 2, 3, 4, 5, 6], [0, 1, 0, 1, 1, 1], n_boot=50, seed=1)
    >>> list(band.to_frame().columns)
    ['time', 'cdf', 'lower', 'upper']
    """
    inspection_time, progressed = from_data(data, inspection_time=inspection_time, progressed=progressed)
    (inspection_time, progressed), n_omitted = apply_nan_policy(nan_policy, inspection_time, progressed)
    t, e = _check_current_status(inspection_time, progressed)
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 1:
        raise InputError(f"n_boot must be a positive integer, got {n_boot!r}")
    level = float(conf_level)
    if not 0.0 < level < 1.0:
        raise InputError(f"conf_level must be strictly between 0 and 1, got {conf_level!r}")
    n = t.shape[0]
    size = n if m is None else m
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or not 1 <= size <= n:
        raise InputError(f"m must be an integer between 1 and n = {n}, got {m!r}")
    fit = current_status_npmle(t, e)
    if times is None:
        at = fit.time.copy()
    else:
        at = check_time(times, name="times")
        late = at > fit.time[-1]
        if late.any():
            i = int(np.flatnonzero(late)[0])
            raise InputError(
                f"times has a value after the last look time ({fit.time[-1]!r}) at index {i} ({at[i]!r})"
            )
    ut, inv = np.unique(t, return_inverse=True)
    m_look = ut.shape[0]
    reps = _replicates(inv.reshape(-1).astype(np.intp), e, m_look, int(size), int(n_boot), seed)
    col = np.searchsorted(ut, at, side="right") - 1  # index of the last look <= time
    boot = np.empty((int(n_boot), at.shape[0]), dtype=np.float64)
    for b, (wb, sb) in enumerate(reps):
        present = np.flatnonzero(wb > 0)
        wp = wb[present]
        vals = _isotonic(sb[present] / wp, wp)
        pos = np.searchsorted(present, col, side="right") - 1  # last replicate look <= time
        identified = (pos >= 0) & (at <= ut[present[-1]])
        boot[b] = np.where(identified, vals[np.maximum(pos, 0)], np.nan)
    boot[:, col < 0] = 0.0  # before the first look time of the data: 0 by convention
    n_used = np.sum(~np.isnan(boot), axis=0)
    alpha = 1.0 - level
    lower = np.full(at.shape[0], np.nan)
    upper = np.full(at.shape[0], np.nan)
    some = n_used > 0
    if some.any():
        q = np.nanquantile(boot[:, some], [alpha / 2.0, 1.0 - alpha / 2.0], axis=0)
        lower[some], upper[some] = q[0], q[1]
    cdf = fit.at(at)
    if size < n:  # m-out-of-n: rescale the spread from sample size m to n
        r = (size / n) ** (1.0 / 3.0)
        lower, upper = np.clip(cdf - r * (upper - cdf), 0.0, 1.0), np.clip(cdf - r * (lower - cdf), 0.0, 1.0)
    return CurrentStatusBand(
        time=at,
        cdf=cdf,
        lower=lower,
        upper=upper,
        n_boot=int(n_boot),
        seed=int(seed),
        conf_level=level,
        m=int(size),
        n_used=n_used.astype(np.int64),
        n_omitted=n_omitted,
    )
