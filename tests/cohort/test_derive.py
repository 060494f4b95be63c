"""derive_cohort: intervals in months (days / 30.4375), groups, outcomes, bands, bins.

Expected values are hand calculations from the calendar (day counts written out below).
"""

from __future__ import annotations

import pytest
from cohort_rows import TODAY, frame, row

from rtdelay.cohort import derive_cohort, validate_cohort
from rtdelay.scores import sins_category, tokuhashi_category, tomita_category

M = 30.4375  # days per month (365.25 / 12)


def derive(*rows: dict):
    res = validate_cohort(frame(*rows), today=TODAY)
    assert res.n_rejected == 0, [i.message for i in res.errors]
    return derive_cohort(res.valid)


def test_intervals_from_dates() -> None:
    d = derive(row()).iloc[0]
    # surgery 2020-01-01 -> RT 2020-03-01: 31 (Jan) + 29 (Feb 2020, leap) = 60 days
    assert d["ti_months"] == pytest.approx(60 / M, rel=1e-12)
    assert d["ti_months"] == pytest.approx(1.971252566735113, rel=1e-12)
    # pre-RT MRI 2020-02-25: 31 + 24 = 55 days after surgery
    assert d["inspection_months"] == pytest.approx(55 / M, rel=1e-12)
    # RT 2020-03-01 -> last imaging 2020-12-01: 31+30+31+30+31+31+30+31+30 = 275 days
    assert d["lc_months"] == pytest.approx(275 / M, rel=1e-12)
    assert d["lc_event"] == 0
    # RT 2020-03-01 -> last follow-up 2021-01-15: 275 + 31 (Dec) + 14 = 320 days
    assert d["os_months"] == pytest.approx(320 / M, rel=1e-12)
    assert d["os_event"] == 0
    assert d["followup_months"] == d["os_months"]
    assert d["group"] == "NPBR"
    assert d["ti_bin"] == "1-3"
    assert d["location"] == "thoracic"  # T11-L1: upper end T11
    assert bool(d["escc_high_grade"]) is True


def test_events_and_group() -> None:
    d = derive(row(local_progression_date="2020-06-01", death_date="2021-01-15",
                   prert_progression="true")).iloc[0]
    # RT 2020-03-01 -> local progression 2020-06-01: 31 + 30 + 31 = 92 days
    assert d["lc_months"] == pytest.approx(92 / M, rel=1e-12)
    assert d["lc_event"] == 1
    assert d["os_months"] == pytest.approx(320 / M, rel=1e-12)
    assert d["os_event"] == 1
    assert d["group"] == "PBR"


def test_inspection_falls_back_to_ti() -> None:
    d = derive(row(prert_mri_date=None, prert_progression="false")).iloc[0]
    assert d["inspection_months"] == d["ti_months"]


@pytest.mark.parametrize(
    ("rt_start", "days", "label"),
    [
        ("2020-01-30", 29, "<1"),  # 29 / 30.4375 = 0.953
        ("2020-01-31", 30, "<1"),  # 0.986
        ("2020-02-01", 31, "1-3"),  # 1.018
        ("2020-03-31", 90, "1-3"),  # 2.957
        ("2020-04-01", 91, "1-3"),  # 2.990
        ("2020-04-02", 92, "3-6"),  # 3.023
        ("2020-07-01", 182, "3-6"),  # 5.979
        ("2020-07-02", 183, "6-9"),  # 6.012
        ("2020-09-29", 272, "6-9"),  # 8.936
        ("2020-09-30", 273, "6-9"),  # 8.969
        ("2020-10-01", 274, None),  # 9.002: 9 months or more has no bin
    ],
)
def test_ti_bins(rt_start: str, days: int, label: str | None) -> None:
    d = derive(row(rt_start_date=rt_start, postop_mri_date=None, prert_mri_date=None,
                   prert_progression="false", last_imaging_date="2020-12-31",
                   last_followup_date="2021-01-15")).iloc[0]
    assert d["ti_months"] == pytest.approx(days / M, rel=1e-12)
    assert d["ti_bin"] == label


@pytest.mark.parametrize(
    ("level", "location"),
    [("C1-C2", "cervical"), ("C7-T1", "cervical"), ("T12", "thoracic"), ("L1-T12", "thoracic"),
     ("L5-S1", "lumbar"), ("S2", "sacral")],
)
def test_location_from_level(level: str, location: str) -> None:
    assert derive(row(index_level=level)).iloc[0]["location"] == location


def test_given_location_used_without_level() -> None:
    res = validate_cohort(frame(row(location="Lumbar")).drop(columns=["index_level"]),
                          today=TODAY)
    assert derive_cohort(res.valid).iloc[0]["location"] == "lumbar"


@pytest.mark.parametrize(("grade", "high"), [("0", False), ("1a", False), ("1b", False),
                                             ("1c", False), ("2", True), ("3", True)])
def test_escc_high_grade(grade: str, high: bool) -> None:
    assert bool(derive(row(escc_grade=grade)).iloc[0]["escc_high_grade"]) is high


def test_score_bands_and_growth_class() -> None:
    d = derive(row(sins="6", tomita="3", tokuhashi="8", histology="lung"),
               row(sins="7", tomita="4", tokuhashi="9", histology="breast"))
    assert d["sins_category"].tolist() == [sins_category(6), sins_category(7)]
    assert d["sins_category"][0] != d["sins_category"][1]  # 0-6 vs 7-12
    assert d["tomita_category"][0] != d["tomita_category"][1]  # 2-3 vs 4-5
    assert d["tokuhashi_category"][0] != d["tokuhashi_category"][1]  # 0-8 vs 9-11
    assert d["tomita_category"].tolist() == [tomita_category(3), tomita_category(4)]
    assert d["tokuhashi_category"].tolist() == [tokuhashi_category(8), tokuhashi_category(9)]
    assert d["growth_class"][0] != d["growth_class"][1]  # lung rapid, breast slow


def test_durations_form() -> None:
    data = frame(row(ti_months="2", lc_months="5", lc_event="1", os_months="6.5", os_event="0"))
    data = data.drop(columns=["surgery_date", "rt_start_date", "last_imaging_date",
                              "last_followup_date", "postop_mri_date", "prert_mri_date"])
    res = validate_cohort(data, today=TODAY)
    d = derive_cohort(res.valid).iloc[0]
    assert d["ti_months"] == 2.0
    assert d["inspection_months"] == 2.0
    assert (d["lc_months"], d["lc_event"], d["os_months"], d["os_event"]) == (5.0, 1, 6.5, 0)
    assert d["ti_bin"] == "1-3"


def test_dates_win_over_durations_within_a_day() -> None:
    d = derive(row(ti_months="1.97")).iloc[0]
    assert d["ti_months"] == pytest.approx(60 / M, rel=1e-12)
