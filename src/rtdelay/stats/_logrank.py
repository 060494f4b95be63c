"""Weighted k-sample log-rank tests, as R ``survival::survdiff``, with trend and pairwise tests.

At each distinct event time :math:`t_j` (within a stratum) with :math:`n_j` at risk,
:math:`d_j` events, and :math:`n_{gj}`, :math:`d_{gj}` in group :math:`g`, a weight
:math:`w_j` gives

.. math::

    U_g = \\sum_j w_j \\Big(d_{gj} - d_j \\frac{n_{gj}}{n_j}\\Big), \\qquad
    V_{gh} = \\sum_j w_j^2 \\frac{d_j (n_j - d_j)}{n_j^2 (n_j - 1)}
             \\big(n_j n_{gj} \\delta_{gh} - n_{gj} n_{hj}\\big)

(hypergeometric variance; Mantel 1966, Peto & Peto 1972). :math:`U` and :math:`V` are summed
over strata and :math:`\\chi^2 = U' V^- U` on :math:`k - 1` df, where, as ``survdiff``, groups
with zero (weighted) expected count are dropped and so is the first remaining group before
solving. Weights (``weighting``):

* ``"logrank"``: :math:`w_j = 1` (Mantel-Cox, R ``survdiff(rho = 0)``);
* ``"breslow"``: :math:`w_j = n_j` (Gehan 1965 / Breslow 1970 generalised Wilcoxon, as SPSS);
* ``"tarone-ware"``: :math:`w_j = \\sqrt{n_j}` (Tarone & Ware 1977);
* ``"fleming-harrington"``: :math:`w_j = \\hat S(t_j-)^p (1 - \\hat S(t_j-))^q` with
  :math:`\\hat S` the pooled Kaplan-Meier curve of the stratum just before :math:`t_j`
  (Fleming & Harrington 1991; :math:`p = \\rho, q = 0` is R ``survdiff(rho = rho)``).

The test for trend (``logrank_trend_test``) uses scores :math:`c`:
:math:`(c'U)^2 / (c'Vc)` on 1 df (Collett, Modelling Survival Data, 3rd ed., sec. 2.6.4).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from rtdelay.errors import InputError
from rtdelay.stats._logrank_sums import (
    WEIGHTINGS,
    Sums,
    check_weighting,
    chisq,
    method_name,
    p_chisq,
    prepare,
    sum_parts,
    sums,
    table_sums,
)
from rtdelay.stats._results import TestResult, not_computed, small_groups

__all__ = [
    "WEIGHTINGS",
    "check_weighting",
    "logrank_result",
    "logrank_test",
    "logrank_trend_test",
    "method_name",
    "sum_parts",
    "table_sums",
]


def logrank_test(
    time: ArrayLike,
    event: ArrayLike,
    group: ArrayLike,
    *,
    strata: ArrayLike | None = None,
    weighting: str = "logrank",
    p: float = 0.0,
    q: float = 0.0,
    levels: Sequence[Any] | None = None,
    timefix: bool = True,
    data: Any = None,
    nan_policy: str = "raise",
    min_group_size: int = 2,
) -> TestResult:
    """k-sample (weighted, optionally stratified) log-rank test, as R ``survdiff``.

    Parameters
    ----------
    time, event : array-like
        Follow-up times (finite, >= 0) and 0/1 event indicators.
    group : array-like
        Group labels (at least two distinct). Their order (of ``observed``, ``expected`` and
        ``groups``) is ``levels`` if given, else the categories of a pandas Categorical, else
        the sorted labels, as R orders factor levels.
    strata : array-like, optional
        Stratum labels: the stratified test (R ``survdiff(Surv(t, e) ~ g + strata(s))``).
    weighting : {"logrank", "breslow", "tarone-ware", "fleming-harrington"}
    p, q : float
        Fleming-Harrington exponents (only with ``weighting="fleming-harrington"``).
    levels : sequence, optional
        The group labels in the order to use (R ``factor(levels = )``); levels absent from the
        data are dropped, a label not among them is an error.
    timefix : bool, default True
        Merge times equal up to floating-point noise, as R's default ``timefix = TRUE``
        (``aeqSurv``, :mod:`rtdelay.stats._timefix`); ``False`` compares times exactly.
    data : pandas.DataFrame, optional
        With ``data``, ``time``, ``event``, ``group`` and ``strata`` are column names.
    nan_policy : {"raise", "omit"}
        A missing value is an error naming its index (default), or its row is dropped and
        counted in ``extra["n_omitted"]``.
    min_group_size : int, default 2
        A group with fewer patients makes the test not computed (``note`` says which); use 1
        for R's behaviour.

    Returns
    -------
    TestResult
        ``statistic`` (chi-square), ``df``, ``p_value``; ``observed`` and ``expected`` are the
        unweighted event counts O and E per group (as ``survdiff`` prints for the log-rank
        test); ``extra`` holds ``weighted_observed`` and ``weighted_expected`` (``survdiff``'s
        ``obs``/``exp`` when weights are not 1), ``variance`` (the k x k matrix V), ``n`` per
        group and ``weighting``. Without any event the test is undefined: statistic 0, df 0,
        p NaN (R ``survdiff`` reports chi-square 0 on -1 df and p NA) and a ``note``.

    Raises
    ------
    ValueError
        Fewer than two groups, a bad option, or bad input (naming the first bad index).

    Examples
    --------
    >>> from rtdelay.stats import logrank_test
    >>> res = logrank_test([1, 2, 3, 4, 5, 6], [1, 1, 1, 1, 0, 1], ["a", "b"] * 3)
    >>> round(res.statistic, 4), res.df, res.groups
    (0.0739, 1.0, ('a', 'b'))
    """
    check_weighting(weighting, p, q)
    t, e, codes, labels, s_codes, n_omitted = prepare(
        time, event, group, strata, levels, data, nan_policy
    )
    small = small_groups(labels, np.bincount(codes, minlength=len(labels)), min_group_size)
    if small:
        return not_computed(method_name(weighting, p, q, s_codes is not None), small, groups=labels)
    s = sums(t, e, codes, len(labels), s_codes, weighting, float(p), float(q), timefix)
    return logrank_result(
        s,
        labels,
        weighting,
        p,
        q,
        stratified=s_codes is not None,
        n_omitted=n_omitted,
        any_event=bool(e.any()),
    )


def logrank_result(
    s: Sums,
    labels: tuple[Any, ...],
    weighting: str,
    p: float,
    q: float,
    *,
    stratified: bool,
    n_omitted: int,
    any_event: bool,
) -> TestResult:
    """The test result of summed U and V (shared by patient rows and count tables)."""
    stat, df = chisq(s.u, s.v, s.exp_w)
    return TestResult(
        statistic=stat,
        df=float(df),
        p_value=p_chisq(stat, df),
        method=method_name(weighting, p, q, stratified),
        observed=s.obs,
        expected=s.exp,
        groups=labels,
        extra={
            "weighting": weighting,
            "p": float(p),
            "q": float(q),
            "n": s.n,
            "weighted_observed": s.obs_w,
            "weighted_expected": s.exp_w,
            "variance": s.v,
            "stratified": stratified,
            "n_omitted": n_omitted,
        },
        note="" if any_event else "no events: the test is undefined",
    )


def _scores_for(
    labels: tuple[Any, ...], scores: Sequence[float] | Mapping[Any, float] | None
) -> NDArray[np.float64]:
    k = len(labels)
    if scores is None:
        return np.arange(1.0, k + 1.0)
    if isinstance(scores, Mapping):
        missing = [lab for lab in labels if lab not in scores]
        if missing:
            raise InputError(f"scores has no value for group {missing[0]!r}")
        c = np.array([float(scores[lab]) for lab in labels])
    else:
        c = np.asarray(scores, dtype=np.float64).reshape(-1)
        if c.size != k:
            raise InputError(
                f"scores must have one value per group ({k}, in level order); got {c.size}"
            )
    if not np.all(np.isfinite(c)):
        raise InputError("scores must be finite numbers")
    return c


def logrank_trend_test(
    time: ArrayLike,
    event: ArrayLike,
    group: ArrayLike,
    *,
    scores: Sequence[float] | Mapping[Any, float] | None = None,
    strata: ArrayLike | None = None,
    weighting: str = "logrank",
    p: float = 0.0,
    q: float = 0.0,
    levels: Sequence[Any] | None = None,
    timefix: bool = True,
    data: Any = None,
    nan_policy: str = "raise",
    min_group_size: int = 2,
) -> TestResult:
    """Log-rank test for trend over ordered groups: :math:`(c'U)^2 / (c'Vc)` on 1 df.

    Parameters
    ----------
    scores : sequence or mapping, optional
        One score per group in level order (``levels``, else the categories of a pandas
        Categorical, else sorted labels) or a mapping label -> score; default 1, 2, ..., k. ``U`` and ``V`` are those of :func:`logrank_test` (same ``strata``, ``levels``,
        ``timefix`` (R's default merging of near-equal times) and
        ``weighting`` options, and ``min_group_size`` as there); the statistic equals R
        ``fit <- survdiff(...); U <- fit$obs - fit$exp; (sum(c*U))^2 / (c %*% fit$var %*% c)``.

    Returns
    -------
    TestResult
        ``extra`` holds the ``scores`` used and the signed ``z = c'U / sqrt(c'Vc)``.

    Examples
    --------
    >>> from rtdelay.stats import logrank_trend_test
    >>> res = logrank_trend_test([1, 2, 3, 4, 5, 6], [1, 1, 1, 1, 0, 1], [1, 2, 3] * 2)
    >>> round(res.statistic, 4)
    0.8147
    """
    check_weighting(weighting, p, q)
    t, e, codes, labels, s_codes, n_omitted = prepare(
        time, event, group, strata, levels, data, nan_policy
    )
    c = _scores_for(labels, scores)
    method = "test for trend, " + method_name(weighting, p, q, s_codes is not None)
    small = small_groups(labels, np.bincount(codes, minlength=len(labels)), min_group_size)
    if small:
        return not_computed(method, small, groups=labels)
    s = sums(t, e, codes, len(labels), s_codes, weighting, float(p), float(q), timefix)
    num = float(c @ s.u)
    den = float(c @ s.v @ c)
    if den > 0:
        stat, z, pval = num * num / den, float(num / np.sqrt(den)), p_chisq(num * num / den, 1)
    else:
        stat, z, pval = 0.0, float("nan"), float("nan")
    return TestResult(
        statistic=stat,
        df=1.0,
        p_value=pval,
        method=method,
        observed=s.obs,
        expected=s.exp,
        groups=labels,
        extra={"scores": c, "z": z, "weighting": weighting, "n": s.n, "n_omitted": n_omitted},
        note="" if e.any() else "no events: the test is undefined",
    )
