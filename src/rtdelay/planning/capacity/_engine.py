"""Queue engine: when does each waiting patient start, under a policy, with deaths while waiting.

Two kinds of capacity share the same policy loops:

- :class:`Slots` — course starts at fixed times (the planner's slotted model, built by
  ``SlotCalendar.slots``); every start serves one patient and unused starts are lost.
- :class:`Servers` — ``c`` servers with general service times (continuous-time M/G/c; used to
  validate the engine against Pollaczek-Khinchine, Erlang C and Cobham's formulas).

Policies:

- :func:`fifo_starts` — first come first served, an exact recursion over patients in readiness
  order, vectorised across replications. For slots, patient ``k`` takes start
  ``j_k = max(j_prev + 1, a_k)`` with ``a_k`` the first start at or after its readiness and
  ``j_prev`` the start of the last patient served (Lindley's recursion in slot indices). For
  servers it is the Kiefer-Wolfowitz recursion: ``start_k = max(r_k, min_m free_m)``.
- :func:`priority_starts` — non-preemptive priority (lowest key first; ties in readiness
  order), one replication at a time: a loop over start opportunities (days) with a heap.

A patient whose death time comes before the start it would get leaves the queue (competing
event) and does not use that start. Arrays are ``(n_reps, n)`` with rows sorted by readiness
and padded with ``inf``; unstarted patients get ``nan``.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from rtdelay.planning.capacity._class_priority import class_codes, class_priority_slots

__all__ = ["Servers", "Slots", "fifo_starts", "priority_starts"]

Array = NDArray[np.float64]


@dataclass
class Slots:
    """Start times and reserved-for-urgent flags, ``(n_reps, M)`` or ``(1, M)`` shared by all.

    Rows are sorted; ``inf`` pads rows that lost starts to random breakdowns.
    """

    times: Array
    reserved: NDArray[np.bool_] | None = None

    @property
    def shared(self) -> bool:
        return self.times.shape[0] == 1

    def row(self, r: int) -> int:
        """Row of ``times`` used by replication ``r``."""
        return 0 if self.shared else r

    def _first_index(self, ready: Array) -> NDArray[np.int64]:
        """Index of the first start at or after each readiness time, per row (one searchsorted)."""
        reps, m = self.times.shape
        if self.shared:
            return np.searchsorted(self.times[0], ready, side="left").astype(np.int64)
        finite_max = max(float(np.max(np.where(np.isfinite(self.times), self.times, 0.0))),
                         float(np.max(np.where(np.isfinite(ready), ready, 0.0)))) + 2.0
        t = np.where(np.isfinite(self.times), self.times, finite_max - 1.0)
        r = np.where(np.isfinite(ready), ready, finite_max - 0.5)
        offset = (np.arange(reps) * finite_max)[:, None]
        flat = (t + offset).ravel()
        idx = np.searchsorted(flat, (r + offset).ravel(), side="left").reshape(r.shape)
        return idx - (np.arange(reps) * m)[:, None]

    def fifo(self, ready: Array, death: Array) -> Array:
        reps, n = ready.shape
        m = self.times.shape[1]
        first = self._first_index(ready)
        valid = np.isfinite(ready)
        pad = np.full((self.times.shape[0], 1), np.inf)
        times_pad = np.concatenate([self.times, pad], axis=1)
        if not np.any(np.isfinite(death) & valid):
            # no deaths: j_k = max(j_{k-1} + 1, a_k) unrolls to j_k = k + max_{i<=k}(a_i - i)
            idx = np.arange(n)
            j = np.minimum(idx + np.maximum.accumulate(first - idx, axis=1), m)
            t = times_pad[0][j] if self.shared else np.take_along_axis(times_pad, j, axis=1)
            return np.where(valid & np.isfinite(t), t, np.nan)
        # one patient (column) at a time over all replications; columns made contiguous first
        first_t = np.ascontiguousarray(first.T)
        death_t = np.ascontiguousarray(np.where(valid, death, -np.inf).T)
        start_t = np.empty((n, reps))
        rows = np.arange(reps)
        shared = times_pad[0]
        prev = np.full(reps, -1, dtype=np.int64)
        for k in range(n):
            cand = np.minimum(np.maximum(prev + 1, first_t[k]), m)
            t = shared[cand] if self.shared else times_pad[rows, cand]
            ok = (t <= death_t[k]) & (t < np.inf)
            start_t[k] = np.where(ok, t, np.nan)
            prev = np.where(ok, cand, prev)
        return start_t.T.copy()


@dataclass
class Servers:
    """``c`` identical servers; ``service`` holds each patient's service time ``(n_reps, n)``."""

    c: int
    service: Array

    def fifo(self, ready: Array, death: Array) -> Array:
        reps, n = ready.shape
        if self.c == 1 and not np.any(np.isfinite(death) & np.isfinite(ready)):
            # Lindley: W_k = X_k - min_{j<=k} X_j with X_k = sum_{i<k} (S_i - (r_{i+1} - r_i))
            with np.errstate(invalid="ignore"):  # inf - inf in the padding
                steps = self.service[:, :-1] - np.diff(ready, axis=1)
                x = np.concatenate([np.zeros((reps, 1)), np.cumsum(steps, axis=1)], axis=1)
                wait = x - np.minimum.accumulate(np.minimum(x, 0.0), axis=1)
            return np.where(np.isfinite(ready), ready + wait, np.nan)
        rows = np.arange(reps)
        free = np.zeros((reps, self.c))
        start = np.full((reps, n), np.nan)
        for k in range(n):
            m = np.argmin(free, axis=1)
            t = np.maximum(ready[:, k], free[rows, m])
            ok = (t <= death[:, k]) & np.isfinite(ready[:, k])
            start[:, k] = np.where(ok, t, np.nan)
            free[rows[ok], m[ok]] = t[ok] + self.service[ok, k]
        return start


