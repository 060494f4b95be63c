"""Cohorts a hospital might bring, made from the shipped demo cohort by subsampling and editing.

Each edit takes the demo cohort's rows (the dictionary's dates form, as strings, exactly as
``src/rtdelay/demo/data/cohort.csv`` holds them) and returns a new table that is still valid
input: dates stay in the order the data dictionary demands. ``eligible_ids`` lists the demo
patients that pass the study's eligibility criteria, so "n patients" means n eligible ones.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

import pandas as pd

import rtdelay.demo as demo

QOL_COLUMNS = (
    "nrs_pre", "nrs_fu", "kps_pre", "kps_fu", "mobility_pre", "mobility_fu",
    "sphincter_pre", "sphincter_fu", "mobility_months_after_rt",
)


@cache
def demo_rows() -> pd.DataFrame:
    """The demo cohort as text cells (blank = "")."""
    return pd.read_csv(demo.demo_cohort_path(), dtype=str, keep_default_na=False)


@cache
def eligible_ids() -> tuple[str, ...]:
    """patient_id of the demo patients the eligibility criteria include, in file order."""
    from rtdelay.cohort import read_cohort

    data = read_cohort(demo.demo_cohort_path())
    return tuple(str(v) for v in data.eligibility.included["patient_id"])


def subsample(n: int, *, seed: int = 0, frame: pd.DataFrame | None = None) -> pd.DataFrame:
    """``n`` eligible patients drawn without replacement (fixed seed), in file order."""
    rows = demo_rows() if frame is None else frame
    pool = rows[rows["patient_id"].isin(eligible_ids())]
    n = min(n, len(pool))
    return pool.sample(n=n, random_state=seed).sort_index().reset_index(drop=True)


def _prog(frame: pd.DataFrame) -> pd.Series:
    return frame["prert_progression"].str.lower().eq("true")


def no_pbr(frame: pd.DataFrame) -> pd.DataFrame:
    """Drop every patient with progression before RT."""
    return frame[~_prog(frame)].reset_index(drop=True)


def only_pbr(frame: pd.DataFrame) -> pd.DataFrame:
    """Keep only patients with progression before RT."""
    return frame[_prog(frame)].reset_index(drop=True)


def one_operation_type(frame: pd.DataFrame) -> pd.DataFrame:
    """Every operation recorded as separation surgery."""
    return frame.assign(surgery_type="separation")


def nobody_died(frame: pd.DataFrame) -> pd.DataFrame:
    """Every patient alive at last follow-up."""
    return frame.assign(death_date="")


def everyone_died(frame: pd.DataFrame) -> pd.DataFrame:
    """Every patient died on the date of the last follow-up."""
    return frame.assign(death_date=frame["last_followup_date"])


def no_local_progression(frame: pd.DataFrame) -> pd.DataFrame:
    """No local progression after radiotherapy in anyone."""
    return frame.assign(local_progression_date="")


def qol_blank(frame: pd.DataFrame) -> pd.DataFrame:
    """Every quality-of-life column blank."""
    return frame.assign(**{c: "" for c in QOL_COLUMNS if c in frame.columns})


def one_histology(frame: pd.DataFrame) -> pd.DataFrame:
    """Every primary recorded as lung (the scores are given as totals and kept)."""
    return frame.assign(histology="lung")


def censored_same_day(frame: pd.DataFrame) -> pd.DataFrame:
    """Nobody died, no local progression; every patient's last imaging and follow-up on one day."""
    last = max(max(frame[c].max() for c in ("last_followup_date", "last_imaging_date")), "2020-01-01")
    return frame.assign(death_date="", local_progression_date="", last_imaging_date=last, last_followup_date=last)


def ties_everywhere(frame: pd.DataFrame) -> pd.DataFrame:
    """Every date the same for every patient: one interval, one follow-up, tied events.

    Surgery 2015-01-01, postoperative MRI 01-04, pre-RT MRI (when there was one) 02-01, RT 02-05;
    local progression
    (when the patient had one) 2015-08-05; last imaging, follow-up and death (when the patient
    died) 2016-02-05.
    """
    out = frame.assign(
        surgery_date="2015-01-01", postop_mri_date="2015-01-04",
        rt_start_date="2015-02-05", last_imaging_date="2016-02-05", last_followup_date="2016-02-05",
    )
    out["prert_mri_date"] = frame["prert_mri_date"].where(frame["prert_mri_date"].eq(""), "2015-02-01")
    out["local_progression_date"] = frame["local_progression_date"].where(
        frame["local_progression_date"].eq(""), "2015-08-05")
    out["death_date"] = frame["death_date"].where(frame["death_date"].eq(""), "2016-02-05")
    return out


def single_pbr(frame: pd.DataFrame) -> pd.DataFrame:
    """All patients without progression before RT and exactly one with (a group of one)."""
    prog = _prog(frame)
    if not prog.any():
        return frame
    keep = ~prog | (prog & (prog.cumsum() == 1))
    return frame[keep].reset_index(drop=True)


EDITS: dict[str, Callable[[pd.DataFrame], pd.DataFrame]] = {
    "no_pbr": no_pbr,
    "only_pbr": only_pbr,
    "one_operation_type": one_operation_type,
    "nobody_died": nobody_died,
    "everyone_died": everyone_died,
    "no_local_progression": no_local_progression,
    "qol_blank": qol_blank,
    "one_histology": one_histology,
    "censored_same_day": censored_same_day,
    "ties_everywhere": ties_everywhere,
    "single_pbr": single_pbr,
}
"""Every edit of the issue's list, by name."""


def write(frame: pd.DataFrame, path: Path) -> Path:
    """Write a cohort table as csv (text cells as they are)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False)
    return path
