"""Reading the audit trail: one patient's history and the whole-registry audit export.

Both are scoped: a user sees the audit rows of the sites granted to them; rows that belong to
no site (logins, exports, users) only an administrator of every site sees.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from rtdelay.registry._access import Actor, get_patient, require
from rtdelay.registry._errors import NotFoundError
from rtdelay.registry._models import AuditEvent, Complication, Patient

__all__ = ["AUDIT_COLUMNS", "history_records", "patient_history", "audit_frame", "write_audit_export"]

AUDIT_COLUMNS = ("id", "at", "actor", "action", "entity", "entity_key", "entity_version",
                 "site_id", "patient_id", "field", "old_value", "new_value", "reason",
                 "batch_id", "request_id")


def _frame(rows: list[AuditEvent]) -> pd.DataFrame:
    return pd.DataFrame([{c: getattr(r, c) for c in AUDIT_COLUMNS} for r in rows],
                        columns=list(AUDIT_COLUMNS))


def history_records(session: Session, actor: Actor, patient: Patient) -> list[dict[str, Any]]:
    """Every audit row of one patient (already read, e.g. by :func:`get_patient`) and of their
    complications, oldest first, as plain dicts of :data:`AUDIT_COLUMNS` (no ORM objects: a
    patient page reads dozens of rows on every view).

    A patient of a site the actor does not see is not found.
    """
    require(actor, "read")
    if not actor.sees(patient.site_id):
        raise NotFoundError(f"no patient {patient.patient_id!r} in this registry")
    comp_keys = [str(pk) for pk in session.scalars(
        select(Complication.id).where(Complication.patient_pk == patient.id))]
    table = AuditEvent.__table__
    query = select(*(table.c[name] for name in AUDIT_COLUMNS)).where(or_(
        (table.c.entity == "patient") & (table.c.entity_key == str(patient.id)),
        (table.c.entity == "complication") & (table.c.entity_key.in_(comp_keys)),
    )).order_by(table.c.id)
    return [dict(zip(AUDIT_COLUMNS, row, strict=True)) for row in session.execute(query)]


def patient_history(
    session: Session, actor: Actor, patient_id: str, *, site: str | None = None
) -> pd.DataFrame:
    """Every audit row of one patient and of their complications, oldest first.

    Deleted patients have a history too. A patient of another site is not found.
    """
    require(actor, "read")
    patient = get_patient(session, actor, patient_id, site=site, include_deleted=True)
    return pd.DataFrame(history_records(session, actor, patient), columns=list(AUDIT_COLUMNS))


def audit_frame(session: Session, actor: Actor) -> pd.DataFrame:
    """The whole audit trail the actor may see (administrators: all of it)."""
    require(actor, "audit")
    query = select(AuditEvent).order_by(AuditEvent.id)
    if actor.site_ids is not None:
        query = query.where(AuditEvent.site_id.in_(sorted(actor.site_ids)))
    return _frame(list(session.scalars(query)))


def write_audit_export(session: Session, actor: Actor, path: str | os.PathLike[str]) -> Path:
    """Write :func:`audit_frame` to csv (formula cells escaped); the export is itself audited."""
    from rtdelay.cohort import write_table
    from rtdelay.registry._audit import record_event

    frame = audit_frame(session, actor)
    target = write_table(frame, Path(path))
    record_event(session, "audit_export", detail=f"{len(frame)} rows to {target.name}")
    return target
