"""results.json keys that correspond to paper_targets.json have its names and shapes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rtdelay.study import results_to_json, run

TARGETS = json.loads((Path(__file__).with_name("paper_targets.json")).read_text())
# maps whose keys are levels of the data (any subset may occur in a cohort)
DATA_KEYED = {
    "histology_counts", "location_counts", "escc_counts", "surgery_counts", "rt_technique_counts",
    "rt_median_dose_gy_fractions", "pbr_by_surgery", "complications.surgery",
}
PRESENTATION_ONLY = {"p_below"}  # the article's "P < 0.001"; results.json keeps the exact p


def _check(path: str, target, got) -> None:
    if isinstance(target, dict):
        assert isinstance(got, dict), path
        if path in DATA_KEYED:
            for value in got.values():
                _check(path + ".*", next(iter(target.values())), value)
            return
        for key, value in target.items():
            if key in PRESENTATION_ONLY:
                continue
            assert key in got, f"{path}.{key} missing"
            _check(f"{path}.{key}" if path else key, value, got[key])
    elif isinstance(target, list):
        assert isinstance(got, list), path
        if target and isinstance(target[0], dict):
            for item in got:
                _check(path + "[]", target[0], item)
        else:
            assert len(got) == len(target), path
    elif isinstance(target, bool):
        assert isinstance(got, bool), path
    elif isinstance(target, int):
        assert isinstance(got, int) and not isinstance(got, bool), path
    elif isinstance(target, float):
        assert got is None or isinstance(got, (int, float)), path
    elif isinstance(target, str):
        assert got is None or isinstance(got, str), path


@pytest.fixture(scope="module")
def doc(study_cohort):
    import pandas as pd

    comp = pd.DataFrame(
        {
            "patient_id": ["S001", "S002", "S003"],
            "phase": ["surgery", "radiotherapy", "surgery"],
            "complication": ["wound infection", "bacteremia", "wound infection"],
        }
    )
    flow = {"screened": 90, "exclusions": {"x": 12}, "included": 78, "by_group": {"PBR": 20, "NPBR": 58}}
    return results_to_json(run(study_cohort, complications=comp, flow=flow))


def test_paper_keys_and_shapes(doc):
    targets = {k: v for k, v in TARGETS.items() if not k.startswith("_")}
    _check("", targets, doc)


def test_every_qol_measure_complete(doc):
    for measure in ("nrs", "kps", "mobility", "sphincter_dysfunction"):
        for g in ("PBR", "NPBR"):
            assert set(doc["qol"][measure][g]) == {"pre", "followup", "p"}
        assert "between_groups_followup_p" in doc["qol"][measure]


def test_types_and_extras(doc):
    assert doc["n_screened"] == 90 and doc["flow"]["screened"] == 90
    assert all(isinstance(v, int) for v in doc["ti_bin_counts"].values())
    assert 0 < doc["followup_rate"] <= 1
    assert doc["details"]["table1"]["rows"][0]["test_name"] == "Mann-Whitney U"
    assert {"n_at_risk", "lower", "upper"} <= set(doc["details"]["local_control"]["rates"]["all"])
    json.dumps(doc, allow_nan=False)
