"""Priority with a few distinct keys on slotted starts, all replications at once.

When the priority key takes few values (the risk-first policy: one value per covariate profile
of the risk model), the waiting line is a set of first-come-first-served queues, one per key
value. At each start the best non-empty queue whose first patient is ready gives its first
patient; a patient found dead is dropped and the same start is offered again. This is exactly
what the heap loop does (the heap's minimum ``(key, readiness order)`` among ready patients is
the first ready patient of the best queue), but the loop runs over starts with numpy arrays
across replications instead of over patients in Python, replication by replication.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["MAX_CLASSES", "class_codes", "class_priority_slots"]

MAX_CLASSES = 64
"""Above this many distinct keys the heap loop is used."""

Array = NDArray[np.float64]


def class_codes(key: Array, valid: NDArray[np.bool_]) -> tuple[NDArray[np.int64], int] | None:
    """Rank of each patient's key among the distinct keys (0 = served first); None if too many."""
    values = np.unique(key[valid])
    if values.size > MAX_CLASSES or values.size == 0:
        return None
    codes = np.searchsorted(values, np.where(valid, key, values[0]))
    return np.where(valid, codes, values.size).astype(np.int64), int(values.size)


def class_priority_slots(
    ready: Array,
    death: Array,
    codes: NDArray[np.int64],
    n_classes: int,
    times: Array,
    reserved: NDArray[np.bool_] | None,
    urgent_class: NDArray[np.bool_] | None,
) -> Array:
    """Start times under class priority (lowest code first, FIFO within a class).

    Parameters
    ----------
    ready, death : ndarray (n_reps, n)
        Rows sorted by readiness, ``inf``-padded.
    codes : ndarray of int (n_reps, n)
        Class of each patient; ``n_classes`` for padding.
    times, reserved : ndarray (1 or n_reps, M)
        Start times (sorted rows) and reserved flags.
    urgent_class : ndarray of bool (n_classes,), optional
        Classes that may take reserved starts.
    """
    reps, n = ready.shape
    rows = np.arange(reps)
    order = np.argsort(codes * (n + 1) + np.arange(n), axis=1, kind="stable")
    ready_s = np.take_along_axis(ready, order, axis=1).ravel()
    death_s = np.take_along_axis(death, order, axis=1).ravel()
    flat = (codes + (rows * (n_classes + 1))[:, None]).ravel()
    counts = np.bincount(flat, minlength=reps * (n_classes + 1)).reshape(reps, n_classes + 1)
    begin = np.cumsum(counts, axis=1) - counts
    head = begin[:, :n_classes].copy()
    end = (begin + counts)[:, :n_classes]
    base = rows * n
    last = reps * n - 1
    # ready time of each queue's first patient (inf when the queue is used up), kept up to date
    head_ready = np.where(head < end, ready_s[np.minimum(base[:, None] + head, last)], np.inf)
    start_s = np.full(reps * n, np.nan)
    remaining = int(counts[:, :n_classes].sum())
    shared = times.shape[0] == 1
    use_reserved = reserved is not None and urgent_class is not None and bool(reserved.any())
    m = times.shape[1]
    j = 0
    while j < m and remaining:
        t_all = times[0, j] if shared else times[:, j]
        if shared:
            nxt = float(head_ready.min())
            if nxt > t_all:  # nobody waits: jump to the first start at or after the next readiness
                j = int(np.searchsorted(times[0], nxt, side="left"))
                continue
        pending: NDArray[np.int64] | None = None
        while pending is None or pending.size:
            hr = head_ready if pending is None else head_ready[pending]
            t = t_all if shared else (t_all if pending is None else t_all[pending])[:, None]
            avail = hr <= t
            if use_reserved:
                res = reserved[0, j] if shared else (reserved[:, j] if pending is None else reserved[pending, j])[:, None]  # type: ignore[index]
                avail &= ~np.asarray(res) | urgent_class[None, :]  # type: ignore[index]
            best = avail.argmax(axis=1)  # first available queue (0 when none: checked next)
            has = avail[np.arange(best.size), best]
            if not has.any():
                break
            r = np.flatnonzero(has) if pending is None else pending[has]
            c = best[has]
            p = base[r] + head[r, c]
            t_r = t_all if shared else t_all[r]
            alive = death_s[p] >= t_r
            start_s[p[alive]] = t_r if shared else t_r[alive]
            head[r, c] += 1
            remaining -= r.size
            nh = head[r, c]
            head_ready[r, c] = np.where(nh < end[r, c], ready_s[np.minimum(base[r] + nh, last)], np.inf)
            pending = r[~alive]  # a dead patient frees the start for the next in line
        j += 1
    start = np.empty((reps, n))
    np.put_along_axis(start, order, start_s.reshape(reps, n), axis=1)
    return start
