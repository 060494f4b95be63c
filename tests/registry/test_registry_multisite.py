"""Issue 13 leftovers: bulk import writes audited like the ORM path, multi-site files (patient_id
unique per site), site-qualified ids for analysis, complication edits."""

from __future__ import annotations

import pandas as pd
import pytest
from registry_rows import make_rows, write_csv
from sqlalchemy import select

from rtdelay.errors import CohortError, InputError

_COMPARED = ["action", "entity", "entity_version", "patient_id", "field", "old_value",
             "new_value"]


def _audit(registry, admin, entity="patient"):
    from rtdelay.registry import audit_frame

    with registry.session(actor=admin.name) as s:
        frame = audit_frame(s, admin)
    frame = frame[frame["entity"] == entity]
    return frame[_COMPARED].sort_values(["patient_id", "field", "entity_version"]) \
        .reset_index(drop=True)


def _import(registry, admin, frame, path, **kw):
    from rtdelay.registry import import_table, read_import_file

    return import_table(registry, admin, read_import_file(write_csv(frame, path)), **kw)


def test_bulk_import_audit_rows_equal_the_orm_path(registry, admin, tmp_path, db_url):
    """The import writes rows and audit rows in batches; the trail equals what the ORM path
    (create_patient / update_patient, audited by the flush listener) writes for the same data."""
    from rtdelay.registry import create_patient, init_registry, update_patient
    from rtdelay.registry._values import frame_records, validate_records

    rows = make_rows(4, seed=11)
    _import(registry, admin, rows, tmp_path / "a.csv", site="A")
    edited = rows.copy()
    edited.loc[0, "age"] = 71
    edited.loc[2, "histology"] = "lung"
    _import(registry, admin, edited, tmp_path / "b.csv", site="A")
    bulk = _audit(registry, admin)

    if registry.dialect != "sqlite":
        pytest.skip("the ORM reference registry is made on SQLite (same listener)")
    other, _ = init_registry(f"sqlite:///{tmp_path / 'orm.db'}")
    from rtdelay.registry import add_site

    with other.session(actor=admin.name, write=True) as s:
        add_site(s, admin, "A", "Hospital A")
    records = frame_records(validate_records(rows.to_dict("records")).valid)
    later = frame_records(validate_records(edited.to_dict("records")).valid)
    with other.session(actor=admin.name, write=True) as s:
        for record in records:
            create_patient(s, admin, "A", {k: v for k, v in record.items() if v is not None})
    for before, after in zip(records, later, strict=True):
        changes = {k: v for k, v in after.items() if v != before.get(k)}
        if changes:
            with other.session(actor=admin.name, write=True) as s:
                update_patient(s, admin, before["patient_id"], changes, expected_version=1)
    orm = _audit(other, admin)
    other.dispose()
    pd.testing.assert_frame_equal(bulk, orm, check_dtype=False)
    assert set(bulk["action"]) == {"create", "update"}


def test_a_multi_site_file_may_repeat_an_id_across_sites(registry, admin, tmp_path):
    rows = make_rows(3, seed=5)
    two = pd.concat([rows.assign(site="A"), rows.assign(site="B")], ignore_index=True)
    out = _import(registry, admin, two, tmp_path / "m.csv")
    assert out.to_dict()["new"] == 6 and out.to_dict()["rejected"] == 0
    # a number repeated within one site is still the cohort's duplicate rule
    dup = pd.concat([rows.assign(site="A"), rows.iloc[[0]].assign(site="A")], ignore_index=True)
    plan = _import(registry, admin, dup, tmp_path / "d.csv", dry_run=True).plan
    assert len(plan.rejected) == 2
    assert all("must appear once" in r for r in plan.rejected["reasons"])
    # re-importing the export (site column, ids repeated across sites) changes nothing
    from rtdelay.registry import export_registry, write_export

    with registry.session(actor=admin.name, write=True) as s:
        export = export_registry(s, admin)
    assert export.repeated_ids == tuple(sorted(rows["patient_id"]))
    cohort_path, _ = write_export(export, tmp_path / "exp.csv")
    again = _import(registry, admin, pd.read_csv(cohort_path, dtype=str), tmp_path / "r.csv")
    assert again.to_dict()["unchanged"] == 6 and again.to_dict()["new"] == 0


def test_complications_of_a_multi_site_file_need_the_site(registry, admin, tmp_path):
    from rtdelay.registry import import_table, read_import_file

    rows = make_rows(2, seed=6)
    two = pd.concat([rows.assign(site="A"), rows.assign(site="B")], ignore_index=True)
    pid = rows["patient_id"].iloc[0]
    comps = pd.DataFrame({"patient_id": [pid], "phase": ["surgery"],
                          "complication": ["wound infection"], "date": [""]})
    write_csv(two, tmp_path / "m.csv")
    write_csv(comps, tmp_path / "k.csv")
    with pytest.raises(InputError, match="several sites.*'site' column"):
        import_table(registry, admin, read_import_file(tmp_path / "m.csv"),
                     complications=read_import_file(tmp_path / "k.csv"))
    write_csv(comps.assign(site="B"), tmp_path / "k.csv")
    out = import_table(registry, admin, read_import_file(tmp_path / "m.csv"),
                       complications=read_import_file(tmp_path / "k.csv"))
    assert out.plan.complications == (("B", pid, "surgery", "wound infection", None),)


