"""Write pool_sites.csv: the demo cohort's eligible patients split into three sites (row i -> site "ABC"[i % 3]).

Run from the repository root: ``python tests/reference/make_pool_sites.py``; then ``Rscript tests/reference/pool.R``.
"""

from pathlib import Path

import numpy as np

from rtdelay.cohort import read_cohort
from rtdelay.demo import demo_cohort_path

inc = read_cohort(demo_cohort_path()).eligibility.included.reset_index(drop=True)
lc_e, os_e = inc["lc_event"].to_numpy(int), inc["os_event"].to_numpy(int)
cause = np.where(lc_e == 1, 1, np.where(os_e == 1, 2, 0))
out = inc[["lc_months", "lc_event", "os_months", "os_event", "group"]].copy()
out["comp_time"] = np.where(cause == 2, inc["os_months"], inc["lc_months"])
out["comp_cause"] = cause
out["site"] = ["ABC"[i % 3] for i in range(len(inc))]
out.to_csv(Path(__file__).with_name("pool_sites.csv"), index=False, float_format="%.17g")
