"""Write tests/reference/study_cohort.csv: a seeded synthetic cohort in derived form.

Run from the repository root:  .venv/bin/python tests/reference/make_study_cohort.py
Then:                           Rscript tests/reference/study.R tests/reference/study_cohort.csv \
                                    tests/reference/study.json
The cohort is invented (no patient data); it exercises ties in every interval, missing QoL
values, small expected counts (Fisher) and censoring in every endpoint.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

MONTH = 30.4375
N = 78
OUT = Path(__file__).with_name("study_cohort.csv")


def main() -> None:
    rng = np.random.default_rng(20210122)
    rows = []
    for i in range(N):
        ti_days = int(rng.choice([14, 21, 28, 35, 45, 60, 75, 90, 120, 150, 200, 260]) + rng.integers(0, 4))
        ti = ti_days / MONTH
        pbr = bool(rng.random() < min(0.8, 0.05 + 0.09 * ti))
        surgery = str(rng.choice(["separation", "decompression", "vertebrectomy"], p=[0.55, 0.27, 0.18]))
        technique = str(rng.choice(["SBRT", "IMRT"], p=[0.7, 0.3]))
        dose, fx = ((35.0, 5) if rng.random() < 0.6 else (30.0, 3)) if technique == "SBRT" else (
            (30.0, 10) if rng.random() < 0.7 else (40.0, 20)
        )
        sins = int(rng.integers(4, 16))
        tomita = int(rng.integers(2, 11))
        toku = int(rng.integers(3, 15))
        os_days = int(rng.exponential(700 if not pbr else 350)) + 10
        fu_days = int(rng.uniform(60, 900))
        os_event = int(os_days <= fu_days)
        os_days = min(os_days, fu_days)
        lc_days = int(rng.exponential(900 if not pbr else 400)) + 10
        img_days = max(10, os_days - int(rng.integers(0, 40)))
        lc_event = int(lc_days <= img_days)
        lc_days = min(lc_days, img_days)

        def qol(lo: int, hi: int, step: int = 1, p_missing: float = 0.1) -> object:
            return "" if rng.random() < p_missing else int(rng.integers(lo // step, hi // step + 1) * step)

        rows.append(
            {
                "patient_id": f"S{i + 1:03d}",
                "age": round(float(rng.normal(55, 11)), 0),
                "sex": str(rng.choice(["male", "female"])),
                "histology": str(rng.choice(["renal", "lung", "breast", "gastric", "thyroid"], p=[0.3, 0.3, 0.2, 0.1, 0.1])),
                "location": str(rng.choice(["cervical", "thoracic", "lumbar"], p=[0.1, 0.5, 0.4])),
                "escc_grade": str(rng.choice(["1c", "2", "3"], p=[0.1, 0.35, 0.55])),
                "sins": sins,
                "sins_category": "stable" if sins <= 6 else ("potentially unstable" if sins <= 12 else "unstable"),
                "tomita": tomita,
                "tomita_category": "2-3" if tomita <= 3 else "4-5" if tomita <= 5 else "6-7" if tomita <= 7 else "8-10",
                "tokuhashi": toku,
                "tokuhashi_category": "0-8" if toku <= 8 else ("9-11" if toku <= 11 else "12-15"),
                "surgery_type": surgery,
                "rt_technique": technique,
                "rt_dose_gy": dose,
                "rt_fractions": fx,
                "ti_months": ti,
                "group": "PBR" if pbr else "NPBR",
                "lc_months": lc_days / MONTH,
                "lc_event": lc_event,
                "os_months": os_days / MONTH,
                "os_event": os_event,
                "followup_months": os_days / MONTH,
                "lost_to_followup": "true" if rng.random() < 0.08 else "false",
                "nrs_pre": qol(3, 10),
                "nrs_fu": qol(0, 8),
                "kps_pre": qol(30, 80, 10),
                "kps_fu": qol(30, 90, 10),
                "mobility_pre": qol(0, 4),
                "mobility_fu": qol(0, 4),
                "sphincter_pre": qol(0, 1),
                "sphincter_fu": qol(0, 1),
                "mobility_months_after_rt": "" if rng.random() < 0.1 else round(float(rng.uniform(0, 30)), 1),
            }
        )
    with OUT.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        for r in rows:
            writer.writerow({k: (repr(v) if isinstance(v, float) else v) for k, v in r.items()})


if __name__ == "__main__":
    main()
