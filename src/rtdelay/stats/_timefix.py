"""R's ``timefix``: times equal up to floating-point noise are one time (``survival::aeqSurv``).

Of the sorted distinct times :math:`y_1 < \\dots < y_m` (entry and exit times together for
left-truncated data), neighbours are tied when

.. math:: y_{i+1} - y_i \\le \\tau \\quad\\text{or}\\quad (y_{i+1} - y_i) / \\overline{|y|} \\le \\tau,
          \\qquad \\tau = \\sqrt{\\epsilon_{\\text{machine}}} \\approx 1.5 \\times 10^{-8},

and every chain of tied neighbours becomes its first (smallest) value, as R ``survfit``,
``survdiff`` and ``coxph`` do by default (``timefix = TRUE``). ``timefix=False`` compares
times exactly. Typical cause: times computed by division, e.g. ``0.1 + 0.2`` and ``0.3``.

Reference: Therneau T. "Roundoff error and tied times", vignette of R package survival (2016).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from rtdelay.errors import InputError
from rtdelay.stats._survtable import RiskTable

__all__ = ["TIMEFIX_TOL", "chain_starts", "has_near_ties", "merge_table", "tied_to_previous", "timefix_times"]

TIMEFIX_TOL = float(np.sqrt(np.finfo(np.float64).eps))


def tied_to_previous(distinct: NDArray[np.float64], *, nonnegative: bool = False) -> NDArray[np.intp] | None:
    """Indices ``i`` of sorted distinct times tied to time ``i - 1`` by R's rule; None if none.

    R's test ``dy <= tol | dy / mean(abs(y)) <= tol`` is evaluated exactly, but only on the
    few gaps below ``max(tol, tol * mean) * (1 + 1e-12)`` (every tied gap is among them), so a
    million times cost one ``diff``, one comparison and one ``flatnonzero``. ``nonnegative``:
    the caller knows the times are >= 0 (``mean(abs(y)) = mean(y)``, one pass fewer).
    """
    if distinct.shape[0] < 2:
        return None
    dy = np.diff(distinct)
    scale = float(np.mean(distinct if nonnegative else np.abs(distinct)))
    bound = max(TIMEFIX_TOL, TIMEFIX_TOL * scale) * (1.0 + 1e-12)
    cand = np.flatnonzero(dy <= bound)
    if cand.size == 0:
        return None
    gap = dy[cand]
    tied = gap <= TIMEFIX_TOL
    if scale > 0:
        tied |= gap / scale <= TIMEFIX_TOL
    cand = cand[tied]
    return cand + 1 if cand.size else None


def chain_starts(distinct: NDArray[np.float64]) -> NDArray[np.intp] | None:
    """First index of each chain of tied neighbours among sorted distinct times; None if none."""
    tied = tied_to_previous(distinct)
    if tied is None:
        return None
    first = np.ones(distinct.shape[0], dtype=np.bool_)
    first[tied] = False
    return np.flatnonzero(first)


def has_near_ties(time: NDArray[np.float64]) -> bool:
    """Whether some distinct times are tied under R's rule (one sort, no table)."""
    s = np.sort(time)
    dy = np.diff(s)
    distinct = dy > 0
    if not distinct.any():
        return False
    scale = float(np.mean(np.abs(s[np.concatenate(([True], distinct))])))
    limit = max(TIMEFIX_TOL, TIMEFIX_TOL * scale)
    return bool(np.any(distinct & (dy <= limit)))


def timefix_times(*arrays: NDArray[np.float64]) -> tuple[NDArray[np.float64], ...]:
    """The arrays with tied times replaced by the first time of their chain (R ``aeqSurv``).

    With two arrays (entry, exit) an interval that collapses to length 0 is an error, as in R.
    """
    y = np.unique(np.concatenate([a[np.isfinite(a)] for a in arrays]))
    starts = chain_starts(y)
    if starts is None:
        return arrays
    cuts = y[starts]
    out = tuple(cuts[np.searchsorted(cuts, a, side="right") - 1] for a in arrays)
    if len(out) == 2:
        bad = (out[0] >= out[1]) & (arrays[0] < arrays[1])
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InputError(
                f"entry and time at index {i} ({float(arrays[0][i])}, {float(arrays[1][i])}) are equal "
                "up to rounding (timefix); use timefix=False or correct the times"
            )
    return out


def merge_table(tab: RiskTable, starts: NDArray[np.intp], *, event_rows_only: bool = False) -> RiskTable:
    """The risk table with each chain of tied rows merged into its first row.

    ``starts`` are the first rows of the chains (:func:`chain_starts`; every row its own chain
    when ``starts`` holds every row). The merged row keeps the time and the risk sets of the
    chain's first row (the largest risk sets) and the sums of its events and censorings: the
    chain-first rows are taken, and only the few other rows are added in (``np.add.at``). With
    ``event_rows_only`` only the merged rows with an event are kept (what the log-rank sums need).
    Rows are selected with ``take``/``compress`` along the last axis (fancy indexing ``[:, rows]``
    of a ``(k, T)`` array is several times slower).
    """
    m = tab.time.shape[0]
    if starts.shape[0] == m:  # nothing to merge
        if not event_rows_only:
            return tab
        keep = tab.n_events > 0
        return RiskTable(
            tab.time[keep],
            tab.n_at_risk[keep],
            tab.n_events[keep],
            tab.n_censored[keep],
            np.compress(keep, tab.group_at_risk, axis=1),
            np.compress(keep, tab.group_events, axis=1),
            tab.group_n,
        )
    # Most chains are single rows: take the chain-first rows, then add the few other rows in.
    first = np.zeros(m, dtype=np.bool_)
    first[starts] = True
    extra = np.flatnonzero(~first)
    chain = np.searchsorted(starts, extra, side="right") - 1  # chain of each other row
    d = tab.n_events[starts]
    c = tab.n_censored[starts]
    np.add.at(d, chain, tab.n_events[extra])
    np.add.at(c, chain, tab.n_censored[extra])
    g_d = np.take(tab.group_events, starts, axis=1)
    for g in range(g_d.shape[0]):
        np.add.at(g_d[g], chain, tab.group_events[g].take(extra))
    rows = starts
    if event_rows_only:
        with_event = np.flatnonzero(d > 0)
        rows, d, c = starts[with_event], d[with_event], c[with_event]
        g_d = np.take(g_d, with_event, axis=1)
    return RiskTable(
        tab.time[rows],
        tab.n_at_risk[rows],
        d,
        c,
        np.take(tab.group_at_risk, rows, axis=1),
        g_d,
        tab.group_n,
    )
