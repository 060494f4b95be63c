"""Tests of the data-entry template (rtdelay.cohort._template and ``rtdelay template``)."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from rtdelay.cli import app
from rtdelay.cohort._load import load_table
from rtdelay.cohort._schema import COLUMNS, COMPLICATION_COLUMNS
from rtdelay.cohort._template import dictionary_rows, write_template
from rtdelay.errors import CohortError, InputError


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("tpl") / "t.xlsx"
    assert write_template(path, rows=50) == [path]
    return path


def _validations(sheet) -> dict[str, object]:
    """Column letter range start -> DataValidation."""
    out = {}
    for validation in sheet.data_validations.dataValidation:
        first = str(validation.sqref).split(":")[0]
        out[first] = validation
    return out


def _letter(name: str, columns=COLUMNS) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(list(columns).index(name) + 1)


def test_sheets_and_header(template: Path) -> None:
    book = openpyxl.load_workbook(template)
    assert book.sheetnames == ["cohort", "dictionary", "complications"]
    sheet = book["cohort"]
    assert [c.value for c in sheet[1]] == list(COLUMNS)
    assert sheet.freeze_panes == "B2"
    assert sheet["A1"].font.b
    assert sheet["A1"].comment is not None
    assert [c.value for c in book["complications"][1]] == list(COMPLICATION_COLUMNS)
    assert sheet.max_row >= 2  # formatted (empty) entry rows


def test_validations_follow_the_schema(template: Path) -> None:
    sheet = openpyxl.load_workbook(template)["cohort"]
    found = _validations(sheet)

    def at(name: str):
        return found[f"{_letter(name)}2"]

    assert at("sex").type == "list" and at("sex").formula1 == '"male,female"'
    assert at("escc_grade").formula1 == '"0,1a,1b,1c,2,3"'
    assert at("rt_technique").formula1 == '"SBRT,IMRT,cEBRT"'
    assert at("rt_at_site").formula1 == '"true,false"'
    assert at("sins_pain").formula1 == '"0,1,3"'
    assert at("sphincter_pre").formula1 == '"0,1"'
    assert (at("sins").type, at("sins").operator, at("sins").formula1, at("sins").formula2) == (
        "whole", "between", "0", "18",
    )
    assert (at("tomita").formula1, at("tomita").formula2) == ("2", "10")
    assert (at("age").type, at("age").formula1, at("age").formula2) == ("decimal", "18", "110")
    assert (at("rt_dose_gy").type, at("rt_dose_gy").formula1) == ("decimal", "1")
    assert at("mobility_months_after_rt").operator == "greaterThanOrEqual"
    kps = at("kps_pre")
    assert kps.type == "custom" and "MOD(" in kps.formula1 and ",10)=0" in kps.formula1
    assert at("surgery_date").type == "date" and at("surgery_date").formula1 == "DATE(2000,1,1)"
    assert at("patient_id").type == "textLength"
    assert str(at("sex").sqref) == f"{_letter('sex')}2:{_letter('sex')}51"
    assert sheet[f"{_letter('surgery_date')}2"].number_format == "yyyy-mm-dd"
    assert sheet[f"{_letter('patient_id')}2"].number_format == "@"
    assert sheet[f"{_letter('escc_grade')}2"].number_format == "@"
    for name in ("sex", "histology", "surgery_type", "rt_technique", "seed_implantation"):
        assert at(name).showErrorMessage
    complications = _validations(openpyxl.load_workbook(template)["complications"])
    assert complications["B2"].formula1 == '"surgery,radiotherapy"'


def test_every_category_and_boolean_has_a_drop_down(template: Path) -> None:
    found = _validations(openpyxl.load_workbook(template)["cohort"])
    for name, spec in COLUMNS.items():
        if spec.kind in ("category", "ordered", "boolean") or spec.allowed is not None:
            assert found[f"{_letter(name)}2"].type == "list", name


def test_dictionary_sheet(template: Path) -> None:
    sheet = openpyxl.load_workbook(template)["dictionary"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0] == ["table", "column", "type", "allowed", "required", "notes", "if a rule is broken"]
    assert len(rows) == 1 + len(COLUMNS) + len(COMPLICATION_COLUMNS)
    by_name = {(r[0], r[1]): r for r in rows[1:]}
    assert by_name[("cohort", "age")][3] == "18 to 110"
    assert by_name[("cohort", "kps_pre")][3] == "0 to 100, multiples of 10"
    assert by_name[("cohort", "sins")][4] == "yes, or all its components"
    assert "sins_location" in by_name[("cohort", "sins")][5]
    assert by_name[("cohort", "surgery_date")][3] == "from 2000-01-01"
    assert by_name[("complications", "phase")][3] == "surgery, radiotherapy"


def test_filled_template_round_trips(tmp_path: Path, template: Path) -> None:
    book = openpyxl.load_workbook(template)
    sheet = book["cohort"]
    values = {
        "patient_id": "007",
        "age": 61.5,
        "sex": "male",
        "escc_grade": "1a",
        "surgery_date": dt.datetime(2019, 3, 4),
        "rt_at_site": True,
    }
    for name, value in values.items():
        sheet.cell(row=2, column=list(COLUMNS).index(name) + 1, value=value)
    sheet.cell(row=4, column=1, value="P-2")
    book["complications"].cell(row=2, column=1, value="007")
    book["complications"].cell(row=2, column=2, value="surgery")
    filled = tmp_path / "filled.xlsx"
    book.save(filled)

    table = load_table(filled)
    assert list(table.frame.columns) == list(COLUMNS)
    assert table.source_rows == [1, 3]
    assert "ignored sheets: dictionary, complications" in table.notes
    row = table.frame.iloc[0]
    assert row["patient_id"] == "007"
    assert row["age"] == 61.5
    assert row["escc_grade"] == "1a"
    assert row["surgery_date"] == dt.date(2019, 3, 4)
    assert row["rt_at_site"] is True
    complications = load_table(filled, sheet="complications")
    assert complications.frame.iloc[0].tolist() == ["007", "surgery", None, None]


def test_filled_template_passes_validation(tmp_path: Path, template: Path) -> None:
    from rtdelay.cohort._validate import validate_cohort

    row = {
        "patient_id": "007", "age": 61, "sex": "male", "histology": "renal",
        "index_level": "T11-L1", "escc_grade": "1a", "sins": 9, "tomita": 4, "tokuhashi": 10,
        "surgery_date": dt.datetime(2019, 3, 4), "surgery_type": "separation",
        "surgery_at_site": True, "rt_start_date": dt.datetime(2019, 4, 1),
        "rt_technique": "SBRT", "rt_dose_gy": 24, "rt_fractions": 3, "rt_at_site": True,
        "seed_implantation": False, "prert_mri_date": dt.datetime(2019, 3, 28),
        "prert_progression": False, "last_imaging_date": dt.datetime(2020, 1, 1),
        "last_followup_date": dt.datetime(2020, 2, 1), "kps_pre": 80,
    }
    book = openpyxl.load_workbook(template)
    for name, value in row.items():
        book["cohort"].cell(row=2, column=list(COLUMNS).index(name) + 1, value=value)
    filled = tmp_path / "filled.xlsx"
    book.save(filled)
    result = validate_cohort(load_table(filled), today=dt.date(2024, 1, 1))
    assert (result.n_valid, result.n_rejected) == (1, 0)
    assert not [i for i in result.issues if i.severity == "error"]


def test_empty_template_has_no_data_rows(template: Path) -> None:
    with pytest.raises(CohortError, match="no data rows"):
        load_table(template)


def test_csv_template(tmp_path: Path) -> None:
    written = write_template(tmp_path / "t.csv", format="csv")
    assert [p.name for p in written] == ["t.csv", "t_complications.csv", "t_dictionary.csv"]
    assert written[0].read_text(encoding="utf-8") == ",".join(COLUMNS) + "\n"
    assert written[1].read_text(encoding="utf-8") == ",".join(COMPLICATION_COLUMNS) + "\n"
    with open(written[2], encoding="utf-8", newline="") as fh:
        assert list(csv.reader(fh)) == dictionary_rows()
    with open(written[0], "a", encoding="utf-8") as fh:
        fh.write("007,61" + "," * (len(COLUMNS) - 2) + "\n")
    table = load_table(written[0])
    assert list(table.frame.columns) == list(COLUMNS)
    assert table.frame.at[0, "patient_id"] == "007"


def test_suffix_follows_format(tmp_path: Path) -> None:
    assert write_template(tmp_path / "t", format="csv")[0].name == "t.csv"
    assert write_template(tmp_path / "u.csv", format="xlsx", rows=1)[0].name == "u.xlsx"


@pytest.mark.parametrize(("kwargs", "phrase"), [({"format": "ods"}, "format"), ({"rows": 0}, "rows")])
def test_bad_options(tmp_path: Path, kwargs: dict, phrase: str) -> None:
    with pytest.raises(InputError, match=phrase):
        write_template(tmp_path / "t.xlsx", **kwargs)


def test_cli_template(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runner = CliRunner()
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["template"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "rtdelay_cohort_template.xlsx").exists()
    again = runner.invoke(app, ["template"])
    assert again.exit_code == 2
    assert "already exists" in again.output
    assert runner.invoke(app, ["template", "--force"]).exit_code == 0
    result = runner.invoke(app, ["template", "--format", "csv"])
    assert result.exit_code == 0
    assert sorted(p.name for p in tmp_path.glob("*.csv")) == [
        "rtdelay_cohort_template.csv",
        "rtdelay_cohort_template_complications.csv",
        "rtdelay_cohort_template_dictionary.csv",
    ]
    result = runner.invoke(app, ["template", "--out", "sub/mine.csv"])
    assert result.exit_code == 0 and (tmp_path / "sub" / "mine.csv").exists()


@pytest.mark.parametrize(
    ("args", "phrase"),
    [
        (["--format", "pdf"], "--format must be xlsx or csv"),
        (["--out", "x.csv", "--format", "xlsx"], "ends in .csv but --format is xlsx"),
        (["--out", "x.txt"], "--out must end in .xlsx or .csv"),
    ],
)
def test_cli_template_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], phrase: str
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["template", *args])
    assert result.exit_code == 2
    assert phrase in result.output
    assert list(tmp_path.iterdir()) == []
