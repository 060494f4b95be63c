"""``rtdelay analyze`` / ``rtdelay demo``: files, exit codes, screen, numbers agree with R.

The cohort is tests/reference/study_cohort.csv rewritten in the dictionary's dates form
(tests/cli/study_cohort_dates.py), so R's numbers in tests/reference/study.json (from
``Rscript tests/reference/study.R``) apply to the included patients. Tolerance 1e-6 relative.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from rtdelay.cli import app

sys.path.insert(0, str(Path(__file__).parent))
from study_cohort_dates import dates_frame, write_dates_cohort  # noqa: E402

REFERENCE = Path(__file__).resolve().parents[1] / "reference"
R = json.loads((REFERENCE / "study.json").read_text())
REL = 1e-6
runner = CliRunner()


def _extra_rows() -> list[dict]:
    base = dates_frame().iloc[0].to_dict()
    return [
        dict(base, patient_id="BAD1", surgery_date="2019-02-30"),  # rejected: not a date
        dict(base, patient_id="X1", rt_technique="cEBRT"),  # excluded: technique
        dict(base, patient_id="X2", surgery_type="vertebroplasty"),  # excluded: operation
    ]


@pytest.fixture(scope="module")
def analyzed(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("analyze")
    cohort = write_dates_cohort(tmp / "cohort.csv", extra_rows=_extra_rows())
    comp = tmp / "complications.csv"
    comp.write_text(
        "patient_id,phase,complication,date\n"
        "S001,surgery,wound infection,\n"
        "S002,radiotherapy,vertebral compression fracture,\n"
        "S003,surgery,wound infection,\n"
    )
    out = tmp / "out"
    result = runner.invoke(app, ["analyze", str(cohort), "--complications", str(comp), "--out", str(out)])
    return result, out, cohort, comp


def test_analyze_writes_files_and_exit_0_with_rejected_rows(analyzed):
    result, out, _, _ = analyzed
    assert result.exit_code == 0, result.output
    for name in ("results.json", "cohort_included.csv", "quarantine.csv"):
        assert (out / name).is_file(), name
    assert "rejected: 1" in result.output
    assert "quarantine.csv" in result.output
    assert "Radiotherapy technique not SBRT or IMRT: 1" in result.output
    quarantine = (out / "quarantine.csv").read_text()
    assert "BAD1" in quarantine and "S001" not in quarantine


def test_analyze_numbers_agree_with_r(analyzed):
    _, out, _, _ = analyzed
    doc = json.loads((out / "results.json").read_text())
    assert doc["n_patients"] == R["n_patients"] == 78
    # screened: every data row read (78 included + 2 excluded + 1 rejected at validation)
    assert doc["n_screened"] == 81 and doc["flow"]["exclusions"]["rt_technique_ineligible"] == 1
    assert doc["flow"]["rejected"] == 1
    assert doc["flow"]["rejection_reasons"] == {"surgery_date: not a date": 1}
    # R: 1 - summary(survfit(Surv(ti_months, pbr) ~ 1, conf.type = "log-log"), times = c(1, 3, 6))$surv
    assert [doc["pbr_cumulative_risk"][k] for k in ("1", "3", "6")] == pytest.approx(R["pbr_risk"]["risk"], rel=REL)
    for ep in ("lc", "os"):
        for g in ("all", "PBR", "NPBR"):
            # R: summary(survfit(Surv(<ep>_months, <ep>_event) ~ 1), times = 12)$surv
            assert doc[f"{ep}_1y"][g] == pytest.approx(R[ep][g]["surv"], rel=REL)
        # R: survdiff(Surv(<ep>_months, <ep>_event) ~ group)
        assert doc[f"{ep}_logrank_p"] == pytest.approx(R[ep]["logrank"]["p"], rel=REL)
    # R: wilcox.test(kps_fu, kps_pre, paired = TRUE, exact = FALSE, correct = FALSE)
    assert doc["qol"]["kps"]["NPBR"]["p"] == pytest.approx(R["qol"]["kps"]["NPBR"]["p"], rel=REL)
    assert doc["followup_rate"] == pytest.approx(R["followup_rate"], rel=REL)
    assert doc["complications"]["surgery"] == {"wound infection": 2}
    assert doc["complications"]["radiotherapy"][0]["type"] == "vertebral compression fracture"
    assert doc["synthetic"] is False and doc["notice"] is None
    assert doc["validation"]["rejected"] == 1
    meta = doc["metadata"]
    assert len(meta["input_sha256"]) == 64 and meta["rtdelay_version"]
    assert len(meta["complications_sha256"]) == 64


def test_analyze_is_deterministic(analyzed, tmp_path):
    _, out, cohort, comp = analyzed
    again = tmp_path / "again"
    result = runner.invoke(
        app, ["analyze", str(cohort), "--complications", str(comp), "--out", str(again), "--quiet"]
    )
    assert result.exit_code == 0
    assert result.output == ""

    def strip_date(text: str) -> str:
        doc = json.loads(text)
        doc["metadata"].pop("date")
        return json.dumps(doc, sort_keys=True)

    first, second = (out / "results.json").read_text(), (again / "results.json").read_text()
    assert strip_date(first) == strip_date(second)
    assert first.splitlines()[:3] == second.splitlines()[:3]
    assert (out / "cohort_included.csv").read_bytes() == (again / "cohort_included.csv").read_bytes()


def test_analyze_unusable_file(tmp_path):
    result = runner.invoke(app, ["analyze", str(tmp_path / "missing.csv"), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "rtdelay: error:" in result.stderr
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    result = runner.invoke(app, ["analyze", str(empty), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_analyze_bad_option(tmp_path):
    cohort = write_dates_cohort(tmp_path / "c.csv")
    result = runner.invoke(app, ["analyze", str(cohort), "--date-order", "ymd", "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and "--date-order" in result.stderr


def test_analyze_every_row_rejected(tmp_path):
    frame = dates_frame().head(3).assign(surgery_date="2019-02-30")
    cohort = tmp_path / "c.csv"
    frame.to_csv(cohort, index=False)
    out = tmp_path / "o"
    result = runner.invoke(app, ["analyze", str(cohort), "--out", str(out)])
    assert result.exit_code == 2
    assert "no usable row" in result.stderr
    assert (out / "quarantine.csv").is_file()


def test_analyze_no_pbr_patient(tmp_path):
    frame = dates_frame().assign(prert_progression="false")
    cohort = tmp_path / "c.csv"
    frame.to_csv(cohort, index=False)
    out = tmp_path / "o"
    result = runner.invoke(app, ["analyze", str(cohort), "--out", str(out)])
    assert result.exit_code == 0, result.output
    doc = json.loads((out / "results.json").read_text())
    assert doc["pbr_n"] == 0 and doc["lc_logrank_p"] is None and doc["lc_1y"]["PBR"] is None
    assert any("no PBR patient" in n for n in doc["notes"])
    assert "Notes" in result.output


def test_analyze_bad_complication_rows_are_quarantined(tmp_path):
    cohort = write_dates_cohort(tmp_path / "c.csv")
    comp = tmp_path / "comp.csv"
    comp.write_text(
        "patient_id,phase,complication\n"
        "S001,later,fever\n"  # bad phase
        "S002,RT,radiation radiculopathy\n"  # synonym: radiotherapy
        "NOBODY,surgery,wound infection\n"  # not a patient of the cohort
        "S003,surgery,\n"  # blank complication
    )
    out = tmp_path / "o"
    result = runner.invoke(app, ["analyze", str(cohort), "--complications", str(comp), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "3 of 4 row(s) rejected" in result.output
    quarantine = pd.read_csv(out / "complications_quarantine.csv", dtype=str, keep_default_na=False)
    assert quarantine["source_row"].tolist() == ["1", "3", "4"]
    assert quarantine["phase"].tolist() == ["later", "surgery", "surgery"]  # as they came in
    reasons = quarantine["reasons"].tolist()
    assert "phase" in reasons[0] and "not a patient of the cohort" in reasons[1] and "blank" in reasons[2]
    doc = json.loads((out / "results.json").read_text())
    assert doc["complications"]["surgery"] == {}
    assert [c["type"] for c in doc["complications"]["radiotherapy"]] == ["radiation radiculopathy"]


def test_analyze_complications_without_phase_column_is_unusable(tmp_path):
    cohort = write_dates_cohort(tmp_path / "c.csv")
    comp = tmp_path / "comp.csv"
    comp.write_text("patient_id,complication\nS001,fever\n")
    result = runner.invoke(app, ["analyze", str(cohort), "--complications", str(comp), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "phase" in result.stderr and "Traceback" not in result.output


def test_demo_command(tmp_path):
    out = tmp_path / "demo"
    result = runner.invoke(app, ["demo", "--out", str(out)])
    assert result.exit_code == 0, result.output + result.stderr
    for name in ("cohort.csv", "complications.csv", "results.json", "cohort_included.csv",
                 "quarantine.csv", "reproduction.md"):
        assert (out / name).is_file(), name
    from rtdelay.demo import DEMO_NOTICE

    doc = json.loads((out / "results.json").read_text())
    assert doc["synthetic"] is True and doc["notice"] == DEMO_NOTICE
    assert DEMO_NOTICE in result.output
    assert doc["n_patients"] > 0 and doc["complications"] is not None
    quiet = runner.invoke(app, ["demo", "--out", str(tmp_path / "q"), "--quiet"])
    assert quiet.exit_code == 0 and quiet.output == ""
