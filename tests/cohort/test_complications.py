"""Row-by-row validation of the complications table (DATA_DICTIONARY.md, second table)."""

import datetime as dt

import pytest

from rtdelay.cohort import load_table, validate_complications
from rtdelay.errors import CohortError


def _write(tmp_path, text, name="comp.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return load_table(path)


def test_valid_rows_are_typed_and_synonyms_accepted(tmp_path):
    raw = _write(tmp_path, "patient_id,phase,complication,date\nP1,Surgery,wound infection,2019-03-02\nP2,rt,bacteremia,\n")
    res = validate_complications(raw, patient_ids=["P1", "P2"])
    assert res.issues == [] and len(res.rejected) == 0
    assert res.valid["phase"].tolist() == ["surgery", "radiotherapy"]
    assert res.valid["date"].tolist()[0] == dt.date(2019, 3, 2)
    assert res.valid["date"].tolist()[1] is None
    assert res.valid["source_row"].tolist() == [2, 3]  # lines of the csv file (header = line 1)


def test_each_bad_row_is_rejected_with_row_patient_column_value_rule(tmp_path):
    raw = _write(
        tmp_path,
        "patient_id,phase,complication,date\n"
        "P1,later,fever,\n"
        ",surgery,wound infection,\n"
        "P9,surgery,pneumonia,\n"
        "P2,radiotherapy,fracture,2019-02-30\n"
        "P2,radiotherapy,radiculopathy,03.04.2019\n",
    )
    res = validate_complications(raw, patient_ids=["P1", "P2"])
    assert res.rejected["source_row"].tolist() == [2, 3, 4, 5, 6]  # csv lines
    by_row = {i.row - 1: i for i in res.issues}  # row = csv line; header is line 1
    assert (by_row[1].column, by_row[1].value, by_row[1].rule) == ("phase", "later", "allowed")
    assert (by_row[2].column, by_row[2].rule) == ("patient_id", "required")
    assert (by_row[3].column, by_row[3].rule) == ("patient_id", "unknown_patient")
    assert by_row[4].column == "date" and by_row[4].patient_id == "P2"
    assert "--date-order" in by_row[5].message  # ambiguous date without the flag
    assert all(i.message.startswith(f"Row {i.row} (") for i in res.issues)
    # with the flag the day-first date is read
    res_dmy = validate_complications(raw, patient_ids=["P1", "P2"], date_order="dmy")
    assert 6 not in res_dmy.rejected["source_row"].tolist()


def test_quarantine_keeps_rows_as_they_came_in(tmp_path):
    raw = _write(tmp_path, "patient_id,phase,complication\nP1,later,=cmd\n")
    res = validate_complications(raw, patient_ids=["P1"])
    out = res.write_quarantine(tmp_path / "q.csv")
    text = out.read_text(encoding="utf-8")
    assert "later" in text and "'=cmd" in text and "phase" in text


def test_missing_required_column_is_unusable(tmp_path):
    raw = _write(tmp_path, "patient_id,complication\nP1,fever\n")
    with pytest.raises(CohortError, match="required column 'phase'"):
        validate_complications(raw, patient_ids=["P1"])
