"""Small fast evaluators for the calibration loops of the demo generator (private).

These duplicate, in a few lines of numpy each, the estimators of :mod:`rtdelay.stats` that the
calibration searches call many thousands of times: the Kaplan-Meier survival at one time point,
the k-sample log-rank chi-square and the SPSS-style asymptotic rank tests. They are unit-tested
against R and against :mod:`rtdelay.stats`; the shipped cohort is always checked with the real
engine (see :mod:`rtdelay.demo._audit`).

Formulas
--------
Kaplan-Meier: ``S(t) = prod_{t_j <= t} (1 - d_j / n_j)`` (Kaplan & Meier 1958).
Log-rank: ``U = O - E`` per group with the hypergeometric covariance
``V_gh = sum_j d_j (n_j - d_j) / (n_j - 1) * n_gj / n_j * (delta_gh - n_hj / n_j)``;
``chi2 = U' V^- U`` on k - 1 degrees of freedom (Mantel 1966; R ``survdiff``).
Wilcoxon signed-rank (zero differences dropped, mid-ranks for ties, no continuity
correction): ``z = (W+ - n(n+1)/4) / sqrt(n(n+1)(2n+1)/24 - sum(t^3 - t)/48)``.
Mann-Whitney: ``z = (U - n1 n2 / 2) / sqrt(n1 n2 / 12 * ((N + 1) - sum(t^3 - t) / (N (N - 1))))``.
Both p values are ``2 * (1 - Phi(|z|))`` (SPSS "Asymp. Sig."; R ``wilcox.test(exact=FALSE,
correct=FALSE)``).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.stats import chi2 as _chi2_dist

__all__ = ["km_at", "logrank_chi2", "logrank_p", "mann_whitney_p", "signed_rank_p", "mean_sd"]

FloatArray = NDArray[np.float64]


def _midranks(values: FloatArray) -> tuple[FloatArray, float]:
    """Mid-ranks of ``values`` (1-based) and the tie term ``sum(t^3 - t)``."""
    order = np.argsort(values, kind="mergesort")
    sorted_v = values[order]
    n = sorted_v.size
    if n == 0:
        return np.zeros(0), 0.0
    starts = np.flatnonzero(np.r_[True, sorted_v[1:] != sorted_v[:-1]])
    counts = np.diff(np.r_[starts, n])
    mid = starts + (counts + 1) / 2.0
    ranks = np.empty(n)
    ranks[order] = np.repeat(mid, counts)
    tie = float(np.sum(counts.astype(np.float64) ** 3 - counts))
    return ranks, tie


def _two_sided_normal(z: float) -> float:
    return math.erfc(abs(z) / math.sqrt(2.0))


def km_at(time: ArrayLike, event: ArrayLike, at: float | ArrayLike) -> FloatArray:
    """Kaplan-Meier survival ``S(t)`` at each time in ``at`` (right-continuous)."""
    t = np.asarray(time, dtype=np.float64)
    e = np.asarray(event, dtype=np.float64)
    grid = np.atleast_1d(np.asarray(at, dtype=np.float64))
    ut, inv = np.unique(t, return_inverse=True)
    d = np.bincount(inv, weights=e, minlength=ut.size)
    c = np.bincount(inv, minlength=ut.size).astype(np.float64)
    at_risk = t.size - np.cumsum(c) + c
    surv = np.cumprod(1.0 - d / at_risk)
    idx = np.searchsorted(ut, grid, side="right") - 1
    out = np.where(idx >= 0, surv[np.clip(idx, 0, None)], 1.0)
    return np.asarray(out, dtype=np.float64)


def logrank_chi2(time: ArrayLike, event: ArrayLike, group: ArrayLike) -> tuple[float, int]:
    """k-sample log-rank chi-square and its degrees of freedom (R ``survdiff``, rho = 0)."""
    t = np.asarray(time, dtype=np.float64)
    e = np.asarray(event, dtype=np.float64)
    labels, g = np.unique(np.asarray(group), return_inverse=True)
    k = labels.size
    ut, inv = np.unique(t, return_inverse=True)
    m = ut.size
    cnt = np.zeros((m, k))
    dth = np.zeros((m, k))
    np.add.at(cnt, (inv, g), 1.0)
    np.add.at(dth, (inv, g), e)
    n_gj = cnt[::-1].cumsum(axis=0)[::-1]  # at risk per group at each time
    n_j = n_gj.sum(axis=1)
    d_j = dth.sum(axis=1)
    keep = d_j > 0
    n_gj, n_j, d_j, dth = n_gj[keep], n_j[keep], d_j[keep], dth[keep]
    frac = n_gj / n_j[:, None]
    u = (dth - d_j[:, None] * frac).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        w = np.where(n_j > 1, d_j * (n_j - d_j) / (n_j - 1.0), 0.0)
    v = np.einsum("j,jg,gh->gh", w, frac, np.eye(k)) - np.einsum("j,jg,jh->gh", w, frac, frac)
    u1, v1 = u[: k - 1], v[: k - 1, : k - 1]
    stat = float(u1 @ np.linalg.pinv(v1) @ u1) if k > 1 else 0.0
    return stat, k - 1


def logrank_p(time: ArrayLike, event: ArrayLike, group: ArrayLike) -> float:
    """p value of :func:`logrank_chi2` (chi-square on k - 1 df)."""
    stat, df = logrank_chi2(time, event, group)
    if df == 1:
        return math.erfc(math.sqrt(max(stat, 0.0) / 2.0))
    if df == 2:
        return math.exp(-max(stat, 0.0) / 2.0)
    return float(_chi2_dist.sf(stat, df))


def signed_rank_p(before: ArrayLike, after: ArrayLike) -> float:
    """Two-sided asymptotic Wilcoxon signed-rank p (zeros dropped, ties corrected, no c.c.)."""
    d = np.asarray(after, dtype=np.float64) - np.asarray(before, dtype=np.float64)
    d = d[d != 0]
    n = d.size
    if n == 0:
        return 1.0
    ranks, tie = _midranks(np.abs(d))
    w_plus = float(ranks[d > 0].sum())
    mean = n * (n + 1) / 4.0
    var = n * (n + 1) * (2 * n + 1) / 24.0 - tie / 48.0
    if var <= 0:
        return 1.0
    return _two_sided_normal((w_plus - mean) / math.sqrt(var))


def mann_whitney_p(x: ArrayLike, y: ArrayLike) -> float:
    """Two-sided asymptotic Mann-Whitney p (ties corrected, no continuity correction)."""
    a = np.asarray(x, dtype=np.float64)
    b = np.asarray(y, dtype=np.float64)
    n1, n2 = a.size, b.size
    big_n = n1 + n2
    ranks, tie = _midranks(np.concatenate([a, b]))
    u = float(ranks[:n1].sum()) - n1 * (n1 + 1) / 2.0
    var = n1 * n2 / 12.0 * ((big_n + 1) - tie / (big_n * (big_n - 1)))
    if var <= 0:
        return 1.0
    return _two_sided_normal((u - n1 * n2 / 2.0) / math.sqrt(var))


def mean_sd(values: ArrayLike) -> tuple[float, float]:
    """Mean and sample standard deviation (n - 1 denominator, as SPSS prints)."""
    v = np.asarray(values, dtype=np.float64)
    return float(v.mean()), float(v.std(ddof=1))
