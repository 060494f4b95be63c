"""Tests of rtdelay.cohort.load_table: the format corpus, row numbers, encodings, bad files."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rtdelay.cohort._load import RawTable, load_table
from rtdelay.cohort._load_columns import excel_serial_to_date
from rtdelay.errors import CohortError

FORMATS = Path(__file__).resolve().parent / "formats"
MANIFEST = json.loads((FORMATS / "manifest.json").read_text(encoding="utf-8"))["files"]


def _expected(value: object) -> object:
    if isinstance(value, str) and value.startswith("date:"):
        return dt.date.fromisoformat(value[5:])
    if isinstance(value, str) and value.startswith("datetime:"):
        return dt.datetime.fromisoformat(value[9:])
    return value


def _id(entry: dict) -> str:
    return entry["file"] + (f"[{entry['sheet']}]" if "sheet" in entry else "")


def test_corpus_is_large_enough() -> None:
    assert len({e["file"] for e in MANIFEST}) >= 12
    for entry in MANIFEST:
        assert (FORMATS / entry["file"]).exists(), entry["file"]


@pytest.mark.parametrize("entry", MANIFEST, ids=_id)
def test_corpus_file(entry: dict) -> None:
    path = FORMATS / entry["file"]
    mapping = FORMATS / entry["mapping"] if "mapping" in entry else None
    if entry["outcome"] == "error":
        with pytest.raises(CohortError) as info:
            load_table(path, mapping=mapping, sheet=entry.get("sheet"))
        assert type(info.value) is CohortError
        assert entry["error_contains"] in str(info.value)
        assert "\n" not in str(info.value)
        return
    table = load_table(path, mapping=mapping, sheet=entry.get("sheet"))
    assert isinstance(table, RawTable)
    assert table.format == entry["format"]
    assert len(table.frame) == entry["n_rows"] == len(table.source_rows)
    assert all(dtype.kind == "O" for dtype in table.frame.dtypes)
    assert list(table.frame.index) == list(range(entry["n_rows"]))
    if "source_rows" in entry:
        assert table.source_rows == entry["source_rows"]
    if "columns" in entry:
        assert list(table.frame.columns) == entry["columns"]
    for name, original in entry.get("original_columns", {}).items():
        assert table.original_columns[name] == original
    for row, column, value in entry.get("cells", []):
        got = table.frame.at[row, column]
        want = _expected(value)
        assert got == want and type(got) is type(want), (row, column, got, want)
    joined = " | ".join(table.notes)
    for phrase in entry.get("notes_contain", []):
        assert phrase in joined
    if "date_order" in entry:
        assert table.date_order == entry["date_order"]


def test_csv_keeps_text_and_empty_is_none(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("patient_id,age,note\n007,061, \n008,,NA\n", encoding="utf-8")
    frame = load_table(path).frame
    assert frame["patient_id"].tolist() == ["007", "008"]
    assert frame["age"].tolist() == ["061", None]
    assert frame["note"].tolist() == [" ", "NA"]  # no guessing: NA stays text


def test_decimal_comma_only_with_semicolon(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text('patient_id,age\nA,"61,5"\n', encoding="utf-8")
    table = load_table(path)
    assert table.frame.at[0, "age"] == "61,5"
    assert not any("decimal comma" in n for n in table.notes)


def test_decimal_comma_leaves_text_columns(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("patient_id;age;index_level;comment\n1,5;61,5;T11;a,b\n", encoding="utf-8")
    frame = load_table(path).frame
    assert frame.iloc[0].tolist() == ["1,5", "61.5", "T11", "a,b"]


def test_header_spelling_matched_to_dictionary(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("Patient ID,AGE,Surgery-Date\nA,61,2020-01-01\n", encoding="utf-8")
    table = load_table(path)
    assert list(table.frame.columns) == ["patient_id", "age", "surgery_date"]
    assert table.original_columns == {
        "patient_id": "Patient ID",
        "age": "AGE",
        "surgery_date": "Surgery-Date",
    }


def test_duplicate_header_refused(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("patient_id,age,Age\nA,61,62\n", encoding="utf-8")
    with pytest.raises(CohortError, match="would both be read as 'age'"):
        load_table(path)


def test_trailing_delimiters_and_unnamed_columns(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("patient_id,age,,\nA,61,,\nB,62,x,\n", encoding="utf-8")
    table = load_table(path)
    assert list(table.frame.columns) == ["patient_id", "age", "unnamed_3"]
    assert table.frame["unnamed_3"].tolist() == [None, "x"]


def test_short_rows_are_padded(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("patient_id,age,sex\nA,61\n", encoding="utf-8")
    assert load_table(path).frame.iloc[0].tolist() == ["A", "61", None]


def test_leading_blank_lines_before_header(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("\n\npatient_id,age\nA,61\n\nB,62\n", encoding="utf-8")
    assert load_table(path).source_rows == [1, 3]


def test_cp1252_and_latin1(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_bytes("patient_id;comment\nA;€ 5 – Größe\n".encode("cp1252"))
    table = load_table(path)
    assert table.frame.at[0, "comment"] == "€ 5 – Größe"
    assert "encoding: Windows-1252 (cp1252)" in table.notes
    # 0x81 is undefined in cp1252: only Latin-1 decodes it
    path.write_bytes(b"patient_id;comment\nA;caf\xe9\x81\n")
    table = load_table(path)
    assert table.frame.at[0, "comment"] == "café\x81"
    assert "encoding: Latin-1 (ISO-8859-1)" in table.notes


def test_utf16_without_bom(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_bytes("patient_id\tage\nÄ1\t61\n".encode("utf-16-le"))
    table = load_table(path)
    assert table.frame.iloc[0].tolist() == ["Ä1", "61"]


def test_mapping_object_and_codes_case_insensitive(tmp_path: Path) -> None:
    from rtdelay.cohort._mapping import parse_mapping

    mapping = parse_mapping('[columns]\nSex = "sex"\n[values.sex]\nM = "male"\nW = "female"\n')
    path = tmp_path / "c.csv"
    path.write_text("patient_id,SEX\nA,m\nB,W\nC,x\n", encoding="utf-8")
    table = load_table(path, mapping=mapping)
    assert table.frame["sex"].tolist() == ["male", "female", "x"]
    assert table.original_columns["sex"] == "SEX"


def test_mapping_note_for_absent_columns(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("Patienten-Nr\nA\n", encoding="utf-8")
    table = load_table(path, mapping=FORMATS / "german_mapping.toml")
    assert any("mapping names columns not in the file: Alter" in n for n in table.notes)


def test_sav_mapping_codes_win_over_labels(tmp_path: Path) -> None:
    import pandas as pd
    import pyreadstat

    path = tmp_path / "c.sav"
    frame = pd.DataFrame({"patient_id": ["A", "B"], "sex": [1.0, 2.0], "site": [1.0, 0.0]})
    pyreadstat.write_sav(
        frame,
        str(path),
        variable_value_labels={"sex": {1: "Mann", 2: "Frau"}, "site": {1: "ja", 0: "nein"}},
    )
    mapping = tmp_path / "m.toml"
    mapping.write_text(
        '[columns]\nsite = "rt_at_site"\n[values.sex]\nMann = "male"\n"2" = "female"\n'
        '[values.rt_at_site]\nja = true\nnein = false\n',
        encoding="utf-8",
    )
    table = load_table(path, mapping=mapping)
    assert table.frame["sex"].tolist() == ["male", "female"]
    assert table.frame["rt_at_site"].tolist() == ["true", "false"]


def test_sheet_choice_prefers_patient_id_and_most_columns(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    first = book.active
    first.title = "ids"
    first.append(["patient_id", "name"])
    first.append(["A", "x"])
    second = book.create_sheet("cohort")
    second.append(["patient_id", "age", "sex"])
    second.append(["A", 61, "male"])
    path = tmp_path / "b.xlsx"
    book.save(path)
    table = load_table(path)
    assert list(table.frame.columns) == ["patient_id", "age", "sex"]
    assert "ignored sheets: ids" in table.notes


def test_xlsx_1904_date_system(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904
    book.active.append(["patient_id", "surgery_date"])
    book.active.append(["A", 42066])  # 1904-01-01 + 42066 days = 2019-03-04 (hand count)
    path = tmp_path / "mac.xlsx"
    book.save(path)
    table = load_table(path)
    assert table.frame.at[0, "surgery_date"] == dt.date(2019, 3, 4)
    assert any("1904 date system" in n for n in table.notes)


def test_xlsx_header_only_and_empty_sheet(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.active.append(["patient_id", "age"])
    path = tmp_path / "h.xlsx"
    book.save(path)
    with pytest.raises(CohortError, match="no data rows"):
        load_table(path)
    book = openpyxl.Workbook()
    path = tmp_path / "e.xlsx"
    book.save(path)
    with pytest.raises(CohortError, match="no sheet has a patient_id column"):
        load_table(path)
    with pytest.raises(CohortError, match="empty"):
        load_table(path, sheet="Sheet")


@pytest.mark.parametrize(
    ("serial", "expected"),
    [
        # hand-computed from the 1900 system with the 1900-02-29 bug
        (1, dt.date(1900, 1, 1)),
        (59, dt.date(1900, 2, 28)),
        (61, dt.date(1900, 3, 1)),
        (43831, dt.date(2020, 1, 1)),
        (43831.25, dt.datetime(2020, 1, 1, 6, 0)),
        (2958465, dt.date(9999, 12, 31)),
    ],
)
def test_excel_serial_to_date(serial: float, expected: object) -> None:
    assert excel_serial_to_date(serial) == expected


def test_excel_serial_1904() -> None:
    assert excel_serial_to_date(0, epoch_1904=True) == dt.date(1904, 1, 1)
    assert excel_serial_to_date(366, epoch_1904=True) == dt.date(1905, 1, 1)


@pytest.mark.parametrize(
    ("name", "content", "phrase"),
    [
        ("c.csv", None, "does not exist"),
        ("c.pdf", b"%PDF-1.4", "unsupported file type"),
        ("c", b"a,b\n1,2\n", "unsupported file type"),
        ("c.ods", b"PK", "save it as .xlsx or .csv"),
        ("c.csv", b"\n\n  \n", "only blank lines"),
        ("c.csv", b"PK\x03\x04rest", "give it the .xlsx extension"),
        ("c.csv", b"$FL2@(#) SPSS", "SPSS"),
        ("c.sav", b"patient_id,age\nA,61\n", "not a readable SPSS data file"),
        ("c.parquet", b"patient_id,age\nA,61\n", "not a readable Parquet file"),
        ("c.csv", b"\xef\xbb\xbfpatient_id\n\xff\xfe\n", "not valid UTF-8"),
        ("c.csv", b"a\x00b,c\n1,2\n", "binary data"),
    ],
)
def test_bad_files(tmp_path: Path, name: str, content: bytes | None, phrase: str) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(CohortError) as info:
        load_table(path)
    assert phrase in str(info.value)


def test_directory_and_sheet_on_csv(tmp_path: Path) -> None:
    with pytest.raises(CohortError, match="directory"):
        load_table(tmp_path)
    path = tmp_path / "c.csv"
    path.write_text("patient_id\nA\n", encoding="utf-8")
    with pytest.raises(CohortError, match="only be chosen in an .xlsx"):
        load_table(path, sheet="x")


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read any file")
def test_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("patient_id\nA\n", encoding="utf-8")
    path.chmod(0)
    with pytest.raises(CohortError, match="permission denied"):
        load_table(path)


def test_ragged_rows_list_issues(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("patient_id,age\nA,61\nB,6,1\nC,7\nD,8,2\n", encoding="utf-8")
    with pytest.raises(CohortError) as info:
        load_table(path)
    assert [i.row for i in info.value.issues] == [2, 4]
    assert info.value.issues[0].rule == "field_count"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=600))
def test_arbitrary_bytes_load_or_cohort_error(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "fuzz.csv"
    path.write_bytes(raw)
    try:
        table = load_table(path)
    except CohortError as exc:
        assert str(exc)
        return
    assert len(table.frame) == len(table.source_rows) > 0
    assert all(isinstance(v, str) or v is None for v in table.frame.to_numpy().ravel())


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.lists(
            st.text(
                alphabet=st.characters(whitelist_categories=("L", "N", "P", "S", "Zs")),
                max_size=8,
            ),
            min_size=3,
            max_size=3,
        ),
        min_size=1,
        max_size=6,
    )
)
def test_csv_round_trip_through_write_table(tmp_path: Path, rows: list[list[str]]) -> None:
    """Whatever text is written by write_table loads back cell by cell (escaped text aside)."""
    import pandas as pd

    from rtdelay.cohort._export import escape_formula, write_table

    frame = pd.DataFrame(rows, columns=["patient_id", "comment", "other"])
    path = write_table(frame, tmp_path / "rt.csv")
    try:
        table = load_table(path)
    except CohortError as exc:
        # a table whose every row is blank has no data rows; nothing else may fail
        assert all(not "".join(r).strip() for r in rows), exc
        return
    kept = [r for r in rows if "".join(r).strip()]
    want = [[escape_formula(c) or None for c in r] for r in kept]
    assert table.frame.to_numpy().tolist() == want


def test_excel_sep_hint_line(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("sep=;\r\npatient_id;age;comment\r\nA;61,5;x,y\r\n", encoding="utf-8")
    table = load_table(path)
    assert table.frame.iloc[0].tolist() == ["A", "61.5", "x,y"]
    assert table.source_rows == [1]
    assert any("sep=;" in n for n in table.notes)


def test_loaded_text_is_escaped_on_export(tmp_path: Path) -> None:
    """A formula planted in a cohort file is neutralised when the table is written back."""
    from rtdelay.cohort._export import write_table

    path = tmp_path / "c.csv"
    path.write_text(
        'patient_id,comment\nA,"=HYPERLINK(""http://x.example"",""x"")"\nB,@SUM(1)\nC,-2.5\n',
        encoding="utf-8",
    )
    frame = load_table(path).frame
    out = write_table(frame, tmp_path / "out.xlsx")
    sheet = openpyxl.load_workbook(out).active
    cells = [c for row in sheet.iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)
    assert [c.value for c in sheet["B"]][1:] == [
        "'=HYPERLINK(\"http://x.example\",\"x\")",
        "'@SUM(1)",
        "-2.5",
    ]


def test_not_a_regular_file(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    with pytest.raises(CohortError, match="not a regular file"):
        load_table(fifo)


def test_parquet_without_pyarrow_names_the_extra(tmp_path, monkeypatch):
    import importlib.util

    from rtdelay.cohort import load_table
    from rtdelay.errors import MissingExtraError

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name in ("pyarrow", "fastparquet") else real(name, *a)
    )
    target = tmp_path / "cohort.parquet"
    target.write_bytes(b"PAR1")
    with pytest.raises(MissingExtraError) as info:
        load_table(target)
    message = str(info.value)
    assert "\n" not in message and "pip install 'rtdelay[parquet]'" in message
    assert isinstance(info.value, ImportError)
