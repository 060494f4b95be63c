"""``analyze``/``demo`` options of issue 12: --title/--institution/--times/--config, --out that
is a file, the complications sheet read from the workbook, FILE:SHEET, ymd, help texts."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from rtdelay.cli import app
from rtdelay.cli._study import split_sheet

sys.path.insert(0, str(Path(__file__).parent))
from study_cohort_dates import dates_frame  # noqa: E402

runner = CliRunner()

COMPLICATIONS = pd.DataFrame(
    {
        "patient_id": ["S001", "S002", "S003"],
        "phase": ["surgery", "radiotherapy", "surgery"],
        "complication": ["wound infection", "vertebral compression fracture", "wound infection"],
        "date": [None, None, None],
    }
)


def _workbook(path: Path, *, complications: pd.DataFrame | None) -> Path:
    with pd.ExcelWriter(path) as writer:
        dates_frame().to_excel(writer, sheet_name="cohort", index=False)
        if complications is not None:
            complications.to_excel(writer, sheet_name="complications", index=False)
    return path


@pytest.fixture(scope="module")
def workbook_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("wb")
    book = _workbook(tmp / "cohort.xlsx", complications=COMPLICATIONS)
    config = tmp / "report.toml"
    config.write_text('title = "From the config"\ninstitution = "Dept. of Radiation Oncology, Hospital X"\ntimes = [6, 18]\n')
    out = tmp / "out"
    result = runner.invoke(
        app, ["analyze", str(book), "--config", str(config), "--title", "Waits at Hospital X", "--out", str(out)]
    )
    return result, out


def test_title_institution_and_config(workbook_run):
    result, out = workbook_run
    assert result.exit_code == 0, result.output
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "<title>Waits at Hospital X</title>" in page  # the option wins over the config
    assert "Dept. of Radiation Oncology, Hospital X" in page  # the config's institution
    assert "Reproduction of Gong et al." not in page  # a user's cohort is not a reproduction
    assert "methods of Gong et al., Radiat Oncol 2021;16:21" in page
    methods = (out / "methods.md").read_text(encoding="utf-8")
    assert methods.startswith("# Waits at Hospital X")


def test_times_from_config_reach_tables_and_json(workbook_run):
    _, out = workbook_run
    doc = json.loads((out / "results.json").read_text())
    assert [r["time"] for r in doc["details"]["overall_survival"]["rates_at"]["all"]] == [6.0, 18.0]
    text = (out / "tables" / "survival_summary.csv").read_text(encoding="utf-8")
    assert "18 months" in text and "24 months" not in text


def test_complications_sheet_read_without_option(workbook_run):
    result, out = workbook_run
    assert "read from the sheet 'complications'" in result.output
    doc = json.loads((out / "results.json").read_text())
    assert doc["complications"]["surgery"] == {"wound infection": 2}
    assert len(doc["complications"]["radiotherapy"]) == 1
    assert (out / "tables" / "complications.csv").is_file()


def test_default_title_is_neutral(tmp_path):
    from rtdelay.report._html import DEFAULT_TITLE

    assert "Reproduction" not in DEFAULT_TITLE and "Gong" not in DEFAULT_TITLE


def test_split_sheet(tmp_path):
    assert split_sheet(Path("book.xlsx:complications")) == (Path("book.xlsx"), "complications")
    assert split_sheet(Path("book.xlsx")) == (Path("book.xlsx"), None)
    odd = tmp_path / "a:b.csv"
    odd.write_text("x\n")
    assert split_sheet(odd) == (odd, None)  # an existing file is never split


def test_complications_file_and_sheet(tmp_path):
    book = _workbook(tmp_path / "cohort.xlsx", complications=None)
    comp = tmp_path / "comp.xlsx"
    with pd.ExcelWriter(comp) as writer:
        pd.DataFrame({"note": ["other sheet"]}).to_excel(writer, sheet_name="readme", index=False)
        COMPLICATIONS.to_excel(writer, sheet_name="events", index=False)
    out = tmp_path / "out"
    result = runner.invoke(app, ["analyze", str(book), "--complications", f"{comp}:events", "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    assert json.loads((out / "results.json").read_text())["complications"]["surgery"] == {"wound infection": 2}
    bad = runner.invoke(app, ["analyze", str(book), "--complications", f"{comp}:nosuch", "--out", str(out)])
    assert bad.exit_code == 2 and "nosuch" in bad.stderr


@pytest.mark.parametrize("command", ["analyze", "demo"])
def test_out_that_is_a_file(tmp_path, command):
    target = tmp_path / "results.txt"
    target.write_text("x")
    args = [command] + (["whatever.csv"] if command == "analyze" else []) + ["--out", str(target)]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert f"--out must be a folder; {target} is a file" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--times", "6,x"], "--times"),
        (["--times", "-3"], "--times"),
        (["--config", "MISSING.toml"], "--config"),
    ],
)
def test_bad_report_options(tmp_path, args, needle):
    result = runner.invoke(app, ["demo", "--out", str(tmp_path / "o"), *args])
    assert result.exit_code == 2 and needle in result.stderr


def test_config_unknown_key_is_named(tmp_path):
    config = tmp_path / "c.toml"
    config.write_text('titel = "typo"\n')
    result = runner.invoke(app, ["demo", "--out", str(tmp_path / "o"), "--config", str(config)])
    assert result.exit_code == 2 and "titel" in result.stderr


def test_ymd_accepted_on_the_command_line(tmp_path):
    from rtdelay.cohort import write_table

    frame = dates_frame().head(3)
    path = write_table(frame, tmp_path / "c.csv")
    result = runner.invoke(app, ["validate", str(path), "--date-order", "ymd"])
    assert "--date-order" not in result.stderr


@pytest.mark.parametrize("command", ["analyze", "demo"])
def test_help_lists_what_is_written(command):
    result = runner.invoke(app, [command, "--help"], env={"COLUMNS": "200"})
    text = " ".join(result.output.split())
    for name in ("report.html", "results.json", "tables/", "figures/", "methods.md"):
        assert name in text, name
