"""Complications of the included patients by phase (surgery, radiotherapy).

The complications table has one row per complication: ``patient_id``, ``phase`` (surgery or
radiotherapy), ``complication`` (free text) and an optional ``date``. Surgical complications
are counted by their text; each radiotherapy complication is listed with the patient's
interval from surgery to RT (``ti_months``) and group, as the article discusses them.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from rtdelay.errors import InputError
from rtdelay.study._common import Notes
from rtdelay.study._results import Complications, RtComplication

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["complication_results", "PHASES", "COMPLICATION_COLUMNS"]

#: Allowed phases, in display order.
PHASES: tuple[str, ...] = ("surgery", "radiotherapy")
#: Required columns of the complications table.
COMPLICATION_COLUMNS: tuple[str, ...] = ("patient_id", "phase", "complication")


def _clean(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return " ".join(str(value).split())


def complication_results(
    frame: pd.DataFrame, complications: pd.DataFrame, notes: Notes
) -> Complications:
    """Count complications of the included patients (``frame``) by phase.

    Raises
    ------
    InputError
        A required column is absent or a phase is not one of :data:`PHASES`.
    """
    missing = [c for c in COMPLICATION_COLUMNS if c not in complications.columns]
    if missing:
        raise InputError(f"complications table: column(s) missing: {', '.join(missing)}")
    ids = frame["patient_id"].astype(str).tolist() if "patient_id" in frame.columns else []
    ti = dict(zip(ids, frame["ti_months"].astype(float).tolist(), strict=True)) if ids else {}
    group = dict(zip(ids, frame["group"].astype(str).tolist(), strict=True)) if ids else {}

    surgery: dict[str, int] = {}
    rt: list[RtComplication] = []
    by_phase = dict.fromkeys(PHASES, 0)
    unmatched = 0
    for i, rec in enumerate(complications.to_dict("records"), start=1):
        pid = _clean(rec["patient_id"])
        phase = _clean(rec["phase"]).lower()
        text = _clean(rec["complication"])
        if phase not in PHASES:
            raise InputError(
                f"complications table, row {i} (patient_id {pid!r}): phase {rec['phase']!r} "
                f"is not one of {', '.join(PHASES)}"
            )
        if not text:
            raise InputError(f"complications table, row {i} (patient_id {pid!r}): complication is blank")
        if pid not in group:
            unmatched += 1
            continue
        by_phase[phase] += 1
        if phase == "surgery":
            surgery[text] = surgery.get(text, 0) + 1
        else:
            rt.append(RtComplication(patient_id=pid, complication=text, ti_months=ti[pid], group=group[pid]))
    if unmatched:
        notes.add(
            f"complications: {unmatched} row(s) of patients not among the included patients left out"
        )
    rt.sort(key=lambda c: (c.ti_months, c.patient_id, c.complication))
    ordered = dict(sorted(surgery.items(), key=lambda kv: (-kv[1], kv[0])))
    return Complications(surgery=ordered, radiotherapy=tuple(rt), by_phase=by_phase, n_unmatched=unmatched)
