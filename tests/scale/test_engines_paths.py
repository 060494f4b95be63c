"""The large-file path: engine-built count tables == the patient-level path; CLI --engine."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys

import pytest
from engine_frames import durations_frame

from rtdelay.scale import analyze_counts, site_summary_of_frame, study_counts, summaries_from_counts

pytest.importorskip("duckdb")

KEYS = ("n_patients", "pbr_cumulative_risk", "lc_1y", "os_1y", "lc_logrank_p", "os_logrank_p")


def _included(frame):
    from rtdelay.cohort import apply_eligibility

    derived = frame.assign(group=frame["prert_progression"].map({True: "PBR", False: "NPBR"}))
    return apply_eligibility(derived).included


def _close(a, b) -> None:
    if isinstance(a, dict):
        assert a.keys() == b.keys()
        for k in a:
            _close(a[k], b[k])
    elif isinstance(a, float) and isinstance(b, float) and not (math.isnan(a) and math.isnan(b)):
        assert math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12), (a, b)
    else:
        assert a == b


@pytest.mark.parametrize("engine", ["duckdb", "pandas"])
def test_tables_equal_the_patient_level_site_summary(engine: str) -> None:
    """Every count table built by the engine from the file equals the one built from patient rows."""
    frame = durations_frame(300, seed=21, dirty=False)
    ours = summaries_from_counts(study_counts(frame, engine=engine), site="H1", disclosure="none")[
        0
    ]
    theirs = site_summary_of_frame(_included(frame), site="H1", disclosure="none")
    assert ours["tables"] == theirs["tables"]
    assert ours["n_patients"] == theirs["n_patients"]
    # with a preset, the same disclosure applies (same published cells)
    ours_d = summaries_from_counts(
        study_counts(frame, engine=engine), site="H1", disclosure="default"
    )[0]
    theirs_d = site_summary_of_frame(_included(frame), site="H1", disclosure="default")
    assert ours_d["tables"] == theirs_d["tables"]


def test_analyze_counts_equals_the_study_pipeline(tmp_path) -> None:
    """results.json survival keys from count tables == rtdelay.study on the eligible patient rows."""
    from rtdelay.study import results_to_json, run

    frame = durations_frame(300, seed=2, dirty=False)
    path = tmp_path / "cohort.parquet"
    frame.to_parquet(path, index=False)
    got = analyze_counts(path, out_dir=tmp_path / "out", engine="duckdb")
    want = results_to_json(run(_included(frame)))
    for key in KEYS:
        _close(got[key], want[key])
    assert (tmp_path / "out" / "results.json").exists() and (
        tmp_path / "out" / "counts.csv"
    ).exists()
    assert got["count_table_run"]["not_computed"]


def _cli(*args: str, cwd) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rtdelay", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
    )


def test_cli_analyze_and_site_summary_with_engine(tmp_path) -> None:
    frame = durations_frame(400, seed=4, dirty=True)
    frame.to_csv(tmp_path / "big.csv", index=False)
    done = _cli(
        "analyze",
        "big.csv",
        "--engine",
        "duckdb",
        "--out",
        "out",
        "--site-column",
        "site",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert "rejected" in done.stdout and "not computed from count tables" in done.stdout
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert results["sites"] == ["site1", "site2", "site3"]
    assert results["lc_logrank_p_stratified"] is not None
    flow = results["count_table_run"]["flow"]
    assert (
        flow["screened"]
        == 400
        == flow["rejected"] + sum(flow["exclusions"].values()) + flow["included"]
    )

    done = _cli(
        "site-summary",
        "big.csv",
        "--site",
        "H9",
        "--engine",
        "pandas",
        "--out",
        "h9.json",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    doc = json.loads((tmp_path / "h9.json").read_text())
    assert doc["site"] == "H9" and doc["disclosure"]["preset"] == "default"

    bad = _cli("analyze", "big.csv", "--engine", "sqlite", "--out", "out2", cwd=tmp_path)
    assert (
        bad.returncode == 2 and "--engine must be" in bad.stderr and "Traceback" not in bad.stderr
    )
    (tmp_path / "no_os.csv").write_text(
        "ti_months,prert_progression,lc_months,lc_event\n1,true,2,0\n"
    )
    bad = _cli("analyze", "no_os.csv", "--engine", "duckdb", "--out", "out3", cwd=tmp_path)
    assert (
        bad.returncode == 2 and "column(s) missing" in bad.stderr and "Traceback" not in bad.stderr
    )


def _cli_env(env: dict[str, str], *args: str, cwd) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, **env}
    return subprocess.run(
        [sys.executable, "-m", "rtdelay", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
        env=full,
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"RTDELAY_DUCKDB_MEMORY_LIMIT": "lots"},
            "RTDELAY_DUCKDB_MEMORY_LIMIT 'lots': give a size",
        ),
        ({"RTDELAY_DUCKDB_THREADS": "0"}, "RTDELAY_DUCKDB_THREADS 0: give a whole number"),
        ({"RTDELAY_DUCKDB_TEMP_DIR": "big.csv"}, "RTDELAY_DUCKDB_TEMP_DIR 'big.csv': not a folder"),
        # too small even to read the csv: one line, not DuckDB's advice over several lines
        ({"RTDELAY_DUCKDB_MEMORY_LIMIT": "1MB"}, "DuckDB ran out of memory under memory_limit 1MB"),
    ],
)
def test_cli_duckdb_settings_errors_are_one_line(
    tmp_path, env: dict[str, str], message: str
) -> None:
    durations_frame(300, seed=4, dirty=False).to_csv(tmp_path / "big.csv", index=False)
    bad = _cli_env(env, "analyze", "big.csv", "--engine", "duckdb", "--out", "out", cwd=tmp_path)
    assert bad.returncode == 2, bad.stderr
    assert (
        message in bad.stderr
        and "Traceback" not in bad.stderr
        and "internal error" not in bad.stderr
    )
    assert len(bad.stderr.strip().splitlines()) == 1
