"""Write beyond_cohort.csv: a seeded synthetic derived cohort for the beyond-the-article tests.

Run: python tests/reference/make_beyond_cohort.py (then Rscript beyond.R in this folder).
Columns are those of rtdelay.cohort.derive_cohort that the analyses use.
"""

from pathlib import Path

import numpy as np
import pandas as pd

rng = np.random.default_rng(2021)
n = 120
growth = rng.choice(["slow", "moderate", "rapid"], n, p=[0.3, 0.3, 0.4])
surgery = rng.choice(["separation", "decompression", "vertebrectomy"], n, p=[0.55, 0.27, 0.18])
escc = rng.choice(["1c", "2", "3"], n, p=[0.1, 0.35, 0.55])
ti = np.round(rng.lognormal(np.log(1.6), 0.7, n), 2).clip(0.3, 8.9)
look = np.round(ti - rng.uniform(0.02, 0.2, n), 2).clip(0.2, None)
hazard = 0.08 * np.where(growth == "rapid", 2.0, np.where(growth == "slow", 0.5, 1.0))
t_prog = rng.exponential(1 / hazard)
pbr = t_prog <= look
tokuhashi = rng.integers(4, 15, n)
kps_pre = rng.choice([30, 40, 50, 60, 70, 80, 90], n)
os_rate = 0.04 * np.exp(0.8 * pbr - 0.08 * (tokuhashi - 9))
death = rng.exponential(1 / os_rate)
cens = rng.uniform(3, 40, n)
os_months = np.round(np.minimum(death, cens), 2)
os_event = (death <= cens).astype(int)
lf = rng.exponential(1 / (0.02 * np.exp(0.9 * pbr)))
last_img = np.round(os_months * rng.uniform(0.6, 1.0, n), 2)
lc_event = (lf <= last_img).astype(int)
lc_months = np.round(np.where(lc_event == 1, lf, last_img), 2)
frame = pd.DataFrame(
    {
        "patient_id": [f"B{i:03d}" for i in range(n)],
        "group": np.where(pbr, "PBR", "NPBR"),
        "ti_months": ti,
        "inspection_months": look,
        "growth_class": growth,
        "surgery_type": surgery,
        "escc_grade": escc,
        "tokuhashi": tokuhashi,
        "kps_pre": kps_pre,
        "os_months": os_months,
        "os_event": os_event,
        "lc_months": lc_months,
        "lc_event": lc_event,
    }
)
frame.to_csv(Path(__file__).with_name("beyond_cohort.csv"), index=False)
