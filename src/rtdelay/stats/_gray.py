"""Gray's K-sample test comparing cumulative incidence functions (rho = 0), as ``cmprsk``.

Notation (one group :math:`r = 1..K`, distinct failure times :math:`t_j`): :math:`Y_r` at risk,
:math:`d_{1r}, d_{2r}` failures from the cause of interest and from any competing cause,
:math:`\\hat S_r` the group's all-cause Kaplan-Meier, :math:`\\hat F_{1r}` its Aalen-Johansen
cumulative incidence. Everything is evaluated at :math:`t_j`; a minus sign means "just before".

Score (Gray 1988, eq. 2.1 with weight :math:`K_k = R_k`). The subdistribution risk set is
:math:`R_r = Y_r (1 - \\hat F_{1r}^-) / \\hat S_r^-` (subjects who failed from a competing cause
stay in it, weighted by the censoring distribution), and

.. math:: z_k = \\sum_j \\Big( d_{1k} - \\frac{R_k}{R_\\cdot} d_{1\\cdot} \\Big)
          = O_k - E_k ,

observed minus "expected" failures from the cause of interest in group :math:`k`.

Variance (Gray 1988, section 2: covariance of the martingale representation, with the
null-hypothesis plug-ins). Put :math:`h_r = Y_r / \\hat S_r^-`, :math:`h_\\cdot = \\sum_r h_r`,
the pooled null estimate :math:`d\\hat F_0 = d_{1\\cdot} / h_\\cdot`,
:math:`d\\hat\\Gamma_0 = d\\hat F_0 / (1 - \\hat F_0^-)`, the weights
:math:`D_{kr} = \\delta_{kr} h_k - h_k h_r / h_\\cdot` and the tail sums
:math:`B_{kr}(t_j) = \\sum_{l > j} D_{kr}(t_l)\\, d\\hat\\Gamma_0(t_l)`. Linearising
:math:`\\int D\\, d(\\hat\\Gamma_r - \\Gamma_0)` through the Aalen-Johansen representation of
:math:`\\hat F_{1r}` gives, per group, one term for each cause:

.. math::

    \\hat\\sigma_{kk'} = \\sum_r \\sum_j a_{kr} a_{k'r} \\, v_{1r}
        + b_{kr} b_{k'r} \\, v_{2r}, \\qquad
    a_{kr} = D_{kr} + \\Big(1 - \\frac{1 - \\hat F_0}{\\hat S_r}\\Big) B_{kr}, \\quad
    b_{kr} = \\frac{1 - \\hat F_0}{\\hat S_r} B_{kr},

with :math:`v_{1r} = c_1\\, d\\hat F_0 / h_r` and
:math:`v_{2r} = c_2\\, (\\hat S_r^-)^2 d_{2r} / Y_r^2` (that is :math:`d\\hat F_{2r}/h_r`), where
:math:`c_1 = 1 - (d_{1\\cdot} - 1)/(h_\\cdot \\hat S_r^- - 1)` and
:math:`c_2 = (Y_r - d_{2r})/(Y_r - 1)` are the finite-population corrections for tied failures
that ``cmprsk`` applies (both 1 without ties). In continuous time the coefficient of the
competing cause vanishes when there is no competing cause
(:math:`1 - \\hat F_0 = \\hat S_r`), leaving a log-rank-type variance.

The statistic is :math:`z^T \\hat\\Sigma^{-1} z` over the first :math:`K - 1` groups, referred to
chi-square with :math:`K - 1` degrees of freedom.

The score and the form of the covariance follow Gray's paper (derived here from the
counting-process representation). The discrete plug-in choices (pooled :math:`\\hat F_0` and
:math:`h_r` under the null, :math:`\\hat F_0, \\hat S_r` just after :math:`t_j` in the
coefficients, the two tie corrections) were taken from the description of Gray's estimator in
the independent R implementation of the cifmodeling package (test helper
``gray_reference_slow``), not from cmprsk's Fortran, and confirmed against
``cmprsk::cuminc(...)$Tests`` to rounding error (``tests/reference/competing.R``).

References
----------
Gray RJ. A class of K-sample tests for comparing the cumulative incidence of a competing risk.
Ann Stat 1988;16:1141-54.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.stats import chi2

from rtdelay.errors import InputError
from rtdelay.stats._check import (
    apply_nan_policy,
    check_cause,
    check_group,
    check_same_length,
    check_time,
    from_data,
)
from rtdelay.stats._results import TestResult, not_computed, small_groups

__all__ = ["check_competing", "gray_result", "gray_statistic", "gray_test"]


def check_competing(
    time: ArrayLike, cause: ArrayLike, cause_of_interest: int
) -> tuple[NDArray[np.float64], NDArray[np.int64], int]:
    """Check a competing-risks sample and the cause of interest (a positive integer code)."""
    t = check_time(time)
    c = check_cause(cause)
    check_same_length(time=t, cause=c)
    if t.shape[0] == 0:
        raise InputError("time is empty: at least one observation is needed")
    if isinstance(cause_of_interest, bool) or not isinstance(cause_of_interest, (int, np.integer)):
        raise InputError(f"cause_of_interest must be a positive integer, got {cause_of_interest!r}")
    if cause_of_interest < 1:
        raise InputError(f"cause_of_interest must be a positive integer (0 = censored), got {cause_of_interest}")
    return t, c, int(cause_of_interest)


def _group_tables(
    time: NDArray[np.float64], cause: NDArray[np.int64], codes: NDArray[np.int64], k: int, n_groups: int
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """At-risk, cause-of-interest and competing failure counts, shape (groups, distinct times)."""
    ut, inv = np.unique(time, return_inverse=True)
    m = ut.shape[0]
    cell = codes * m + inv.reshape(-1)
    size = n_groups * m
    leaving = np.bincount(cell, minlength=size).reshape(n_groups, m).astype(np.float64)
    d1 = np.bincount(cell, weights=(cause == k).astype(np.float64), minlength=size).reshape(n_groups, m)
    d2 = np.bincount(cell, weights=((cause != k) & (cause != 0)).astype(np.float64), minlength=size).reshape(
        n_groups, m
    )
    at_risk = leaving[:, ::-1].cumsum(axis=1)[:, ::-1]
    fail = (d1 + d2).sum(axis=0) > 0
    return (
        at_risk[:, fail].astype(np.float64),
        d1[:, fail].astype(np.float64),
        d2[:, fail].astype(np.float64),
    )


def _safe_div(num: NDArray[np.float64], den: NDArray[np.float64], fill: float = 0.0) -> NDArray[np.float64]:
    ok = den != 0.0
    return np.where(ok, num / np.where(ok, den, 1.0), fill)


def gray_statistic(
    y: NDArray[np.float64], d1: NDArray[np.float64], d2: NDArray[np.float64]
) -> dict[str, Any]:
    """Score, covariance and expected counts from per-group tables at the failure times."""
    n_groups = y.shape[0]
    # Group-wise all-cause KM and cumulative incidence, just before and just after each time.
    hazard = _safe_div(d1 + d2, y)
    s_after = np.cumprod(1.0 - hazard, axis=1).astype(np.float64)
    s_before = np.concatenate((np.ones((n_groups, 1)), s_after[:, :-1]), axis=1)
    f1_after = np.cumsum(s_before * _safe_div(d1, y), axis=1)
    f1_before = np.concatenate((np.zeros((n_groups, 1)), f1_after[:, :-1]), axis=1)

    # Score: observed minus expected on the subdistribution risk sets.
    risk = np.where(y > 0, y * (1.0 - f1_before) / np.where(y > 0, s_before, 1.0), 0.0)
    d1_all = d1.sum(axis=0)
    expected = (_safe_div(risk, np.broadcast_to(risk.sum(axis=0), risk.shape)) * d1_all).sum(axis=1)
    observed = d1.sum(axis=1)
    score = observed - expected

    # Null-hypothesis plug-ins.
    h = np.where(y > 0, y / np.where(y > 0, s_before, 1.0), 0.0)
    h_all = h.sum(axis=0)
    df0 = _safe_div(d1_all, h_all)
    f0_after: NDArray[np.float64] = np.cumsum(df0)
    f0_before = np.concatenate(([0.0], f0_after[:-1]))
    dgamma0 = _safe_div(df0, 1.0 - f0_before)
    # D[k, r, j] = delta_kr h_k - h_k h_r / h_.
    eye = np.eye(n_groups)[:, :, None]
    weight = eye * h[:, None, :] - h[:, None, :] * _safe_div(h, np.broadcast_to(h_all, h.shape))[None, :, :]
    incr = weight * dgamma0
    tail = incr[:, :, ::-1].cumsum(axis=2)[:, :, ::-1] - incr  # sum over l > j
    ratio = np.where(s_after > 0, _safe_div(1.0 - f0_after, s_after), 0.0)
    factor1 = np.where(s_after > 0, 1.0 - ratio, 1.0)
    a = weight + factor1[None, :, :] * tail
    b = ratio[None, :, :] * tail

    c1_den = h_all * s_before - 1.0
    c1 = np.where(d1_all > 1, 1.0 - _safe_div(d1_all - 1.0, c1_den), 1.0)
    v1 = np.where(y > 0, c1 * _safe_div(df0 * s_before, y), 0.0)
    c2 = np.where(d2 > 1, _safe_div(y - d2, y - 1.0), 1.0)
    v2 = np.where((d2 > 0) & (s_after > 0), c2 * _safe_div(s_before * s_before * d2, y * y), 0.0)
    cov = np.einsum("arj,brj,rj->ab", a, a, v1) + np.einsum("arj,brj,rj->ab", b, b, v2)
    return {"score": score, "covariance": cov, "observed": observed, "expected": expected}


def gray_test(
    time: ArrayLike,
    cause: ArrayLike,
    group: ArrayLike,
    *,
    cause_of_interest: int = 1,
    strata: ArrayLike | None = None,
    levels: Sequence[Any] | None = None,
    data: Any = None,
    nan_policy: str = "raise",
    min_group_size: int = 2,
) -> TestResult:
    """Gray's (1988) K-sample test of equal cumulative incidence of one cause (rho = 0).

    Equals ``cmprsk::cuminc(time, cause, group)$Tests`` for the cause of interest, and with
    ``strata`` ``cmprsk::cuminc(time, cause, group, strata)$Tests``: the score and its
    covariance are computed within each stratum and summed before forming the statistic.

    Parameters
    ----------
    time : array-like
        Follow-up times (finite, >= 0).
    cause : array-like of int
        0 = censored, positive integers = causes of failure; all causes other than
        ``cause_of_interest`` are pooled as competing.
    group : array-like
        Group labels (at least two distinct), in the order of ``levels`` if given, else of the
        categories of a pandas Categorical, else sorted (as R orders factor levels).
    cause_of_interest : int, default 1
    strata : array-like, optional
        Stratum labels (cmprsk ``strata=``).
    levels : sequence, optional
        The group labels in the order to use (absent levels dropped).
    data : pandas.DataFrame, optional
        With ``data``, ``time``, ``cause``, ``group`` and ``strata`` are column names.
    nan_policy : {"raise", "omit"}
        A missing value is an error naming its index (default), or its row is dropped and
        counted in ``extra["n_omitted"]``.
    min_group_size : int, default 2
        A group with fewer patients makes the test not computed (use 1 for cmprsk's
        behaviour).

    Returns
    -------
    TestResult
        ``statistic`` (chi-square), ``df`` = K - 1, ``p_value``; ``observed``/``expected`` are the
        failures from the cause of interest per group and their expectation on the
        subdistribution risk sets (the score is observed - expected); ``extra`` holds the score
        and covariance of the first K - 1 groups.

    Notes
    -----
    The formulas are in the module docstring. Raises ``ValueError`` for fewer than two groups.
    Data that cannot support the test (a group below ``min_group_size``, no failure from the
    cause of interest, a singular covariance) give a result with NaN p value and a ``note``.

    Examples
    --------
    >>> from rtdelay.stats import gray_test
    >>> res = gray_test([1, 2, 3, 4, 5, 6, 7, 8], [1, 2, 1, 0, 1, 1, 2, 0], ["a", "b"] * 4)
    >>> round(res.statistic, 4), res.df
    (1.9145, 1.0)
    """
    time, cause, group, strata = from_data(data, time=time, cause=cause, group=group, strata=strata)
    (time, cause, group, strata), n_omitted = apply_nan_policy(nan_policy, time, cause, group, strata)
    t, c, k = check_competing(time, cause, cause_of_interest)
    from rtdelay.stats._survtable import encode_groups

    codes_i, labels = encode_groups(group, name="group", levels=levels)
    codes = codes_i.astype(np.int64)
    check_same_length(time=t, cause=c, group=codes)
    n_groups = len(labels)
    if n_groups < 2:
        raise InputError(f"gray_test needs at least two groups; group has {n_groups} distinct value(s)")
    method = f"Gray's test (rho = 0), cause {k}" + (", stratified" if strata is not None else "")
    small = small_groups(labels, np.bincount(codes, minlength=n_groups), min_group_size)
    if small:
        return not_computed(method, small, groups=labels)
    if strata is None:
        parts = [np.arange(t.shape[0])]
    else:
        s_codes, _ = check_group(strata, name="strata")
        check_same_length(time=t, strata=s_codes)
        order = np.argsort(s_codes, kind="stable")
        parts = np.split(order, np.flatnonzero(np.diff(s_codes[order])) + 1)
    if not np.any(c == k):
        return not_computed(method, f"no failure from cause {k}: Gray's test is undefined", groups=labels)
    tables = [_group_tables(t[idx], c[idx], codes[idx], k, n_groups) for idx in parts]
    return gray_result(tables, labels, k, method, n_omitted)


def gray_result(
    tables: Sequence[tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]],
    labels: tuple[Any, ...],
    k: int,
    method: str,
    n_omitted: int = 0,
) -> TestResult:
    """Gray's test from per-stratum tables (at risk, cause-k and competing failures per group,
    at the stratum's failure times): the one computation behind patient rows and count tables."""
    n_groups = len(labels)
    res: dict[str, Any] = {}
    for y, d1, d2 in tables:
        if y.shape[1] == 0:
            continue  # no failure of any cause in this stratum: it adds nothing
        part = gray_statistic(y, d1, d2)
        res = part if not res else {key: res[key] + part[key] for key in part}
    z = res["score"][: n_groups - 1]
    v = res["covariance"][: n_groups - 1, : n_groups - 1]
    if np.linalg.matrix_rank(v) < n_groups - 1:
        return not_computed(method, "the covariance of Gray's score is singular: the test is undefined", groups=labels)
    stat = float(z @ np.linalg.solve(v, z))
    df = n_groups - 1
    return TestResult(
        statistic=stat,
        df=float(df),
        p_value=float(chi2.sf(stat, df)),
        method=method,
        observed=res["observed"],
        expected=res["expected"],
        groups=labels,
        extra={"score": z, "covariance": v, "cause_of_interest": k, "rho": 0.0, "n_omitted": n_omitted},
    )
