"""Site scoping: another site's record answers exactly like a record that does not exist."""

from __future__ import annotations

import pytest
from registry_rows import make_rows, write_csv


@pytest.fixture
def two_sites(registry, admin):
    from rtdelay.registry import Actor, create_patient

    rows = make_rows(2)
    a = {k: v for k, v in rows.iloc[0].to_dict().items() if v == v}
    b = {k: v for k, v in rows.iloc[1].to_dict().items() if v == v}
    with registry.session(actor=admin.name, write=True) as s:
        pa = create_patient(s, admin, "A", a)
        create_patient(s, admin, "B", b)
        site_a = pa.site_id
    return Actor("ann", "entry", frozenset({site_a})), a["patient_id"], b["patient_id"]


def _message(func):
    from rtdelay.registry import NotFoundError

    with pytest.raises(NotFoundError) as info:
        func()
    return str(info.value).replace("'", "")


def test_every_access_path_hides_the_other_site(registry, two_sites, tmp_path):
    from rtdelay.registry import (
        delete_patient,
        export_registry,
        get_patient,
        import_table,
        patient_history,
        patients_query,
        read_import_file,
        update_patient,
    )

    ann, mine, theirs = two_sites
    with registry.session(actor=ann.name, write=True) as s:
        assert get_patient(s, ann, mine).patient_id == mine
        assert [p.patient_id for p in s.scalars(patients_query(ann))] == [mine]
        other = _message(lambda: get_patient(s, ann, theirs))
        missing = _message(lambda: get_patient(s, ann, "NO-SUCH"))
        assert other.replace(theirs, "X") == missing.replace("NO-SUCH", "X")
        _message(lambda: update_patient(s, ann, theirs, {"age": 50}, expected_version=1))
        _message(lambda: delete_patient(s, ann, theirs, reason="x"))
        _message(lambda: patient_history(s, ann, theirs))
        _message(lambda: get_patient(s, ann, theirs, site="B"))
    analyst = type(ann)("ana", "analyst", ann.site_ids)
    with registry.session(actor=analyst.name, write=True) as s:
        assert list(export_registry(s, analyst).cohort["patient_id"]) == [mine]
        assert _message(lambda: export_registry(s, analyst, site="B")) == \
            _message(lambda: export_registry(s, analyst, site="NOSITE")).replace("NOSITE", "B")
    frame = make_rows(2).iloc[[1]]
    path = write_csv(frame.assign(site="B"), tmp_path / "b.csv")
    outcome = import_table(registry, ann, read_import_file(path), dry_run=True)
    assert outcome.plan.counts()["rejected"] == 1
    assert "not a site of this registry" in outcome.plan.rejected["reasons"].iloc[0]


def test_roles(registry, two_sites):
    from rtdelay.registry import Actor, PermissionDeniedError, create_patient, export_registry

    ann, mine, _ = two_sites
    viewer = Actor("vic", "viewer", ann.site_ids)
    with registry.session(actor=viewer.name, write=True) as s:
        with pytest.raises(PermissionDeniedError):
            create_patient(s, viewer, "A", {"patient_id": "x"})
        with pytest.raises(PermissionDeniedError):
            export_registry(s, viewer)
    with registry.session(actor=ann.name, write=True) as s:
        with pytest.raises(PermissionDeniedError):
            export_registry(s, ann)


def test_users_sign_in_with_argon2id_and_are_audited(registry, admin):
    from sqlalchemy import select

    from rtdelay.errors import InputError
    from rtdelay.registry import add_user, authenticate
    from rtdelay.registry._models import AuditEvent, User

    with registry.session(actor=admin.name, write=True) as s:
        add_user(s, admin, "nina", role="entry", password="correct horse", sites=["A"])
        with pytest.raises(InputError, match="at least one --site"):
            add_user(s, admin, "olaf", role="viewer", password="12345678", sites=[])
        with pytest.raises(InputError, match="8 characters"):
            add_user(s, admin, "paul", role="viewer", password="short", sites=["A"])
    with registry.session(actor=None, write=True) as s:
        actor = authenticate(s, "nina", "correct horse")
        assert actor is not None and actor.role == "entry" and len(actor.site_ids) == 1
        assert authenticate(s, "nina", "wrong") is None
        assert authenticate(s, "nobody", "x") is None
    with registry.session(actor=admin.name) as s:
        user = s.scalar(select(User).where(User.name == "nina"))
        assert user.password_hash.startswith("$argon2id$")
        events = [(e.action, e.actor) for e in s.scalars(
            select(AuditEvent).where(AuditEvent.entity == "user").order_by(AuditEvent.id))
            if e.field is None]
        secret = s.scalar(select(AuditEvent.new_value).where(AuditEvent.field == "password_hash"))
    assert events == [("login", "nina"), ("login_failed", "nina"), ("login_failed", "nobody")]
    assert secret == "(set)"
