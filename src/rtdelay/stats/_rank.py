"""Wilcoxon-Mann-Whitney rank-sum and Wilcoxon signed-rank tests, as SPSS and R report them.

The default ``method="asymptotic"`` is SPSS's "Asymp. Sig. (2-tailed)" and R
``wilcox.test(..., exact = FALSE, correct = FALSE)``: mid-ranks for ties, normal approximation with
the tie-corrected variance and no continuity correction.

Rank sum (Mann & Whitney 1947). With ``N = n_x + n_y`` and ``t_k`` the sizes of the tie groups::

    U_x = R_x - n_x (n_x + 1) / 2,     E[U_x] = n_x n_y / 2
    Var[U_x] = n_x n_y / 12 * ( N + 1 - sum(t_k^3 - t_k) / (N (N - 1)) )

Signed rank (Wilcoxon 1945), on the ``n`` non-zero paired differences ``d = after - before``::

    V = sum of the ranks of |d| with d > 0,   E[V] = n (n + 1) / 4
    Var[V] = n (n + 1) (2n + 1) / 24 - sum(t_k^3 - t_k) / 48

The asymptotic p values are computed by ``scipy.stats.mannwhitneyu(method="asymptotic",
use_continuity=False)`` and ``scipy.stats.wilcoxon(zero_method="wilcox", correction=False,
method="approx")``, which use these formulas; U, V and z are reported from the formulas above.

``method="exact"`` enumerates the permutation distribution of the statistic given the observed
(mid-)ranks by dynamic programming over doubled ranks (integers even with ties), which is the
exact conditional test (R's exact test without ties; ``coin::wilcox_test(distribution = "exact")``
with ties). The two-sided p value is ``P(|T - E T| >= |t - E T|)``.

References
----------
Hollander M, Wolfe DA, Chicken E. Nonparametric Statistical Methods, 3rd ed. Wiley 2014, ch. 3-4.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats as sst

from rtdelay.errors import InputError
from rtdelay.stats._check import NAN_POLICIES, from_data
from rtdelay.stats._results import TestResult, not_computed

__all__ = ["mann_whitney", "wilcoxon_signed_rank"]

_METHODS = ("asymptotic", "exact")
_MAX_EXACT_WORK = 3e8  # cells updated by the dynamic programme; past it use the asymptotic test


def _values(a: ArrayLike, name: str) -> NDArray[np.float64]:
    try:
        arr = np.asarray(a, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{name} must be numeric: {exc}") from None
    return arr


def _nan_check(nan_policy: str, **arrays: NDArray[np.float64]) -> None:
    """``"raise"``: the first missing value is an error naming the array and index."""
    if nan_policy not in NAN_POLICIES:
        raise InputError(f"nan_policy must be 'raise' or 'omit', got {nan_policy!r}")
    if nan_policy == "raise":
        for name, arr in arrays.items():
            bad = np.flatnonzero(np.isnan(arr))
            if bad.size:
                raise InputError(f"{name} is missing at index {int(bad[0])}; pass nan_policy='omit' to drop it")


def _check_method(method: str) -> None:
    if method not in _METHODS:
        raise InputError(f"method must be one of {_METHODS}, got {method!r}")


def _tie_sizes(values: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.unique(values, return_counts=True)[1].astype(np.float64)


def _two_sided(counts: NDArray[np.float64], observed: int, centre2: int) -> float:
    """P(|S - c| >= |s - c|) for integer sums ``S`` whose counts are ``counts[S]``.

    ``centre2 = 2 c`` (the centre may be a half-integer); comparisons are exact on integers.
    """
    s = np.arange(len(counts))
    dist = np.abs(2 * s - centre2)
    p = counts[dist >= abs(2 * observed - centre2)].sum() / counts.sum()
    return float(min(1.0, p))


def _subset_sum_counts(values2: NDArray[np.int64], size: int | None) -> NDArray[np.float64]:
    """Number of subsets (of ``size`` elements, or any size if None) by sum of ``values2``."""
    total = int(values2.sum())
    if size is None:
        g = np.zeros(total + 1)
        g[0] = 1.0
        for v in values2.tolist():
            if v:
                g[v:] = g[v:] + g[:-v].copy()
            else:
                g = 2.0 * g
        return g
    f = np.zeros((size + 1, total + 1))
    f[0, 0] = 1.0
    for i, v in enumerate(values2.tolist()):
        for k in range(min(i + 1, size), 0, -1):
            if v:
                f[k, v:] += f[k - 1, :-v]
            else:
                f[k] += f[k - 1]
    return f[size]


def mann_whitney(
    x: ArrayLike | str,
    y: ArrayLike | str,
    *,
    method: str = "asymptotic",
    min_group_size: int = 2,
    data: Any = None,
    nan_policy: str = "omit",
) -> TestResult:
    """Wilcoxon-Mann-Whitney test of two independent samples (two-sided).

    Parameters
    ----------
    x, y : array-like of float
        The two samples; NaN values are dropped (counted in ``extra``).
    method : {"asymptotic", "exact"}
        ``"asymptotic"``: normal approximation with tie correction, no continuity correction
        (SPSS "Asymp. Sig."; R ``wilcox.test(x, y, exact = FALSE, correct = FALSE)``).
        ``"exact"``: exact permutation distribution of the rank sum given the (mid-)ranks.
    min_group_size : int, default 2
        A sample with fewer non-missing values gives a result that is not computed (NaN p
        value, ``note`` saying why).
    data : pandas.DataFrame, optional
        With ``data``, ``x`` and ``y`` are column names.
    nan_policy : {"omit", "raise"}, default "omit"
        ``"omit"``: missing values are dropped and counted (``n_missing_x/y``, ``n_omitted``
        in ``extra``), as R ``wilcox.test`` and SPSS do; ``"raise"``: a missing value is an
        error naming its index.

    Returns
    -------
    TestResult
        ``statistic`` is ``U_x`` = R's ``W`` (number of pairs with x > y, ties 1/2). ``extra``:
        ``z``, ``U_x``, ``U_y``, ``U`` (= min, SPSS's Mann-Whitney U), ``W`` (rank sum of x),
        ``rank_sum_x/y``, ``mean_rank_x/y``, ``n_x``, ``n_y``, ``n_missing_x/y``, and ``note``
        when every value is tied (then z = 0 and p = 1; R returns NaN).

    Raises
    ------
    ValueError
        A bad ``method``, non-numeric values, or an exact test too large to enumerate.

    Examples
    --------
    >>> from rtdelay.stats import mann_whitney
    >>> res = mann_whitney([1.1, 2.3, 3.8], [4.2, 5.0, 6.1])
    >>> res.statistic, round(res.p_value, 4)
    (0.0, 0.0495)
    """
    _check_method(method)
    x, y = from_data(data, x=x, y=y)
    xa, ya = _values(x, "x"), _values(y, "y")
    _nan_check(nan_policy, x=xa, y=ya)
    xk, yk = xa[~np.isnan(xa)], ya[~np.isnan(ya)]
    few = [f"{name} has {len(arr)} non-missing value{'' if len(arr) == 1 else 's'}" for name, arr in (("x", xk), ("y", yk)) if len(arr) < min_group_size]
    if few:
        return not_computed(
            f"Mann-Whitney U ({method})",
            f"{' and '.join(few)}: at least {min_group_size} per group are needed",
            extra={"n_x": len(xk), "n_y": len(yk)},
        )
    nx, ny = len(xk), len(yk)
    n = nx + ny
    pooled = np.concatenate((xk, yk))
    ranks = sst.rankdata(pooled)
    rx = float(ranks[:nx].sum())
    ry = float(ranks[nx:].sum())
    ux = rx - nx * (nx + 1) / 2.0
    uy = nx * ny - ux
    ties = _tie_sizes(pooled)
    var = nx * ny / 12.0 * ((n + 1) - float(np.sum(ties**3 - ties)) / (n * (n - 1))) if n > 1 else 0.0
    extra: dict[str, object] = {
        "U_x": ux,
        "U_y": uy,
        "U": min(ux, uy),
        "W": rx,
        "rank_sum_x": rx,
        "rank_sum_y": ry,
        "mean_rank_x": rx / nx,
        "mean_rank_y": ry / ny,
        "n_x": nx,
        "n_y": ny,
        "n_missing_x": int(len(xa) - nx),
        "n_missing_y": int(len(ya) - ny),
        "n_omitted": int(len(xa) - nx + len(ya) - ny),
    }
    if var <= 0.0:
        extra.update(z=0.0, note="all values are tied: no evidence of a difference, p set to 1")
        return TestResult(ux, float("nan"), 1.0, f"Mann-Whitney U ({method})", extra=extra)
    z = (ux - nx * ny / 2.0) / np.sqrt(var)
    extra["z"] = float(z)
    if method == "asymptotic":  # delegated to scipy (same tie-corrected normal approximation)
        p = float(sst.mannwhitneyu(xk, yk, alternative="two-sided", method="asymptotic", use_continuity=False).pvalue)
        label = "Mann-Whitney U (normal approximation, tie-corrected, no continuity correction)"
    else:
        r2 = np.rint(2.0 * ranks).astype(np.int64)
        if float(n) * nx * float(r2.sum()) > _MAX_EXACT_WORK:
            raise InputError(f"exact Mann-Whitney test too large (n = {n}); use method='asymptotic'")
        counts = _subset_sum_counts(r2, nx)
        p = _two_sided(counts, int(r2[:nx].sum()), 2 * nx * (n + 1))  # E[2 R_x] = n_x (N+1)
        label = "Mann-Whitney U (exact permutation distribution)"
    return TestResult(ux, float("nan"), p, label, extra=extra)


def wilcoxon_signed_rank(
    before: ArrayLike | str,
    after: ArrayLike | str,
    *,
    method: str = "asymptotic",
    min_pairs: int = 2,
    data: Any = None,
    nan_policy: str = "omit",
) -> TestResult:
    """Wilcoxon signed-rank test of paired samples (two-sided), on ``d = after - before``.

    Parameters
    ----------
    before, after : array-like of float, same length
        Pairs with a missing value are dropped; zero differences are dropped before ranking
        (Wilcoxon's method, as R and SPSS).
    method : {"asymptotic", "exact"}
        ``"asymptotic"``: R ``wilcox.test(after, before, paired = TRUE, exact = FALSE,
        correct = FALSE)`` = SPSS "Asymp. Sig.". ``"exact"``: exact distribution of ``V`` over the
        ``2^n`` sign assignments given the (mid-)ranks of ``|d|``.
    min_pairs : int, default 2
        Fewer complete pairs give a result that is not computed (NaN p value, ``note``).
    data : pandas.DataFrame, optional
        With ``data``, ``before`` and ``after`` are column names.
    nan_policy : {"omit", "raise"}, default "omit"
        ``"omit"``: pairs with a missing value are dropped and counted (``n_missing_dropped``,
        ``n_omitted``), as R and SPSS do; ``"raise"``: a missing value is an error naming its
        index.

    Returns
    -------
    TestResult
        ``statistic`` is ``V`` (R's statistic: sum of the ranks of positive differences). ``extra``:
        ``z``, ``V``, ``n_pairs`` (complete pairs), ``n_nonzero``, ``n_zero_dropped``,
        ``n_missing_dropped``, ``n_positive``, ``n_negative``. If every difference is zero the
        result has ``statistic = 0``, ``z = 0``, ``p = 1`` and a ``note`` (R gives NaN).

    Raises
    ------
    ValueError
        Different lengths, bad ``method``, exact test too large.

    Examples
    --------
    >>> from rtdelay.stats import wilcoxon_signed_rank
    >>> res = wilcoxon_signed_rank([1.0, 2.0, 3.0, 4.0], [1.5, 2.9, 3.2, 5.1])
    >>> res.statistic, round(res.p_value, 4)
    (10.0, 0.0679)
    """
    _check_method(method)
    before, after = from_data(data, before=before, after=after)
    b, a = _values(before, "before"), _values(after, "after")
    if len(b) != len(a):
        raise InputError(f"before and after must have the same length; got {len(b)} and {len(a)}")
    _nan_check(nan_policy, before=b, after=a)
    ok = ~(np.isnan(a) | np.isnan(b))
    if ok.sum() < min_pairs:
        k = int(ok.sum())
        return not_computed(
            f"Wilcoxon signed-rank ({method})",
            f"{k} complete (before, after) pair{'' if k == 1 else 's'}: at least {min_pairs} are needed",
            extra={"n_pairs": k},
        )
    d = a[ok] - b[ok]
    nonzero = d[d != 0]
    n = len(nonzero)
    extra: dict[str, object] = {
        "n_pairs": int(ok.sum()),
        "n_nonzero": n,
        "n_zero_dropped": int(len(d) - n),
        "n_missing_dropped": int(len(b) - ok.sum()),
        "n_omitted": int(len(b) - ok.sum()),
        "n_positive": int((nonzero > 0).sum()),
        "n_negative": int((nonzero < 0).sum()),
    }
    if n == 0:
        extra.update(V=0.0, z=0.0, note="all differences are zero: no evidence of a change, p set to 1")
        return TestResult(0.0, float("nan"), 1.0, f"Wilcoxon signed-rank ({method})", extra=extra)
    ranks = sst.rankdata(np.abs(nonzero))
    v = float(ranks[nonzero > 0].sum())
    ties = _tie_sizes(np.abs(nonzero))
    var = n * (n + 1) * (2 * n + 1) / 24.0 - float(np.sum(ties**3 - ties)) / 48.0
    z = (v - n * (n + 1) / 4.0) / np.sqrt(var)
    extra.update(V=v, z=float(z))
    if method == "asymptotic":  # delegated to scipy (zeros already dropped, tie-corrected variance)
        p = float(sst.wilcoxon(nonzero, zero_method="wilcox", correction=False, method="approx").pvalue)
        label = "Wilcoxon signed-rank (normal approximation, tie-corrected, no continuity correction)"
    else:
        if n > 1000:
            raise InputError(f"exact signed-rank test too large (n = {n}); use method='asymptotic'")
        r2 = np.rint(2.0 * ranks).astype(np.int64)
        counts = _subset_sum_counts(r2, None)
        p = _two_sided(counts, int(r2[nonzero > 0].sum()), int(r2.sum()))
        label = "Wilcoxon signed-rank (exact distribution over sign assignments)"
    return TestResult(v, float("nan"), p, label, extra=extra)
