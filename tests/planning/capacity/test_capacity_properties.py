"""Properties of the queue engine on arbitrary small inputs (hypothesis, derandomized).

For any readiness times, death times and start calendar: first come first served by the
recursion equals the heap loop with readiness as the key; every start is one of the calendar's
start times, at or after readiness and not after death; no start serves two patients; and no
start is left unused while a live patient who was ready for it waits (work conservation).
"""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from rtdelay.planning.capacity import Slots, fifo_starts, priority_starts

times_st = st.lists(st.integers(1, 40), min_size=1, max_size=25).map(lambda v: np.sort(np.asarray(v, float)))
patients_st = st.lists(
    st.tuples(st.floats(0, 40, allow_nan=False), st.floats(0.1, 60, allow_nan=False), st.integers(0, 3)),
    min_size=1, max_size=25,
)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(times=times_st, patients=patients_st, with_death=st.booleans())
def test_engine_invariants(times, patients, with_death):
    pts = sorted(patients)
    ready = np.array([[p[0] for p in pts]])
    death = ready + np.array([[p[1] for p in pts]]) if with_death else np.full_like(ready, np.inf)
    key = np.array([[float(p[2]) for p in pts]])
    slots = Slots(times[None, :])
    fifo = fifo_starts(ready, death, slots)
    heap_fifo = priority_starts(ready, death, ready, slots)
    np.testing.assert_array_equal(fifo, heap_fifo)
    for start in (fifo, priority_starts(ready, death, key, slots)):
        s = start[0]
        served = ~np.isnan(s)
        assert np.all(s[served] >= ready[0][served]) and np.all(s[served] <= death[0][served])
        assert np.all(np.isin(s[served], times))
        used = {t: int(np.sum(s[served] == t)) for t in np.unique(s[served])}
        assert all(used[t] <= int(np.sum(times == t)) for t in used)
        for t in np.unique(times):
            free = int(np.sum(times == t)) - used.get(t, 0)
            waiting = (ready[0] <= t) & (death[0] >= t) & (~served | (s > t))
            assert free == 0 or not waiting.any(), (t, free)
