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

__all__ = ["TIMEFIX_TOL", "chain_starts", "merge_table", "timefix_times"]

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


def merge_table(tab: RiskTable, starts: NDArray[np.intp]) -> RiskTable:
    """The risk table with each chain of tied rows merged into its first row."""
    has_groups = tab.group_at_risk.shape[0] > 0
    return RiskTable(
        tab.time[starts],
        tab.n_at_risk[starts],
        np.add.reduceat(tab.n_events, starts),
        np.add.reduceat(tab.n_censored, starts),
        tab.group_at_risk[:, starts] if has_groups else tab.group_at_risk,
        np.add.reduceat(tab.group_events, starts, axis=1) if has_groups else tab.group_events,
        tab.group_n,
    )
