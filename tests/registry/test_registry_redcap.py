"""REDCap: a raw export (events, a repeating complications instrument) imports into the registry.

The data dictionary here is written by a small test helper (18 REDCap columns) from the cohort
schema: categories as radio fields coded 1..k with the dictionary's values as labels, booleans
as yesno, score points as radio fields whose codes are the points.
"""

from __future__ import annotations

import csv
import json

import pytest

from rtdelay.errors import InputError


def _write_dictionary(path, fields):
    from rtdelay.registry._redcap import REDCAP_DICTIONARY_HEADER

    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(REDCAP_DICTIONARY_HEADER)
        for name, form, kind, choices in fields:
            writer.writerow(
                [
                    name,
                    form,
                    "",
                    kind,
                    name,
                    choices,
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                ]
            )
    return path


def _fields():
    from rtdelay.cohort import COLUMNS

    out = [("patient_id", "baseline", "text", "")]
    for name, spec in COLUMNS.items():
        if name == "patient_id":
            continue
        form = "followup" if name in ("last_followup_date", "death_date", "nrs_fu") else "baseline"
        if spec.kind in ("category", "ordered") and name == "histology":
            choices = " | ".join(f"{i + 1}, {v}" for i, v in enumerate(spec.allowed))
            out.append((name, form, "radio", choices))
        elif spec.kind == "integer" and spec.allowed:
            out.append((name, form, "radio", " | ".join(f"{v}, {v} points" for v in spec.allowed)))
        elif spec.kind == "boolean":
            out.append((name, form, "yesno", ""))
        else:
            out.append((name, form, "text", ""))
    out += [
        ("complication_phase", "complications", "radio", "1, surgery | 2, radiotherapy"),
        ("complication", "complications", "text", ""),
        ("complication_date", "complications", "text", ""),
    ]
    return out


BASE = {
    "age": "64",
    "sex": "female",
    "histology": "3",
    "index_level": "T11",
    "escc_grade": "1b",
    "sins_location": "2",
    "sins_pain": "3",
    "sins_lesion": "1",
    "sins_alignment": "0",
    "sins_collapse": "1",
    "sins_posterolateral": "0",
    "tomita": "6",
    "tokuhashi": "9",
    "surgery_date": "2018-02-01",
    "surgery_type": "decompression",
    "surgery_at_site": "1",
    "rt_start_date": "2018-03-10",
    "rt_technique": "SBRT",
    "rt_dose_gy": "24",
    "rt_fractions": "3",
    "rt_at_site": "1",
    "seed_implantation": "0",
    "prert_mri_date": "2018-03-08",
    "prert_progression": "0",
    "last_imaging_date": "2018-12-01",
}


def _write_export(path, extra_columns=()):
    from rtdelay.cohort import COLUMNS

    header = [
        "patient_id",
        "redcap_event_name",
        "redcap_repeat_instrument",
        "redcap_repeat_instance",
        "redcap_data_access_group",
        *[n for n in COLUMNS if n != "patient_id"],
        "complication_phase",
        "complication",
        "complication_date",
        "baseline_complete",
        *extra_columns,
    ]
    rows = []
    for rid in ("R1", "R2"):
        rows.append(
            {
                "patient_id": rid,
                "redcap_event_name": "baseline_arm_1",
                "redcap_data_access_group": "a",
                "baseline_complete": "2",
                **BASE,
            }
        )
        rows.append(
            {
                "patient_id": rid,
                "redcap_event_name": "followup_arm_1",
                "redcap_data_access_group": "a",
                "last_followup_date": "2019-01-05",
                "nrs_fu": "2",
            }
        )
    rows.append(
        {
            "patient_id": "R1",
            "redcap_event_name": "baseline_arm_1",
            "redcap_repeat_instrument": "complications",
            "redcap_repeat_instance": "1",
            "complication_phase": "2",
            "complication": "skin reaction",
            "complication_date": "2018-03-20",
        }
    )
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
    return path


