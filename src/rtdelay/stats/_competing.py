"""Competing risks: Aalen-Johansen cumulative incidence with cmprsk's variance.

For distinct observed times :math:`t_1 < \\dots < t_m` let :math:`n_j` be the number at risk
(time :math:`\\ge t_j`), :math:`d_{kj}` the failures from the cause of interest, :math:`d_{oj}` the
failures from any other cause and :math:`d_j = d_{kj} + d_{oj}`. With the all-cause Kaplan-Meier
:math:`\\hat S(t_j) = \\prod_{l \\le j} (1 - d_l / n_l)`, the Aalen-Johansen estimate is

.. math:: \\hat F_k(t) = \\sum_{t_j \\le t} \\hat S(t_{j-1})\\, d_{kj} / n_j .

Variance (as R ``cmprsk::cuminc`` reports it, Aalen 1978). Write
:math:`\\hat F_k` as a function of the discrete hazards :math:`h_{kj} = d_{kj}/n_j` and
:math:`h_{oj} = d_{oj}/n_j`; its partial derivatives are
:math:`\\partial \\hat F_k(t)/\\partial h_{kj} = \\hat S(t_{j-1}) - g_j(t)` and
:math:`\\partial \\hat F_k(t)/\\partial h_{oj} = -g_j(t)` with

.. math:: g_j(t) = \\frac{\\hat F_k(t) - \\hat F_k(t_j)}{1 - d_j / n_j} .

Treating the two hazard estimates as uncorrelated, each with the (n - 1)-corrected binomial
variance :math:`v_{cj} = d_{cj}(n_j - d_{cj}) / \\{n_j^2 (n_j - 1)\\}`, gives

.. math::

    \\widehat{\\mathrm{Var}}\\,\\hat F_k(t) = \\sum_{t_j \\le t}
        \\{\\hat S(t_{j-1}) - g_j(t)\\}^2 v_{kj} + g_j(t)^2 v_{oj} .

This was checked against ``cmprsk::cuminc`` (``tests/reference/competing.R``): it agrees to
rounding error, including tied failures of different causes (where the "Aalen-type" sums
often quoted for cmprsk, with a covariance term between the causes, differ from it) and ties
within a cause. All other causes are pooled into one competing cause. The factor :math:`(n_j - d_{cj})/(n_j - 1)`
is a tie correction and is taken as 1 when :math:`d_{cj} \\le 1` (so a single failure with one
subject at risk contributes :math:`\\hat S(t_{j-1})^2`, as in cmprsk), and :math:`g_j = 0` once
:math:`\\hat S` reaches 0.

Confidence limits are on the log(-log) scale (Pintilie 2006; tidycmprsk):
:math:`\\hat F^{\\exp(\\pm z\\,\\mathrm{SE} / (\\hat F \\log \\hat F))}`, NaN where
:math:`\\hat F \\in \\{0, 1\\}`.

References
----------
Aalen O. Nonparametric estimation of partial transition probabilities in multiple decrement
models. Ann Stat 1978;6:534-45. Gray RJ. cmprsk: Subdistribution Analysis of Competing Risks
(R package). Pintilie M. Competing Risks: A Practical Perspective. Wiley 2006.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, overload

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.stats import norm

from rtdelay.errors import InputError
from rtdelay.stats._check import apply_nan_policy, from_data
from rtdelay.stats._gray import check_competing, gray_test
from rtdelay.stats._results import ResultMixin, fmt

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["CumulativeIncidence", "aalen_johansen_table", "cumulative_incidence", "gray_test", "incidence_result"]


def check_conf_level(conf_level: float) -> float:
    level = float(conf_level)
    if not 0.0 < level < 1.0:
        raise InputError(f"conf_level must be strictly between 0 and 1, got {conf_level!r}")
    return level


@dataclasses.dataclass(frozen=True, eq=False)
class CumulativeIncidence(ResultMixin):
    """Aalen-Johansen cumulative incidence of one cause, with cmprsk's variance.

    Attributes
    ----------
    time : numpy.ndarray
        Distinct observed times (failures of any cause and censorings), sorted.
    estimate : numpy.ndarray
        :math:`\\hat F_k` at each time (right-continuous: includes failures at that time).
    variance : numpy.ndarray
        cmprsk ``cuminc`` variance at each time.
    lower, upper : numpy.ndarray
        log(-log) confidence limits; NaN where the estimate is 0 or 1.
    n_at_risk : numpy.ndarray
        Number with time >= each time.
    cause_of_interest : int
    conf_level : float
    """

    time: NDArray[np.float64]
    estimate: NDArray[np.float64]
    variance: NDArray[np.float64]
    lower: NDArray[np.float64]
    upper: NDArray[np.float64]
    n_at_risk: NDArray[np.int64]
    cause_of_interest: int
    conf_level: float
    n_omitted: int = 0

    def _index(self, times: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.intp], NDArray[np.bool_]]:
        t = np.asarray(times, dtype=np.float64).reshape(-1)
        if np.isnan(t).any():
            raise InputError(f"times has a missing value at index {int(np.flatnonzero(np.isnan(t))[0])}")
        idx = np.searchsorted(self.time, t, side="right") - 1
        beyond = t > self.time[-1]
        return t, idx, beyond

    def _lookup(self, values: NDArray[np.float64], idx: NDArray[np.intp], beyond: NDArray[np.bool_], before: float) -> NDArray[np.float64]:
        out = np.where(idx >= 0, values[np.maximum(idx, 0)], before)
        return np.where(beyond, np.nan, out)

    def __repr__(self) -> str:
        n = int(self.n_at_risk[0]) if self.n_at_risk.size else 0
        last = float(self.estimate[-1]) if self.estimate.size else float("nan")
        return (
            f"CumulativeIncidence(cause {self.cause_of_interest}, n={n}, "
            f"estimate at last time {fmt(self.time[-1] if self.time.size else None)}: {fmt(last)})"
        )

    def summary(self) -> pd.DataFrame:
        """One row: ``cause, n, last_time, estimate, lower, upper`` at the last time."""
        import pandas as pd

        return pd.DataFrame(
            [
                {
                    "cause": self.cause_of_interest,
                    "n": int(self.n_at_risk[0]) if self.n_at_risk.size else 0,
                    "last_time": self.time[-1],
                    "estimate": self.estimate[-1],
                    "lower": self.lower[-1],
                    "upper": self.upper[-1],
                }
            ]
        )

    def at(self, times: ArrayLike, *, extend: bool = False) -> NDArray[np.float64]:
        """Estimate at ``times``: right-continuous step, 0 before the first time, NaN after the
        last unless ``extend=True`` (the last value carried forward)."""
        _, idx, beyond = self._index(times)
        return self._lookup(self.estimate, idx, beyond & (not extend), 0.0)

    def summary_at(self, times: ArrayLike) -> pd.DataFrame:
        """Estimate, variance and limits at ``times`` (as ``cmprsk::timepoints`` for est and var)."""
        import pandas as pd

        t, idx, beyond = self._index(times)
        return pd.DataFrame(
            {
                "time": t,
                "estimate": self._lookup(self.estimate, idx, beyond, 0.0),
                "variance": self._lookup(self.variance, idx, beyond, 0.0),
                "lower": self._lookup(self.lower, idx, beyond, np.nan),
                "upper": self._lookup(self.upper, idx, beyond, np.nan),
            }
        )

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame(
            {
                "time": self.time,
                "n_at_risk": self.n_at_risk,
                "estimate": self.estimate,
                "variance": self.variance,
                "lower": self.lower,
                "upper": self.upper,
            }
        )


def loglog_limits(
    estimate: NDArray[np.float64], variance: NDArray[np.float64], conf_level: float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """log(-log) limits :math:`F^{\\exp(\\pm z \\sqrt{V} / (F \\log F))}`; NaN where F is 0 or 1."""
    z = float(norm.ppf(0.5 + conf_level / 2.0))
    ok = (estimate > 0.0) & (estimate < 1.0)
    f = np.where(ok, estimate, 0.5)
    w = z * np.sqrt(np.maximum(variance, 0.0)) / (f * np.log(f))
    # w < 0 because log f < 0: exp(+w) < 1 gives the upper limit. A huge variance makes
    # exp(-w) overflow to inf and the lower limit f ** inf = 0, its limit (no warning).
    with np.errstate(over="ignore"):
        lower = np.where(ok, f ** np.exp(-w), np.nan)
        upper = np.where(ok, f ** np.exp(w), np.nan)
    return lower, upper


def _binomial_var(d: NDArray[np.float64], n: NDArray[np.float64]) -> NDArray[np.float64]:
    """(d / n^2) (n - d) / (n - 1), the correction factor taken as 1 when d <= 1 (also n = 1)."""
    tie = np.where(d > 1.0, (n - d) / np.where(n > 1.0, n - 1.0, 1.0), 1.0)
    return d / (n * n) * tie


def aalen_johansen(
    time: NDArray[np.float64], cause: NDArray[np.int64], cause_of_interest: int
) -> dict[str, Any]:
    """Aalen-Johansen estimate and cmprsk variance on checked arrays (see module docstring)."""
    ut, inv = np.unique(time, return_inverse=True)
    m = ut.shape[0]
    inv = inv.reshape(-1)
    counts = np.bincount(inv, minlength=m)
    n = (counts[::-1].cumsum()[::-1]).astype(np.float64)
    dk = np.bincount(inv, weights=(cause == cause_of_interest).astype(np.float64), minlength=m).astype(np.float64)
    d = np.bincount(inv, weights=(cause != 0).astype(np.float64), minlength=m).astype(np.float64)
    return aalen_johansen_table(ut, n, dk, d)


def aalen_johansen_table(
    ut: NDArray[np.float64], n: NDArray[np.float64], dk: NDArray[np.float64], d: NDArray[np.float64]
) -> dict[str, Any]:
    """Aalen-Johansen estimate and cmprsk variance of a count table: the one computation.

    ``ut`` distinct times, ``n`` at risk, ``dk`` failures from the cause of interest and ``d``
    failures of any cause at each time (floats holding counts). Patient rows
    (:func:`aalen_johansen`) and count tables build these and call this.
    """
    do = d - dk
    surv = np.cumprod(1.0 - d / n)
    s_prev = np.concatenate(([1.0], surv[:-1]))
    estimate = np.cumsum(s_prev * dk / n)

    vk = _binomial_var(dk, n)
    vo = _binomial_var(do, n)
    # r_j = 1 / (1 - d_j / n_j); where d_j = n_j the curve is flat afterwards, so g_j = 0.
    r = np.where(n > d, n / np.where(n > d, n - d, 1.0), 0.0)
    # Var(t_i) = sum_j S_j^2 vk_j - 2 S_j r_j vk_j (F_i - F_j) + r_j^2 (vk_j + vo_j) (F_i - F_j)^2,
    # expanded in powers of F_i so that every time costs O(1) via cumulative sums.
    a = s_prev * s_prev * vk
    b = s_prev * r * vk
    c = r * r * (vk + vo)
    f = estimate
    variance = (
        np.cumsum(a)
        - 2.0 * (f * np.cumsum(b) - np.cumsum(b * f))
        + (f * f * np.cumsum(c) - 2.0 * f * np.cumsum(c * f) + np.cumsum(c * f * f))
    )
    variance = np.maximum(variance, 0.0)
    variance[estimate == 0.0] = 0.0
    return {"time": ut, "estimate": estimate, "variance": variance, "n_at_risk": n.astype(np.int64)}


@overload
def cumulative_incidence(
    time: ArrayLike,
    cause: ArrayLike,
    *,
    cause_of_interest: int = ...,
    conf_level: float = ...,
    group: None = ...,
    levels: Sequence[Any] | None = ...,
    data: Any = ...,
    nan_policy: str = ...,
) -> CumulativeIncidence: ...


@overload
def cumulative_incidence(
    time: ArrayLike,
    cause: ArrayLike,
    *,
    cause_of_interest: int = ...,
    conf_level: float = ...,
    group: ArrayLike | str,
    levels: Sequence[Any] | None = ...,
    data: Any = ...,
    nan_policy: str = ...,
) -> dict[Any, CumulativeIncidence]: ...


def cumulative_incidence(
    time: ArrayLike,
    cause: ArrayLike,
    *,
    cause_of_interest: int = 1,
    conf_level: float = 0.95,
    group: ArrayLike | str | None = None,
    levels: Sequence[Any] | None = None,
    data: Any = None,
    nan_policy: str = "raise",
) -> CumulativeIncidence | dict[Any, CumulativeIncidence]:
    """Aalen-Johansen cumulative incidence of one cause, as R ``cmprsk::cuminc``.

    Parameters
    ----------
    time : array-like
        Follow-up times (finite, >= 0).
    cause : array-like of int
        0 = censored, positive integers = causes of failure.
    cause_of_interest : int, default 1
        The cause whose cumulative incidence is estimated; all others compete.
    conf_level : float, default 0.95
        Level of the pointwise log(-log) confidence limits.
    group : array-like, optional
        Group labels: one estimate per group, returned as ``{label: CumulativeIncidence}``
        (R ``cmprsk::cuminc(time, cause, group)``; test the groups with :func:`gray_test`).
    levels : sequence, optional
        Order of the group labels (else the categories of a pandas Categorical, else sorted).
    data : pandas.DataFrame, optional
        With ``data``, ``time``, ``cause`` and ``group`` are column names.
    nan_policy : {"raise", "omit"}
        A missing value is an error naming its index (default), or its row is dropped and
        counted in ``n_omitted``.

    Returns
    -------
    CumulativeIncidence, or a dict of them when ``group`` is given
        Estimate and variance at each distinct observed time. Ties are used as they are (no
        jittering), as ``cuminc`` does.

    Examples
    --------
    >>> from rtdelay.stats import cumulative_incidence
    >>> cif = cumulative_incidence([1, 2, 3, 4, 5], [1, 2, 1, 0, 1])
    >>> cif.estimate.round(2).tolist()
    [0.2, 0.2, 0.4, 0.4, 0.8]
    >>> by = cumulative_incidence([1, 2, 3, 4], [1, 2, 1, 0], group=["a", "b", "a", "b"])
    >>> sorted(by)
    ['a', 'b']

    Notes
    -----
    Estimate :math:`\\hat F_k(t) = \\sum_{t_j \\le t} \\hat S(t_{j-1}) d_{kj}/n_j`
    (Aalen & Johansen 1978); variance and limits as described in the module docstring.
    """
    time, cause, group = from_data(data, time=time, cause=cause, group=group)
    (time, cause, group), n_omitted = apply_nan_policy(nan_policy, time, cause, group)
    t, c, k = check_competing(time, cause, cause_of_interest)
    level = check_conf_level(conf_level)
    if group is not None:
        from rtdelay.stats._check import check_same_length
        from rtdelay.stats._survtable import encode_groups

        codes, labels = encode_groups(group, name="group", levels=levels)
        check_same_length(time=t, group=codes)
        return {
            lab: dataclasses.replace(
                cumulative_incidence(t[codes == i], c[codes == i], cause_of_interest=k, conf_level=level),
                n_omitted=n_omitted,
            )
            for i, lab in enumerate(labels)
        }
    return incidence_result(aalen_johansen(t, c, k), k, level, n_omitted)


def incidence_result(fit: dict[str, Any], cause_of_interest: int, level: float, n_omitted: int = 0) -> CumulativeIncidence:
    """The result of :func:`aalen_johansen_table`'s estimate, with log(-log) limits."""
    lower, upper = loglog_limits(fit["estimate"], fit["variance"], level)
    return CumulativeIncidence(
        time=fit["time"],
        estimate=fit["estimate"],
        variance=fit["variance"],
        lower=lower,
        upper=upper,
        n_at_risk=fit["n_at_risk"],
        cause_of_interest=cause_of_interest,
        conf_level=level,
        n_omitted=n_omitted,
    )
