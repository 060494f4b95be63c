"""Audited bulk writes of an import: rows and their audit rows in batches, same transaction.

The ORM path (one object per patient, a flush, the audit flush listener inspecting every
attribute) cost most of a 5,000-patient import. An import writes here instead: new patients
by one executemany (PostgreSQL: COPY), changed patients by one executemany ``UPDATE`` per set
of changed fields with the optimistic-lock check in its ``WHERE`` (``version`` then
incremented, as ``version_id_col`` does), and complications by one executemany. Each function
writes the audit rows of what it wrote, with exactly the fields, texts, action, entity key and
version the flush listener (:mod:`rtdelay.registry._audit`) would have written, so the trail
cannot tell the two paths apart (a test compares them). These functions are the only writers of
audited tables outside the ORM; nothing else may call :func:`insert_rows` on them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import bindparam, update
from sqlalchemy.orm import Session

from rtdelay.registry._audit import (
    append_audit,
    audit_text,
    audited_columns,
    db_stamp,
    insert_rows,
)
from rtdelay.registry._errors import ConflictError
from rtdelay.registry._models import Complication, Patient, utcnow

__all__ = ["NewPatient", "ChangedPatient", "NewComplication", "insert_patients",
           "update_patients", "insert_complications"]

NewPatient = tuple[int, int, Mapping[str, Any]]
"""``(primary key, site id, record)`` of a patient to insert."""
ChangedPatient = tuple[int, int, str, int, Mapping[str, tuple[Any, Any]]]
"""``(primary key, site id, patient_id, version read, {field: (old, new)})``."""
NewComplication = tuple[int, int, str, str, str, dt.date | None]
"""``(patient pk, site id, patient_id, phase, complication, date)``."""

_PATIENT_TABLE: Any = Patient.__table__


def _context(session: Session) -> tuple[str, Any, Any, Any]:
    info = session.info
    return info["actor"], info.get("reason"), info.get("batch_id"), info.get("request_id")


def insert_patients(session: Session, items: Sequence[NewPatient]) -> None:
    """Insert new patients (keys already drawn) and their ``create`` audit rows."""
    if not items:
        return
    actor, reason, batch, request = _context(session)
    now = utcnow()
    stamp = db_stamp(session, now)
    fields = [c for c in audited_columns(Patient) if c not in ("site_id", "patient_id")]
    columns = ("id", "site_id", "patient_id", "version", "created_at", "updated_at", *fields)
    audit_order = audited_columns(Patient)
    rows: list[tuple[Any, ...]] = []
    audit: list[tuple[Any, ...]] = []
    for pk, site_id, record in items:
        values = {"site_id": site_id, **record}
        rows.append((pk, site_id, record["patient_id"], 1, now, now,
                     *[record.get(f) for f in fields]))
        key, pid = str(pk), record["patient_id"]
        for name in audit_order:
            text = audit_text(values.get(name))
            if text is not None:
                audit.append((stamp, actor, "create", "patient", key, 1, site_id, pid, name, None,
                              text, reason, batch, request))
    insert_rows(session, "patients", columns, rows)
    append_audit(session, audit, converted=True)


def update_patients(session: Session, items: Sequence[ChangedPatient]) -> None:
    """Apply field changes to stored patients, one executemany per set of changed fields.

    Each row's ``UPDATE`` requires the version the plan read (``WHERE id = ? AND version = ?``)
    and sets ``version + 1``; when fewer rows match than were sent, another writer changed a
    patient in between and :class:`ConflictError` rolls the whole import back.
    """
    if not items:
        return
    actor, reason, batch, request = _context(session)
    now = utcnow()
    stamp = db_stamp(session, now)
    groups: dict[tuple[str, ...], list[ChangedPatient]] = {}
    for item in items:
        groups.setdefault(tuple(item[4]), []).append(item)
    audit: list[tuple[Any, ...]] = []
    connection = session.connection()
    table = _PATIENT_TABLE
    for names, members in groups.items():
        statement = (
            update(table)
            .where(table.c.id == bindparam("b_id"), table.c.version == bindparam("b_version"))
            .values({"version": bindparam("b_new_version"), "updated_at": bindparam("b_at"),
                     **{n: bindparam(f"v_{n}") for n in names}})
        )
        params = [{"b_id": pk, "b_version": version, "b_new_version": version + 1, "b_at": now,
                   **{f"v_{n}": changes[n][1] for n in names}}
                  for pk, _, _, version, changes in members]
        result = connection.execute(statement, params)
        if result.rowcount not in (-1, None) and result.rowcount != len(params):
            raise ConflictError("a patient changed during the import: nothing was written; "
                                "import again")
        for pk, site_id, pid, version, changes in members:
            for name in names:
                old, new = changes[name]
                audit.append((stamp, actor, "update", "patient", str(pk), version + 1, site_id,
                              pid, name, audit_text(old), audit_text(new), reason, batch,
                              request))
    append_audit(session, audit, converted=True)


def insert_complications(session: Session, items: Sequence[NewComplication]) -> None:
    """Insert complications and their ``create`` audit rows (one executemany each)."""
    if not items:
        return
    from sqlalchemy import func, select

    actor, reason, batch, request = _context(session)
    now = utcnow()
    stamp = db_stamp(session, now)
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy import text

        query = text("SELECT nextval(pg_get_serial_sequence('complications', 'id')) "
                     "FROM generate_series(1, :n)")
        ids = [int(v) for v in session.scalars(query, {"n": len(items)})]
    else:
        start = session.scalar(select(func.coalesce(func.max(Complication.id), 0))) or 0
        ids = list(range(start + 1, start + len(items) + 1))
    rows: list[tuple[Any, ...]] = []
    audit: list[tuple[Any, ...]] = []
    order = audited_columns(Complication)
    for cid, (pk, site_id, pid, phase, text_value, date) in zip(ids, items, strict=True):
        rows.append((cid, pk, phase, text_value, date, 1, now))
        values = {"patient_pk": pk, "phase": phase, "complication": text_value, "date": date}
        for name in order:
            shown = audit_text(values.get(name))
            if shown is not None:
                audit.append((stamp, actor, "create", "complication", str(cid), 1, site_id, pid,
                              name, None, shown, reason, batch, request))
    insert_rows(session, "complications",
                ("id", "patient_pk", "phase", "complication", "date", "version", "created_at"),
                rows)
    append_audit(session, audit, converted=True)
