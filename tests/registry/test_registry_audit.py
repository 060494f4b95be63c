"""The audit trail: same transaction, one row per changed field, append-only in the database."""

from __future__ import annotations

import pytest
from registry_rows import make_rows
from sqlalchemy import select, text, update


def _record(i: int = 0) -> dict:
    row = make_rows(3).iloc[i].to_dict()
    return {k: v for k, v in row.items() if v == v and v is not None}


def _audit(registry):
    from rtdelay.registry._models import AuditEvent

    with registry.engine.connect() as conn:
        return conn.execute(select(AuditEvent).order_by(AuditEvent.id)).all()


@pytest.mark.parametrize("statement", ["UPDATE audit_events SET actor = 'x'",
                                       "DELETE FROM audit_events"])
def test_database_refuses_update_and_delete_of_audit_rows(registry, admin, statement):
    from rtdelay.registry import create_patient

    with registry.session(actor=admin.name, write=True) as s:
        create_patient(s, admin, "A", _record())
    before = _audit(registry)
    assert before
    with pytest.raises(Exception, match="append-only"):
        with registry.engine.begin() as conn:
            conn.execute(text(statement))
    assert _audit(registry) == before


def test_truncate_is_refused_on_postgresql(registry):
    if registry.dialect != "postgresql":
        pytest.skip("TRUNCATE exists on PostgreSQL only")
    with pytest.raises(Exception, match="append-only"):
        with registry.engine.begin() as conn:
            conn.execute(text("TRUNCATE audit_events"))


def test_create_writes_one_row_per_given_field(registry, admin):
    from rtdelay.registry import audit_text, create_patient
    from rtdelay.registry._models import PATIENT_FIELDS

    with registry.session(actor=admin.name, write=True, reason="first entry") as s:
        p = create_patient(s, admin, "A", _record())
        stored = {n: getattr(p, n) for n in (*PATIENT_FIELDS, "site_id")}
    rows = [r for r in _audit(registry) if r.entity == "patient"]
    expected = {n: audit_text(v) for n, v in stored.items() if v is not None}
    assert {r.field: r.new_value for r in rows} == expected
    assert len(rows) == len(expected)
    assert {r.actor for r in rows} == {admin.name} and {r.reason for r in rows} == {"first entry"}
    assert {r.action for r in rows} == {"create"} and {r.old_value for r in rows} == {None}


def test_failed_transaction_leaves_no_audit_row(registry, admin):
    from rtdelay.registry import create_patient

    before = len(_audit(registry))
    with pytest.raises(RuntimeError):
        with registry.session(actor=admin.name, write=True) as s:
            create_patient(s, admin, "A", _record())
            raise RuntimeError("boom")
    assert len(_audit(registry)) == before


def test_orm_paths_that_would_escape_the_trail_are_refused(registry, admin):
    from rtdelay.registry import RegistryError, create_patient
    from rtdelay.registry._models import Patient

    with registry.session(actor=admin.name, write=True) as s:
        create_patient(s, admin, "A", _record())
    with pytest.raises(RegistryError, match="bulk"):
        with registry.session(actor=admin.name, write=True) as s:
            s.execute(update(Patient).values(age=50))
    with pytest.raises(RegistryError, match="soft delete"):
        with registry.session(actor=admin.name, write=True) as s:
            s.delete(s.scalars(select(Patient)).first())
    with pytest.raises(RegistryError, match="actor"):
        with registry.session(actor=None, write=True) as s:
            s.scalars(select(Patient)).first().age = 51


def test_audit_export_and_scoping(registry, admin, tmp_path):
    import pandas as pd

    from rtdelay.registry import (
        Actor,
        PermissionDeniedError,
        audit_frame,
        create_patient,
        write_audit_export,
    )

    with registry.session(actor=admin.name, write=True) as s:
        create_patient(s, admin, "A", _record(0))
        create_patient(s, admin, "B", _record(1))
    with registry.session(actor=admin.name, write=True) as s:
        target = write_audit_export(s, admin, tmp_path / "audit.csv")
    frame = pd.read_csv(target)
    assert set(frame["patient_id"].dropna()) == {_record(0)["patient_id"], _record(1)["patient_id"]}
    assert frame["action"].iloc[-1] != "audit_export"  # the export's own event follows it
    assert _audit(registry)[-1].action == "audit_export"
    with registry.session(actor=admin.name) as s:
        site_a = s.execute(text("SELECT id FROM sites WHERE code = 'A'")).scalar()
        only_a = Actor("ana", "admin", frozenset({site_a}))
        seen = audit_frame(s, only_a)
        assert set(seen["site_id"]) == {site_a}
        with pytest.raises(PermissionDeniedError):
            audit_frame(s, Actor("vic", "viewer", frozenset({site_a})))
