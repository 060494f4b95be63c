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

__all__ = ["TIMEFIX_TOL", "chain_starts", "has_near_ties", "merge_table", "timefix_times"]

TIMEFIX_TOL = float(np.sqrt(np.finfo(np.float64).eps))


def chain_starts(distinct: NDArray[np.float64]) -> NDArray[np.intp] | None:
    """First index of each chain of tied neighbours among sorted distinct times; None if none."""
    if distinct.shape[0] < 2:
        return None
    dy = np.diff(distinct)
    scale = float(np.mean(np.abs(distinct)))
    tied = dy <= TIMEFIX_TOL
    if scale > 0:
        tied |= dy / scale <= TIMEFIX_TOL
    if not tied.any():
        return None
    return np.flatnonzero(np.concatenate(([True], ~tied)))


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

    The table's count arrays are updated in place (pass a table just built). Most chains are
    single rows: only the few other rows are added into their chain's first row
    (``np.add.at``), then dropped. With ``event_rows_only`` only the merged rows with an event
    are kept (what the log-rank sums need).
    """
    m = tab.time.shape[0]
    first = np.zeros(m, dtype=bool)
    first[starts] = True
    extra = np.flatnonzero(~first)
    target = starts[np.searchsorted(starts, extra, side="right") - 1]
    np.add.at(tab.n_events, target, tab.n_events[extra])
    np.add.at(tab.n_censored, target, tab.n_censored[extra])
    for g in range(tab.group_events.shape[0]):
        np.add.at(tab.group_events[g], target, tab.group_events[g, extra])
    keep = first & (tab.n_events > 0) if event_rows_only else first
    rows = np.flatnonzero(keep)
    return RiskTable(
        tab.time[rows],
        tab.n_at_risk[rows],
        tab.n_events[rows],
        tab.n_censored[rows],
        tab.group_at_risk[:, rows],
        tab.group_events[:, rows],
        tab.group_n,
    )
