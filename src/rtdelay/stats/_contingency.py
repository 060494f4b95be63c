"""Tests of independence in r x c contingency tables: Pearson chi-square and Fisher's exact test.

Pearson (R ``chisq.test``): expected counts ``E_ij = R_i C_j / N`` and

    X^2 = sum (O_ij - E_ij)^2 / E_ij,   df = (r - 1)(c - 1)

with, on request and for 2 x 2 tables only (as R), Yates' correction
``sum (|O - E| - min(0.5, |O - E|))^2 / E``.

Fisher (R ``fisher.test``): given the margins, a table has probability

    P = prod R_i! prod C_j! / (N! prod O_ij!)

and the two-sided p value is the total probability of the tables with ``P <= P_obs (1 + 1e-7)``
(R's relative tolerance). The tables are enumerated column by column; tables whose remaining row
margins are equal as multisets are merged (the idea of Mehta & Patel's network algorithm, without
its bounds), which is fast for the tables of clinical studies. Past ``_MAX_NODES`` partial tables
the enumeration stops with a ``ValueError``. For 2 x 2 tables the conditional maximum-likelihood
odds ratio and its exact confidence interval are given as R computes them (Fisher 1962), by
``scipy.stats.contingency.odds_ratio(kind="conditional")``; the Pearson statistic is computed by
``scipy.stats.chi2_contingency``.

References
----------
Agresti A. Categorical Data Analysis, 3rd ed. Wiley 2013, sec. 3.2 and 3.5.
Mehta CR, Patel NR. A network algorithm for performing Fisher's exact test in r x c
contingency tables. JASA 1983;78:427-34.
"""

from __future__ import annotations

import functools
import math
from collections import defaultdict

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special
from scipy import stats as sst
from scipy.stats.contingency import odds_ratio

from rtdelay.errors import InputError
from rtdelay.stats._fisher_2xc import TooLarge, fisher_p_2xc
from rtdelay.stats._results import TestResult

__all__ = ["chi_square", "fisher_exact"]

_REL_ERR = 1e-7  # R fisher.test: relErr <- 1 + 10^(-7)
_MAX_NODES = 2_000_000  # (partial table, column filling) pairs visited before giving up


