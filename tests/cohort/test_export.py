"""Tests of rtdelay.cohort._export: formula-injection escaping and csv/xlsx writing."""

from __future__ import annotations

import csv
import datetime as dt

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rtdelay.cohort._export import FORMULA_PREFIXES, escape_formula, write_table
from rtdelay.errors import InputError


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ('=HYPERLINK("http://x.example","click")', '\'=HYPERLINK("http://x.example","click")'),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("＝1+1", "'＝1+1"),
        ("-", "'-"),
        ("-inf", "'-inf"),
        # plain numbers stay numbers
        ("-3.5", "-3.5"),
        ("+2", "+2"),
        ("-1e-3", "-1e-3"),
        ("-.5", "-.5"),
        # ordinary text and non-text untouched
        ("renal", "renal"),
        ("T11-L1", "T11-L1"),
        ("a=b", "a=b"),
        ("", ""),
        (None, None),
        (3, 3),
        (-2.5, -2.5),
    ],
)
def test_escape_formula(value: object, expected: object) -> None:
    assert escape_formula(value) == expected


@given(st.text())
def test_escape_formula_never_leaves_a_formula(text: str) -> None:
    out = escape_formula(text)
    assert isinstance(out, str)
    if out and out[0] in FORMULA_PREFIXES:
        float(out)  # only a plain number may still start with a sign
    assert out == text or out == "'" + text


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "patient_id": ["=1+1", "P-002", "@cmd", None],
            "age": [61.0, np.nan, 70.5, 44],
            "surgery_date": [pd.Timestamp("2019-03-04"), pd.NaT, dt.date(2020, 1, 31), None],
            "rt_at_site": [True, False, None, True],
            "note": ["-3.5", "+A1", "ok, with comma", 'quote "x"'],
        }
    )


def test_write_csv_escapes_and_formats(tmp_path) -> None:
    out = write_table(_frame(), tmp_path / "sub" / "q.csv")
    assert out.exists()
    with open(out, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["patient_id", "age", "surgery_date", "rt_at_site", "note"]
    assert rows[1] == ["'=1+1", "61", "2019-03-04", "true", "-3.5"]
    assert rows[2] == ["P-002", "", "", "false", "'+A1"]
    assert rows[3] == ["'@cmd", "70.5", "2020-01-31", "", "ok, with comma"]
    assert rows[4] == ["", "44", "", "true", 'quote "x"']
    assert not out.read_bytes().startswith(b"\xef\xbb\xbf")


def test_write_csv_bom(tmp_path) -> None:
    out = write_table(_frame(), tmp_path / "q.csv", bom=True)
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")


def test_write_csv_escapes_header(tmp_path) -> None:
    frame = pd.DataFrame({"=evil()": ["x"]})
    out = write_table(frame, tmp_path / "h.csv")
    assert out.read_text(encoding="utf-8").splitlines()[0] == "'=evil()"


def test_write_xlsx_has_no_formula_cells(tmp_path) -> None:
    out = write_table(_frame(), tmp_path / "q.xlsx", sheet_name="quarantine")
    book = openpyxl.load_workbook(out)
    sheet = book["quarantine"]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    types = {c.data_type for row in sheet.iter_rows() for c in row}
    assert "f" not in types
    assert values[0] == ["patient_id", "age", "surgery_date", "rt_at_site", "note"]
    assert values[1][0] == "'=1+1"
    assert values[1][2] == dt.datetime(2019, 3, 4)
    assert values[1][3] is True
    assert values[2][4] == "'+A1"
    assert values[3][0] == "'@cmd"
    assert values[2][1] is None
    assert sheet.freeze_panes == "A2"


def test_write_xlsx_every_column_kind(tmp_path) -> None:
    """Each kind of column (one type, missing values, mixed types, nothing at all) reads back."""
    notes: list[str] = []
    frame = pd.DataFrame({
        "ints": [1, 2, 3],
        "floats": [1.5, np.nan, np.inf],
        "flags": [True, None, False],
        "text": ["=1+1", None, "P\x07x"],
        "dates": [dt.date(2020, 1, 2), None, dt.date(2021, 3, 4)],
        "stamps": [dt.datetime(2020, 1, 2, 3, 4, 5), dt.datetime(2020, 1, 3), None],
        "mixed": [1, "two", dt.date(2020, 5, 6)],
        "numpy": np.array([7, 8, 9], dtype="int64").astype(object),
        "all_na": pd.array([pd.NA, pd.NA, pd.NA], dtype="Int64"),
        "all_nan": [np.nan, np.nan, np.nan],
        "nothing": [None, None, None],
    })
    out = write_table(frame, tmp_path / "kinds.xlsx", notes=notes)
    sheet = openpyxl.load_workbook(out)["cohort"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0] == list(frame.columns)
    assert [r[0] for r in rows[1:]] == [1, 2, 3]
    assert [r[1] for r in rows[1:]] == [1.5, None, None]
    assert [r[2] for r in rows[1:]] == [True, None, False]
    assert [r[3] for r in rows[1:]] == ["'=1+1", None, "P\\x07x"]
    assert [r[4] for r in rows[1:]] == [dt.datetime(2020, 1, 2), None, dt.datetime(2021, 3, 4)]
    assert [r[5] for r in rows[1:]] == [dt.datetime(2020, 1, 2, 3, 4, 5),
                                        dt.datetime(2020, 1, 3), None]
    assert [r[6] for r in rows[1:]] == [1, "two", dt.datetime(2020, 5, 6)]
    assert [r[7] for r in rows[1:]] == [7, 8, 9]
    assert all(v is None for r in rows[1:] for v in r[8:])
    assert {c.data_type for row in sheet.iter_rows() for c in row} <= {"n", "s", "b", "d"}
    assert notes == ["kinds.xlsx: 1 control character(s) that an xlsx file cannot hold "
                     "were written as visible \\xNN escapes"]


@pytest.mark.parametrize("name", ["q.txt", "q", "q.xls"])
def test_write_table_rejects_other_suffixes(tmp_path, name: str) -> None:
    with pytest.raises(InputError, match="must end in .csv or .xlsx"):
        write_table(_frame(), tmp_path / name)


def test_write_table_rejects_directory(tmp_path) -> None:
    (tmp_path / "d.csv").mkdir()
    with pytest.raises(InputError, match="directory"):
        write_table(_frame(), tmp_path / "d.csv")


def test_write_table_leaves_no_temporary_file(tmp_path) -> None:
    write_table(_frame(), tmp_path / "a.csv")
    write_table(_frame(), tmp_path / "a.xlsx")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv", "a.xlsx"]
