"""Statistics of simulated queues: Little's law, queue length over time, batch means, CIs.

Little's law ``L = lambda W`` (Little 1961, *Oper Res* 9:383-7; sample-path form, Stidham 1974,
*Oper Res* 22:417-21) is checked on every replication. The path is followed from 0 until every
patient who became ready in ``[0, T)`` has left the queue (``T_end``): ``L`` is the time-average
number waiting, integrated from the sorted arrival and departure times (``Q = A - D``), and
``lambda W`` is ``N / T_end`` times the mean time spent waiting (until the start, or until
death for those who died waiting). On such a path the two agree exactly, so a gap flags a
bookkeeping error (a patient lost, a start before readiness, unsorted events); over a fixed
window ``[0, T]`` they would differ by the patients still waiting at ``T``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = ["LittleCheck", "batch_means", "leave_times", "little_check", "mean_ci", "queue_length_on_grid", "row_quantile"]

Array = NDArray[np.float64]
Z95 = 1.959963984540054


def leave_times(ready: Array, start: Array, death: Array) -> Array:
    """Time each patient leaves the queue: the start, else death (``inf`` if neither)."""
    return np.where(np.isfinite(start), start, np.where(np.isfinite(ready), death, np.inf))


@dataclass(frozen=True)
class LittleCheck:
    """Per-replication ``L`` (time average of the queue) and ``lambda W``; ``gap`` = relative difference."""

    time_average: Array
    rate_times_wait: Array

    @property
    def gap(self) -> Array:
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.abs(self.time_average - self.rate_times_wait) / np.maximum(self.time_average, 1e-300)


def little_check(ready: Array, leave: Array, horizon: float) -> LittleCheck:
    """Little's law on each replication for the patients ready in ``[0, horizon)``.

    ``L = (1/T_end) integral Q dt`` with ``Q = A - D``, the arrival and departure counting
    processes integrated from their own sorted event times, independently of the per-patient
    pairing of readiness and leaving that gives ``lambda W``. Patients who never leave (no
    start, no death) make the check ``nan``.
    """
    inside = ready < horizon
    with np.errstate(invalid="ignore"):
        t_end = np.maximum(np.max(np.where(inside, leave, 0.0), axis=1), horizon)
        # Q(t) = A(t) - D(t): integrate the arrival and departure counting processes separately
        # (the k-th arrival paired with the k-th departure in time order)
        a = np.sort(np.where(inside, ready, t_end[:, None]), axis=1)
        d = np.sort(np.where(inside, leave, t_end[:, None]), axis=1)
        area = np.sum(d - a, axis=1) / t_end
        n = inside.sum(axis=1)
        total = np.sum(np.where(inside, leave - ready, 0.0), axis=1)
    lam_w = np.where(n > 0, (n / t_end) * total / np.maximum(n, 1), 0.0)
    return LittleCheck(time_average=area, rate_times_wait=lam_w)


def row_quantile(values: Array, q: float | Sequence[float]) -> Array:
    """Quantile(s) of the finite values of each row (linear interpolation, as ``numpy.quantile``).

    With a sequence of ``q`` the result has one column per ``q`` (one sort for all).

    Examples
    --------
    >>> row_quantile(np.array([[1.0, 2.0, np.nan, 4.0]]), [0.5, 0.9]).round(2).tolist()
    [[2.0, 3.6]]
    """
    qs = np.atleast_1d(np.asarray(q, float))
    v = np.sort(np.where(np.isfinite(values), values, np.inf), axis=1)
    n = np.sum(np.isfinite(values), axis=1)[:, None]
    pos = qs[None, :] * np.maximum(n - 1, 0)
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, np.maximum(n - 1, 0))
    frac = pos - lo
    with np.errstate(invalid="ignore"):
        out = np.take_along_axis(v, lo, axis=1) * (1 - frac) + np.take_along_axis(v, hi, axis=1) * frac
    out = np.where(n > 0, out, np.nan)
    return out[:, 0] if np.ndim(q) == 0 else out


def queue_length_on_grid(ready: Array, leave: Array, grid: Array) -> Array:
    """Number waiting at each grid time, ``(n_reps, len(grid))``: ready by t and not yet left.

    Counts ``#{ready <= g} - #{leave <= g}`` per replication by binning both event times on the
    (sorted) grid and accumulating, without sorting the events.
    """
    reps, g = ready.shape[0], grid.size
    offset = (np.arange(reps) * (g + 1))[:, None]

    def counting(times: Array) -> NDArray[np.int64]:
        keep = np.isfinite(ready) & np.isfinite(times)
        b = np.searchsorted(grid, np.where(keep, times, np.inf), side="left")
        counts = np.bincount((b + offset)[keep], minlength=reps * (g + 1)).reshape(reps, g + 1)
        return np.cumsum(counts, axis=1)[:, :g]

    return (counting(ready) - counting(leave)).astype(float)


def batch_means(x: Array, n_batches: int = 20) -> tuple[float, float]:
    """Mean and its standard error by the method of non-overlapping batch means.

    The series is cut into ``n_batches`` consecutive batches; the SE is the standard deviation
    of the batch means over ``sqrt(n_batches)`` (Law & Kelton, *Simulation Modeling and
    Analysis*, sec. 9.5.3). Valid when batches are long compared with the autocorrelation.

    Examples
    --------
    >>> m, se = batch_means(np.arange(100.0), n_batches=4)
    >>> float(m)
    49.5
    """
    x = np.asarray(x, float)
    size = x.size // n_batches
    if size < 1:
        raise ValueError("fewer observations than batches")
    means = x[: size * n_batches].reshape(n_batches, size).mean(axis=1)
    return float(np.mean(x)), float(np.std(means, ddof=1) / np.sqrt(n_batches))


def mean_ci(values: Array, axis: int = 0) -> tuple[Array, Array, Array]:
    """Mean over replications with a normal 95 % CI (``mean +/- 1.96 SD / sqrt(R)``).

    Replications with ``nan`` (no patient in that replication) are left out.
    """
    v = np.asarray(values, float)
    n = np.sum(np.isfinite(v), axis=axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        m = np.nanmean(v, axis=axis) if v.size else np.full(0, np.nan)
        sd = np.nanstd(v, axis=axis, ddof=1) if np.max(n, initial=0) > 1 else np.zeros_like(m)
        half = Z95 * np.nan_to_num(sd) / np.sqrt(np.maximum(n, 1))
    return m, m - half, m + half
