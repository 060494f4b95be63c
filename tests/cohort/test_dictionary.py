"""The data dictionary shipped as docs/data-dictionary.md and printed by ``rtdelay dictionary``."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rtdelay.cli import app
from rtdelay.cohort import dictionary_csv, dictionary_markdown, dictionary_redcap
from rtdelay.cohort._schema import COLUMNS, COMPLICATION_COLUMNS

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "data-dictionary.md"
runner = CliRunner()

# REDCap's data dictionary columns, in order (REDCap "Data Dictionary" download/upload format)
REDCAP_COLUMNS = [
    "Variable / Field Name",
    "Form Name",
    "Section Header",
    "Field Type",
    "Field Label",
    "Choices, Calculations, OR Slider Labels",
    "Field Note",
    "Text Validation Type OR Show Slider Number",
    "Text Validation Min",
    "Text Validation Max",
    "Identifier?",
    "Branching Logic (Show field only if...)",
    "Required Field?",
    "Custom Alignment",
    "Question Number (surveys only)",
    "Matrix Group Name",
    "Matrix Ranking?",
    "Field Annotation",
]


def test_shipped_dictionary_matches_the_schema():
    assert DOCS.is_file(), "docs/data-dictionary.md is missing"
    assert DOCS.read_text(encoding="utf-8") == dictionary_markdown(), (
        "docs/data-dictionary.md differs from the schema; regenerate it with "
        "`rtdelay dictionary --format md --out docs/data-dictionary.md`"
    )


def test_markdown_lists_every_column():
    text = dictionary_markdown()
    for name in (*COLUMNS, *COMPLICATION_COLUMNS):
        assert f"| {name} |" in text, name


def test_csv_has_one_row_per_column():
    rows = list(csv.reader(io.StringIO(dictionary_csv())))
    assert rows[0][:2] == ["table", "column"] and "allowed" in rows[0] and "required" in rows[0]
    assert len(rows) - 1 == len(COLUMNS) + len(COMPLICATION_COLUMNS)


def test_redcap_dictionary_is_the_standard_18_columns():
    rows = list(csv.DictReader(io.StringIO(dictionary_redcap())))
    assert list(rows[0]) == REDCAP_COLUMNS
    names = [r["Variable / Field Name"] for r in rows]
    assert names[0] == "patient_id"  # the record ID comes first
    assert len(names) == len(set(names))  # unique across the project
    for r in rows:
        name = r["Variable / Field Name"]
        assert name == name.lower() and name.replace("_", "").isalnum() and len(name) <= 100
        assert r["Form Name"] in ("cohort", "complications")
        assert r["Field Type"] in ("text", "dropdown", "yesno")
        if r["Field Type"] == "dropdown":
            for choice in r["Choices, Calculations, OR Slider Labels"].split(" | "):
                code, label = choice.split(", ", 1)
                assert code.replace("_", "").isalnum() and label
    by_name = {r["Variable / Field Name"]: r for r in rows}
    assert by_name["age"]["Text Validation Type OR Show Slider Number"] == "number"
    assert (by_name["age"]["Text Validation Min"], by_name["age"]["Text Validation Max"]) == (
        "18",
        "110",
    )
    assert by_name["surgery_date"]["Text Validation Type OR Show Slider Number"] == "date_ymd"
    assert by_name["surgery_at_site"]["Field Type"] == "yesno"
    assert (
        by_name["sex"]["Choices, Calculations, OR Slider Labels"] == "male, male | female, female"
    )
    assert by_name["complication_phase"]["Form Name"] == "complications"


@pytest.mark.parametrize(
    ("fmt", "needle"),
    [
        ("md", "# rtdelay data dictionary"),
        ("csv", "table,column"),
        ("redcap", "Variable / Field Name"),
    ],
)
def test_dictionary_command(fmt, needle, tmp_path):
    shown = runner.invoke(app, ["dictionary", "--format", fmt])
    assert shown.exit_code == 0 and needle in shown.output
    target = tmp_path / f"d.{fmt}"
    written = runner.invoke(app, ["dictionary", "--format", fmt, "--out", str(target)])
    assert written.exit_code == 0 and needle in target.read_text(encoding="utf-8")


def test_dictionary_bad_format():
    result = runner.invoke(app, ["dictionary", "--format", "xml"])
    assert result.exit_code == 2 and "--format" in result.stderr


def test_no_pointer_outside_the_repository():
    """README, help and messages point to docs/data-dictionary.md, not to ../shared."""
    offenders = []
    for path in [ROOT / "README.md", *sorted((ROOT / "src" / "rtdelay" / "cli").glob("*.py"))]:
        text = path.read_text(encoding="utf-8")
        if "../shared" in text or "DATA_DICTIONARY.md" in text:
            offenders.append(str(path.relative_to(ROOT)))
    assert not offenders, offenders
