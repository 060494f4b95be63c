"""Issue 10: the current-status bootstrap draws replicates in chunks (bounded memory): memory
does not grow with replicates x patients, and each replicate resamples exactly ``size``
subjects over the observed (look time, status) cells."""

from __future__ import annotations

import tracemalloc

import numpy as np

from rtdelay.stats._current_status import _replicates


def test_each_replicate_resamples_size_subjects_over_the_observed_cells():
    rng = np.random.default_rng(3)
    n, m_look = 3000, 40
    inv = np.sort(rng.integers(0, m_look, size=n))
    e = rng.random(n) < 0.3
    seen_looks = set(inv.tolist())
    for w, s in _replicates(inv, e, m_look, n, 300, 11):
        assert w.sum() == n  # every replicate holds n resampled subjects
        assert np.all(s <= w) and np.all(s >= 0)
        assert set(np.flatnonzero(w).tolist()) <= seen_looks  # only look times that occur
        positives = np.bincount(inv[e], minlength=m_look)
        assert np.all(s[positives == 0] == 0)  # positives only where the data have them


def test_memory_does_not_grow_with_replicates_times_patients():
    rng = np.random.default_rng(4)
    n, m_look, n_boot = 20_000, 200, 1000
    inv = np.sort(rng.integers(0, m_look, size=n))
    e = rng.random(n) < 0.3
    tracemalloc.start()
    for _ in _replicates(inv, e, m_look, n, n_boot, 0):
        pass
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    # a replicates x patients index matrix would be 160 MB (int64); chunks of 256 x cells stay small
    assert peak < 20 * 1024**2, peak / 1024**2
