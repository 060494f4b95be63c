"""Row numbers where a person looks: the spreadsheet row of an xlsx sheet (header and the rows
above it counted), the line of a csv file; the JSON keeps the data row beside it."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import openpyxl
from typer.testing import CliRunner

from rtdelay.cli import app
from rtdelay.cohort import load_table, validate_cohort

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "cli"))
from study_cohort_dates import dates_frame  # noqa: E402

runner = CliRunner()


def _bad_frame():
    frame = dates_frame().head(4).copy()
    frame["age"] = frame["age"].astype(object)
    frame.loc[2, "age"] = 7  # third data row: out of range
    return frame


def test_xlsx_rows_are_spreadsheet_rows(tmp_path):
    frame = _bad_frame()
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Spine metastases cohort, exported 2020"])  # a title line above the header
    sheet.append([])
    sheet.append(list(frame.columns))
    for row in frame.itertuples(index=False):
        sheet.append([None if v != v else (v.isoformat() if hasattr(v, "isoformat") else v) for v in row])
    path = tmp_path / "c.xlsx"
    book.save(path)
    result = validate_cohort(load_table(path))
    issue = next(i for i in result.issues if i.column == "age")
    assert issue.row == 6  # header in spreadsheet row 3, third data row in row 6
    assert issue.data_row == 3
    assert issue.message.startswith("Row 6 (")
    out = runner.invoke(app, ["validate", str(path), "--json"])
    item = next(i for i in json.loads(out.stdout)["issues"] if i["column"] == "age")
    assert (item["row"], item["data_row"]) == (6, 3)


def test_csv_rows_are_line_numbers(tmp_path):
    path = tmp_path / "c.csv"
    text = _bad_frame().to_csv(index=False)
    path.write_text("\n" + text)  # a blank first line: the header is line 2
    result = validate_cohort(load_table(path))
    issue = next(i for i in result.issues if i.column == "age")
    assert (issue.row, issue.data_row) == (5, 3)