def test_redcap_export_imports_patients_and_complications(registry, admin, tmp_path):
    from rtdelay.cohort import COLUMNS
    from rtdelay.registry import (
        add_site,
        export_registry,
        import_table,
        read_redcap,
    )

    with registry.session(actor=admin.name, write=True) as s:
        add_site(s, admin, "a", "REDCap data access group a")
    dictionary = _write_dictionary(tmp_path / "dict.csv", _fields())
    data = _write_export(tmp_path / "data.csv")
    patients, comps = read_redcap(data, dictionary)
    outcome = import_table(registry, admin, patients, complications=comps, kind="redcap")
    assert outcome.plan.counts()["new"] == 2, outcome.plan.rejected.to_dict("records")
    assert outcome.plan.counts()["complications"] == 1
    with registry.session(actor=admin.name, write=True) as s:
        export = export_registry(s, admin, site="a")
    row = export.cohort.set_index("patient_id").loc["R1"]
    assert row["histology"] == COLUMNS["histology"].allowed[2]
    assert row["nrs_fu"] == 2 and str(row["last_followup_date"]) == "2019-01-05"
    assert row["sins"] == 7 and bool(row["surgery_at_site"]) is True
    assert export.complications[["patient_id", "phase"]].values.tolist() == [["R1", "radiotherapy"]]
    again = import_table(registry, admin, patients, complications=comps, kind="redcap")
    assert again.plan.n_changes == 0


def test_redcap_unknown_columns_and_fields_are_errors(tmp_path):
    from rtdelay.registry import read_redcap

    dictionary = _write_dictionary(tmp_path / "dict.csv", _fields())
    data = _write_export(tmp_path / "data.csv", extra_columns=("shoe_size",))
    with pytest.raises(InputError, match="shoe_size"):
        read_redcap(data, dictionary)
    bad = _write_dictionary(
        tmp_path / "bad.csv", [*_fields(), ("shoe_size", "baseline", "text", "")]
    )
    with pytest.raises(InputError, match="shoe_size"):
        read_redcap(_write_export(tmp_path / "d2.csv"), bad)
    with pytest.raises(InputError, match="not a REDCap data dictionary"):
        read_redcap(data, data)


def test_dictionary_written_by_rtdelay_round_trips_through_a_redcap_export(
    registry, admin, db_url, tmp_path
):
    """``rtdelay dictionary --format redcap`` -> a REDCap raw export with its field names ->
    ``rtdelay registry import --redcap``: patients and complications arrive (the complications
    instrument's field names of the dictionary were once not the ones the reader knew)."""
    from registry_rows import make_rows
    from typer.testing import CliRunner

    from rtdelay.cli import app

    runner = CliRunner()
    dictionary = tmp_path / "redcap_dictionary.csv"
    assert (
        runner.invoke(app, ["dictionary", "--format", "redcap", "--out", str(dictionary)]).exit_code
        == 0
    )
    with open(dictionary, newline="", encoding="utf-8") as handle:
        fields = list(csv.DictReader(handle))
    kinds = {f["Variable / Field Name"]: f["Field Type"] for f in fields}
    comp_fields = [f["Variable / Field Name"] for f in fields if f["Form Name"] == "complications"]
    assert comp_fields, "the dictionary has a complications instrument"
    cohort = make_rows(2)
    header = [
        "patient_id",
        "redcap_repeat_instrument",
        "redcap_repeat_instance",
        *[n for n in kinds if n != "patient_id"],
    ]
    rows = []
    for record in cohort.to_dict("records"):
        row = {n: v for n, v in record.items() if n in kinds}
        for name, value in row.items():
            if kinds[name] == "yesno" and value:  # REDCap's raw export codes yes/no as 1/0
                row[name] = {"true": "1", "false": "0"}.get(value, value)
        rows.append(row)
    by_column = {
        f["Field Annotation"].removeprefix("rtdelay column: "): f["Variable / Field Name"]
        for f in fields
        if f["Form Name"] == "complications"
    }
    rows.append(
        {
            "patient_id": cohort["patient_id"][0],
            "redcap_repeat_instrument": "complications",
            "redcap_repeat_instance": "1",
            by_column["phase"]: "radiotherapy",
            by_column["complication"]: "skin reaction",
            by_column["date"]: cohort["rt_start_date"][0],
        }
    )
    data = tmp_path / "export.csv"
    with open(data, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)
    db = ["--db", db_url]
    res = runner.invoke(
        app,
        [
            "registry",
            "import",
            "--redcap",
            str(data),
            "--redcap-dictionary",
            str(dictionary),
            "--site",
            "A",
            "--json",
            *db,
        ],
    )
    assert res.exit_code == 0, res.output
    counts = json.loads(res.output)
    assert (counts["new"], counts["rejected"]) == (2, 0)
    from rtdelay.registry import export_registry

    with registry.session(actor=admin.name, write=True) as s:
        export = export_registry(s, admin, site="A")
    assert export.complications[["patient_id", "phase", "complication"]].values.tolist() == [
        [cohort["patient_id"][0], "radiotherapy", "skin reaction"]
    ]
