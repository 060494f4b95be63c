"""Kaplan-Meier, log-rank, Aalen-Johansen and Gray's test from a count table.

Each function builds from an :class:`~rtdelay.stats._counts.EventCounts` the risk-set table the
patient-level function builds from records (same times, same integer counts: numbers at risk
are the sums of those leaving from each time on) and calls the same computation
(:func:`~rtdelay.stats._km.curve_from_table`, :func:`~rtdelay.stats._logrank.table_sums`,
:func:`~rtdelay.stats._competing.aalen_johansen_table`,
:func:`~rtdelay.stats._gray.gray_result`). The results on a table made from patient rows with
:func:`~rtdelay.stats.count_records` therefore equal those on the rows (tests: to 1e-12), and
the formulas, options and references are those of :func:`~rtdelay.stats.kaplan_meier`,
:func:`~rtdelay.stats.logrank_test`, :func:`~rtdelay.stats.cumulative_incidence` and
:func:`~rtdelay.stats.gray_test`.

Curves and cumulative incidences pool the strata (counts at equal times added): the pooled
estimate of several sites. The tests use the strata when ``stratified=True``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from rtdelay.errors import InputError
from rtdelay.stats._competing import (
    CumulativeIncidence,
    aalen_johansen_table,
    check_conf_level,
    incidence_result,
)
from rtdelay.stats._counts import EventCounts
from rtdelay.stats._gray import gray_result
from rtdelay.stats._km import SurvivalCurve, check_km_options, curve_from_table
from rtdelay.stats._logrank import (
    check_weighting,
    logrank_result,
    method_name,
    sum_parts,
    table_sums,
)
from rtdelay.stats._results import TestResult, not_computed, small_groups
from rtdelay.stats._survtable import RiskTable
from rtdelay.stats._timefix import has_near_ties, timefix_times

__all__ = ["cumulative_incidence_counts", "gray_test_counts", "kaplan_meier_counts", "logrank_counts"]


def _cells(
    time: NDArray[np.float64], group: NDArray[np.intp], k: int, *weights: NDArray[np.int64]
) -> tuple[NDArray[np.float64], list[NDArray[np.float64]]]:
    """Distinct times and, per weight column, the (k, m) sums of each (group, time) cell."""
    ut, inv = np.unique(time, return_inverse=True)
    m = ut.shape[0]
    cell = group * m + inv.reshape(-1)
    sums: list[NDArray[np.float64]] = [
        np.bincount(cell, weights=w, minlength=k * m).astype(np.float64).reshape(k, m) for w in weights
    ]
    return ut, sums


def _curve_table(time: NDArray[np.float64], events: NDArray[np.int64], leaving: NDArray[np.int64]) -> RiskTable:
    """The risk table of one curve (no groups), as :func:`risk_table` builds from records."""
    ut, (d, tot) = _cells(time, np.zeros(time.shape[0], dtype=np.intp), 1, events, leaving)
    d_i, tot_i = d[0].astype(np.int64), tot[0].astype(np.int64)
    n_risk = tot_i[::-1].cumsum()[::-1].copy()
    empty = np.empty((0, ut.shape[0]), dtype=np.int64)
    return RiskTable(ut, n_risk, d_i, tot_i - d_i, empty, empty.copy(), np.empty(0, dtype=np.int64))


def _group_table(
    time: NDArray[np.float64],
    events: NDArray[np.int64],
    leaving: NDArray[np.int64],
    group: NDArray[np.intp],
    k: int,
    *,
    event_times_only: bool,
) -> RiskTable:
    """The per-group risk table of one stratum (``risk_table(..., per_group=True)``)."""
    ut, (gd_f, tot_f) = _cells(time, group, k, events, leaving)
    gd, tot = gd_f.astype(np.int64), tot_f.astype(np.int64)
    g_risk = tot[:, ::-1].cumsum(axis=1)[:, ::-1]
    n_risk = g_risk.sum(axis=0)
    d = gd.sum(axis=0)
    total = tot.sum(axis=0)
    rows = np.flatnonzero(d > 0 if event_times_only else total > 0)
    return RiskTable(
        ut[rows],
        n_risk[rows],
        d[rows],
        (total - d)[rows],
        np.ascontiguousarray(g_risk[:, rows]),
        np.ascontiguousarray(gd[:, rows]),
        tot.sum(axis=1),
    )


def kaplan_meier_counts(
    counts: EventCounts,
    *,
    cause: int | None = 1,
    conf_type: str = "log-log",
    conf_level: float = 0.95,
    timefix: bool = True,
    by_group: bool = True,
) -> dict[Any, SurvivalCurve] | SurvivalCurve:
    """Kaplan-Meier curves with Greenwood standard errors from a count table.

    Parameters
    ----------
    counts : EventCounts
    cause : {1, 2, None}
        The event: cause 1 (the other cause counted as censored, as the study's local-control
        curve), cause 2, or None for any cause.
    conf_type, conf_level, timefix
        As :func:`rtdelay.stats.kaplan_meier`.
    by_group : bool, default True
        One curve per group ``{label: SurvivalCurve}`` in level order; False: one curve of
        all rows. Strata are pooled (counts at equal times added).

    Returns
    -------
    dict of SurvivalCurve, or SurvivalCurve

    Notes
    -----
    :math:`\\hat S(t) = \\prod_{t_j \\le t}(1 - d_j/n_j)`, Greenwood
    :math:`V = \\sum d_j / (n_j (n_j - d_j))` (Kaplan & Meier 1958; Greenwood 1926).

    Examples
    --------
    >>> from rtdelay.stats import count_records, kaplan_meier_counts
    >>> tab = count_records([1, 2, 3, 4, 5], [1, 0, 1, 1, 0])
    >>> kaplan_meier_counts(tab, by_group=False).survival.round(3).tolist()
    [0.8, 0.8, 0.533, 0.267, 0.267]
    """
    check_km_options(conf_type, conf_level)
    ev = counts.events(cause)
    leaving = counts.n_leaving
    if len(counts) == 0:
        raise InputError("the count table is empty: the Kaplan-Meier estimate needs at least one record")

    def one(mask: NDArray[np.bool_]) -> SurvivalCurve:
        tab = _curve_table(counts.time[mask], ev[mask], leaving[mask])
        return curve_from_table(tab, conf_type=conf_type, conf_level=float(conf_level), merge_ties=timefix)

    if not by_group:
        return one(np.ones(len(counts), dtype=bool))
    return {
        lab: one(counts.group == i) for i, lab in enumerate(counts.group_labels) if np.any(counts.group == i)
    }


def _strata_parts(counts: EventCounts) -> list[NDArray[np.intp]]:
    bounds = np.flatnonzero(np.diff(counts.stratum)) + 1
    return np.split(np.arange(len(counts)), bounds)


def logrank_counts(
    counts: EventCounts,
    *,
    cause: int | None = 1,
    stratified: bool = False,
    weighting: str = "logrank",
    p: float = 0.0,
    q: float = 0.0,
    timefix: bool = True,
    min_group_size: int = 2,
) -> TestResult:
    """k-sample (weighted, optionally stratified) log-rank test from a count table (R ``survdiff``).

    ``stratified=True`` is the test stratified by the table's strata (R
    ``survdiff(Surv(t, e) ~ group + strata(s))``); else the strata are pooled. ``cause`` as in
    :func:`kaplan_meier_counts`; the other options and the result as
    :func:`rtdelay.stats.logrank_test`.

    Examples
    --------
    >>> from rtdelay.stats import count_records, logrank_counts
    >>> tab = count_records([1, 2, 3, 4, 5, 6], [1, 1, 1, 1, 0, 1], group=["a", "b"] * 3)
    >>> round(logrank_counts(tab).statistic, 4)
    0.0739
    """
    check_weighting(weighting, p, q)
    labels = counts.group_labels
    k = len(labels)
    if k < 2:
        raise InputError(f"a log-rank test needs at least two groups; the table has {k}")
    small = small_groups(labels, counts.group_sizes(), min_group_size)
    if small:
        return not_computed(method_name(weighting, p, q, stratified), small, groups=labels)
    ev = counts.events(cause)
    leaving = counts.n_leaving
    t = counts.time
    pf, qf = float(p), float(q)
    if not stratified:
        tab = _group_table(t, ev, leaving, counts.group, k, event_times_only=not timefix)
        parts = [table_sums(tab, weighting, pf, qf, merge_ties=timefix)]
    else:
        if timefix and has_near_ties(t):  # R applies aeqSurv to all times before the strata
            (t,) = timefix_times(t)
        parts = [
            table_sums(_group_table(t[i], ev[i], leaving[i], counts.group[i], k, event_times_only=True), weighting, pf, qf)
            for i in _strata_parts(counts)
        ]
    return logrank_result(
        sum_parts(parts), labels, weighting, p, q, stratified=stratified, n_omitted=0, any_event=bool(ev.any())
    )


def cumulative_incidence_counts(
    counts: EventCounts, *, cause_of_interest: int = 1, conf_level: float = 0.95, by_group: bool = True
) -> dict[Any, CumulativeIncidence] | CumulativeIncidence:
    """Aalen-Johansen cumulative incidence with cmprsk's variance from a count table.

    ``cause_of_interest`` 1 or 2 (the other competes); strata pooled; one estimate per group
    (``by_group``) or of all rows. As :func:`rtdelay.stats.cumulative_incidence`:
    :math:`\\hat F_k(t) = \\sum_{t_j \\le t} \\hat S(t_{j-1}) d_{kj}/n_j` (Aalen & Johansen 1978),
    variance as ``cmprsk::cuminc``.

    Examples
    --------
    >>> from rtdelay.stats import count_records, cumulative_incidence_counts
    >>> tab = count_records([1, 2, 3, 4, 5], [1, 2, 1, 0, 1])
    >>> cumulative_incidence_counts(tab, by_group=False).estimate.round(2).tolist()
    [0.2, 0.2, 0.4, 0.4, 0.8]
    """
    level = check_conf_level(conf_level)
    dk_rows = counts.events(cause_of_interest)
    d_rows = counts.events(None)
    leaving = counts.n_leaving
    if len(counts) == 0:
        raise InputError("the count table is empty: at least one record is needed")

    def one(mask: NDArray[np.bool_]) -> CumulativeIncidence:
        ut, (tot, dk, d) = _cells(
            counts.time[mask], np.zeros(int(mask.sum()), dtype=np.intp), 1, leaving[mask], dk_rows[mask], d_rows[mask]
        )
        n = tot[0].astype(np.int64)[::-1].cumsum()[::-1].astype(np.float64)
        fit = aalen_johansen_table(ut, n, dk[0].astype(np.float64), d[0].astype(np.float64))
        return incidence_result(fit, cause_of_interest, level)

    if not by_group:
        return one(np.ones(len(counts), dtype=bool))
    return {
        lab: one(counts.group == i) for i, lab in enumerate(counts.group_labels) if np.any(counts.group == i)
    }


def gray_test_counts(
    counts: EventCounts, *, cause_of_interest: int = 1, stratified: bool = False, min_group_size: int = 2
) -> TestResult:
    """Gray's K-sample test of equal cumulative incidence (rho = 0) from a count table.

    ``stratified=True``: score and covariance summed over the table's strata (cmprsk
    ``cuminc(..., strata=)``); else strata pooled. As :func:`rtdelay.stats.gray_test`.

    Examples
    --------
    >>> from rtdelay.stats import count_records, gray_test_counts
    >>> tab = count_records([1, 2, 3, 4, 5, 6, 7, 8], [1, 2, 1, 0, 1, 1, 2, 0], group=["a", "b"] * 4)
    >>> round(gray_test_counts(tab).statistic, 4)
    1.9145
    """
    labels = counts.group_labels
    n_groups = len(labels)
    if n_groups < 2:
        raise InputError(f"gray_test needs at least two groups; the table has {n_groups}")
    k = int(cause_of_interest)
    method = f"Gray's test (rho = 0), cause {k}" + (", stratified" if stratified else "")
    small = small_groups(labels, counts.group_sizes(), min_group_size)
    if small:
        return not_computed(method, small, groups=labels)
    d1_rows = counts.events(k)
    d2_rows = counts.events(2 if k == 1 else 1)
    if not d1_rows.any():
        return not_computed(method, f"no failure from cause {k}: Gray's test is undefined", groups=labels)
    leaving = counts.n_leaving
    parts = _strata_parts(counts) if stratified else [np.arange(len(counts))]
    tables = []
    for i in parts:
        _, (tot, d1, d2) = _cells(counts.time[i], counts.group[i], n_groups, leaving[i], d1_rows[i], d2_rows[i])
        y = tot[:, ::-1].cumsum(axis=1)[:, ::-1]
        fail = (d1 + d2).sum(axis=0) > 0
        tables.append((y[:, fail].astype(np.float64), d1[:, fail].astype(np.float64), d2[:, fail].astype(np.float64)))
    return gray_result(tables, labels, k, method)
