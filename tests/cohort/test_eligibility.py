"""apply_eligibility: criteria in order, first failing criterion counts, flow adds up."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from cohort_rows import TODAY, frame, row

from rtdelay.cohort import (
    EXCLUSION_LABELS,
    EXCLUSION_REASONS,
    apply_eligibility,
    derive_cohort,
    read_cohort,
    validate_cohort,
)
from rtdelay.errors import CohortError

ORDER = [
    "surgery_elsewhere",
    "rt_elsewhere",
    "surgery_type_ineligible",
    "rt_technique_ineligible",
    "interval_9_months_or_more",
    "seed_implantation",
    "no_prert_mri",
]
# surgery 2020-01-01 -> RT 2020-10-01 = 274 days = 9.002 months (>= 9)
LATE = dict(rt_start_date="2020-10-01", last_imaging_date="2020-12-01",
            last_followup_date="2021-01-15")


def flow_of(*rows: dict) -> tuple[dict, pd.DataFrame]:
    res = validate_cohort(frame(*rows), today=TODAY)
    assert res.n_rejected == 0, [i.message for i in res.errors]
    result = apply_eligibility(derive_cohort(res.valid))
    return result.flow, result.excluded


def test_reason_keys_and_labels_in_order() -> None:
    assert list(EXCLUSION_REASONS) == ORDER
    assert list(EXCLUSION_LABELS) == ORDER


def test_each_criterion_alone() -> None:
    rows = [
        row(surgery_at_site="false"),
        row(rt_at_site="no"),
        row(surgery_type="vertebroplasty"),
        row(rt_technique="cEBRT"),
        row(**LATE),
        row(seed_implantation="yes"),
        row(prert_mri_date=None, prert_progression=None),
        row(),
        row(prert_progression="true"),
        row(surgery_type="decompression", rt_technique="IMRT"),
        row(surgery_type="vertebrectomy", prert_mri_date=None, prert_progression="false"),
    ]
    flow, excluded = flow_of(*rows)
    assert flow["screened"] == 11
    assert flow["exclusions"] == {key: 1 for key in ORDER}
    assert flow["included"] == 4
    assert flow["by_group"] == {"PBR": 1, "NPBR": 3}
    assert excluded["reason"].tolist() == ORDER
    assert excluded["source_row"].tolist() == [1, 2, 3, 4, 5, 6, 7]


def test_first_failing_criterion_wins() -> None:
    flow, excluded = flow_of(
        row(surgery_at_site="false", rt_at_site="false", seed_implantation="true"),
        row(rt_technique="cEBRT", surgery_type="total_en_bloc", **LATE),
        row(seed_implantation="true", prert_mri_date=None, prert_progression=None, **LATE),
        row(seed_implantation="true", prert_mri_date=None, prert_progression=None),
    )
    assert excluded["reason"].tolist() == [
        "surgery_elsewhere", "surgery_type_ineligible", "interval_9_months_or_more",
        "seed_implantation",
    ]
    assert flow["included"] == 0
    assert sum(flow["exclusions"].values()) == 4
    assert flow["exclusions"]["rt_technique_ineligible"] == 0  # zero counts kept


def test_interval_just_under_nine_months_is_included() -> None:
    # 2020-01-01 -> 2020-09-30: 273 days = 8.969 months
    flow, _ = flow_of(row(rt_start_date="2020-09-30", last_imaging_date="2020-12-01"))
    assert flow["included"] == 1


def test_flow_table() -> None:
    res = validate_cohort(frame(row(), row(rt_technique="cEBRT")), today=TODAY)
    table = apply_eligibility(derive_cohort(res.valid)).to_frame()
    assert table["step"].tolist() == ["screened", *ORDER, "included"]
    assert table["n"].tolist() == [2, 0, 0, 0, 1, 0, 0, 0, 1]


def test_read_cohort_pipeline(tmp_path: Path) -> None:
    path = tmp_path / "cohort.csv"
    frame(row(), row(prert_progression="true"), row(surgery_date="x"), row(rt_at_site="false"),
          row(patient_id="K", kps_pre="55")).to_csv(path, index=False)
    data = read_cohort(path, today=TODAY)
    assert data.validation.n_rejected == 1
    # every data row read is screened: rejected + excluded + included
    assert data.flow["screened"] == 5
    assert data.flow["rejected"] == 1
    assert data.flow["rejection_reasons"] == {"surgery_date: not a date": 1}
    assert data.flow["screened"] == (
        data.flow["rejected"] + sum(data.flow["exclusions"].values()) + data.flow["included"])
    # a field-level value (KPS 55: not a multiple of 10) is lost, the patient kept
    assert data.flow["values_rejected"] == {
        "kps_pre": {"label": "Karnofsky performance status before surgery", "rejected": 1,
                    "available": 2, "patients": 3}}
    assert data.eligibility.to_frame()["step"].tolist()[:2] == ["screened", "rejected"]
    assert data.flow["exclusions"]["rt_elsewhere"] == 1
    assert data.flow["by_group"] == {"PBR": 1, "NPBR": 2}
    assert len(data.included) == 3
    assert "ti_months" in data.derived.columns


def test_read_cohort_missing_column(tmp_path: Path) -> None:
    path = tmp_path / "cohort.csv"
    frame(row()).drop(columns=["seed_implantation"]).to_csv(path, index=False)
    with pytest.raises(CohortError, match="seed_implantation"):
        read_cohort(path, today=TODAY)