def fifo_starts(ready: Array, death: Array, capacity: Slots | Servers) -> Array:
    """First come first served start times (exact recursion, all replications at once).

    Parameters
    ----------
    ready, death : ndarray (n_reps, n)
        Readiness and death times, rows sorted by readiness, ``inf``-padded.
    capacity : Slots or Servers

    Returns
    -------
    ndarray (n_reps, n)
        Start times; ``nan`` for patients who died first (or padding).
    """
    return capacity.fifo(np.asarray(ready, float), np.asarray(death, float))


def _pop_alive(heap: list[tuple[float, int]], t: float, death: list[float], done: bytearray) -> int:
    """Pop the best patient still waiting and alive at ``t``; -1 if none (the dead are marked)."""
    while heap:
        _, p = heapq.heappop(heap)
        if done[p]:
            continue
        done[p] = 1
        if death[p] < t:
            continue
        return p
    return -1


def _slots_rep(
    ready: list[float],
    death: list[float],
    key: list[float],
    urgent: list[bool] | None,
    times: list[float],
    reserved: list[bool] | None,
    start: list[float],
) -> None:
    """One replication of the slotted day loop (inlined heap operations: this is the hot loop)."""
    n, m = len(ready), len(times)
    items = list(zip(key, range(n), strict=True))
    heap: list[tuple[float, int]] = []
    uheap: list[tuple[float, int]] = []
    push, pop = heapq.heappush, heapq.heappop
    done = bytearray(n)
    use_reserved = reserved is not None
    i = j = 0
    while j < m:
        t = times[j]
        if i < n and ready[i] <= t:
            while i < n and ready[i] <= t:
                push(heap, items[i])
                if use_reserved and urgent is not None and urgent[i]:
                    push(uheap, items[i])
                i += 1
        elif not heap and not uheap:
            if i >= n:
                break
            j = bisect_left(times, ready[i], j)
            continue
        h = uheap if reserved is not None and reserved[j] else heap
        while h:
            p = pop(h)[1]
            if done[p]:
                continue
            done[p] = 1
            if death[p] < t:
                continue
            start[p] = t
            break
        j += 1


