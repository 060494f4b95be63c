"""Form-equivalent edits: cohort rules, optimistic locking, soft delete and restore, history."""

from __future__ import annotations

import pytest
from registry_rows import make_rows

from rtdelay.errors import CohortError


def _record(i: int = 0) -> dict:
    row = make_rows(5).iloc[i].to_dict()
    return {k: v for k, v in row.items() if v == v and v is not None}


def test_edit_is_validated_with_the_cohort_rules(registry, admin):
    from rtdelay.registry import create_patient, update_patient

    rec = _record()
    with registry.session(actor=admin.name, write=True) as s:
        create_patient(s, admin, "A", rec)
    with pytest.raises(CohortError, match="age"):
        with registry.session(actor=admin.name, write=True) as s:
            update_patient(s, admin, rec["patient_id"], {"age": 7}, expected_version=1)
    with pytest.raises(CohortError, match="sex"):
        with registry.session(actor=admin.name, write=True) as s:
            update_patient(s, admin, rec["patient_id"], {"sex": "x"}, expected_version=1)
    bad = dict(rec, patient_id="P-new", rt_start_date="1999-01-01")
    with pytest.raises(CohortError):
        with registry.session(actor=admin.name, write=True) as s:
            create_patient(s, admin, "A", bad)


def test_stale_edit_is_refused_naming_the_fields(registry, admin):
    from rtdelay.registry import ConflictError, create_patient, get_patient, update_patient

    rec = _record()
    pid = rec["patient_id"]
    with registry.session(actor=admin.name, write=True) as s:
        create_patient(s, admin, "A", rec)
    with registry.session(actor="alice", write=True) as s:
        update_patient(s, admin, pid, {"age": 70, "nrs_fu": 3}, expected_version=1)
    with pytest.raises(ConflictError) as info:
        with registry.session(actor="bob", write=True) as s:
            update_patient(s, admin, pid, {"age": 71}, expected_version=1)
    assert set(info.value.fields) == {"age", "nrs_fu"}
    assert "version 1" in str(info.value)
    with registry.session(actor=admin.name) as s:
        assert get_patient(s, admin, pid).age == 70


def test_concurrent_orm_update_is_caught_by_the_version_column(registry, admin):
    from sqlalchemy.orm.exc import StaleDataError

    from rtdelay.registry import BusyError, create_patient, get_patient

    rec = _record()
    with registry.session(actor=admin.name, write=True) as s:
        create_patient(s, admin, "A", rec)
    with registry.session(actor=admin.name) as s1:
        stale = get_patient(s1, admin, rec["patient_id"])
        with registry.session(actor="other", write=True) as s2:
            get_patient(s2, admin, rec["patient_id"]).age = 80
        stale.age = 81
        # PostgreSQL: the version check finds no row; SQLite: the stale snapshot cannot write
        with pytest.raises((StaleDataError, BusyError)):
            try:
                s1.flush()
            except Exception as exc:
                if "locked" in str(exc):
                    raise BusyError(str(exc)) from None
                raise
        s1.rollback()


def test_soft_delete_and_restore(registry, admin):
    from rtdelay.registry import (
        NotFoundError,
        create_patient,
        delete_patient,
        export_registry,
        get_patient,
        patient_history,
        restore_patient,
    )

    rec = _record()
    pid = rec["patient_id"]
    with registry.session(actor=admin.name, write=True) as s:
        create_patient(s, admin, "A", rec)
    with registry.session(actor=admin.name, write=True) as s:
        delete_patient(s, admin, pid, reason="entered twice")
    with registry.session(actor=admin.name, write=True) as s:
        with pytest.raises(NotFoundError):
            get_patient(s, admin, pid)
        assert len(export_registry(s, admin).cohort) == 0
    with registry.session(actor=admin.name, write=True) as s:
        restore_patient(s, admin, pid, reason="was not a duplicate")
    with registry.session(actor=admin.name) as s:
        assert get_patient(s, admin, pid).deleted_at is None
        history = patient_history(s, admin, pid)
    actions = list(dict.fromkeys(history["action"]))
    assert actions == ["create", "delete", "restore"]
    deleted = history[history["action"] == "delete"]
    assert set(deleted["field"]) == {"deleted_at", "deleted_reason"}
    assert set(deleted["reason"]) == {"entered twice"}


def test_deletion_needs_a_reason(registry, admin):
    from rtdelay.errors import InputError
    from rtdelay.registry import create_patient, delete_patient

    rec = _record()
    with registry.session(actor=admin.name, write=True) as s:
        create_patient(s, admin, "A", rec)
        with pytest.raises(InputError, match="reason"):
            delete_patient(s, admin, rec["patient_id"], reason=" ")


def test_complications_are_checked_and_audited(registry, admin):
    from rtdelay.registry import (
        add_complication,
        create_patient,
        delete_complication,
        patient_history,
    )

    rec = _record()
    pid = rec["patient_id"]
    with registry.session(actor=admin.name, write=True) as s:
        create_patient(s, admin, "A", rec)
        item = add_complication(s, admin, pid, phase="RT", complication="dermatitis",
                                date="2010-01-02")
        assert item.phase == "radiotherapy"
        with pytest.raises(CohortError, match="phase"):
            add_complication(s, admin, pid, phase="later", complication="x")
    with registry.session(actor=admin.name, write=True) as s:
        delete_complication(s, admin, item.id, reason="wrong patient")
    with registry.session(actor=admin.name) as s:
        history = patient_history(s, admin, pid)
    comp = history[history["entity"] == "complication"]
    assert set(comp["action"]) == {"create", "delete"}
    assert "dermatitis" in set(comp["new_value"])
