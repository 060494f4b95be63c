"""Writes the malformed-content corpus (csv files) and its manifest of expected outcomes.

Run from the repository root: ``.venv/bin/python tests/cohort/corpus/make_corpus.py``.
Each case is a small cohort whose rows are valid except the ones named in ``rejected_rows`` (a row
or, in a field-level column, only its value is rejected: the column's level decides)
(1-based data rows); ``rules`` are the rule names the errors must carry. The expected values
are written by hand here, not taken from rtdelay's output.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from cohort_rows import frame, row  # noqa: E402

CASES: list[dict[str, Any]] = []


def case(name: str, rows: list[dict[str, Any]], *, exit: int, rejected: list[int],
         rules: list[str] = (), warnings: list[str] = (), args: list[str] = (),
         drop: list[str] = (), stderr: str = "", note: str = "") -> None:
    CASES.append({"name": name, "file": f"{name}.csv", "rows": rows, "drop": list(drop),
                  "args": list(args), "exit": exit, "rejected_rows": rejected,
                  "rules": list(rules), "warning_rules": list(warnings), "stderr": stderr,
                  "note": note})


OK = row()
NO_DATES = {k: None for k in ("surgery_date", "postop_mri_date", "rt_start_date",
                              "prert_mri_date", "last_imaging_date", "last_followup_date")}

case("all_valid", [OK, OK, row(sex="M", histology="RCC", escc_grade="1A")], exit=0, rejected=[])
case("bad_category", [OK, row(sex="x"), row(histology="banana"), row(rt_technique="protons")],
     exit=1, rejected=[2, 3, 4], rules=["allowed"])
case("sex_numeric_without_mapping", [OK, row(sex="1")], exit=1, rejected=[2], rules=["allowed"])
case("score_out_of_range", [row(sins="19"), row(tomita="1"), row(tokuhashi="16"), OK],
     exit=1, rejected=[1, 2, 3], rules=["range"])
case("component_total_mismatch",
     [row(sins="9", sins_location="3", sins_pain="3", sins_lesion="2", sins_alignment="0",
          sins_collapse="1", sins_posterolateral="0"),
      row(sins="12", sins_location="3", sins_pain="3", sins_lesion="2", sins_alignment="0",
          sins_collapse="1", sins_posterolateral="0"),
      row(sins=None, sins_location="3", sins_pain="3", sins_lesion="2", sins_alignment="0",
          sins_collapse="1", sins_posterolateral="0")],
     exit=1, rejected=[2], rules=["total_mismatch"],
     note="3+3+2+0+1+0 = 9: row 1 agrees, row 2 states 12, row 3 is filled in")
case("component_not_allowed",
     [row(tomita="5", tomita_growth="3", tomita_visceral="2", tomita_bone="1"), OK],
     exit=1, rejected=[1], rules=["allowed"], note="Tomita growth is 1, 2 or 4, never 3")
case("impossible_date", [OK, row(rt_start_date="2019-02-30", surgery_date="2019-01-01"),
                         row(last_imaging_date="2020-13-01")],
     exit=1, rejected=[2, 3], rules=["date_invalid"])
case("wrong_date_order", [OK, row(rt_start_date="2019-12-01"),
                          row(prert_mri_date="2020-03-05")],
     exit=1, rejected=[2, 3], rules=["date_order"])
case("rt_same_day_as_surgery", [row(rt_start_date="2020-01-01", postop_mri_date=None,
                                    prert_mri_date="2020-01-01")],
     exit=1, rejected=[1], rules=["date_order"])
case("death_before_rt", [OK, row(death_date="2020-02-01", last_followup_date="2020-02-01",
                                 last_imaging_date="2020-02-01")],
     exit=1, rejected=[2], rules=["date_order"])
case("death_not_last_followup", [row(death_date="2020-12-01", last_followup_date="2021-01-15")],
     exit=1, rejected=[1], rules=["death_followup"])
case("local_progression_not_after_rt", [row(local_progression_date="2020-03-01")],
     exit=1, rejected=[1], rules=["date_order"])
case("surgery_date_out_of_range", [row(surgery_date="1999-12-31"), OK],
     exit=1, rejected=[1], rules=["date_range"])
case("duplicate_ids", [row(patient_id="A1"), row(patient_id="A2"), row(patient_id="A1")],
     exit=1, rejected=[1, 3], rules=["duplicate"])
case("patient_id_too_long", [row(patient_id="X" * 65), OK], exit=1, rejected=[1],
     rules=["length"])
case("missing_required_values", [OK, row(age=None), row(sex=None, surgery_type="  ")],
     exit=1, rejected=[2, 3], rules=["required"])
case("missing_required_column", [OK, OK], drop=["histology"], exit=2, rejected=[],
     stderr="histology")
case("missing_prert_columns", [OK], drop=["prert_mri_date", "prert_progression"], exit=2,
     rejected=[], stderr="prert_mri_date")
case("prert_progression_blank", [row(prert_progression=None), OK], exit=1, rejected=[1],
     rules=["required"])
case("reader_disagreement",
     [row(prert_reader1="true", prert_reader2="true", prert_adjudicator="false",
          prert_progression="false"),
      row(prert_reader1="true", prert_reader2="false", prert_adjudicator="true",
          prert_progression="false"),
      row(prert_reader1="true", prert_reader2="false", prert_adjudicator="true",
          prert_progression="true"),
      row(prert_reader1="yes", prert_reader2="y", prert_adjudicator=None,
          prert_progression="1")],
     exit=1, rejected=[1, 2], rules=["reader_agreement"])
case("kps_55", [row(kps_pre="55"), row(kps_fu="110"), OK], exit=1, rejected=[1, 2],
     rules=["multiple_of", "range"])
case("qol_out_of_range", [row(nrs_pre="11"), row(mobility_fu="5"), row(sphincter_pre="2"), OK],
     exit=1, rejected=[1, 2, 3], rules=["range", "allowed"])
case("bad_numbers", [row(age="sixty"), row(age="17"), row(rt_fractions="5.5"),
                     row(rt_dose_gy="35,5"), OK],
     exit=1, rejected=[1, 2, 3, 4], rules=["type", "range", "integer"])
case("bad_boolean", [row(surgery_at_site="maybe"), row(seed_implantation="N"), OK],
     exit=1, rejected=[1], rules=["boolean"])
case("bad_index_level", [row(index_level="T13"), row(index_level="X5"), row(index_level="Th12"),
                         row(index_level="L1-T11")],
     exit=1, rejected=[1, 2], rules=["level_pattern"])
case("ambiguous_date_without_flag",
     [row(surgery_date="03/01/2020"), OK], exit=1, rejected=[1], rules=["date_ambiguous"])
case("ambiguous_date_dmy",
     [row(**{"surgery_date": "01.01.2020", "rt_start_date": "01/03/2020",
             "last_followup_date": "15-01-2021"})],
     args=["--date-order", "dmy"], exit=0, rejected=[])
case("ambiguous_date_mdy_invalid",
     [row(**{"surgery_date": "01/01/2020", "rt_start_date": "03/01/2020",
             "last_followup_date": "15/01/2021"})],
     args=["--date-order", "mdy"], exit=1, rejected=[1], rules=["date_invalid"],
     note="month-first 15/01/2021 has month 15")
case("durations_form",
     [row(**NO_DATES, ti_months="1.5", lc_months="8", lc_event="0", os_months="10",
          os_event="1", prert_progression="true"),
      row(**NO_DATES, ti_months="2", lc_months="3", lc_event="1", os_months="4", os_event="0"),
      row(**NO_DATES, ti_months="2", lc_months="3", lc_event=None, os_months="4",
          os_event="0")],
     exit=1, rejected=[3], rules=["required"],
     note="row 3 has neither last_imaging_date nor lc_event")
case("durations_disagree_with_dates",
     [row(ti_months="1.97"), row(ti_months="2.5"), row(os_event="1")],
     exit=1, rejected=[2, 3], rules=["duration_mismatch"],
     note="2020-01-01 to 2020-03-01 is 60 days = 1.971 months; 2.5 months is 76 days")
case("location_instead_of_level",
     [row(location="thoracic"), row(location="lumbar")], drop=["index_level"], exit=0,
     rejected=[])
case("unknown_column", [row(hospital="A"), OK], exit=0, rejected=[],
     warnings=["unknown_column"])
case("future_followup_warning", [row(last_followup_date="2100-01-01")], exit=1, rejected=[1],
     rules=["future_date"], note="a date after the run's date is an error of the row (issue 10)")
case("implausible_year", [row(last_followup_date="2999-01-01"), row(surgery_date="0020-01-01")],
     exit=1, rejected=[1, 2], rules=["date_invalid"])


def main() -> None:
    manifest = []
    for spec in CASES:
        table = frame(*spec.pop("rows"))
        drop = spec.pop("drop")
        table = table.drop(columns=[c for c in drop if c in table.columns])
        table.to_csv(HERE / spec["file"], index=False)
        manifest.append(spec)
    (HERE / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    print(f"{len(manifest)} cases written")


if __name__ == "__main__":
    main()
