"""``km``/``compare`` read every format, derive the times of a dates-form cohort, and draw
``--plot`` (survminer-style: curves, bands, censor marks, numbers at risk, p value)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from rtdelay.cli import app

sys.path.insert(0, str(Path(__file__).parent))
from study_cohort_dates import write_dates_cohort  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "survival_example.csv"
DERIVED = ROOT / "tests" / "reference" / "study_cohort.csv"
runner = CliRunner()
ARGS = ["--time", "os_months", "--event", "os_event", "--group", "group", "--json"]


def _km(path: Path, *extra: str) -> dict:
    result = runner.invoke(app, ["km", str(path), *ARGS, *extra])
    assert result.exit_code == 0, result.output + result.stderr
    out = json.loads(result.stdout)
    out.pop("file")
    return out


@pytest.mark.parametrize("suffix", ["xlsx", "parquet", "tsv"])
def test_km_reads_every_format_with_the_same_numbers(tmp_path, suffix):
    frame = pd.read_csv(EXAMPLE)
    target = tmp_path / f"data.{suffix}"
    if suffix == "xlsx":
        frame.to_excel(target, index=False)
    elif suffix == "parquet":
        frame.to_parquet(target, index=False)
    else:
        frame.to_csv(target, sep="\t", index=False)
    assert _km(target, "--at", "6,12") == _km(EXAMPLE, "--at", "6,12")


def test_compare_on_a_dates_form_cohort_derives_the_times(tmp_path):
    """The reference cohort in dates form gives the same test as its derived (months) form."""
    dates = write_dates_cohort(tmp_path / "cohort.csv")
    args = ["--time", "os_months", "--event", "os_event", "--group", "group", "--json"]
    from_dates = runner.invoke(app, ["compare", str(dates), *args])
    assert from_dates.exit_code == 0, from_dates.stderr
    assert "derived from the dates" in from_dates.stderr
    from_months = runner.invoke(app, ["compare", str(DERIVED), *args])
    a, b = json.loads(from_dates.stdout)["test"], json.loads(from_months.stdout)["test"]
    assert a["statistic"] == pytest.approx(b["statistic"], rel=1e-9)
    assert a["p_value"] == pytest.approx(b["p_value"], rel=1e-9)


@pytest.mark.parametrize("fmt", ["png", "svg", "pdf"])
def test_km_plot(tmp_path, fmt):
    target = tmp_path / f"km.{fmt}"
    result = runner.invoke(app, ["km", str(EXAMPLE), *ARGS[:-1], "--plot", str(target)])
    assert result.exit_code == 0, result.stderr
    assert target.is_file() and target.stat().st_size > 1000
    if fmt == "svg":
        svg = target.read_text(encoding="utf-8")
        assert "Number at risk" in svg and "Log-rank P" in svg and 'id="at-risk:' in svg


def test_compare_plot_and_bad_plot_target(tmp_path):
    ok = runner.invoke(app, ["compare", str(EXAMPLE), *ARGS[:-1], "--plot", str(tmp_path / "c.png")])
    assert ok.exit_code == 0 and (tmp_path / "c.png").is_file()
    bad = runner.invoke(app, ["compare", str(EXAMPLE), *ARGS[:-1], "--plot", str(tmp_path / "c.gif")])
    assert bad.exit_code == 2 and "--plot" in bad.stderr
