"""Sorted risk-set table shared by Kaplan-Meier and the log-rank family.

Everything here is vectorised; no Python loop runs over times or records:

* integer-valued times with a small range (e.g. days): ``bincount`` over time (and group) bins,
  O(n + range), no sort at all;
* other times, no groups: one ``numpy.sort`` of ``uint64`` keys packing each time's bit
  pattern with its event flag (see :func:`_sorted_counts`); runs of equal times by
  ``flatnonzero(diff)``, risk sets as ``n - start`` of each run and event counts from one
  cumulative sum;
* other times, k groups: one ``numpy.sort`` of keys packing an order-preserving integer code
  of the time with the group and the event (see :func:`_time_codes`); when the times span too
  many binades for the code to leave room for the group bits (about 2**10 / 2**g binades for
  g group bits, far beyond real follow-up data), one sort per group and a merge of the k
  sorted runs instead. Counts per (time, group) cell by ``bincount``.

For distinct times :math:`t_1 < \\dots < t_T` the table holds :math:`n_j` (number with time
:math:`\\ge t_j`, the risk set), :math:`d_j` (events at :math:`t_j`) and :math:`c_j`
(censorings at :math:`t_j`), overall and, when groups are given, per group.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from rtdelay.errors import InputError
from rtdelay.stats._check import categorical_levels, check_group, encode_with_levels

__all__ = ["RiskTable", "encode_groups", "event_as_bool", "risk_table"]

# Integer times use a bincount when their range is at most this multiple of the sample size
# (plus a floor for small samples): O(n + range) instead of O(n log n).
_BINCOUNT_RANGE_FACTOR = 4
_BINCOUNT_RANGE_FLOOR = 1 << 16
_TIMEFIX_TOL = float(np.sqrt(np.finfo(np.float64).eps))  # = rtdelay.stats._timefix.TIMEFIX_TOL


def _time_codes(time: NDArray[np.float64], spare_bits: int) -> tuple[NDArray[np.uint64], int] | None:
    """Exact order-preserving integer codes of non-negative times, leaving ``spare_bits`` free.

    The IEEE-754 bit patterns of non-negative floats sort like the numbers. Code 0 stands for
    zero (``0.0`` and ``-0.0``) and ``bits - lo + 1`` for a positive time, ``lo`` being the bit
    pattern of the smallest positive time, so the codes span only the binades the data use.
    Returns the codes and ``lo`` (see :func:`_decode_times`), or None when the largest code
    needs more than ``64 - spare_bits`` bits.
    """
    n = time.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.uint64), 1
    tmin, tmax = float(time.min()), float(time.max())
    if tmax == 0.0:
        return np.zeros(n, dtype=np.uint64), 1
    lo_time = tmin if tmin > 0.0 else float(np.min(time, where=time > 0.0, initial=np.inf))
    lo = int(np.float64(lo_time).view(np.uint64))
    hi = int(np.float64(tmax).view(np.uint64))
    if (hi - lo + 1) >> (64 - spare_bits):
        return None
    codes = time.view(np.uint64) - np.uint64(lo - 1)  # wraps for zeros, fixed just below
    if tmin == 0.0:
        codes[time == 0.0] = 0
    return codes, lo


def _decode_times(codes: NDArray[np.uint64], lo: int) -> NDArray[np.float64]:
    """Times from distinct, increasing codes of :func:`_time_codes`, decoded in place.

    ``lo = 1``: the codes are the bit patterns themselves. Only the first code can be 0.
    """
    if lo != 1:
        codes += np.uint64(lo - 1)
        if codes.shape[0] and codes[0] == np.uint64(lo - 1):
            codes[0] = 0  # code 0 is the time 0
    return codes.view(np.float64)


def _merged_group_keys(
    time: NDArray[np.float64], event: NDArray[np.bool_], grp: NDArray[np.integer[Any]], k: int
) -> tuple[NDArray[np.uint64], NDArray[np.integer[Any]]]:
    """All ``(bits << 1) | event`` keys sorted, with each key's group: k sorts and a run merge.

    The fallback of :func:`_grouped_sorted` for times spanning too many binades.
    """
    packed = time.view(np.uint64) << np.uint64(1)
    packed |= event
    runs = []
    for g in range(k):
        key = packed[grp == g]
        key.sort()
        runs.append(key)
    del packed
    sizes = [r.shape[0] for r in runs]
    cat = np.concatenate(runs)
    del runs
    perm = np.argsort(cat, kind="stable")
    merged = cat[perm]
    del cat
    small = np.int8 if k <= 127 else np.intp
    labels: NDArray[Any] = np.repeat(np.arange(k, dtype=small), sizes)[perm]
    return merged, labels


def _grouped_sorted(
    time: NDArray[np.float64], event: NDArray[np.bool_], grp: NDArray[np.integer[Any]], k: int
) -> tuple[NDArray[np.uint64], int, NDArray[np.bool_], NDArray[np.integer[Any]]]:
    """Records sorted by (time, group, event): time codes, ``lo``, events and group codes.

    ``lo`` decodes the codes (:func:`_decode_times`).
    One ``numpy.sort`` of ``(code << (b + 1)) | (group << 1) | event`` keys, ``b`` bits
    holding the group code; falls back to :func:`_merged_group_keys` when the codes leave no
    room for the group bits.
    """
    gbits = max(1, (k - 1).bit_length())
    shift = gbits + 1
    coded = _time_codes(time, shift)
    if coded is None:
        merged, merged_labels = _merged_group_keys(time, event, grp, k)
        merged_ev = (_low_bytes(merged) & np.uint8(1)).view(np.bool_)
        merged >>= np.uint64(1)
        return merged, 1, merged_ev, merged_labels
    key, lo = coded
    key <<= np.uint64(shift)
    # key += 2 * group, then the event bit; the casts run in small buffers, no full temporary.
    np.add(key, grp, out=key, dtype=np.uint64, casting="unsafe")
    np.add(key, grp, out=key, dtype=np.uint64, casting="unsafe")
    key |= event
    key.sort()
    if shift <= 8:  # group and event sit in the lowest byte: work on a uint8 view
        lb = _low_bytes(key) & np.uint8((1 << shift) - 1)
        ev = (lb & np.uint8(1)).view(np.bool_)
        labels: NDArray[Any] = lb >> np.uint8(1)
    else:
        low = key & np.uint64((1 << shift) - 1)
        ev = (low & np.uint64(1)).astype(np.bool_)
        labels = (low >> np.uint64(1)).astype(np.intp)
        del low
    key >>= np.uint64(shift)
    return key, lo, ev, labels


def _integer_bins(time: NDArray[np.float64]) -> NDArray[np.intp] | None:
    """``time`` as bin numbers when all times are integers with a small range, else None."""
    n = time.shape[0]
    if n == 0:
        return None
    tmax = float(time.max())
    if tmax > max(_BINCOUNT_RANGE_FACTOR * n, _BINCOUNT_RANGE_FLOOR):
        return None
    head = time[:64]
    if not np.array_equal(head, np.floor(head)):
        return None  # cheap early exit for continuous times
    ti = time.astype(np.intp)
    return ti if np.array_equal(ti, time) else None


def _low_bytes(key: NDArray[np.uint64]) -> NDArray[np.uint8]:
    """The least significant byte of each ``uint64`` (a strided view, no copy)."""
    raw = key.view(np.uint8)
    return raw[0::8] if sys.byteorder == "little" else raw[7::8]


def _sorted_keys(
    time: NDArray[np.float64], event: NDArray[np.bool_]
) -> tuple[NDArray[np.uint64], int, NDArray[np.bool_]]:
    """Records in increasing time order: time bit patterns, ``lo = 1`` and events, by one sort.

    For non-negative floats the IEEE-754 bit patterns sort like the numbers, and their sign
    bit is free: ``(bits << 1) | event`` packs time and event into one ``uint64`` key, and a
    plain ``numpy.sort`` of the keys (SIMD-accelerated, about twice as fast as ``argsort``)
    replaces the permutation. ``-0.0`` becomes ``0.0``.
    """
    key = time.view(np.uint64) << np.uint64(1)
    key |= event
    key.sort()
    ev = (_low_bytes(key) & np.uint8(1)).view(np.bool_)
    key >>= np.uint64(1)
    return key, 1, ev


def _table_from_sorted(
    key: NDArray[np.uint64],
    lo: int,
    ev: NDArray[np.bool_],
    labels: NDArray[np.integer[Any]] | None,
    k: int,
    event_times_only: bool,
    timefix: bool = False,
) -> RiskTable:
    """Risk table of records sorted by time (``key``: codes of :func:`_time_codes`).

    ``timefix``: R's merging of near-equal times (:mod:`rtdelay.stats._timefix`) is applied to
    the sorted records before the runs are counted: the boundary between two distinct times
    that R ties is dropped, so each chain is one run at its first (smallest) time. One pass,
    no second table and no merge afterwards.

    The j-th distinct time's records are ``bounds[j]:bounds[j + 1]`` of the sorted arrays, so
    its risk set is ``n - bounds[j]``; counts within it (events, per group) are differences of
    one cumulative sum taken at the bounds, and per-group risk sets are the group's size minus
    its records before the run (the last group's counts are the rest). Without ties (usual for
    continuous times) every run is one record and the sums are not needed.
    """
    n = key.shape[0]
    new = np.empty(n + 1, dtype=np.bool_)
    new[:1] = True
    new[-1:] = True
    np.not_equal(key[1:], key[:-1], out=new[1:n])
    no_ties = bool(new.all())
    if timefix and n > 1 and _drop_near_tie_bounds(key, lo, new, no_ties):
        no_ties = False
    cum_dtype = np.int32 if n < 2**31 - 1 else np.int64  # half the memory for counts < 2**31
    cum = np.empty(n + 1 if (labels is not None or not no_ties) else 1, dtype=cum_dtype)
    cum[0] = 0
    if no_ties:
        del new
        if event_times_only:
            starts = np.flatnonzero(ev)
            utime = _decode_times(key[starts], lo)
            d = np.ones(starts.shape[0], dtype=np.int64)
            censored = np.zeros(starts.shape[0], dtype=np.int64)
        else:
            starts = np.arange(n)
            utime = _decode_times(key, lo)  # the (consumed) key array itself
            d = ev.astype(np.int64)
            censored = 1 - d
    else:
        bounds = np.flatnonzero(new)
        del new
        np.cumsum(ev, dtype=cum_dtype, out=cum[1:])
        at_bounds = cum[bounds]
        d = np.subtract(at_bounds[1:], at_bounds[:-1], dtype=np.int64)
        del at_bounds
        total = np.diff(bounds)
        if event_times_only:
            rows = np.flatnonzero(d)
            d, total = d[rows], total[rows]
            starts, ends = bounds[rows], bounds[rows + 1]
            del rows
        else:
            starts, ends = bounds[:-1], bounds[1:]
        del bounds
        utime = _decode_times(key[starts], lo)
        censored = total - d
        del total
    del key
    n_risk = np.subtract(n, starts, dtype=np.int64)
    g_risk = np.empty((k, starts.shape[0]), dtype=np.int64)
    g_d = np.empty((k, starts.shape[0]), dtype=np.int64)
    group_n = np.empty(k, dtype=np.int64)
    if labels is not None and k > 0:
        # Rows are filled in place; the last group's counts are the rest.
        g_risk[k - 1] = n_risk
        g_d[k - 1] = d
        for g in range(k - 1):
            in_g = labels == g
            np.cumsum(in_g, dtype=cum_dtype, out=cum[1:])
            group_n[g] = cum[n]
            np.subtract(group_n[g], cum[starts], out=g_risk[g])
            in_g &= ev
            if no_ties:
                g_d[g] = in_g[starts]
            else:
                np.cumsum(in_g, dtype=cum_dtype, out=cum[1:])
                np.subtract(cum[ends], cum[starts], out=g_d[g])
            del in_g
            g_risk[k - 1] -= g_risk[g]
            g_d[k - 1] -= g_d[g]
        group_n[k - 1] = n - group_n[: k - 1].sum()
    return RiskTable(utime, n_risk, d, censored, g_risk, g_d, group_n)


def _drop_near_tie_bounds(key: NDArray[np.uint64], lo: int, new: NDArray[np.bool_], no_ties: bool) -> bool:
    """Clear ``new`` at the starts of distinct times that R's timefix ties to the time before.

    Returns whether any was cleared. Without exact ties and with ``lo = 1`` the sorted keys
    are the times' bit patterns: they are read as floats in place (no copy).
    """
    from rtdelay.stats._timefix import tied_to_previous  # _timefix imports this module

    n = key.shape[0]
    if no_ties:
        distinct = None
        times = key.view(np.float64) if lo == 1 else _decode_times(key.copy(), lo)
    else:
        distinct = np.flatnonzero(new[:n])
        times = _decode_times(key[distinct], lo)  # key[...] is a copy
    tied = tied_to_previous(times, nonnegative=True)
    if tied is None:
        return False
    new[tied if distinct is None else distinct[tied]] = False
    return True


def event_as_bool(event: ArrayLike) -> ArrayLike:
    """A 0/1 integer array as booleans (cheap); anything else unchanged.

    Lets :func:`rtdelay.stats._check.check_event` take its fast boolean path on the common
    integer input; any other value still goes to ``check_event``, which names the bad index.
    """
    arr = np.asarray(event)
    if arr.ndim == 1 and arr.dtype.kind in "iu" and arr.size and arr.min() >= 0 and arr.max() <= 1:
        return arr != 0
    return event


def encode_groups(
    group: ArrayLike, *, name: str = "group", levels: Sequence[Any] | None = None
) -> tuple[NDArray[np.integer[Any]], tuple[Any, ...]]:
    """Group codes 0..k-1 in level order, and the labels.

    The order is ``levels`` when given, else the categories of a pandas Categorical, else the
    sorted labels (as R orders the levels of a factor made from a vector).

    Numeric arrays take a vectorised path with the same rules as
    :func:`rtdelay.stats._check.check_group` (missing values are an error naming the index;
    labels sorted as R orders factor levels); anything else goes through ``check_group``.
    Integer labels that already are 0..k-1 are returned as they are (any integer dtype).
    """
    if levels is None:
        levels = categorical_levels(group)
    if levels is not None:
        codes_l, labels_l = encode_with_levels(group, levels, name=name)
        return codes_l.astype(np.intp), labels_l
    arr = np.asarray(group)
    if arr.ndim == 1 and arr.dtype.kind in "biu":
        if arr.size == 0:
            return np.empty(0, dtype=np.intp), ()
        if arr.dtype.kind == "b":
            arr = arr.view(np.uint8)
        lo, hi = int(arr.min()), int(arr.max())
        if hi - lo <= max(4 * arr.size, 1 << 16):
            shifted = arr if lo == 0 else (arr.astype(np.int64) - lo).astype(np.intp)
            present = np.bincount(shifted, minlength=hi - lo + 1) > 0
            values = np.flatnonzero(present) + lo
            kind = np.asarray(group).dtype.kind
            labels: tuple[Any, ...] = tuple(bool(v) if kind == "b" else int(v) for v in values.tolist())
            if present.all():
                return shifted, labels
            rank = np.cumsum(present, dtype=np.intp) - 1
            return rank[shifted], labels
    if arr.ndim == 1 and arr.dtype.kind == "f":
        bad = np.isnan(arr)
        if bad.any():
            raise InputError(f"{name} is missing at index {int(np.flatnonzero(bad)[0])}")
        values_f, codes = np.unique(arr, return_inverse=True)
        return codes.astype(np.intp).reshape(-1), tuple(float(v) for v in values_f.tolist())
    codes_o, labels_o = check_group(group, name=name)
    return codes_o.astype(np.intp), labels_o


@dataclass(frozen=True)
class RiskTable:
    """Counts at distinct times (``time`` sorted increasingly).

    ``n_at_risk``, ``n_events``, ``n_censored`` have shape ``(T,)``; the per-group arrays
    ``group_at_risk`` and ``group_events`` have shape ``(k, T)`` (one contiguous row per group;
    ``(0, T)`` when groups were not requested); ``group_n`` counts each group's records.
    """

    time: NDArray[np.float64]
    n_at_risk: NDArray[np.int64]
    n_events: NDArray[np.int64]
    n_censored: NDArray[np.int64]
    group_at_risk: NDArray[np.int64]
    group_events: NDArray[np.int64]
    group_n: NDArray[np.int64]


def _reverse_cumsum_inplace(x: NDArray[np.int64]) -> NDArray[np.int64]:
    """Replace ``x`` by its sums from each position to the end, along the last axis."""
    rev = x[..., ::-1]
    np.cumsum(rev, axis=-1, out=rev)
    return x


def _binned_table(
    ti: NDArray[np.intp],
    event: NDArray[np.bool_],
    grp: NDArray[np.integer[Any]] | None,
    k: int,
    event_times_only: bool,
) -> RiskTable:
    """Risk table of integer times ``ti`` (bins 0..max) by one ``bincount``, O(n + range)."""
    nt = int(ti.max()) + 1
    utime = np.arange(nt, dtype=np.float64)
    # One bincount over cells (time, group, event): cell = (ti * k + group) * 2 + event.
    kk = 1 if grp is None else k
    cells = ti * (2 * kk)
    if grp is not None:
        np.add(cells, grp, out=cells, casting="unsafe")
        np.add(cells, grp, out=cells, casting="unsafe")
    np.add(cells, event, out=cells, casting="unsafe")
    cnt = np.bincount(cells, minlength=2 * kk * nt).reshape(nt, kk, 2)
    del cells
    if grp is not None:
        g_total = np.ascontiguousarray(cnt.sum(axis=2).T)
        g_d = np.ascontiguousarray(cnt[:, :, 1].T)
    else:
        g_total = np.empty((0, nt), dtype=np.int64)
        g_d = np.empty((0, nt), dtype=np.int64)
    total = cnt.sum(axis=(1, 2))
    d = cnt[:, :, 1].sum(axis=1)
    del cnt
    group_n = g_total.sum(axis=1)
    keep = d > 0 if event_times_only else total > 0
    rows = np.flatnonzero(keep)
    del keep
    censored = total[rows] - d[rows]
    # Risk sets: sums from each time to the end, in place (total and g_total are consumed).
    n_risk = _reverse_cumsum_inplace(total)[rows]
    g_risk = _reverse_cumsum_inplace(g_total)[:, rows]
    return RiskTable(utime[rows], n_risk, d[rows], censored, g_risk, g_d[:, rows], group_n)


def risk_table(
    time: NDArray[np.float64],
    event: NDArray[np.bool_],
    codes: NDArray[np.integer[Any]] | None = None,
    k: int = 1,
    *,
    per_group: bool = False,
    event_times_only: bool = False,
    timefix: bool = False,
) -> RiskTable:
    """Risk-set table of checked arrays; ``codes`` are group codes 0..k-1.

    With ``event_times_only`` only the times with at least one event are kept (all the
    log-rank sums need); the risk sets still count every record. ``per_group=False`` gives
    ``(0, T)`` per-group arrays. ``timefix=True`` first merges times equal up to floating-point
    noise as R's ``aeqSurv`` (:mod:`rtdelay.stats._timefix`): each chain of tied times is one
    row at its first time, the same table as :func:`rtdelay.stats._timefix.merge_table` of
    the exact table, built in the same single pass (events are merged before
    ``event_times_only`` drops event-free rows).
    """
    grp = codes if per_group else None
    ti = _integer_bins(time)
    # Whole numbers are at least 1 apart: R ties two of them only when 1 / mean <= tol, i.e.
    # for times near 6.7e7 and beyond, far outside the bincount range; those take the sort path.
    if ti is not None and timefix and float(time.max()) * _TIMEFIX_TOL >= 1.0:
        ti = None
    if ti is not None:
        # Integer times (e.g. days): no sort at all.
        return _binned_table(ti, event, grp, k, event_times_only)
    if grp is None:
        # Other times, no groups: one sort of packed (time, event) keys.
        # (The sorted arrays are passed on without a local name, so they are freed early.)
        return _table_from_sorted(*_sorted_keys(time, event), None, 0, event_times_only, timefix)
    # Other times, k groups: one sort of packed (time, group, event) keys.
    return _table_from_sorted(*_grouped_sorted(time, event, grp, k), k, event_times_only, timefix)