def test_analysis_of_several_sites_qualifies_repeated_ids(registry, admin, tmp_path):
    from rtdelay.registry import export_registry, qualify_ids, registry_cohort

    rows = make_rows(3, seed=8)
    _import(registry, admin, rows, tmp_path / "a.csv", site="A")
    _import(registry, admin, rows.iloc[[0]], tmp_path / "b.csv", site="B")
    with registry.session(actor=admin.name, write=True) as s:
        cohort = registry_cohort(s, admin)
        only_a = registry_cohort(s, admin, site="A")
        export = export_registry(s, admin, audit=False)
    assert cohort["patient_id"].is_unique and len(cohort) == 4
    first = rows["patient_id"].iloc[0]
    assert {f"A:{first}", f"B:{first}"} <= set(cohort["patient_id"])
    assert list(only_a["patient_id"]) == sorted(rows["patient_id"])  # one site: ids as stored
    assert qualify_ids(export).cohort["patient_id"].is_unique
    with registry.session(actor=admin.name, write=True) as s:
        single = qualify_ids(export_registry(s, admin, site="A", audit=False))
    assert list(single.cohort["patient_id"]) == sorted(rows["patient_id"])


def test_complications_are_editable_with_a_reason_and_audited(registry, admin, tmp_path):
    from rtdelay.registry import (
        ConflictError,
        NotFoundError,
        add_complication,
        cli_actor,
        patient_history,
        update_complication,
    )
    from rtdelay.registry._access import Actor

    rows = make_rows(1, seed=9)
    _import(registry, admin, rows, tmp_path / "a.csv", site="A")
    pid = rows["patient_id"].iloc[0]
    with registry.session(actor=admin.name, write=True) as s:
        cid = add_complication(s, admin, pid, phase="surgery", complication="wound infection").id
    with pytest.raises(InputError, match="reason"):
        with registry.session(actor=admin.name, write=True) as s:
            update_complication(s, admin, cid, {"phase": "RT"}, reason=" ")
    with pytest.raises(CohortError):
        with registry.session(actor=admin.name, write=True) as s:
            update_complication(s, admin, cid, {"date": "not a date"}, reason="typo")
    with registry.session(actor=admin.name, write=True) as s:
        item = update_complication(s, admin, cid, {"complication": "CSF leak",
                                                   "date": "2012-03-04"},
                                   reason="chart review", expected_version=1)
        assert item.version == 2
    with pytest.raises(ConflictError):
        with registry.session(actor=admin.name, write=True) as s:
            update_complication(s, admin, cid, {"phase": "RT"}, reason="x", expected_version=1)
    with registry.session(actor=admin.name, write=True) as s:
        site_b = s.scalar(select(__import__("rtdelay.registry._models", fromlist=["Site"]).Site.id)
                          .where(__import__("rtdelay.registry._models",
                                            fromlist=["Site"]).Site.code == "B"))
    other = Actor("b-user", "entry", frozenset({site_b}))
    with pytest.raises(NotFoundError):  # another site's complication is not found
        with registry.session(actor=other.name, write=True) as s:
            update_complication(s, other, cid, {"phase": "RT"}, reason="x")
    with registry.session(actor=admin.name) as s:
        history = patient_history(s, cli_actor(), pid)
    edits = history[(history["entity"] == "complication") & (history["action"] == "update")]
    assert sorted(zip(edits["field"], edits["old_value"], edits["new_value"],
                      edits["reason"], strict=True)) == [
        ("complication", "wound infection", "CSF leak", "chart review"),
        ("date", None, "2012-03-04", "chart review"),
    ]


def test_history_records_of_another_sites_patient_are_not_found(registry, admin, tmp_path):
    from rtdelay.registry import NotFoundError, Patient, Site, get_patient, history_records
    from rtdelay.registry._access import Actor

    rows = make_rows(1, seed=11)
    _import(registry, admin, rows, tmp_path / "a.csv", site="A")
    pid = rows["patient_id"].iloc[0]
    with registry.session(actor=admin.name) as s:
        patient = get_patient(s, admin, pid)
        mine = history_records(s, admin, patient)
        site_b = s.scalar(select(Site.id).where(Site.code == "B"))
        assert isinstance(patient, Patient) and mine
        assert {r["action"] for r in mine} == {"create"} and all(
            r["patient_id"] == pid for r in mine)
        other = Actor("b-user", "viewer", frozenset({site_b}))
        with pytest.raises(NotFoundError):  # the record was read by someone else: still scoped
            history_records(s, other, patient)
