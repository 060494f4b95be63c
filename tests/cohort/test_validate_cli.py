"""``rtdelay validate`` on the malformed-content corpus (tests/cohort/corpus/manifest.json)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

from rtdelay.cli import app
from rtdelay.cohort import COLUMNS

CORPUS = Path(__file__).parent / "corpus"
MANIFEST: list[dict[str, Any]] = json.loads((CORPUS / "manifest.json").read_text("utf-8"))
runner = CliRunner()


def test_corpus_is_large_enough() -> None:
    assert len(MANIFEST) >= 15
    for case in MANIFEST:
        assert (CORPUS / case["file"]).exists(), case["file"]


@pytest.mark.parametrize("case", MANIFEST, ids=[c["name"] for c in MANIFEST])
def test_corpus_json(case: dict[str, Any]) -> None:
    result = runner.invoke(app, ["validate", str(CORPUS / case["file"]), "--json", *case["args"]])
    assert result.exit_code == case["exit"], (result.stdout, result.stderr)
    assert "Traceback" not in result.stdout + result.stderr
    if case["exit"] == 2:
        assert result.stdout == ""
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1
        assert case["stderr"] in lines[0]
        return
    out = json.loads(result.stdout)  # exactly one JSON object
    assert set(out) == {"rows", "valid", "rejected", "values_rejected", "issues"}
    assert out["valid"] + out["rejected"] == out["rows"]
    # the manifest names the rows with a broken rule; the column's level says what it costs
    errors = [i for i in out["issues"] if i["severity"] in ("error", "field")]
    assert sorted({i["row"] for i in errors}) == case["rejected_rows"]
    assert {i["rule"] for i in errors} == set(case["rules"])
    for issue in errors:
        level = COLUMNS[issue["column"]].level
        assert issue["severity"] == ("field" if level == "field" else "error"), issue
    row_level = {i["row"] for i in errors if i["severity"] == "error"}
    assert out["rejected"] == len(row_level)
    assert out["values_rejected"] == sum(1 for i in errors if i["severity"] == "field")
    warnings = {i["rule"] for i in out["issues"] if i["severity"] == "warning"}
    assert set(case["warning_rules"]) <= warnings
    for issue in errors:
        assert issue["message"].startswith(f"Row {issue['row']} (")
        assert issue["column"] in issue["message"]


def test_quarantine_file(tmp_path: Path) -> None:
    out = tmp_path / "quarantine.csv"
    src = CORPUS / "bad_category.csv"
    result = runner.invoke(app, ["validate", str(src), "--quarantine", str(out)])
    assert result.exit_code == 1
    # sex and histology are field level (value rejected, row kept), rt_technique row level;
    # all three rows are in the quarantine file
    assert "rejected: 1" in result.stdout and "values rejected: 2" in result.stdout
    q = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert q["level"].tolist() == ["field", "field", "row"]
    original = pd.read_csv(src, dtype=str, keep_default_na=False)
    assert q["source_row"].tolist() == ["2", "3", "4"]
    # rows exactly as they came in
    pd.testing.assert_frame_equal(
        q[original.columns].reset_index(drop=True), original.iloc[1:].reset_index(drop=True)
    )
    assert "sex" in q.loc[0, "reasons"] and "banana" in q.loc[1, "reasons"]


def test_human_summary_caps_issue_list(tmp_path: Path) -> None:
    rows = pd.read_csv(CORPUS / "all_valid.csv", dtype=str)
    big = pd.concat([rows.iloc[[0]]] * 40, ignore_index=True)
    big["patient_id"] = [f"Q{i}" for i in range(40)]
    big["surgery_at_site"] = "maybe"  # row level: every row rejected
    path = tmp_path / "many.csv"
    big.to_csv(path, index=False)
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 1
    assert "... and 10 more" in result.stdout
    assert "rows: 40" in result.stdout and "rejected: 40" in result.stdout


def test_bad_date_order_option() -> None:
    result = runner.invoke(app, ["validate", str(CORPUS / "all_valid.csv"), "--date-order", "x"])
    assert result.exit_code == 2
    assert "--date-order" in result.stderr


@pytest.mark.parametrize("content", ["", "just some words\n", "\x00\x01\x02binary"])
def test_unusable_file_exits_2(tmp_path: Path, content: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    result = runner.invoke(app, ["validate", str(path), "--json"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1


def test_real_entry_point_missing_file(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "rtdelay", "validate", str(tmp_path / "nope.csv"), "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr
    assert "nope.csv" in proc.stderr
