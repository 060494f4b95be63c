"""Build a cohort in the data dictionary's dates form from tests/reference/study_cohort.csv.

Every interval of the derived fixture is a whole number of days divided by 30.4375, so the
dates reproduce it exactly: read_cohort(...) on the file gives back the same ti_months,
lc_months, os_months as the derived fixture (R's reference numbers apply to it).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from rtdelay.cohort import MONTH_DAYS as MONTH

REFERENCE = Path(__file__).resolve().parents[1] / "reference"
LEVEL = {"cervical": "C5", "thoracic": "T6", "lumbar": "L3", "sacral": "S2"}


def _days(months: float) -> int:
    return int(round(months * MONTH))


def dates_frame() -> pd.DataFrame:
    d = pd.read_csv(REFERENCE / "study_cohort.csv", dtype={"escc_grade": str, "patient_id": str})
    rows = []
    for i, r in d.iterrows():
        surgery = dt.date(2016, 1, 4) + dt.timedelta(days=int(i) * 9)
        rt = surgery + dt.timedelta(days=_days(r.ti_months))
        fu = rt + dt.timedelta(days=_days(r.os_months))
        lc_end = rt + dt.timedelta(days=_days(r.lc_months))
        row = {
            "patient_id": r.patient_id,
            "age": int(r.age),
            "sex": r.sex,
            "histology": r.histology,
            "index_level": LEVEL[r.location],
            "escc_grade": r.escc_grade,
            "sins": int(r.sins),
            "tomita": int(r.tomita),
            "tokuhashi": int(r.tokuhashi),
            "surgery_date": surgery.isoformat(),
            "surgery_type": r.surgery_type,
            "surgery_at_site": "true",
            "postop_mri_date": (surgery + dt.timedelta(days=3)).isoformat(),
            "rt_start_date": rt.isoformat(),
            "rt_technique": r.rt_technique,
            "rt_dose_gy": r.rt_dose_gy,
            "rt_fractions": int(r.rt_fractions),
            "rt_at_site": "true",
            "seed_implantation": "false",
            "prert_mri_date": (rt - dt.timedelta(days=2)).isoformat(),
            "prert_progression": "true" if r.group == "PBR" else "false",
            "local_progression_date": lc_end.isoformat() if r.lc_event == 1 else "",
            "last_imaging_date": lc_end.isoformat(),
            "death_date": fu.isoformat() if r.os_event == 1 else "",
            "last_followup_date": fu.isoformat(),
            "lost_to_followup": str(r.lost_to_followup).lower(),
            "mobility_months_after_rt": "" if pd.isna(r.mobility_months_after_rt) else r.mobility_months_after_rt,
        }
        for c in ("nrs_pre", "nrs_fu", "kps_pre", "kps_fu", "mobility_pre", "mobility_fu",
                  "sphincter_pre", "sphincter_fu"):
            row[c] = "" if pd.isna(r[c]) else int(r[c])
        rows.append(row)
    return pd.DataFrame(rows)


def write_dates_cohort(path: Path, *, extra_rows: list[dict] | None = None) -> Path:
    frame = dates_frame()
    if extra_rows:
        frame = pd.concat([frame, pd.DataFrame(extra_rows)], ignore_index=True)
    frame.to_csv(path, index=False)
    return path
