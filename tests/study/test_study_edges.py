"""rtdelay.study on small and awkward cohorts: hand-calculated values and graceful gaps."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from rtdelay.errors import InputError
from rtdelay.study import results_to_json, run


def _dump(doc: dict) -> str:
    return json.dumps(doc, sort_keys=True, allow_nan=False)  # raises on NaN


def tiny() -> pd.DataFrame:
    """Six patients; every expected number below is computed by hand."""
    return pd.DataFrame(
        {
            "patient_id": ["a", "b", "c", "d", "e", "f"],
            "group": ["NPBR", "PBR", "NPBR", "PBR", "NPBR", "NPBR"],
            "ti_months": [1.0, 2.0, 3.0, 4.0, 0.5, 7.0],
            "surgery_type": ["separation"] * 3 + ["decompression"] * 3,
            "histology": ["lung", "renal", "lung", "breast", "lung", "renal"],
            "age": [50.0, 60.0, 70.0, 40.0, 55.0, 65.0],
            "lc_months": [5.0, 10.0, 15.0, 20.0, 25.0, 30.0],
            "lc_event": [1, 0, 1, 0, 0, 0],
            "os_months": [5.0, 10.0, 15.0, 20.0, 25.0, 30.0],
            "os_event": [0, 1, 0, 0, 0, 1],
            "followup_months": [5.0, 10.0, 15.0, 20.0, 25.0, 30.0],
            "lost_to_followup": [False, False, True, False, False, False],
            "nrs_pre": [6, 7, 8, 5, None, 6],
            "nrs_fu": [3, 7, 4, 6, 2, None],
        }
    )


def test_hand_calculated_tiny_cohort():
    res = run(tiny())
    doc = results_to_json(res)
    # PBR risk, KM on ti: times .5 1 2 3 4 7, events at 2 (6-2=4 at risk... ) -> at t=2: n=4, d=1
    # S(1) = 1; S(3) = 1 - 1/4 = 0.75; S(6) = 0.75 * (1 - 1/2) = 0.375 (at 4: n = 2, d = 1)
    assert doc["pbr_cumulative_risk"] == pytest.approx({"1": 0.0, "3": 0.25, "6": 0.625})
    assert doc["pbr_n"] == 2
    assert doc["pbr_by_surgery"] == {"separation": [1, 3], "decompression": [1, 3]}
    assert doc["pbr_within_1_month"] == {"n": 0, "histology": None, "surgery": None, "ti_months": None}
    assert doc["ti_bin_counts"] == {"<1": 1, "1-3": 2, "3-6": 2, "6-9": 1}
    assert doc["ti_months_median"] == pytest.approx(2.5)
    assert doc["ti_months_range"] == [0.5, 7.0]
    # LC at 12 months: events at 5 (n=6) -> 5/6; 12 months read before the event at 15
    assert doc["lc_1y"]["all"] == pytest.approx(5 / 6)
    # NPBR (a, c, e, f): event at 5 of 4 at risk -> 0.75
    assert doc["lc_1y"]["NPBR"] == pytest.approx(0.75)
    assert doc["lc_1y"]["PBR"] == pytest.approx(1.0)
    # follow-up: 1 of 6 lost
    assert doc["lost_to_followup"] == 1
    assert doc["followup_rate"] == pytest.approx(5 / 6)
    # mean (5..30 by 5) = 17.5, sd = sqrt(437.5 / 5)
    assert doc["followup_months_after_rt_mean_sd"] == pytest.approx([17.5, math.sqrt(437.5 / 5)])
    # NRS NPBR pre: a 6, c 8, f 6 (e missing) -> mean 20/3
    assert doc["qol"]["nrs"]["NPBR"]["pre"][0] == pytest.approx(20 / 3)
    assert doc["details"]["qol"]["nrs"]["groups"]["NPBR"]["n_pairs"] == 2
    assert doc["histology_counts"] == {"lung": 3, "renal": 2, "breast": 1}
    # histology x group: expected counts all < 5 -> Fisher
    row = res.table1.row("histology")
    assert row.test_name == "Fisher's exact"
    assert row.test_reason.startswith("Fisher's exact: expected count")
    assert row.min_expected == pytest.approx(1 * 2 / 6)
    _dump(doc)


def test_no_pbr_patient():
    frame = tiny().assign(group="NPBR")
    res = run(frame)
    doc = results_to_json(res)
    assert doc["pbr_n"] == 0
    assert doc["pbr_cumulative_risk"] == {"1": 0.0, "3": 0.0, "6": 0.0}
    assert doc["pbr_by_surgery_logrank_p"] is None
    assert doc["lc_1y"]["PBR"] is None and doc["lc_logrank_p"] is None and doc["os_logrank_p"] is None
    assert doc["qol"]["nrs"]["PBR"]["p"] is None
    assert doc["qol"]["nrs"]["between_groups_followup_p"] is None
    assert res.table1.row("histology").test is None
    assert any("no PBR patient" in n for n in doc["notes"])
    _dump(doc)


def test_one_operation_type():
    res = run(tiny().assign(surgery_type="separation"))
    assert res.interval.pbr_by_surgery_logrank is None
    assert any("one operation type" in n for n in res.notes)
    assert results_to_json(res)["pbr_by_surgery"] == {"separation": [2, 6]}


def test_all_censored():
    frame = tiny().assign(lc_event=0, os_event=0)
    doc = results_to_json(run(frame))
    assert doc["lc_1y"] == {"all": 1.0, "PBR": 1.0, "NPBR": 1.0}
    assert doc["os_logrank_p"] is None
    assert any("no event" in n for n in doc["notes"])
    _dump(doc)


def test_qol_columns_absent():
    frame = tiny().drop(columns=["nrs_pre", "nrs_fu"])
    doc = results_to_json(run(frame))
    for measure in ("nrs", "kps", "mobility", "sphincter_dysfunction"):
        block = doc["qol"][measure]
        assert block["PBR"]["p"] is None and block["NPBR"]["pre"] == [None, None]
        assert block["between_groups_followup_p"] is None
    assert doc["qol"]["mobility_months_after_rt"] == {"PBR": [None, None], "NPBR": [None, None], "p": None}
    assert any("nrs" in n and "absent" in n for n in doc["notes"])
    _dump(doc)


def test_empty_cohort():
    frame = tiny().iloc[0:0]
    doc = results_to_json(run(frame))
    assert doc["n_patients"] == 0
    assert doc["lc_1y"] == {"all": None, "PBR": None, "NPBR": None}
    assert doc["followup_rate"] is None
    _dump(doc)


def test_bad_inputs():
    with pytest.raises(InputError, match="group"):
        run(tiny().drop(columns=["group"]))
    with pytest.raises(InputError, match="PBR or NPBR"):
        run(tiny().assign(group="yes"))
    with pytest.raises(InputError, match="DataFrame"):
        run([1, 2, 3])  # type: ignore[arg-type]
    with pytest.raises(InputError, match="positive"):
        run(tiny(), pbr_times=(1, -3))


def test_complications():
    comp = pd.DataFrame(
        {
            "patient_id": ["a", "b", "b", "d", "zz"],
            "phase": ["surgery", "surgery", "radiotherapy", "Radiotherapy", "surgery"],
            "complication": ["wound infection", "wound  infection", "bacteremia", "fracture", "x"],
        }
    )
    res = run(tiny(), complications=comp)
    doc = results_to_json(res)
    assert doc["complications"]["surgery"] == {"wound infection": 2}
    assert doc["complications"]["radiotherapy"] == [
        {"type": "bacteremia", "ti_months": 2.0, "group": "PBR"},
        {"type": "fracture", "ti_months": 4.0, "group": "PBR"},
    ]
    assert res.complications is not None and res.complications.n_unmatched == 1
    with pytest.raises(InputError, match="phase"):
        run(tiny(), complications=comp.assign(phase="later"))
    with pytest.raises(InputError, match="missing"):
        run(tiny(), complications=comp.drop(columns=["phase"]))


def test_deterministic(study_cohort):
    a = _dump(results_to_json(run(study_cohort), flow={"screened": 80}))
    b = _dump(results_to_json(run(study_cohort.copy()), flow={"screened": 80}))
    assert a == b


def test_study_results_to_dict_is_json(study_cohort):
    res = run(study_cohort)
    d = res.to_dict()
    assert d["n_patients"] == 78
    assert d["details"]["interval"]["pbr_curve"]["survival"][0] == pytest.approx(1.0)
    assert d == results_to_json(res)  # one JSON view: the results.json contract
    json.dumps(d, allow_nan=False)
    with pytest.raises(AttributeError):
        res.n_patients = 3  # type: ignore[misc]  # frozen
