"""Calibration block: the complications table (one row per complication).

Targets: ``complications.surgery`` (counts per type) and ``complications.radiotherapy`` (three
named patients, each with the stated interval and group). Surgical complications go to distinct
eligible patients a few days after the operation; each radiotherapy complication goes to the
patient the waiting block placed at its interval, dated within the follow-up.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["complications_frame"]


def complications_frame(targets: dict[str, Any], cohort: pd.DataFrame, special: dict[str, str], rng: np.random.Generator) -> pd.DataFrame:
    """Rows (patient_id, phase, complication, date) for the eligible ``cohort`` rows.

    ``special`` maps ``rt_complication_<i>`` to the patient_id placed for the i-th
    radiotherapy complication of the targets.
    """
    rows: list[dict[str, Any]] = []
    by_id = cohort.set_index("patient_id")
    surgical = [kind for kind, k in targets["complications"]["surgery"].items() for _ in range(int(k))]
    patients = rng.choice(cohort["patient_id"].to_numpy(), size=len(surgical), replace=False)
    for pid, kind in zip(patients, surgical, strict=True):
        day = dt.date.fromisoformat(str(by_id.loc[pid, "surgery_date"])) + dt.timedelta(days=int(rng.integers(1, 12)))
        rows.append({"patient_id": pid, "phase": "surgery", "complication": kind, "date": day.isoformat()})
    for i, comp in enumerate(targets["complications"]["radiotherapy"]):
        pid = special[f"rt_complication_{i}"]
        start = dt.date.fromisoformat(str(by_id.loc[pid, "rt_start_date"]))
        last = dt.date.fromisoformat(str(by_id.loc[pid, "last_followup_date"]))
        span = max((last - start).days, 1)
        day = start + dt.timedelta(days=int(rng.integers(1, min(span, 120) + 1)))
        rows.append({"patient_id": pid, "phase": "radiotherapy", "complication": comp["type"], "date": day.isoformat()})
    frame = pd.DataFrame(rows, columns=["patient_id", "phase", "complication", "date"])
    return frame.sort_values(["patient_id", "phase", "date"], kind="stable").reset_index(drop=True)
