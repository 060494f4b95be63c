"""Sorted risk-set table shared by Kaplan-Meier and the log-rank family.

Everything here is vectorised: the distinct times are found with one sort (an ``argsort`` for
general floating-point times, or a ``bincount`` when all times are small non-negative integers,
e.g. days), every record gets the index of its distinct time, and all counts are ``bincount``
sums over that index. No Python loop runs over times or records.

For distinct times :math:`t_1 < \\dots < t_T` the table holds :math:`n_j` (number with time
:math:`\\ge t_j`, the risk set), :math:`d_j` (events at :math:`t_j`) and :math:`c_j`
(censorings at :math:`t_j`), overall and, when groups are given, per group.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from rtdelay.stats._check import check_group

__all__ = ["RiskTable", "distinct_index", "encode_groups", "risk_table"]

# Integer times use a bincount when their range is at most this multiple of the sample size
# (plus a floor for small samples): O(n + range) instead of O(n log n).
_BINCOUNT_RANGE_FACTOR = 4
_BINCOUNT_RANGE_FLOOR = 1 << 16


def distinct_index(
    time: NDArray[np.float64],
) -> tuple[NDArray[np.float64], NDArray[np.intp], NDArray[np.intp] | None]:
    """Distinct sorted times and the index of each record's time among them.

    Returns ``(utime, index, order)``. For integer-valued times with a small range (e.g. days)
    a ``bincount`` finds the distinct times, ``order`` is None and ``index[i]`` belongs to
    record ``i``. Otherwise one ``argsort`` is used, ``order`` is that permutation and
    ``index[m]`` belongs to record ``order[m]`` (sorted order, so later sums touch memory in
    sequence). ``time`` must already be checked (finite, non-negative).
    """
    n = time.shape[0]
    if n == 0:
        return np.empty(0, dtype=np.float64), np.empty(0, dtype=np.intp), None
    tmax = float(time.max())
    if tmax <= max(_BINCOUNT_RANGE_FACTOR * n, _BINCOUNT_RANGE_FLOOR):
        ti = time.astype(np.intp)
        if np.array_equal(ti, time):
            present = np.bincount(ti, minlength=int(tmax) + 1) > 0
            rank = np.cumsum(present, dtype=np.intp) - 1
            return np.flatnonzero(present).astype(np.float64), rank[ti], None
    order = np.argsort(time)
    ts = time[order]
    run = np.empty(n, dtype=np.intp)
    run[0] = 0
    np.not_equal(ts[1:], ts[:-1], out=run[1:])
    starts = np.flatnonzero(run)
    np.cumsum(run, out=run)
    utime = np.concatenate((ts[:1], ts[starts]))
    return utime, run, order


def encode_groups(group: ArrayLike, *, name: str = "group") -> tuple[NDArray[np.intp], tuple[Any, ...]]:
    """Group codes 0..k-1 in sorted label order, and the labels.

    Numeric arrays take a vectorised path with the same rules as
    :func:`rtdelay.stats._check.check_group` (missing values are an error naming the index;
    labels sorted as R orders factor levels); anything else goes through ``check_group``.
    """
    arr = np.asarray(group)
    if arr.ndim == 1 and arr.dtype.kind in "biu":
        if arr.size == 0:
            return np.empty(0, dtype=np.intp), ()
        lo, hi = int(arr.min()), int(arr.max())
        if hi - lo <= max(4 * arr.size, 1 << 16):
            shifted = (arr.astype(np.int64) - lo).astype(np.intp)
            present = np.bincount(shifted, minlength=hi - lo + 1) > 0
            rank = np.cumsum(present, dtype=np.intp) - 1
            values = np.flatnonzero(present) + lo
            labels: tuple[Any, ...] = tuple(
                bool(v) if arr.dtype.kind == "b" else int(v) for v in values.tolist()
            )
            return rank[shifted], labels
    if arr.ndim == 1 and arr.dtype.kind == "f":
        bad = np.isnan(arr)
        if bad.any():
            raise ValueError(f"{name} is missing at index {int(np.flatnonzero(bad)[0])}")
        values_f, codes = np.unique(arr, return_inverse=True)
        return codes.astype(np.intp).reshape(-1), tuple(float(v) for v in values_f.tolist())
    codes_o, labels_o = check_group(group, name=name)
    return codes_o.astype(np.intp), labels_o


@dataclass(frozen=True)
class RiskTable:
    """Counts at each distinct time (``time`` sorted increasingly).

    ``n_at_risk``, ``n_events``, ``n_censored`` have shape ``(T,)``; the per-group arrays
    ``group_at_risk`` and ``group_events`` have shape ``(T, k)`` (``k = 1`` without groups).
    """

    time: NDArray[np.float64]
    n_at_risk: NDArray[np.int64]
    n_events: NDArray[np.int64]
    n_censored: NDArray[np.int64]
    group_at_risk: NDArray[np.int64]
    group_events: NDArray[np.int64]

    def events_only(self) -> RiskTable:
        """The rows with at least one event (the only rows the log-rank sums use)."""
        keep = self.n_events > 0
        return RiskTable(
            self.time[keep],
            self.n_at_risk[keep],
            self.n_events[keep],
            self.n_censored[keep],
            self.group_at_risk[keep],
            self.group_events[keep],
        )


def _reverse_cumsum(x: NDArray[np.int64]) -> NDArray[np.int64]:
    return np.cumsum(x[::-1], axis=0)[::-1]


def risk_table(
    time: NDArray[np.float64],
    event: NDArray[np.bool_],
    codes: NDArray[np.intp] | None = None,
    k: int = 1,
    *,
    per_group: bool = False,
) -> RiskTable:
    """Risk-set table of checked arrays; ``codes`` are group codes 0..k-1.

    With ``per_group=False`` the group arrays are left empty (shape ``(T, 0)``).
    """
    utime, index, order = distinct_index(time)
    if order is not None:
        event = event[order]
        codes = None if codes is None else codes[order]
    nt = utime.shape[0]
    total = np.bincount(index, minlength=nt).astype(np.int64)
    d = np.bincount(index[event], minlength=nt).astype(np.int64)
    n_risk = _reverse_cumsum(total)
    if per_group and codes is not None:
        cells = index * k + codes
        g_total = np.bincount(cells, minlength=nt * k).reshape(nt, k).astype(np.int64)
        g_d = np.bincount(cells[event], minlength=nt * k).reshape(nt, k).astype(np.int64)
        g_risk = _reverse_cumsum(g_total)
    else:
        g_risk = np.empty((nt, 0), dtype=np.int64)
        g_d = np.empty((nt, 0), dtype=np.int64)
    return RiskTable(utime, n_risk, d, total - d, g_risk, g_d)