def _servers_rep(
    ready: list[float], death: list[float], key: list[float], c: int, service: list[float], start: list[float]
) -> None:
    n = len(ready)
    free = [0.0] * c
    heap: list[tuple[float, int]] = []
    done = bytearray(n)
    i = 0
    while i < n or heap:
        t = free[0]
        if not heap and ready[i] > t:
            t = ready[i]
        while i < n and ready[i] <= t:
            heapq.heappush(heap, (key[i], i))
            i += 1
        p = _pop_alive(heap, t, death, done)
        if p >= 0:
            start[p] = t
            heapq.heapreplace(free, t + service[p])


def priority_starts(
    ready: Array,
    death: Array,
    key: Array,
    capacity: Slots | Servers,
    *,
    urgent: NDArray[np.bool_] | None = None,
    method: str = "auto",
) -> Array:
    """Non-preemptive priority start times: at each start the waiting patient with the lowest key.

    Ties go to the earlier-ready patient. With :class:`Slots` carrying reserved flags, a reserved
    start may only go to a patient flagged ``urgent`` (and is lost if none waits); urgent patients
    also compete for ordinary starts.

    ``method="heap"`` runs the day loop with a heap, one replication at a time; ``"classes"``
    (slots only, at most ``MAX_CLASSES`` distinct keys, urgency fixed by the key) runs one FIFO
    queue per key value across all replications at once; ``"auto"`` takes the second when it
    applies. Both give identical start times.

    Parameters
    ----------
    ready, death, key : ndarray (n_reps, n)
    capacity : Slots or Servers
    urgent : ndarray of bool (n_reps, n), optional

    Returns
    -------
    ndarray (n_reps, n)
    """
    ready = np.asarray(ready, float)
    reps, n = ready.shape
    if method not in ("auto", "heap", "classes"):
        raise ValueError(f"method must be auto, heap or classes; got {method!r}")
    if method != "heap" and isinstance(capacity, Slots):
        fast = _by_classes(ready, np.asarray(death, float), np.asarray(key, float), capacity, urgent)
        if fast is not None:
            return fast
    if method == "classes":
        raise ValueError("the class method needs slots, few distinct keys and urgency fixed by the key")
    start = np.full((reps, n), np.nan)
    for r in range(reps):
        valid = int(np.count_nonzero(np.isfinite(ready[r])))
        row_start = [float("nan")] * valid
        rr = ready[r, :valid].tolist()
        dd = death[r, :valid].tolist()
        kk = key[r, :valid].tolist()
        if isinstance(capacity, Slots):
            row = capacity.row(r)
            if r == 0 or not capacity.shared:
                times = capacity.times[row]
                times = times[np.isfinite(times)].tolist()
                res = None
                if capacity.reserved is not None and capacity.reserved[row].any():
                    res = capacity.reserved[row, : len(times)].tolist()
            urg = urgent[r, :valid].tolist() if urgent is not None and res is not None else None
            _slots_rep(rr, dd, kk, urg, times, res, row_start)
        else:
            _servers_rep(rr, dd, kk, capacity.c, capacity.service[r, :valid].tolist(), row_start)
        start[r, :valid] = row_start
    return start


def _by_classes(
    ready: Array, death: Array, key: Array, capacity: Slots, urgent: NDArray[np.bool_] | None
) -> Array | None:
    valid = np.isfinite(ready)
    coded = class_codes(key, valid)
    if coded is None:
        return None
    codes, n_classes = coded
    urgent_class = None
    if capacity.reserved is not None and capacity.reserved.any():
        if urgent is None:
            urgent_class = np.zeros(n_classes, dtype=bool)
        else:
            urgent_class = np.zeros(n_classes, dtype=bool)
            urgent_class[codes[valid & urgent]] = True
            if np.any(urgent_class[codes[valid]] != urgent[valid]):
                return None  # urgency not fixed by the key: the heap loop handles it
    return class_priority_slots(ready, death, codes, n_classes, capacity.times, capacity.reserved, urgent_class)
