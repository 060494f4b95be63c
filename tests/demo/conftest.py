"""Shared fixtures: the shipped demo cohort, derived by hand from its dates, and the pipeline's results."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from rtdelay.demo import demo_cohort_path, demo_complications_path, demo_targets, load_demo_cohort

MONTH = 30.4375


@pytest.fixture(scope="session")
def targets() -> dict[str, Any]:
    return demo_targets()


@pytest.fixture(scope="session")
def raw() -> pd.DataFrame:
    return load_demo_cohort()


@pytest.fixture(scope="session")
def eligible(raw: pd.DataFrame) -> pd.DataFrame:
    """Eligible rows with intervals derived here from the dates (months = days / 30.4375)."""
    df = raw.copy()
    for c in [c for c in df.columns if c.endswith("_date")]:
        df[c] = pd.to_datetime(df[c])
    ok = (
        df["surgery_at_site"]
        & df["rt_at_site"]
        & df["surgery_type"].isin(["separation", "decompression", "vertebrectomy"])
        & df["rt_technique"].isin(["SBRT", "IMRT"])
        & ~df["seed_implantation"]
        & df["prert_mri_date"].notna()
    )
    df["ti_months"] = (df["rt_start_date"] - df["surgery_date"]).dt.days / MONTH
    df = df[ok & (df["ti_months"] < 9)].copy()
    df["pbr"] = df["prert_progression"].astype(bool)
    lc_end = df["local_progression_date"].fillna(df["last_imaging_date"])
    df["lc_months"] = (lc_end - df["rt_start_date"]).dt.days / MONTH
    df["lc_event"] = df["local_progression_date"].notna()
    df["os_months"] = (df["last_followup_date"] - df["rt_start_date"]).dt.days / MONTH
    df["os_event"] = df["death_date"].notna()
    return df


@pytest.fixture(scope="session")
def pipeline_doc() -> dict[str, Any]:
    """results.json of the real pipeline (rtdelay.cohort.read_cohort -> rtdelay.study.run)."""
    from rtdelay.cohort import read_cohort
    from rtdelay.study import results_to_json, run

    data = read_cohort(demo_cohort_path())
    comps = pd.read_csv(demo_complications_path())
    res = run(data.eligibility.included, complications=comps, flow=data.eligibility.flow)
    doc: dict[str, Any] = results_to_json(res)
    doc["_validation"] = {"n_rows": data.validation.n_rows, "n_rejected": data.validation.n_rejected}
    return doc
