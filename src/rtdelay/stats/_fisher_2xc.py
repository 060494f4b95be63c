"""Fisher's exact test for 2 x c tables: a network algorithm with exact path bounds.

A 2 x c table with column totals :math:`c_1, \\dots, c_k` and first-row total :math:`R_1` is a
path through the network whose node after column :math:`j` is the part :math:`a` of :math:`R_1`
still to place. Its probability is :math:`\\exp(K + \\sum_j f_j(x_j))` with
:math:`f_j(x) = -\\log x! - \\log (c_j - x)!` and :math:`K` fixed by the margins. For each node
the longest and shortest remaining paths (the most and least probable completions) are found
exactly by max-plus / min-plus convolution over the remaining columns, and the total over all
completions is closed form, :math:`\\binom{M}{a} / \\prod_{l > j} c_l!` with :math:`M` the
remaining column total (Mehta & Patel 1983). A partial path whose every completion is at most
as probable as the observed table adds that total at once; one whose every completion is more
probable is dropped; only the others are expanded. Past path values equal to 1e-9 are merged
(as FEXACT's hash of past probabilities).

Work and memory are bounded: before each column the number of path extensions is known, and
the test refuses (``ValueError``) when it exceeds ``_MAX_EXTENSIONS`` in one column or
``_MAX_TOTAL`` in all; extensions are processed in chunks of ``_CHUNK``.

Reference: Mehta CR, Patel NR. A network algorithm for performing Fisher's exact test in
r x c contingency tables. JASA 1983;78:427-34.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = ["fisher_p_2xc", "TooLarge"]

_MAX_EXTENSIONS = 4_000_000  # path extensions in one column (kept in memory)
_MAX_LAST = 50_000_000  # extensions into the last two columns (streamed, not kept)
_MAX_TOTAL = 60_000_000  # path extensions over the whole network
_CHUNK = 2_000_000  # extensions handled at once (bounds the memory)
_ROUND = 1e9  # past path values merged when equal to 1e-9


class TooLarge(ValueError):
    """The table is beyond the work and memory bounds of the exact test."""


def _suffix_bounds(
    cols: NDArray[np.int64], lf: NDArray[np.float64]
) -> tuple[list[NDArray[np.float64]], list[NDArray[np.float64]]]:
    """For each suffix j of the columns: max and min of sum f_l(x_l) given sum x_l = a."""
    k = len(cols)
    hi: list[NDArray[np.float64]] = [np.empty(0)] * (k + 1)
    lo: list[NDArray[np.float64]] = [np.empty(0)] * (k + 1)
    hi[k] = np.zeros(1)
    lo[k] = np.zeros(1)
    for j in range(k - 1, -1, -1):
        c = int(cols[j])
        x = np.arange(c + 1)
        f = -lf[x] - lf[c - x]
        m_next = len(hi[j + 1]) - 1
        size = m_next + c + 1
        best = np.full(size, -np.inf)
        worst = np.full(size, np.inf)
        for xi in range(c + 1):
            seg = slice(xi, xi + m_next + 1)
            np.maximum(best[seg], hi[j + 1] + f[xi], out=best[seg])
            np.minimum(worst[seg], lo[j + 1] + f[xi], out=worst[seg])
        hi[j], lo[j] = best, worst
    return hi, lo


def fisher_p_2xc(tab: NDArray[np.int64], *, rel_err: float) -> float:
    """Two-sided p value of a 2 x c table: the total probability of the tables with
    :math:`P \\le P_{obs}(1 + rel\\_err)`. Raises :class:`TooLarge` beyond the bounds."""
    if tab.shape[0] != 2:
        tab = tab.T
    cols = np.sort(tab.sum(axis=0))[::-1].astype(np.int64)
    r1, n = int(tab[0].sum()), int(tab.sum())
    lf = np.asarray([math.lgamma(i + 1.0) for i in range(n + 1)])
    const = float(lf[r1] + lf[n - r1] + lf[cols].sum() - lf[n])
    limit = float(-lf[tab].sum()) + math.log1p(rel_err)  # path values <= limit count
    k = len(cols)
    hi, lo = _suffix_bounds(cols, lf)
    suffix_m = np.concatenate((np.cumsum(cols[::-1])[::-1], [0]))
    suffix_lf = np.concatenate((np.cumsum(lf[cols][::-1])[::-1], [0.0]))

    def layer(j: int) -> _Layer:
        c = int(cols[j])
        f = -lf[np.arange(c + 1)] - lf[c - np.arange(c + 1)]
        return _Layer(c, int(suffix_m[j + 1]), f, hi[j + 1], lo[j + 1], float(suffix_lf[j + 1]), lf, limit, {})

    a_state = np.array([r1], dtype=np.int64)
    v_state = np.zeros(1)
    w_state = np.ones(1)
    p = 0.0
    spent = 0
    for j in range(k - 1):
        cur = layer(j)
        mass, mid_lo, mid_hi = cur.tails(a_state, v_state)
        with np.errstate(divide="ignore"):
            p += float(np.sum(w_state * np.exp(const + v_state + mass)))
        if j == k - 2:
            break  # with one column left every remaining completion is more probable
        counts = np.maximum(mid_hi - mid_lo + 1, 0)
        ext = int(counts.sum())
        spent += ext
        last = j == k - 3
        if ext > (_MAX_LAST if last else _MAX_EXTENSIONS) or spent > _MAX_TOTAL:
            raise TooLarge(f"{ext} path extensions in column {j + 1}")
        if last:  # stream the children straight into the last two columns' closed form
            nxt = layer(j + 1)
            for a2, v2, w2 in _children(a_state, v_state, w_state, mid_lo, counts, cur):
                mass2, _, _ = nxt.tails(a2, v2)
                with np.errstate(divide="ignore"):
                    p += float(np.sum(w2 * np.exp(const + v2 + mass2)))
            break
        a_state, v_state, w_state = _merge(list(_children(a_state, v_state, w_state, mid_lo, counts, cur)))
        if a_state.size == 0:
            break
    return min(1.0, p)


@dataclass
class _Layer:
    """One column of the network: its cell terms and the bounds of what follows it."""

    c: int
    m_next: int
    f: NDArray[np.float64]
    hi_next: NDArray[np.float64]
    lo_next: NDArray[np.float64]
    lf_next: float
    lf: NDArray[np.float64]
    limit: float
    cache: dict[int, tuple[int, int, NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], float]]

    def node(self, a: int) -> tuple[int, int, NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], float]:
        """Per node ``a``: x range, the two monotone sides of ``h`` and their prefix masses."""
        hit = self.cache.get(a)
        if hit is not None:
            return hit
        lf, m_next = self.lf, self.m_next
        x0, x1 = max(0, a - m_next), min(self.c, a)
        x = np.arange(x0, x1 + 1)
        rest = a - x
        h = self.f[x] + self.hi_next[rest]
        tot = self.f[x] + lf[m_next] - lf[rest] - lf[m_next - rest] - self.lf_next
        top = int(np.argmax(h))
        shift = float(tot.max())
        e = np.exp(tot - shift)
        inc = np.maximum.accumulate(h[: top + 1])
        dec = np.maximum.accumulate(h[top + 1 :][::-1])
        cum_inc = np.concatenate(([0.0], np.cumsum(e[: top + 1])))
        cum_dec = np.concatenate(([0.0], np.cumsum(e[top + 1 :][::-1])))
        out = (x0, x1, inc, dec, cum_inc, cum_dec, shift)
        self.cache[a] = out
        return out

    def tails(
        self, a_state: NDArray[np.int64], v_state: NDArray[np.float64]
    ) -> tuple[NDArray[np.float64], NDArray[np.int64], NDArray[np.int64]]:
        """For each path: the log mass of its children whose every completion counts, and the
        range of the other children.

        For a node ``a``, ``h(x) = f(x) + hi_next(a - x)`` (the best completion through cell
        ``x``) is concave in ``x``; the children with ``v + h(x) <= limit`` are two tails of
        ``x``, found by binary search on each monotone side, and their total mass
        ``sum exp(f(x) + tot_next(a - x))`` comes from prefix sums.
        """
        mass = np.zeros(len(a_state))
        mid_lo = np.zeros(len(a_state), dtype=np.int64)
        mid_hi = np.zeros(len(a_state), dtype=np.int64)
        if a_state.size == 0:
            return mass, mid_lo, mid_hi
        small = a_state.astype(np.int16) if a_state.max() < 2**15 else a_state  # radix sort
        order = np.argsort(small, kind="stable")
        bounds = np.flatnonzero(np.diff(a_state[order])) + 1
        for idx in np.split(order, bounds):
            x0, x1, inc, dec, cum_inc, cum_dec, shift = self.node(int(a_state[idx[0]]))
            t = self.limit - v_state[idx]
            n_inc = np.searchsorted(inc, t, side="right")
            n_dec = np.searchsorted(dec, t, side="right") if dec.size else np.zeros(len(t), dtype=np.intp)
            with np.errstate(divide="ignore"):
                mass[idx] = np.log(cum_inc[n_inc] + cum_dec[n_dec]) + shift
            mid_lo[idx] = x0 + n_inc
            mid_hi[idx] = x1 - n_dec
        return mass, mid_lo, mid_hi


def _children(
    a_state: NDArray[np.int64],
    v_state: NDArray[np.float64],
    w_state: NDArray[np.float64],
    mid_lo: NDArray[np.int64],
    counts: NDArray[np.int64],
    cur: _Layer,
) -> Iterator[tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]]:
    """Children of the undecided paths, in chunks of about ``_CHUNK``; those whose every
    completion is more probable than the observed table are dropped."""
    starts = np.concatenate(([0], np.cumsum(counts)))
    i0, ns = 0, len(a_state)
    while i0 < ns:
        i1 = int(np.searchsorted(starts, starts[i0] + _CHUNK, side="right")) - 1
        i1 = min(max(i1, i0 + 1), ns)
        cnt = counts[i0:i1]
        owner = np.repeat(np.arange(i0, i1), cnt)
        x = mid_lo[owner] + np.arange(int(cnt.sum())) - np.repeat(starts[i0:i1] - starts[i0], cnt)
        a2 = a_state[owner] - x
        v2 = v_state[owner] + cur.f[x]
        keep = v2 + cur.lo_next[a2] <= cur.limit
        yield a2[keep], v2[keep], w_state[owner][keep]
        i0 = i1


def _merge(
    parts: list[tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]],
) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]:
    """Merge paths at the same node with past values equal to 1e-9 (weights added)."""
    if not parts:
        return np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0)
    a_all = np.concatenate([q[0] for q in parts])
    v_all = np.concatenate([q[1] for q in parts])
    w_all = np.concatenate([q[2] for q in parts])
    if a_all.size == 0:
        return a_all, v_all, w_all
    key = np.round(v_all * _ROUND)
    key -= key.min()
    span = int(key.max()) + 1
    if span < 2**62 // (int(a_all.max()) + 1):  # one int64 sort key: node, then value
        order = np.argsort(a_all * span + key.astype(np.int64), kind="stable")
    else:
        order = np.lexsort((key, a_all))
    a_all, key, v_all, w_all = a_all[order], key[order], v_all[order], w_all[order]
    first = np.ones(len(a_all), dtype=bool)
    first[1:] = (a_all[1:] != a_all[:-1]) | (key[1:] != key[:-1])
    grp = np.cumsum(first) - 1
    return a_all[first].astype(np.int64), v_all[first].astype(np.float64), np.bincount(grp, weights=w_all).astype(np.float64)
