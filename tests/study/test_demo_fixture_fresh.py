"""The R fixture of the demo cohort (study_demo_cohort.csv / study_demo.json) is the shipped one.

If the demo data are regenerated, this fails: refresh the fixture with
``.venv/bin/python tests/reference/export_derived.py --demo tests/reference/study_demo_cohort.csv``
and ``Rscript tests/reference/study.R tests/reference/study_demo_cohort.csv tests/reference/study_demo.json``.
"""

from pathlib import Path

import numpy as np
import pandas as pd

from rtdelay.cohort import read_cohort
from rtdelay.demo import demo_cohort_path

SNAPSHOT = Path(__file__).parents[1] / "reference" / "study_demo_cohort.csv"


def test_snapshot_matches_shipped_demo():
    snap = pd.read_csv(SNAPSHOT, dtype={"escc_grade": str})
    included = read_cohort(demo_cohort_path()).eligibility.included.reset_index(drop=True)
    assert included["patient_id"].tolist() == snap["patient_id"].tolist()
    for column in ("ti_months", "lc_months", "os_months", "age", "nrs_pre", "nrs_fu", "kps_pre", "kps_fu"):
        np.testing.assert_allclose(
            included[column].to_numpy(float), snap[column].to_numpy(float), rtol=1e-12, err_msg=column
        )
    for column in ("group", "lc_event", "os_event", "surgery_type", "histology"):
        assert included[column].astype(str).tolist() == snap[column].astype(str).tolist(), column
