"""validate_cohort: cell parsing, every rule of the data dictionary, typed output, quarantine."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from cohort_rows import BASE, TODAY, frame, row
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rtdelay.cohort import COLUMNS, ValidationResult, validate_cohort
from rtdelay.cohort._normalize import parse_level, parse_value
from rtdelay.errors import CohortError, InputError


def check(*rows: dict, **kw: object) -> ValidationResult:
    return validate_cohort(frame(*rows), today=TODAY, **kw)  # type: ignore[arg-type]


def rules(result: ValidationResult) -> set[str]:
    """Rules broken: by rejected rows (errors) and by rejected field-level values."""
    return {i.rule for i in result.errors + result.field_issues}


# --- cell parsing -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "cell", "expected"),
    [
        ("histology", "Kidney", "renal"),
        ("histology", " RCC ", "renal"),
        ("histology", "renal cell", "renal"),
        ("histology", "NSCLC", "lung"),
        ("histology", "sclc", "lung"),
        ("histology", "Hepatocellular", "liver"),
        ("histology", "HCC", "liver"),
        ("histology", "stomach", "gastric"),
        ("histology", "Unknown Primary", "unknown_primary"),
        ("sex", "M", "male"),
        ("sex", "Woman", "female"),
        ("sex", "FEMALE", "female"),
        ("rt_technique", "sbrt", "SBRT"),
        ("surgery_type", "Total en bloc", "total_en_bloc"),
        ("escc_grade", "1A", "1a"),
        ("escc_grade", 2, "2"),
        ("escc_grade", 3.0, "3"),
        ("escc_grade", 0, "0"),
        ("surgery_at_site", "Yes", 1.0),
        ("surgery_at_site", "n", 0.0),
        ("surgery_at_site", 1, 1.0),
        ("surgery_at_site", "FALSE", 0.0),
        ("surgery_at_site", True, 1.0),
        ("age", " 61.5 ", 61.5),
        ("rt_fractions", "5.0", 5.0),
        ("kps_pre", 80, 80.0),
        ("surgery_date", "2020-01-31", dt.date(2020, 1, 31)),
        ("surgery_date", dt.datetime(2020, 1, 31, 0, 0), dt.date(2020, 1, 31)),
        ("surgery_date", dt.date(2020, 1, 31), dt.date(2020, 1, 31)),
        ("patient_id", 12.0, "12"),
    ],
)
def test_parse_value_accepts(column: str, cell: object, expected: object) -> None:
    assert parse_value(cell, COLUMNS[column]) == expected


@pytest.mark.parametrize(
    ("column", "cell", "rule"),
    [
        ("histology", "banana", "allowed"),
        ("sex", 1, "allowed"),
        ("escc_grade", "1", "allowed"),
        ("escc_grade", "4", "allowed"),
        ("surgery_at_site", "maybe", "boolean"),
        ("surgery_at_site", 2, "boolean"),
        ("age", "abc", "type"),
        ("age", "nan", "type"),
        ("age", "inf", "type"),
        ("age", "1,5", "type"),
        ("age", 111, "range"),
        ("rt_fractions", "2.5", "integer"),
        ("kps_pre", 55, "multiple_of"),
        ("sins_pain", 2, "allowed"),
        ("surgery_date", "2019-02-30", "date_invalid"),
        ("surgery_date", "03/04/2019", "date_ambiguous"),
        ("surgery_date", 43500.0, "type"),
        ("surgery_date", "yesterday", "date_invalid"),
        ("patient_id", "x" * 65, "length"),
        ("index_level", "T13", "level_pattern"),
    ],
)
def test_parse_value_refuses(column: str, cell: object, rule: str) -> None:
    result = parse_value(cell, COLUMNS[column])
    assert getattr(result, "rule", None) == rule


def test_dates_need_the_order_flag() -> None:
    spec = COLUMNS["surgery_date"]
    assert parse_value("03/04/2019", spec, date_order="dmy") == dt.date(2019, 4, 3)
    assert parse_value("03.04.2019", spec, date_order="mdy") == dt.date(2019, 3, 4)
    assert parse_value("13/04/2019", spec, date_order="mdy").rule == "date_invalid"  # type: ignore[union-attr]
    # even an unambiguous day-first date is not guessed without the flag
    assert parse_value("25/12/2019", spec).rule == "date_ambiguous"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("T11-L1", "T11-L1"), ("t11 - l1", "T11-L1"), ("L1-T11", "T11-L1"), ("Th12", "T12"),
     ("C7", "C7"), ("S5", "S5"), ("C1–C2", "C1-C2")],
)
def test_parse_level(text: str, expected: str) -> None:
    assert parse_level(text) == expected


@pytest.mark.parametrize("text", ["C8", "T0", "L6", "S6", "X1", "T11-L1-L2", "", "11"])
def test_parse_level_refuses(text: str) -> None:
    assert not isinstance(parse_level(text), str)


# --- rows ---------------------------------------------------------------------------------


def test_valid_rows_are_typed() -> None:
    res = check(row(), row(prert_progression="yes", escc_grade="1A", sex="M"))
    assert (res.n_rows, res.n_valid, res.n_rejected) == (2, 2, 0)
    v = res.valid
    assert v["surgery_date"].dtype == "datetime64[ns]"
    assert v["surgery_at_site"].dtype == bool
    assert v["prert_progression"].dtype == "boolean"
    assert v["rt_fractions"].dtype == "Int64"
    assert v["age"].dtype == float
    assert v["escc_grade"].cat.ordered
    assert v["escc_grade"].tolist() == ["2", "1a"]
    assert v["sex"].tolist() == ["female", "male"]
    assert v["source_row"].tolist() == [1, 2]
    assert not v["lost_to_followup"].any()
    assert set(COLUMNS) <= set(v.columns)


def test_message_names_row_patient_column_value_and_rule() -> None:
    res = check(row(), row(rt_start_date="2019-12-31"))
    issue = next(i for i in res.errors if i.column == "rt_start_date" and "surgery" in i.message)
    assert issue.row == 2 and issue.patient_id == "P002" and issue.rule == "date_order"
    assert issue.message == (
        "Row 2 (patient P002): rt_start_date 2019-12-31 is before surgery_date 2020-01-01; "
        "radiotherapy must start after surgery."
    )


def test_source_rows_come_from_the_raw_table() -> None:
    class Raw:
        frame = frame(row(), row(surgery_date="x"))
        source_rows = [5, 9]
        date_order = None

    res = validate_cohort(Raw(), today=TODAY)  # type: ignore[arg-type]
    assert res.errors[0].row == 9
    assert res.rejected["source_row"].tolist() == [9]


def test_totals_filled_from_components_and_checked() -> None:
    comps = dict(sins_location="3", sins_pain="1", sins_lesion="2", sins_alignment="4",
                 sins_collapse="3", sins_posterolateral="3")  # 3+1+2+4+3+3 = 16
    res = check(row(sins=None, **comps), row(sins="16", **comps), row(sins="15", **comps))
    # SINS is field level: the disagreeing total is treated as missing, the patient kept
    assert res.valid["sins"].tolist()[:2] == [16, 16] and pd.isna(res.valid["sins"][2])
    assert res.errors == []
    assert [i.row for i in res.field_issues] == [3]
    assert res.field_issues[0].rule == "total_mismatch"
    assert res.field_issues[0].severity == "field"
    assert "15" in res.field_issues[0].message and "16" in res.field_issues[0].message


def test_total_column_may_be_absent_when_components_given() -> None:
    data = frame(row(tomita_growth="4", tomita_visceral="2", tomita_bone="2")).drop(
        columns=["tomita"])
    res = validate_cohort(data, today=TODAY)
    assert res.n_rejected == 0
    assert res.valid["tomita"].tolist() == [8]


def test_missing_total_and_components_is_required_error() -> None:
    res = check(row(tokuhashi=None))
    assert rules(res) == {"required"}


@pytest.mark.parametrize(
    ("readers", "progression", "ok"),
    [
        (("true", "true", None), "true", True),
        (("true", "true", None), "false", False),
        (("false", "false", "true"), "false", True),  # readers agree: the adjudicator is moot
        (("true", "false", "true"), "true", True),
        (("true", "false", "true"), "false", False),
        (("true", "false", "false"), "false", True),
    ],
)
def test_reader_agreement(readers: tuple, progression: str, ok: bool) -> None:
    r1, r2, adj = readers
    res = check(row(prert_reader1=r1, prert_reader2=r2, prert_adjudicator=adj,
                    prert_progression=progression))
    assert (res.n_rejected == 0) is ok
    if not ok:
        assert rules(res) == {"reader_agreement"}


def test_unresolved_readers_is_a_warning() -> None:
    res = check(row(prert_reader1="true", prert_reader2="false", prert_progression="true"))
    assert res.n_rejected == 0
    assert [w.rule for w in res.warnings] == ["reader_unresolved"]


def test_surgery_date_after_today_is_rejected() -> None:
    res = check(row(surgery_date="2024-07-01", postop_mri_date=None, prert_mri_date=None,
                    rt_start_date="2024-08-01", last_imaging_date="2024-08-02",
                    last_followup_date="2024-08-03"))
    assert "date_range" in rules(res)


def test_prert_mri_without_progression_is_rejected_and_vice_versa_is_kept() -> None:
    res = check(row(prert_progression=None), row(prert_mri_date=None, prert_progression="true"))
    assert [i.row for i in res.errors] == [1]


def test_durations_agree_within_one_day() -> None:
    # 2020-01-01 -> 2020-03-01 is 60 days; 61/30.4375 months is 1 day off: accepted,
    # 62/30.4375 is 2 days off: rejected
    res = check(row(ti_months=str(61 / 30.4375)), row(ti_months=str(62 / 30.4375)))
    assert [i.row for i in res.errors] == [2]
    assert res.errors[0].rule == "duration_mismatch"


def test_location_mismatch_is_a_warning_and_given_location_kept() -> None:
    res = check(row(index_level="T12-L1", location="lumbar"))
    assert res.n_rejected == 0
    assert [w.rule for w in res.warnings] == ["location_mismatch"]


def test_unknown_columns_warned_once_and_kept() -> None:
    res = check(row(ward="7"), row(ward="8"))
    assert [(w.row, w.column, w.rule) for w in res.warnings] == [(None, "ward", "unknown_column")]
    assert res.valid["ward"].tolist() == ["7", "8"]


def test_missing_required_column_raises_naming_it() -> None:
    with pytest.raises(CohortError, match="rt_technique"):
        validate_cohort(frame(row()).drop(columns=["rt_technique"]), today=TODAY)


def test_durations_form_covers_date_columns() -> None:
    data = frame(row(ti_months="2", lc_months="5", lc_event="1", os_months="6", os_event="0"))
    data = data.drop(columns=["surgery_date", "rt_start_date", "last_imaging_date",
                              "last_followup_date", "postop_mri_date", "prert_mri_date"])
    res = validate_cohort(data, today=TODAY)
    assert res.n_rejected == 0


def test_durations_form_local_control_cannot_outlast_survival() -> None:
    # Regression: lc_months 13 > os_months 12 was accepted although the date form rejects
    # a last imaging after the last follow-up; one day of rounding is tolerated.
    def durations(pid: str, lc: str, os_: str) -> dict:
        return row(patient_id=pid, ti_months="2", lc_months=lc, lc_event="0", os_months=os_,
                   os_event="1")

    data = frame(durations("A", "13", "12"), durations("B", "12.03", "12"),
                 durations("C", "12", "12"))
    data = data.drop(columns=["surgery_date", "rt_start_date", "last_imaging_date",
                              "last_followup_date", "postop_mri_date", "prert_mri_date"])
    res = validate_cohort(data, today=TODAY)
    assert [(e.row, e.column, e.rule) for e in res.errors] == [(1, "lc_months", "duration_order")]
    assert res.valid["patient_id"].tolist() == ["B", "C"]


def test_duplicated_column_is_unusable() -> None:
    data = frame(row())
    data = pd.concat([data, data[["age"]]], axis=1)
    with pytest.raises(CohortError, match="age"):
        validate_cohort(data, today=TODAY)


def test_bad_date_order_argument() -> None:
    with pytest.raises(InputError):
        validate_cohort(frame(row()), date_order="ydm")


def test_mapping_file_date_order_is_used() -> None:
    class Raw:
        frame = frame(row(surgery_date="01.01.2020"))
        source_rows = [1]
        date_order = "dmy"

    assert validate_cohort(Raw(), today=TODAY).n_rejected == 0  # type: ignore[arg-type]


def test_rejected_rows_exactly_as_they_came_in(tmp_path: Path) -> None:
    data = frame(row(), row(surgery_date="abc", surgery_at_site=" x "),
                 row(histology="=cmd|' /C calc'!A0"))
    res = validate_cohort(data, today=TODAY)
    assert res.rejected["source_row"].tolist() == [2]
    assert res.rejected.loc[0, "surgery_at_site"] == " x "
    assert res.rejected.loc[0, "surgery_date"] == "abc"
    reasons = res.rejected.loc[0, "reasons"]
    assert "surgery_date" in reasons and "surgery_at_site" in reasons
    # histology is field level: the row stays, the value is listed in the quarantine
    assert res.fields["source_row"].tolist() == [3]
    out = res.write_quarantine(tmp_path / "q.csv")
    written = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert written["source_row"].tolist() == ["2", "3"]
    assert written["level"].tolist() == ["row", "field"]
    text = out.read_text("utf-8")
    assert "'=cmd" in text  # formula injection neutralised


def test_to_dict_counts() -> None:
    res = check(row(), row(surgery_date="abc"), row(age="abc"))
    d = res.to_dict()
    assert (d["rows"], d["valid"], d["rejected"], d["values_rejected"]) == (3, 2, 1, 1)
    assert [(i["rule"], i["severity"]) for i in d["issues"]] == [("date_invalid", "error"), ("type", "field")]


def test_mixed_python_objects_from_spreadsheets() -> None:
    cells = row(age=61.0, rt_fractions=5, surgery_date=dt.datetime(2020, 1, 1),
                rt_start_date=dt.date(2020, 3, 1), surgery_at_site=True, escc_grade=2.0,
                patient_id=17.0, kps_pre=float("nan"))
    res = check(cells)
    assert res.n_rejected == 0, [i.message for i in res.issues]
    assert res.valid.loc[0, "patient_id"] == "17"
    assert pd.isna(res.valid.loc[0, "kps_pre"])


def test_empty_frame() -> None:
    res = validate_cohort(pd.DataFrame(columns=list(BASE), dtype=object), today=TODAY)
    assert (res.n_rows, res.n_valid, res.n_rejected) == (0, 0, 0)


# --- property: arbitrary cells never raise, V + R = N ---------------------------------------

CELLS = st.one_of(
    st.none(),
    st.text(max_size=12),
    st.sampled_from(["", " ", "1", "0", "yes", "2019-02-30", "2020-02-29", "03/04/2020", "T11-L1",
                     "NaN", "inf", "-1", "1e400", "female", "1a", "renal", "=1+1", "\u00e9\u4e2d"]),
    st.integers(min_value=-10**12, max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    cells=st.lists(st.tuples(st.sampled_from(sorted(COLUMNS)), CELLS), max_size=12),
    n_rows=st.integers(min_value=1, max_value=3),
    drop=st.lists(st.sampled_from(sorted(COLUMNS)), max_size=2),
    order=st.sampled_from([None, "dmy", "mdy"]),
)
def test_arbitrary_cells_never_crash(cells: list, n_rows: int, drop: list, order: str | None
                                     ) -> None:
    rows = [row() for _ in range(n_rows)]
    for i, (column, value) in enumerate(cells):
        rows[i % n_rows][column] = value
    data = frame(*rows)
    data = data.drop(columns=[c for c in drop if c in data.columns])
    try:
        res = validate_cohort(data, date_order=order, today=TODAY)
    except CohortError:
        return
    assert res.n_valid + res.n_rejected == res.n_rows == n_rows
    assert len(res.rejected) == len({i.row for i in res.errors})
    assert np.all(res.rejected["reasons"].str.len() > 0)
    from rtdelay.cohort import apply_eligibility, derive_cohort

    flow = apply_eligibility(derive_cohort(res.valid)).flow
    assert sum(flow["exclusions"].values()) + flow["included"] == res.n_valid


def test_to_dict_is_strict_json() -> None:
    import json

    res = check(row(age=float("inf")), row(age=float("-inf")))
    text = json.dumps(res.to_dict(), allow_nan=False)
    assert json.loads(text)["values_rejected"] == 2


def test_quarantine_keeps_cells_as_the_file_gave_them(tmp_path: Path) -> None:
    # Regression: the quarantine showed mapped codes ("2" -> "female") and decimal-comma
    # conversions ("17,5" -> "17.5") instead of the rejected row as it came in.
    from rtdelay.cohort import load_table

    header = list(BASE)
    good = dict(BASE, patient_id="A", sex="2")
    bad = dict(BASE, patient_id="B", sex="2", age="17,5")
    lines = [";".join(header)] + [
        ";".join("" if r[h] is None else str(r[h]) for h in header) for r in (good, bad)
    ]
    cohort = tmp_path / "cohort.csv"
    cohort.write_text("\n".join(lines) + "\n", encoding="utf-8")
    mapping = tmp_path / "map.toml"
    mapping.write_text('[values.sex]\n"1" = "male"\n"2" = "female"\n', encoding="utf-8")
    res = validate_cohort(load_table(cohort, mapping=mapping), today=TODAY)
    assert res.valid["sex"].tolist() == ["female", "female"]
    # age is field level: B stays (age missing) and is quarantined as it came in
    assert res.n_rejected == 0 and pd.isna(res.valid["age"][1])
    assert res.fields["patient_id"].tolist() == ["B"]
    assert res.fields.loc[0, "sex"] == "2"
    assert res.fields.loc[0, "age"] == "17,5"
    out = res.write_quarantine(tmp_path / "q.csv")
    written = out.read_text(encoding="utf-8")
    assert 'B,"17,5",2,breast' in written
