"""Issue 10: the current-status bootstrap counts replicates in blocks (bounded memory), with the
same resampled indices as one whole-matrix count."""

from __future__ import annotations

import tracemalloc

import numpy as np

from rtdelay.stats._current_status import _boot_matrix


def _whole_matrix(inv, e, m_look, size, n_boot, seed):
    """The counts computed replicate by replicate from the same draw (independent of blocking)."""
    draw = np.random.default_rng(seed).integers(0, inv.shape[0], size=(n_boot, size))
    w = np.zeros((n_boot, m_look))
    s = np.zeros((n_boot, m_look))
    for b in range(n_boot):
        np.add.at(w[b], inv[draw[b]], 1.0)
        np.add.at(s[b], inv[draw[b]], e[draw[b]].astype(float))
    return w, s


def test_block_counts_equal_the_whole_matrix():
    rng = np.random.default_rng(3)
    n, m_look = 3000, 40
    inv = rng.integers(0, m_look, size=n)
    e = rng.random(n) < 0.3
    w, s = _boot_matrix(inv, e, m_look, n, 900, 11)
    w0, s0 = _whole_matrix(inv, e, m_look, n, 900, 11)
    np.testing.assert_array_equal(w, w0)
    np.testing.assert_array_equal(s, s0)


def test_memory_does_not_grow_with_replicates_times_patients():
    rng = np.random.default_rng(4)
    n, m_look, n_boot = 20_000, 200, 1000
    inv = rng.integers(0, m_look, size=n)
    e = rng.random(n) < 0.3
    tracemalloc.start()
    _boot_matrix(inv, e, m_look, n, n_boot, 0)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    # one int32 index matrix is 80 MB; the old int64 matrix and its three full-size temporaries were ~640 MB
    assert peak < 200 * 1024**2, peak / 1024**2
