"""rtdelay.analysis: the one analysis service (public API, in-memory run, files, errors).

The cohort is tests/reference/study_cohort.csv in the dictionary's dates form
(tests/cli/study_cohort_dates.py); R's numbers in tests/reference/study.json (from
``Rscript tests/reference/study.R``) apply to its included patients. Tolerance 1e-6 relative.
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import sys
from pathlib import Path

import pytest

from rtdelay import analysis
from rtdelay.analysis import AnalysisOptions, AnalysisRun, analyze, analyze_demo
from rtdelay.errors import CohortError, InputError
from rtdelay.report import dump_json, write_report_outputs

sys.path.insert(0, str(Path(__file__).parent / "cli"))
from study_cohort_dates import dates_frame, write_dates_cohort  # noqa: E402

R = json.loads((Path(__file__).parent / "reference" / "study.json").read_text())
REL = 1e-6


def test_public_api_is_pinned() -> None:
    assert set(analysis.__all__) >= {"AnalysisOptions", "AnalysisRun", "analyze", "analyze_demo", "write_outputs"}
    params = inspect.signature(analyze).parameters
    assert list(params) == ["source", "mapping", "date_order", "complications", "out_dir", "options", "progress"]
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for name, p in params.items() if name != "source")
    assert [f.name for f in dataclasses.fields(AnalysisRun)] == [
        "source", "complications_source", "validation", "complications", "flow", "included",
        "results", "document", "reproduction_rows", "paths",
    ]  # fmt: skip
    # the report writer takes the results and nothing that duplicates them
    assert "results_json" not in inspect.signature(write_report_outputs).parameters


@pytest.fixture(scope="module")
def cohort(tmp_path_factory) -> Path:
    bad = dict(dates_frame().iloc[0].to_dict(), patient_id="BAD1", surgery_date="2019-02-30")  # rejected: not a date (age is field level)
    return write_dates_cohort(tmp_path_factory.mktemp("in") / "cohort.csv", extra_rows=[bad])


@pytest.fixture(scope="module")
def in_memory(cohort) -> AnalysisRun:
    return analyze(cohort, options=AnalysisOptions())


def test_in_memory_run_writes_nothing_and_agrees_with_r(in_memory, cohort) -> None:
    run = in_memory
    assert run.paths == {}
    assert sorted(p.name for p in cohort.parent.iterdir()) == ["cohort.csv"]
    assert run.validation.n_rejected == 1 and run.results.n_patients == R["n_patients"] == 78
    doc = run.document
    # R: summary(survfit(Surv(lc_months, lc_event) ~ 1), times = 12)$surv, by group
    for g in ("all", "PBR", "NPBR"):
        assert doc["lc_1y"][g] == pytest.approx(R["lc"][g]["surv"], rel=REL)
    # R: survdiff(Surv(os_months, os_event) ~ group)
    assert doc["os_logrank_p"] == pytest.approx(R["os"]["logrank"]["p"], rel=REL)
    assert doc["validation"]["rejected"] == 1 and len(doc["metadata"]["input_sha256"]) == 64
    assert doc["synthetic"] is False and doc["notice"] is None
    assert "rows=79, rejected=1, included=78" in repr(run)


def test_written_run_is_the_document_in_memory(cohort, tmp_path, capsys, monkeypatch) -> None:
    real_loads = json.loads

    def no_rereading(text, *args, **kwargs):  # nothing reads its own results.json back
        assert '"rtdelay_version"' not in str(text), "results.json was read back"
        return real_loads(text, *args, **kwargs)

    monkeypatch.setattr(json, "loads", no_rereading)
    steps: list[str] = []
    run = analyze(cohort, out_dir=tmp_path / "out", options=AnalysisOptions(), progress=steps.append)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""  # nothing printed from inside
    assert steps[0] == "Reading and checking cohort.csv" and "Drawing figures (png, svg, pdf)" in steps
    assert run.paths["results"].read_text(encoding="utf-8") == dump_json(run.document)
    for key in ("included", "quarantine", "report", "methods", "flow_diagram"):
        assert run.paths[key].is_file(), key
    assert "BAD1" in run.paths["quarantine"].read_text(encoding="utf-8")
    assert "reproduction" not in run.paths and "cohort" not in run.paths


def test_options_reach_the_study(cohort) -> None:
    run = analyze(cohort, options=AnalysisOptions(beyond=False, pbr_times=(2.0,), report=False))
    assert run.results.beyond is None and list(run.document["pbr_cumulative_risk"]) == ["2"]


def test_bad_option_and_unusable_files(tmp_path) -> None:
    with pytest.raises(InputError, match="date_order must be one of dmy, mdy, ymd"):
        analyze(tmp_path / "x.csv", date_order="ydm")
    with pytest.raises(CohortError):
        analyze(tmp_path / "missing.csv")
    frame = dates_frame().head(3).assign(surgery_date="2019-02-30")  # every row rejected (a timeline field)
    bad = tmp_path / "bad.csv"
    frame.to_csv(bad, index=False)
    with pytest.raises(CohortError, match="no usable row .* see .*quarantine.csv"):
        analyze(bad, out_dir=tmp_path / "out")
    assert (tmp_path / "out" / "quarantine.csv").is_file()
    assert not (tmp_path / "out" / "results.json").exists()


def test_complications_rejected_rows_are_reported_not_printed(cohort, tmp_path, capsys) -> None:
    comp = tmp_path / "complications.csv"
    comp.write_text(
        "patient_id,phase,complication,date\n"
        "S001,surgery,wound infection,\n"
        "NOBODY,surgery,wound infection,\n"
        "S002,later,pneumonia,\n"
    )
    run = analyze(cohort, complications=comp, out_dir=tmp_path / "o", options=AnalysisOptions(report=False))
    assert capsys.readouterr().out == ""
    assert len(run.complications.rejected) >= 1
    assert run.paths["complications_quarantine"].is_file()
    assert run.document["complications"]["surgery"] == {"wound infection": 1}
    assert run.document["metadata"]["complications_file"] == "complications.csv"


def test_demo_in_memory_is_synthetic_with_reproduction_rows() -> None:
    from rtdelay.demo import DEMO_NOTICE

    run = analyze_demo(options=AnalysisOptions())
    assert run.paths == {}
    assert run.document["synthetic"] is True and run.document["notice"] == DEMO_NOTICE
    assert run.reproduction_rows and run.results.n_patients == 89
