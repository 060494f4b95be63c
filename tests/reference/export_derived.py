"""Write the eligible patients of a cohort file in derived form, for tests/reference/study.R.

Usage (repository root):
    .venv/bin/python tests/reference/export_derived.py COHORT.csv OUT.csv
    .venv/bin/python tests/reference/export_derived.py --demo OUT.csv   # the shipped demo cohort
Reads the file with rtdelay.cohort.read_cohort (validation, derivation, eligibility) and writes
the columns study.R reads, with full float precision.
"""

from __future__ import annotations

import sys
from pathlib import Path

COLUMNS = (
    "patient_id", "age", "sex", "histology", "location", "escc_grade", "sins", "sins_category",
    "tomita", "tomita_category", "tokuhashi", "tokuhashi_category", "surgery_type", "rt_technique",
    "rt_dose_gy", "rt_fractions", "ti_months", "group", "lc_months", "lc_event", "os_months",
    "os_event", "followup_months", "lost_to_followup", "nrs_pre", "nrs_fu", "kps_pre", "kps_fu",
    "mobility_pre", "mobility_fu", "sphincter_pre", "sphincter_fu", "mobility_months_after_rt",
)


def main(argv: list[str]) -> None:
    from rtdelay.cohort import read_cohort

    if argv[0] == "--demo":
        from rtdelay.demo import demo_cohort_path

        source, target = demo_cohort_path(), Path(argv[1])
    else:
        source, target = Path(argv[0]), Path(argv[1])
    included = read_cohort(source).eligibility.included
    frame = included.loc[:, list(COLUMNS)].copy()
    frame["escc_grade"] = frame["escc_grade"].astype(str)
    frame["lost_to_followup"] = frame["lost_to_followup"].map({True: "true", False: "false"})
    for c in ("lc_event", "os_event"):
        frame[c] = frame[c].astype(int)
    frame.to_csv(target, index=False, float_format="%.17g")


if __name__ == "__main__":
    main(sys.argv[1:])
