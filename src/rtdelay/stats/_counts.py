"""Count tables: the numbers leaving the risk set per (stratum, group, time), by cause.

Every survival statistic of the study (Kaplan-Meier with Greenwood, the log-rank family,
Aalen-Johansen with cmprsk's variance, Gray's test) is a function of, per stratum :math:`s`,
group :math:`g` and distinct time :math:`t_j`, the events of the cause of interest
:math:`d_{1,sgj}`, of the competing cause :math:`d_{2,sgj}` and the censorings :math:`c_{sgj}`.
Without delayed entry the risk sets follow from them:

.. math:: n_{sgj} = \\sum_{l \\ge j} (d_{1,sgl} + d_{2,sgl} + c_{sgl}) .

:class:`EventCounts` holds such a table as arrays (one row per cell where something happens,
sorted by stratum, group and time). Patient rows become one with :func:`count_records`; a table
received from elsewhere (a site summary) with :func:`event_counts`. The functions of
:mod:`rtdelay.stats._from_counts` compute every statistic from it by building the same risk-set
tables the patient-level functions build and calling the same code.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from rtdelay.errors import InputError
from rtdelay.stats._check import check_cause, check_same_length, check_time
from rtdelay.stats._survtable import encode_groups

__all__ = ["EventCounts", "count_records", "event_counts"]


@dataclass(frozen=True, eq=False)
class EventCounts:
    """Counts per (stratum, group, time) cell, sorted by stratum, group, time.

    Attributes
    ----------
    time : numpy.ndarray of float
        The cell's time (finite, >= 0).
    n_event_1, n_event_2, n_censored : numpy.ndarray of int64
        Events of the cause of interest, of the competing cause (0 when none) and censorings.
    group, stratum : numpy.ndarray of intp
        Codes into ``group_labels`` and ``stratum_labels``.
    group_labels, stratum_labels : tuple
        Labels in level order (one stratum labelled ``""`` when there are none).
    """

    time: NDArray[np.float64]
    n_event_1: NDArray[np.int64]
    n_event_2: NDArray[np.int64]
    n_censored: NDArray[np.int64]
    group: NDArray[np.intp]
    stratum: NDArray[np.intp]
    group_labels: tuple[Any, ...]
    stratum_labels: tuple[Any, ...]

    def __post_init__(self) -> None:
        for name in ("time", "n_event_1", "n_event_2", "n_censored", "group", "stratum"):
            getattr(self, name).flags.writeable = False

    def __len__(self) -> int:
        return int(self.time.shape[0])

    def __repr__(self) -> str:
        return (
            f"EventCounts({len(self)} rows, {len(self.stratum_labels)} strata, groups {list(self.group_labels)}, "
            f"{self.n_records} records, events {int(self.n_event_1.sum())} + {int(self.n_event_2.sum())})"
        )

    @property
    def n_leaving(self) -> NDArray[np.int64]:
        """Records leaving the risk set in each cell (events of both causes and censorings)."""
        return self.n_event_1 + self.n_event_2 + self.n_censored

    @property
    def n_records(self) -> int:
        """Number of records (patients) the table counts."""
        return int(self.n_leaving.sum())

    def group_sizes(self) -> NDArray[np.int64]:
        """Records per group, in level order."""
        return np.bincount(self.group, weights=self.n_leaving, minlength=len(self.group_labels)).astype(np.int64)

    def events(self, cause: int | None) -> NDArray[np.int64]:
        """Events counted for ``cause``: 1 or 2 that cause, None both (all-cause)."""
        if cause is None:
            return self.n_event_1 + self.n_event_2
        if cause == 1:
            return self.n_event_1
        if cause == 2:
            return self.n_event_2
        raise InputError(f"cause must be 1, 2 or None (any cause); got {cause!r}")

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python columns (labels instead of codes)."""
        return {
            "stratum": [self.stratum_labels[i] for i in self.stratum.tolist()],
            "group": [self.group_labels[i] for i in self.group.tolist()],
            "time": self.time.tolist(),
            "n_event_1": self.n_event_1.tolist(),
            "n_event_2": self.n_event_2.tolist(),
            "n_censored": self.n_censored.tolist(),
        }


