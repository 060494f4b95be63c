"""Fixtures of the report tests: study results of the reference cohort and one written run.

The cohort is tests/reference/study_cohort.csv (derived form, written by
tests/reference/make_study_cohort.py); results come from ``rtdelay.study.run``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

REFERENCE = Path(__file__).resolve().parents[1] / "reference"
COHORT = REFERENCE / "study_cohort.csv"

FLOW = {
    "screened": 95,
    "exclusions": {
        "surgery_elsewhere": 4,
        "rt_elsewhere": 3,
        "surgery_type_ineligible": 5,
        "rt_technique_ineligible": 2,
        "interval_9_months_or_more": 1,
        "seed_implantation": 1,
        "no_prert_mri": 1,
    },
    "included": 78,
    "by_group": {"PBR": 20, "NPBR": 58},
}

REPRODUCTION = [
    {"key": "lc_1y.all", "target": 0.728, "reproduced": 0.7301, "difference": 0.0021, "ok": True, "reason": ""},
    {"key": "os_logrank_p", "target": 0.001, "reproduced": 0.2, "difference": 0.199, "ok": False, "reason": "small <sample>"},
]


def read_derived(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype={"escc_grade": str, "patient_id": str})
    frame["lost_to_followup"] = frame["lost_to_followup"].astype(str).str.lower().eq("true")
    return frame


@pytest.fixture(scope="session")
def included() -> pd.DataFrame:
    return read_derived(COHORT)


@pytest.fixture(scope="session")
def results(included):
    from rtdelay.study import run

    complications = pd.DataFrame(
        {
            "patient_id": ["S001", "S002", "S003", "S004"],
            "phase": ["surgery", "radiotherapy", "surgery", "surgery"],
            "complication": ["wound infection", "vertebral compression fracture", "wound infection", "pneumonia"],
            "date": [None, None, None, None],
        }
    )
    return run(included, complications=complications, flow=FLOW)


@pytest.fixture(scope="session")
def written(results, included, tmp_path_factory):
    """One run written as rtdelay.analysis does: the document once, then both writers."""
    from rtdelay.report import analysis_document, write_analysis_outputs, write_report_outputs

    out = tmp_path_factory.mktemp("run")
    notice = "Synthetic cohort for the tests."
    document = analysis_document(
        results, validation=None, source_path=COHORT, synthetic=True, notice=notice, today=dt.date(2026, 1, 2)
    )
    paths = write_analysis_outputs(
        results, out_dir=out, included_frame=included, validation=None, synthetic=True, document=document
    )
    report = write_report_outputs(
        results,
        out_dir=out,
        metadata=document["metadata"],
        notice=notice,
        synthetic=True,
        reproduction_rows=REPRODUCTION,
    )
    return out, paths, report
