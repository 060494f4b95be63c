"""R applies ``aeqSurv`` once; rtdelay's Kaplan-Meier applied it twice (found by the count-table
property test): after 0.3 and 0.1 + 0.2 merged, R's scale (the mean of the distinct times) was
recomputed on fewer times and tied 1 and 1 + 2**-23 as well."""

from __future__ import annotations

import numpy as np

from rtdelay.stats import count_records, kaplan_meier, kaplan_meier_counts


def test_kaplan_meier_applies_timefix_once_as_r() -> None:
    # R 4.x, survival: t <- c(0, 1, 16, 30, 1.0000001192092896, 0.3, 0.1 + 0.2)
    #   survfit(Surv(t, rep(0, 7)) ~ 1)$time
    #   0.29999999999999999 is 0.3; 1 and 1.00000011920928955 stay apart:
    r_times = [0.0, 0.3, 1.0, 1.0000001192092896, 16.0, 30.0]
    t = np.array([0.0, 1.0, 16.0, 30.0, 1.0000001192092896, 0.3, 0.1 + 0.2])
    curve = kaplan_meier(t, np.zeros(7, dtype=bool))
    assert curve.time.tolist() == r_times
    assert curve.n_at_risk.tolist() == [7, 6, 4, 3, 2, 1]
    by_counts = kaplan_meier_counts(count_records(t, np.zeros(7, dtype=int)), cause=None, by_group=False)
    assert by_counts.time.tolist() == r_times