def _table(table: ArrayLike) -> NDArray[np.int64]:
    """Validate a table of counts: 2-d, at least 2 x 2, non-negative integers, no empty margin."""
    try:
        arr = np.asarray(table, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputError(f"table must be numeric counts: {exc}") from None
    if arr.ndim != 2:
        raise InputError(f"table must be two-dimensional, got {arr.ndim} dimension(s)")
    if arr.shape[0] < 2 or arr.shape[1] < 2:
        raise InputError(f"table must have at least 2 rows and 2 columns, got {arr.shape[0]} x {arr.shape[1]}")
    bad = ~np.isfinite(arr) | (arr < 0) | (arr != np.round(arr))
    if bad.any():
        i, j = (int(v) for v in np.argwhere(bad)[0])
        raise InputError(f"table cell ({i}, {j}) is {arr[i, j]!r}: counts must be non-negative integers")
    for axis, what in ((1, "row"), (0, "column")):
        empty = np.flatnonzero(arr.sum(axis=axis) == 0)
        if len(empty):
            raise InputError(f"table {what} {int(empty[0])} is empty (all counts zero)")
    return arr.astype(np.int64)


def _expected(tab: NDArray[np.int64]) -> NDArray[np.float64]:
    r = tab.sum(axis=1).astype(np.float64)
    c = tab.sum(axis=0).astype(np.float64)
    return np.asarray(np.outer(r, c) / r.sum(), dtype=np.float64)


def chi_square(table: ArrayLike, *, correction: bool = False) -> TestResult:
    """Pearson chi-square test of independence, as R ``chisq.test(table, correct = correction)``.

    Parameters
    ----------
    table : 2-d array-like of non-negative integers
    correction : bool
        Yates' continuity correction, applied to 2 x 2 tables only (as R).

    Returns
    -------
    TestResult
        ``statistic`` = X^2, ``df``, ``p_value``; ``observed`` and ``expected`` are the 2-d tables.
        ``extra``: ``min_expected``, ``n_expected_below_5``, ``fraction_expected_below_5``,
        ``correction`` (whether Yates' correction was applied), ``n``.

    Examples
    --------
    >>> from rtdelay.stats import chi_square
    >>> res = chi_square([[10, 5], [3, 12]])
    >>> round(res.statistic, 4), res.df
    (6.6516, 1.0)
    """
    tab = _table(table)
    obs = tab.astype(np.float64)
    yates = bool(correction and tab.shape == (2, 2))
    # delegated to scipy: Yates' correction there applies to 1-df tables only, as in R
    res = sst.chi2_contingency(obs, correction=yates)
    stat, exp = float(res.statistic), np.asarray(res.expected_freq, dtype=np.float64)
    df = float((tab.shape[0] - 1) * (tab.shape[1] - 1))
    method = "Pearson chi-square" + (" with Yates' continuity correction" if yates else "")
    return TestResult(
        statistic=stat,
        df=df,
        p_value=float(res.pvalue),
        method=method,
        observed=obs,
        expected=exp,
        extra={
            "min_expected": float(exp.min()),
            "n_expected_below_5": int((exp < 5).sum()),
            "fraction_expected_below_5": float((exp < 5).mean()),
            "correction": yates,
            "n": int(tab.sum()),
        },
    )


@functools.lru_cache(maxsize=4096)
def _fillings(total: int, bounds: tuple[int, ...]) -> NDArray[np.int64]:
    """All ways (rows of the result) to put ``total`` into cells with cell i <= bounds[i]."""
    if len(bounds) == 1:
        return np.array([[total]] if total <= bounds[0] else np.empty((0, 1)), dtype=np.int64)
    rest_cap = sum(bounds[1:])
    blocks = []
    for first in range(max(0, total - rest_cap), min(total, bounds[0]) + 1):
        tail = _fillings(total - first, bounds[1:])
        blocks.append(np.column_stack((np.full(len(tail), first, dtype=np.int64), tail)))
    if not blocks:
        return np.empty((0, len(bounds)), dtype=np.int64)
    return np.concatenate(blocks)


def _even_spread(totals: NDArray[np.int64], parts: int, lf: NDArray[np.float64]) -> float:
    """max of -sum log(n!) when each total is split into ``parts`` cells (as evenly as possible)."""
    q, rem = np.divmod(totals, parts)
    return float(-(rem * lf[q + 1] + (parts - rem) * lf[q]).sum())


def _bounds(
    rows: tuple[int, ...], cols: NDArray[np.int64], lf: NDArray[np.float64]
) -> tuple[float, float, float]:
    """Bounds over the completions of a partial table with row margins ``rows`` left to fill.

    Returns (upper bound of the largest, lower bound of the smallest, log of the sum over all
    completions) of ``-sum log(n_ij!)``; the sum is ``log(M! / (prod R_i! prod C_j!))``. The
    bounds relax either the row or the column constraint; with one column left they are exact.
    """
    r = np.asarray(rows, dtype=np.int64)
    m = int(r.sum())
    upper = min(_even_spread(cols, len(r), lf), _even_spread(r, len(cols), lf))
    lower = max(-float(lf[cols].sum()), -float(lf[r].sum()))
    total = float(lf[m] - lf[r].sum() - lf[cols].sum())
    return upper, lower, total


def _fisher_p(tab: NDArray[np.int64]) -> float:
    """Sum of the probabilities of the tables no more probable than the observed one.

    Column by column, a partial table is a node (its remaining row margins, as a sorted tuple)
    carrying the distinct values of its past ``-sum log(n_ij!)`` and their multiplicities. A past
    value whose every completion is at most the observed probability adds its completions' total
    probability in closed form; one whose every completion is more probable is dropped (the
    bounds of Mehta & Patel's network algorithm, here simple relaxations).
    """
    if tab.shape[0] > tab.shape[1]:
        tab = tab.T
    rows, cols = tab.sum(axis=1), tab.sum(axis=0)
    n = int(tab.sum())
    lf = special.gammaln(np.arange(n + 1) + 1.0)
    const = float(lf[rows].sum() + lf[cols].sum() - lf[n])
    threshold = const - float(lf[tab].sum()) + math.log1p(_REL_ERR)
    cols = np.sort(cols)[::-1]  # largest columns first: fewer distinct remainders later
    states: dict[tuple[int, ...], tuple[NDArray[np.float64], NDArray[np.float64]]] = {
        tuple(sorted(int(v) for v in rows)): (np.zeros(1), np.ones(1))
    }
    visited = 0
    p = 0.0

    def too_large() -> ValueError:
        return ValueError(
            f"table too large for the exact enumeration (n = {n}, {tab.shape[0]} x "
            f"{tab.shape[1]}); use chi_square() or collapse categories"
        )

    for j, cj in enumerate(cols[:-1].tolist()):
        later = cols[j + 1 :]
        final = len(later) == 1
        nxt: dict[tuple[int, ...], list[tuple[NDArray[np.float64], NDArray[np.float64]]]] = defaultdict(list)
        for state, (vals, cnts) in states.items():
            fills = _fillings(cj, state)
            rest = np.asarray(state, dtype=np.int64) - fills
            delta = -lf[fills].sum(axis=1)
            if final:  # the last column is what remains: classify every table exactly
                visited += len(fills) * len(vals) // 64
                if visited > _MAX_NODES:
                    raise too_large()
                logp = const + vals[None, :] + (delta - lf[rest].sum(axis=1))[:, None]
                keep = logp <= threshold
                p += float(np.sum(np.where(keep, np.exp(np.where(keep, logp, 0.0)), 0.0) * cnts[None, :]))
                continue
            visited += len(fills)
            if visited > _MAX_NODES:
                raise too_large()
            rest.sort(axis=1)
            uniq, inv = np.unique(rest, axis=0, return_inverse=True)
            order = np.argsort(inv.reshape(-1), kind="stable")
            bounds = np.cumsum(np.bincount(inv.reshape(-1), minlength=len(uniq)))[:-1]
            for u, members in enumerate(np.split(order, bounds)):
                d = delta[members]
                nv = (vals[None, :] + d[:, None]).reshape(-1)
                nc = np.broadcast_to(cnts[None, :], (len(d), len(cnts))).reshape(-1)
                nxt[tuple(int(x) for x in uniq[u])].append((nv, nc))
        states = {}
        for rem, parts in nxt.items():
            v = np.concatenate([q[0] for q in parts])
            c = np.concatenate([q[1] for q in parts])
            upper, lower, total = _bounds(rem, later, lf)
            all_in = const + v + upper <= threshold
            p += float(np.sum(c[all_in] * np.exp(const + v[all_in] + total)))
            open_ = ~all_in & (const + v + lower <= threshold)
            if open_.any():
                keys, inv2 = np.unique(np.round(v[open_], 9), return_inverse=True)
                weights = np.bincount(inv2.reshape(-1), weights=c[open_])
                states[rem] = (keys.astype(np.float64), weights.astype(np.float64))
    return min(1.0, p)


def _odds_ratio(tab: NDArray[np.int64], conf_level: float) -> tuple[float, float, float]:
    """Conditional MLE of the odds ratio and its exact two-sided interval (R ``fisher.test``),
    delegated to ``scipy.stats.contingency.odds_ratio(kind="conditional")``."""
    res = odds_ratio(tab, kind="conditional")
    ci = res.confidence_interval(confidence_level=conf_level, alternative="two-sided")
    return float(res.statistic), float(ci.low), float(ci.high)


def fisher_exact(table: ArrayLike, *, conf_level: float = 0.95) -> TestResult:
    """Fisher's exact test of independence (two-sided), as R ``fisher.test(table)``.

    Parameters
    ----------
    table : 2-d array-like of non-negative integers (2 x 2 or r x c)
    conf_level : float
        Level of the odds-ratio interval (2 x 2 tables only).

    Returns
    -------
    TestResult
        ``statistic`` is the probability of the observed table (NaN-free, df NaN), ``p_value`` the
        exact two-sided p. ``observed``/``expected`` are the 2-d tables. For 2 x 2 tables ``extra``
        has ``odds_ratio`` (conditional MLE), ``ci_lower``, ``ci_upper``, ``conf_level``.

    Raises
    ------
    ValueError
        Invalid table, or a table too large to enumerate. 2 x c (and r x 2) tables use a network
        algorithm with exact path bounds (:mod:`rtdelay.stats._fisher_2xc`): work and memory are
        bounded (at most 4 million partial tables kept, 60 million visited), a table out of
        reach is refused after a few seconds at most, and tables such as 5 x 2 with n = 2,400 or
        6 x 2 with n = 4,000 are solved (as R ``fisher.test(workspace = 2e8)``). Larger r x c
        tables stop after 2,000,000 partial tables (in practice n in the hundreds for 3 x 3).

    Examples
    --------
    >>> from rtdelay.stats import fisher_exact
    >>> res = fisher_exact([[3, 1], [1, 3]])
    >>> round(res.p_value, 4)
    0.4857
    """
    tab = _table(table)
    if not 0.0 < conf_level < 1.0:
        raise InputError(f"conf_level must be between 0 and 1, got {conf_level!r}")
    n = int(tab.sum())
    lf = special.gammaln(np.arange(n + 1) + 1.0)
    log_p_obs = float(
        lf[tab.sum(axis=1)].sum() + lf[tab.sum(axis=0)].sum() - lf[n] - lf[tab].sum()
    )
    if min(tab.shape) == 2:
        try:
            p = fisher_p_2xc(tab, rel_err=_REL_ERR)
        except TooLarge:
            raise InputError(
                f"table too large for the exact test (n = {n}, {tab.shape[0]} x {tab.shape[1]}): "
                "use chi_square() or collapse categories"
            ) from None
    else:
        p = _fisher_p(tab)
    extra: dict[str, object] = {"n": n, "table_probability": math.exp(log_p_obs)}
    if tab.shape == (2, 2):
        est, lo, hi = _odds_ratio(tab, conf_level)
        extra.update(odds_ratio=est, ci_lower=lo, ci_upper=hi, conf_level=conf_level)
    return TestResult(
        statistic=math.exp(log_p_obs),
        df=float("nan"),
        p_value=p,
        method="Fisher's exact test" + (" (2 x 2)" if tab.shape == (2, 2) else f" ({tab.shape[0]} x {tab.shape[1]})"),
        observed=tab.astype(np.float64),
        expected=_expected(tab),
        extra=extra,
    )
