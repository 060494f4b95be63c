"""Imports: diff before writing, one transaction, idempotent, blanks, unknown columns."""

from __future__ import annotations

import pytest
from registry_rows import make_rows, write_csv
from sqlalchemy import func, select

from rtdelay.errors import InputError


def _counts(registry):
    from rtdelay.registry._models import AuditEvent, ImportBatch, Patient

    with registry.session() as s:
        return tuple(
            s.scalar(select(func.count()).select_from(t))
            for t in (Patient, AuditEvent, ImportBatch)
        )


def _run(registry, admin, path, **kw):
    from rtdelay.registry import import_table, read_import_file

    return import_table(registry, admin, read_import_file(path), site="A", **kw)


def test_dry_run_writes_nothing_and_commit_matches_it(registry, admin, tmp_path):
    path = write_csv(make_rows(30), tmp_path / "c.csv")
    before = _counts(registry)
    dry = _run(registry, admin, path, dry_run=True)
    assert dry.to_dict() == {"new": 30, "changed": 0, "unchanged": 0, "rejected": 0, "batch": None}
    assert _counts(registry) == before
    done = _run(registry, admin, path, reason="initial load")
    assert done.batch is not None and done.plan.fingerprint == dry.plan.fingerprint
    patients, audit, batches = _counts(registry)
    assert (patients, batches) == (30, 1)
    again = _run(registry, admin, path)
    assert again.to_dict() == {
        "new": 0,
        "changed": 0,
        "unchanged": 30,
        "rejected": 0,
        "batch": None,
    }
    assert _counts(registry) == (patients, audit, batches)


def test_changed_fields_old_to_new_and_blanks(registry, admin, tmp_path):
    rows = make_rows(5)
    _run(registry, admin, write_csv(rows, tmp_path / "c.csv"))
    edited = rows.copy()
    edited.loc[0, "age"] = 77
    edited.loc[1, "nrs_pre"] = None  # blank: keeps the stored value
    plan = _run(registry, admin, write_csv(edited, tmp_path / "e.csv"), dry_run=True).plan
    assert [(d.patient_id, [(c.field, c.old, c.new) for c in d.changes]) for d in plan.changed] == [
        (rows.loc[0, "patient_id"], [("age", float(rows.loc[0, "age"]), 77.0)])
    ]
    table = plan.to_frame()
    assert list(table[table["status"] == "changed"]["field"]) == ["age"]
    erased = _run(registry, admin, tmp_path / "e.csv", erase_blanks=True, dry_run=True).plan
    fields = {d.patient_id: [c.field for c in d.changes] for d in erased.changed}
    assert fields[rows.loc[1, "patient_id"]] == ["nrs_pre"]


def test_rejected_rows_have_reasons_and_the_rest_is_committed(registry, admin, tmp_path):
    rows = make_rows(6)
    rows.loc[2, "sex"] = "unknown-sex"
    rows.loc[4, "age"] = 300
    done = _run(registry, admin, write_csv(rows, tmp_path / "c.csv"))
    assert done.to_dict()["new"] == 4 and done.to_dict()["rejected"] == 2
    reasons = done.plan.rejected.set_index("source_row")["reasons"]
    assert "sex" in reasons[3] and "age" in reasons[5]  # keyed by data row
    assert reasons[3].startswith("Row 4 ")  # the message names csv line 4, as validate does
    assert _counts(registry)[0] == 4


def test_unknown_columns_are_an_error(registry, admin, tmp_path):
    path = write_csv(make_rows(2).assign(favourite_colour="blue"), tmp_path / "c.csv")
    with pytest.raises(InputError, match="favourite_colour"):
        _run(registry, admin, path)


def test_a_preview_cannot_be_committed_after_the_registry_changed(registry, admin, tmp_path):
    from rtdelay.registry import ConflictError, import_table, read_import_file

    rows = make_rows(3)
    _run(registry, admin, write_csv(rows, tmp_path / "c.csv"))
    edited = rows.assign(age=rows["age"].astype(float) + 1)
    raw = read_import_file(write_csv(edited, tmp_path / "e.csv"))
    preview = import_table(registry, admin, raw, site="A", dry_run=True).plan
    other = rows.assign(age=rows["age"].astype(float) + 2)
    _run(registry, admin, write_csv(other, tmp_path / "o.csv"))
    with pytest.raises(ConflictError, match="preview"):
        import_table(registry, admin, raw, site="A", expected_fingerprint=preview.fingerprint)


def test_complications_import_is_idempotent(registry, admin, tmp_path):
    import pandas as pd

    from rtdelay.registry import import_table, read_import_file

    rows = make_rows(3)
    comps = pd.DataFrame(
        {
            "patient_id": rows["patient_id"].iloc[[0, 0, 2]],
            "phase": ["surgery", "RT", "surgery"],
            "complication": ["wound infection", "=HYPERLINK(1)", "CSF leak"],
            "date": ["", "2012-01-01", ""],
        }
    )
    write_csv(rows, tmp_path / "c.csv")
    write_csv(comps, tmp_path / "k.csv")
    for expected in (3, 0):
        out = import_table(
            registry,
            admin,
            read_import_file(tmp_path / "c.csv"),
            site="A",
            complications=read_import_file(tmp_path / "k.csv"),
        )
        assert out.plan.counts()["complications"] == expected


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_import_messages_name_the_row_validate_names(registry, admin, tmp_path, suffix):
    """A rejected row's message names the row ``rtdelay validate`` gives for it (csv line; xlsx
    spreadsheet row, header counted); the plan keys rows by data row (header not counted)."""
    import json

    from typer.testing import CliRunner

    from rtdelay.cli import app

    rows = make_rows(5)
    rows.loc[1, "surgery_date"] = "soon"  # data row 2 (line / spreadsheet row 3)
    path = tmp_path / f"c.{suffix}"
    if suffix == "csv":
        write_csv(rows, path)
    else:
        rows.to_excel(path, index=False)
    shown = json.loads(CliRunner().invoke(app, ["validate", str(path), "--json"]).output)
    (found,) = [i for i in shown["issues"] if i["column"] == "surgery_date"]
    assert (found["row"], found["data_row"]) == (3, 2)  # header on row / line 1
    done = _run(registry, admin, path)
    assert done.plan.rejected["source_row"].tolist() == [2]
    assert [d.row for d in done.plan.new] == [1, 3, 4, 5]
    (issue,) = [i for i in done.plan.issues if i.column == "surgery_date"]
    assert (issue.row, issue.data_row) == (2, 2)
    assert issue.message == found["message"]
    assert done.plan.rejected["reasons"].tolist() == [found["message"]]
