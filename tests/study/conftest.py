"""Fixtures of the study tests: the reference cohort in derived form and R's numbers."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

REFERENCE = Path(__file__).resolve().parents[1] / "reference"


def read_derived(path: Path) -> pd.DataFrame:
    """Read a cohort in derived form written by tests/reference/make_study_cohort.py."""
    frame = pd.read_csv(path, dtype={"escc_grade": str, "patient_id": str})
    frame["lost_to_followup"] = frame["lost_to_followup"].astype(str).str.lower().eq("true")
    return frame


@pytest.fixture(scope="session")
def study_cohort() -> pd.DataFrame:
    return read_derived(REFERENCE / "study_cohort.csv")


@pytest.fixture(scope="session")
def study_r() -> dict:
    return json.loads((REFERENCE / "study.json").read_text())


@pytest.fixture(scope="session")
def demo_cohort_derived() -> pd.DataFrame:
    """The demo cohort's eligible patients in derived form, as exported for R
    (tests/reference/export_derived.py --demo tests/reference/study_demo_cohort.csv)."""
    return read_derived(REFERENCE / "study_demo_cohort.csv")


@pytest.fixture(scope="session")
def demo_r() -> dict:
    return json.loads((REFERENCE / "study_demo.json").read_text())


@pytest.fixture(scope="session")
def study_cohort_via_reader(tmp_path_factory) -> pd.DataFrame:
    """The same cohort written in dates form and read back with rtdelay.cohort.read_cohort."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "cli"))
    from study_cohort_dates import write_dates_cohort

    from rtdelay.cohort import read_cohort

    path = write_dates_cohort(tmp_path_factory.mktemp("dates") / "cohort.csv")
    return read_cohort(path).eligibility.included
