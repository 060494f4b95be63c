"""The form-equivalent write API: create, edit, soft-delete and restore patients and complications.

Every function takes a session (from :meth:`Registry.session`) and the :class:`Actor`; it checks
the role, scopes by site (another site's record is *not found*), validates the whole record with
the cohort rules (:func:`rtdelay.cohort.validate_cohort`, one rule set), and changes ORM objects,
so the audit listener records each changed field in the same transaction.

An edit names the ``version`` it was made on: if the record changed since, it is refused with a
:class:`ConflictError` that names the fields changed in between (from the audit trail), never a
silent overwrite.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from rtdelay.cohort import COMPLICATION_COLUMNS, RawTable, validate_complications
from rtdelay.errors import CohortError, InputError
from rtdelay.registry._access import Actor, get_patient, require, resolve_site
from rtdelay.registry._audit import audit_text
from rtdelay.registry._errors import ConflictError, NotFoundError
from rtdelay.registry._models import PATIENT_FIELDS, AuditEvent, Complication, Patient, utcnow
from rtdelay.registry._values import frame_records, patient_values, validate_records

__all__ = [
    "create_patient",
    "update_patient",
    "delete_patient",
    "restore_patient",
    "add_complication",
    "delete_complication",
    "update_complication",
    "list_complications",
    "checked_record",
    "changed_fields",
]


def _refuse(result: Any, who: str) -> None:
    # a field-level issue (the cohort layer would analyse the row with that cell blank) is
    # refused too: the registry never stores a blank in place of a value someone entered
    errors = [*result.errors, *getattr(result, "field_issues", [])]
    if errors:
        more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
        raise CohortError(f"{who}: {errors[0].message}{more}", issues=errors)


def checked_record(values: Mapping[str, Any], *, who: str = "record") -> dict[str, Any]:
    """Validate one record with the cohort rules; return its typed values or raise CohortError."""
    unknown = sorted(set(values) - set(PATIENT_FIELDS))
    if unknown:
        raise InputError(f"{who}: {unknown[0]!r} is not a field of the data dictionary")
    result = validate_records([values])
    _refuse(result, who)
    return frame_records(result.valid)[0]


def changed_fields(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Fields whose stored text differs: ``{field: (old, new)}`` in dictionary order."""
    out: dict[str, tuple[Any, Any]] = {}
    for name in PATIENT_FIELDS:
        before, after = old.get(name), new.get(name)
        if before == after and type(before) is type(after):
            continue
        if audit_text(before) != audit_text(after):
            out[name] = (before, after)
    return out


def _set_reason(session: Session, reason: str | None) -> None:
    if reason is not None:
        session.info["reason"] = reason


def create_patient(
    session: Session, actor: Actor, site: str, values: Mapping[str, Any], *, reason: str | None = None
) -> Patient:
    """Add a patient to a site after checking the record with the cohort rules."""
    require(actor, "write")
    target = resolve_site(session, actor, site)
    record = checked_record(values, who=f"patient {values.get('patient_id')!r}")
    exists = session.scalar(
        select(Patient.id).where(Patient.site_id == target.id,
                                 Patient.patient_id == record["patient_id"])
    )
    if exists is not None:
        raise InputError(f"patient {record['patient_id']!r} already exists in site {site!r}")
    _set_reason(session, reason)
    patient = Patient(site_id=target.id, **record)
    session.add(patient)
    session.flush()
    return patient


def _conflict(session: Session, patient: Patient, expected: int) -> ConflictError:
    fields = session.scalars(
        select(AuditEvent.field)
        .where(AuditEvent.entity == "patient", AuditEvent.entity_key == str(patient.id),
               AuditEvent.entity_version > expected)
        .order_by(AuditEvent.id)
    )
    names = tuple(dict.fromkeys(f for f in fields if f))
    listed = ", ".join(names) if names else "unknown fields"
    return ConflictError(
        f"patient {patient.patient_id!r} was changed by someone else since version {expected} "
        f"(now version {patient.version}; changed: {listed}); reload it and apply the edit again",
        fields=names,
    )


def update_patient(
    session: Session,
    actor: Actor,
    patient_id: str,
    changes: Mapping[str, Any],
    *,
    expected_version: int,
    site: str | None = None,
    reason: str | None = None,
) -> Patient:
    """Edit fields of a patient made on the copy at ``expected_version``.

    ``changes`` maps fields to new values (None erases). The merged record is validated with
    the cohort rules. Raises ConflictError on a stale version, NotFoundError for a patient the
    actor cannot see, CohortError when the edited record breaks a rule.
    """
    require(actor, "write")
    patient = get_patient(session, actor, patient_id, site=site)
    if patient.version != expected_version:
        raise _conflict(session, patient, expected_version)
    if "patient_id" in changes and changes["patient_id"] != patient.patient_id:
        raise InputError("patient_id cannot be edited: delete the record and create a new one")
    merged = {**patient_values(patient), **changes}
    record = checked_record(merged, who=f"patient {patient_id!r}")
    _set_reason(session, reason)
    for name, (_, value) in changed_fields(patient_values(patient), record).items():
        setattr(patient, name, value)
    session.flush()
    return patient


def delete_patient(
    session: Session, actor: Actor, patient_id: str, *, reason: str, site: str | None = None,
    expected_version: int | None = None,
) -> Patient:
    """Soft-delete a patient (kept, hidden from lists, exports and analyses) with a reason."""
    require(actor, "write")
    if not reason or not reason.strip():
        raise InputError("a deletion needs a reason")
    patient = get_patient(session, actor, patient_id, site=site)
    if expected_version is not None and patient.version != expected_version:
        raise _conflict(session, patient, expected_version)
    _set_reason(session, reason)
    patient.deleted_at = utcnow()
    patient.deleted_reason = reason.strip()
    session.flush()
    return patient