def _check_counts(values: ArrayLike, name: str) -> NDArray[np.int64]:
    try:
        arr = np.asarray(values, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{name} must be whole numbers >= 0: {exc}") from None
    bad = ~np.isfinite(arr) | (arr < 0) | (arr != np.floor(arr))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(f"{name} must be whole numbers >= 0; index {i} has {arr[i]!r}")
    return arr.astype(np.int64)


def _codes(
    values: ArrayLike | None, n: int, name: str, levels: Sequence[Any] | None
) -> tuple[NDArray[np.intp], tuple[Any, ...]]:
    if values is None:
        return np.zeros(n, dtype=np.intp), ("",) if name == "strata" else ("all",)
    codes, labels = encode_groups(values, name=name, levels=levels)
    return codes.astype(np.intp), labels


def _aggregate(
    time: NDArray[np.float64],
    cols: list[NDArray[np.int64]],
    group: NDArray[np.intp],
    stratum: NDArray[np.intp],
    group_labels: tuple[Any, ...],
    stratum_labels: tuple[Any, ...],
) -> EventCounts:
    """Rows summed per (stratum, group, time) cell, sorted; cells with nothing dropped."""
    order = np.lexsort((time, group, stratum))
    t, g, s = time[order], group[order], stratum[order]
    c = [col[order] for col in cols]
    n = t.shape[0]
    if n:
        new = np.ones(n, dtype=bool)
        new[1:] = (t[1:] != t[:-1]) | (g[1:] != g[:-1]) | (s[1:] != s[:-1])
        starts = np.flatnonzero(new)
        t, g, s = t[starts], g[starts], s[starts]
        c = [np.add.reduceat(col, starts).astype(np.int64) for col in c]
        keep = (c[0] + c[1] + c[2]) > 0
        t, g, s = t[keep], g[keep], s[keep]
        c = [col[keep] for col in c]
    return EventCounts(
        time=np.ascontiguousarray(t, dtype=np.float64),
        n_event_1=c[0],
        n_event_2=c[1],
        n_censored=c[2],
        group=g.astype(np.intp),
        stratum=s.astype(np.intp),
        group_labels=group_labels,
        stratum_labels=stratum_labels,
    )


def event_counts(
    time: ArrayLike,
    n_event_1: ArrayLike,
    n_event_2: ArrayLike | None = None,
    n_censored: ArrayLike | None = None,
    *,
    group: ArrayLike | None = None,
    strata: ArrayLike | None = None,
    levels: Sequence[Any] | None = None,
    strata_levels: Sequence[Any] | None = None,
) -> EventCounts:
    """A count table from its columns (rows in any order; rows of the same cell are summed).

    Parameters
    ----------
    time : array-like of float
        Time of each row (finite, >= 0).
    n_event_1, n_event_2, n_censored : array-like of int
        Counts (whole numbers >= 0); ``n_event_2`` and ``n_censored`` default to 0.
    group, strata : array-like, optional
        Labels of each row (one group ``"all"``, one stratum ``""`` when not given).
    levels, strata_levels : sequence, optional
        Label order (else a pandas Categorical's, else sorted as R orders factor levels).

    Raises
    ------
    InputError
        A bad time or count (naming the first bad index), or columns of different lengths.

    Examples
    --------
    >>> from rtdelay.stats import event_counts
    >>> tab = event_counts([2.0, 1.0, 2.0], [1, 0, 2], [0, 1, 0], [1, 0, 0])
    >>> tab.time.tolist(), tab.n_event_1.tolist(), tab.n_records
    ([1.0, 2.0], [0, 3], 5)
    """
    t = check_time(time)
    e1 = _check_counts(n_event_1, "n_event_1")
    e2 = np.zeros_like(e1) if n_event_2 is None else _check_counts(n_event_2, "n_event_2")
    cen = np.zeros_like(e1) if n_censored is None else _check_counts(n_censored, "n_censored")
    check_same_length(time=t, n_event_1=e1, n_event_2=e2, n_censored=cen)
    g, g_labels = _codes(group, t.shape[0], "group", levels)
    s, s_labels = _codes(strata, t.shape[0], "strata", strata_levels)
    check_same_length(time=t, group=g, strata=s)
    return _aggregate(t, [e1, e2, cen], g, s, g_labels, s_labels)


def count_records(
    time: ArrayLike,
    cause: ArrayLike,
    *,
    group: ArrayLike | None = None,
    strata: ArrayLike | None = None,
    levels: Sequence[Any] | None = None,
    strata_levels: Sequence[Any] | None = None,
) -> EventCounts:
    """The count table of patient records.

    ``cause`` is 0 (censored), 1 (event of interest) or 2 and above (competing; all other
    causes pooled, as :func:`rtdelay.stats.cumulative_incidence` pools them); a 0/1 or boolean
    event indicator is a ``cause`` without competing events.

    Examples
    --------
    >>> from rtdelay.stats import count_records
    >>> tab = count_records([1, 1, 2, 3], [1, 0, 2, 1])
    >>> tab.time.tolist(), tab.n_event_1.tolist(), tab.n_event_2.tolist(), tab.n_censored.tolist()
    ([1.0, 2.0, 3.0], [1, 0, 1], [0, 1, 0], [1, 0, 0])
    """
    t = check_time(time)
    c = check_cause(np.asarray(cause).astype(np.float64) if np.asarray(cause).dtype == bool else cause)
    check_same_length(time=t, cause=c)
    g, g_labels = _codes(group, t.shape[0], "group", levels)
    s, s_labels = _codes(strata, t.shape[0], "strata", strata_levels)
    check_same_length(time=t, group=g, strata=s)
    cols = [(c == 1).astype(np.int64), (c >= 2).astype(np.int64), (c == 0).astype(np.int64)]
    return _aggregate(t, cols, g, s, g_labels, s_labels)
