"""A valid cohort row in the csv shape (every cell a string or None) for the cohort tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

TODAY = dt.date(2024, 6, 30)

BASE: dict[str, Any] = {
    "patient_id": "P001",
    "age": "61",
    "sex": "female",
    "histology": "breast",
    "index_level": "T11-L1",
    "escc_grade": "2",
    "sins": "9",
    "tomita": "5",
    "tokuhashi": "10",
    "surgery_date": "2020-01-01",
    "surgery_type": "separation",
    "surgery_at_site": "true",
    "postop_mri_date": "2020-01-05",
    "rt_start_date": "2020-03-01",
    "rt_technique": "SBRT",
    "rt_dose_gy": "35",
    "rt_fractions": "5",
    "rt_at_site": "true",
    "seed_implantation": "false",
    "prert_mri_date": "2020-02-25",
    "prert_progression": "false",
    "local_progression_date": None,
    "last_imaging_date": "2020-12-01",
    "death_date": None,
    "last_followup_date": "2021-01-15",
    "kps_pre": "60",
    "kps_fu": "80",
}


def row(**overrides: Any) -> dict[str, Any]:
    """BASE with some cells replaced (``None`` = blank)."""
    out = dict(BASE)
    out.update(overrides)
    return out


def frame(*rows: dict[str, Any]) -> pd.DataFrame:
    """An object-dtype frame in the loader's shape; patient ids P001, P002, ... unless given."""
    records = []
    for i, r in enumerate(rows, start=1):
        r = dict(r)
        if r.get("patient_id") == "P001" and i > 1:
            r["patient_id"] = f"P{i:03d}"
        records.append(r)
    return pd.DataFrame(records, dtype=object)