def restore_patient(
    session: Session, actor: Actor, patient_id: str, *, reason: str | None = None,
    site: str | None = None,
) -> Patient:
    """Undo a soft delete."""
    require(actor, "write")
    patient = get_patient(session, actor, patient_id, site=site, include_deleted=True)
    if patient.deleted_at is None:
        raise InputError(f"patient {patient_id!r} is not deleted")
    _set_reason(session, reason)
    patient.deleted_at = None
    patient.deleted_reason = None
    session.flush()
    return patient


def add_complication(
    session: Session, actor: Actor, patient_id: str, *, phase: str, complication: str,
    date: dt.date | str | None = None, site: str | None = None, reason: str | None = None,
) -> Complication:
    """Add one complication to a patient, checked with the cohort's complication rules."""
    import pandas as pd

    require(actor, "write")
    patient = get_patient(session, actor, patient_id, site=site)
    frame = pd.DataFrame([{"patient_id": patient.patient_id, "phase": phase,
                           "complication": complication, "date": date}], dtype=object)
    raw = RawTable(frame=frame, source_rows=[1], path="registry", format="registry",
                   original_columns={c: c for c in COMPLICATION_COLUMNS})
    result = validate_complications(raw, patient_ids=[patient.patient_id])
    if result.issues:
        raise CohortError(f"complication of {patient_id!r}: {result.issues[0].message}",
                          issues=result.issues)
    row = result.valid.iloc[0]
    _set_reason(session, reason)
    item = Complication(patient_pk=patient.id, phase=row["phase"],
                        complication=row["complication"], date=row["date"])
    session.add(item)
    session.flush()
    return item


def list_complications(session: Session, actor: Actor, patient_id: str, *,
                       site: str | None = None) -> list[dict[str, Any]]:
    """A patient's live complications: ``id``, ``version``, ``phase``, ``complication``, ``date``
    (ISO text), oldest first; another site's patient is *not found*."""
    patient = get_patient(session, actor, patient_id, site=site)
    rows = session.execute(
        select(Complication.id, Complication.version, Complication.phase,
               Complication.complication, Complication.date)
        .where(Complication.patient_pk == patient.id, Complication.deleted_at.is_(None))
        .order_by(Complication.id)
    )
    return [{"id": r[0], "version": r[1], "phase": r[2], "complication": r[3],
             "date": audit_text(r[4])} for r in rows]


def _visible_complication(session: Session, actor: Actor, complication_id: int
                          ) -> tuple[Complication, Patient]:
    item = session.get(Complication, complication_id)
    patient = session.get(Patient, item.patient_pk) if item is not None else None
    if item is None or patient is None or not actor.sees(patient.site_id) or item.deleted_at:
        raise NotFoundError(f"no complication {complication_id} in this registry")
    return item, patient


def update_complication(
    session: Session, actor: Actor, complication_id: int, changes: Mapping[str, Any], *,
    reason: str, expected_version: int | None = None,
) -> Complication:
    """Edit a complication's ``phase``, ``complication`` or ``date`` (with a reason; audited).

    The edited row is checked with the cohort's complication rules; ``expected_version``
    (the version the edit was made on) refuses a stale edit with :class:`ConflictError`.
    Another site's complication is *not found*.
    """
    import pandas as pd

    require(actor, "write")
    if not reason or not reason.strip():
        raise InputError("an edit of a complication needs a reason")
    editable = ("phase", "complication", "date")
    unknown = sorted(set(changes) - set(editable))
    if unknown:
        raise InputError(f"{unknown[0]!r} cannot be edited on a complication (fields: "
                         f"{', '.join(editable)})")
    item, patient = _visible_complication(session, actor, complication_id)
    if expected_version is not None and item.version != expected_version:
        raise ConflictError(
            f"complication {complication_id} was changed by someone else since version "
            f"{expected_version} (now version {item.version}); reload it and edit again")
    merged = {"patient_id": patient.patient_id, "phase": item.phase,
              "complication": item.complication, "date": item.date, **changes}
    frame = pd.DataFrame([merged], dtype=object)
    raw = RawTable(frame=frame, source_rows=[1], path="registry", format="registry",
                   original_columns={c: c for c in COMPLICATION_COLUMNS})
    result = validate_complications(raw, patient_ids=[patient.patient_id])
    if result.issues:
        raise CohortError(f"complication {complication_id}: {result.issues[0].message}",
                          issues=result.issues)
    row = result.valid.iloc[0]
    _set_reason(session, reason.strip())
    new = {"phase": row["phase"], "complication": row["complication"],
           "date": _plain_date(row["date"])}
    for name, value in new.items():
        if audit_text(getattr(item, name)) != audit_text(value):
            setattr(item, name, value)
    session.flush()
    return item


def _plain_date(value: Any) -> dt.date | None:
    from rtdelay.registry._values import plain

    return plain(value)


def delete_complication(
    session: Session, actor: Actor, complication_id: int, *, reason: str
) -> Complication:
    """Soft-delete one complication (scoped through its patient's site)."""
    require(actor, "write")
    if not reason or not reason.strip():
        raise InputError("a deletion needs a reason")
    item, _ = _visible_complication(session, actor, complication_id)
    _set_reason(session, reason)
    item.deleted_at = utcnow()
    item.deleted_reason = reason.strip()
    session.flush()
    return item
