"""The audit trail: a flush listener that writes one audit row per changed field.

Every ORM write goes through :func:`_after_flush`, in the same transaction as the change: for
each new, changed, soft-deleted or restored patient, complication, site, user or grant it
inserts one ``audit_events`` row per field whose value changed (old -> new, as text), with the
session's actor, reason, import batch and request id (``session.info``). A flush without an
actor is refused, as are hard deletes of patients and complications and bulk UPDATE/DELETE
statements on audited tables (:func:`_refuse_bulk`), so no ORM write path escapes the trail.
The database itself refuses UPDATE and DELETE on ``audit_events`` (triggers, see migrations).

Events that are not field changes (logins, failed logins, exports, downloads) are written with
:func:`record_event`.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from sqlalchemy import event, insert, inspect, select
from sqlalchemy.orm import Session

from rtdelay.registry._errors import RegistryError
from rtdelay.registry._models import (
    AuditEvent,
    Complication,
    Patient,
    Site,
    User,
    UserSite,
    utcnow,
)

__all__ = ["audit_text", "record_event", "install_audit", "AUDITED_ENTITIES", "AUDIT_FIELDS",
           "audited_columns", "insert_rows", "append_audit", "db_stamp"]

AUDITED_ENTITIES: dict[type, str] = {
    Patient: "patient",
    Complication: "complication",
    Site: "site",
    User: "user",
    UserSite: "grant",
}
_SKIP = {"id", "version", "created_at", "updated_at"}
_AUDIT_TABLES = {str(inspect(cls).local_table.name) for cls in AUDITED_ENTITIES} | {"audit_events"}


def audit_text(value: Any) -> str | None:
    """A stored value as audit text: ISO dates, ``true``/``false``, shortest float repr.

    Examples
    --------
    >>> audit_text(61.0), audit_text(True), audit_text(dt.date(2020, 1, 2)), audit_text(None)
    ('61', 'true', '2020-01-02', None)
    """
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


_COLUMN_CACHE: dict[type, list[str]] = {}
_AUDIT_TABLE: Any = AuditEvent.__table__
AUDIT_FIELDS = ("at", "actor", "action", "entity", "entity_key", "entity_version", "site_id",
                 "patient_id", "field", "old_value", "new_value", "reason", "batch_id",
                 "request_id")


def audited_columns(cls: type) -> list[str]:
    """The columns of an audited model whose changes get audit rows, in mapper order."""
    if cls not in _COLUMN_CACHE:
        attrs: Any = inspect(cls).column_attrs
        _COLUMN_CACHE[cls] = [a.key for a in attrs if a.key not in _SKIP]
    return _COLUMN_CACHE[cls]


def _columns(obj: Any) -> list[str]:
    return audited_columns(type(obj))


def append_audit(session: Session, tuples: list[tuple[Any, ...]], *, converted: bool = False) -> None:
    """Append field-change audit rows written by an audited bulk path (same transaction).

    Each tuple is in :data:`AUDIT_FIELDS` order; the actor must be the session's. ``converted``:
    the time stamps come from :func:`db_stamp` (the only date-like values of an audit row).
    """
    if tuples and not session.info.get("actor"):
        raise RegistryError("a registry write needs an actor (who made the change)")
    insert_rows(session, "audit_events", AUDIT_FIELDS, tuples, converted=converted)


def _sqlite_cell(value: Any) -> Any:
    """A value as SQLAlchemy's SQLite types store it (dates and datetimes as ISO text)."""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _sqlite_rows(tuples: list[tuple[Any, ...]], width: int) -> list[tuple[Any, ...]]:
    """Convert the date/datetime columns (found from their first non-missing value) to text."""
    dated: list[int] = []
    for j in range(width):
        for item in tuples:
            if item[j] is not None:
                if isinstance(item[j], dt.date):
                    dated.append(j)
                break
    if not dated:
        return tuples
    memo: dict[Any, Any] = {}

    def text(value: Any) -> Any:
        if value is None:
            return None
        found = memo.get(value)
        if found is None:
            found = memo[value] = _sqlite_cell(value)
        return found

    columns = list(zip(*tuples, strict=True))
    for j in dated:
        columns[j] = tuple(map(text, columns[j]))
    return list(zip(*columns, strict=True))


def db_stamp(session: Session, value: dt.datetime) -> Any:
    """A timestamp as :func:`insert_rows` stores it on this session's database, converted once."""
    return _sqlite_cell(value) if session.get_bind().dialect.name == "sqlite" else value


def insert_rows(session: Session, table: str, columns: tuple[str, ...],
                tuples: list[tuple[Any, ...]], *, converted: bool = False) -> None:
    """Append rows to ``table`` on the session's connection (same transaction), fast.

    PostgreSQL: COPY; SQLite: one executemany of plain tuples. Both bypass SQLAlchemy's
    per-row parameter processing, which dominated large imports. Only the registry's audited
    write paths call this (the audit rows themselves, and :mod:`rtdelay.registry._bulk`, which
    writes the audit rows of what it inserts in the same call). ``converted``: the dates and
    datetimes are already in the database's form (:func:`db_stamp`), skip the conversion.
    """
    if not tuples:
        return
    connection = session.connection()
    names = ", ".join(columns)
    dbapi: Any = connection.connection.dbapi_connection
    if connection.dialect.name == "postgresql" and dbapi is not None:
        with dbapi.cursor() as cursor:
            with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for item in tuples:
                    copy.write_row(item)
        return
    if connection.dialect.name == "sqlite" and dbapi is not None:
        marks = ", ".join("?" for _ in columns)
        rows = tuples if converted else _sqlite_rows(tuples, len(columns))
        cursor = dbapi.cursor()
        try:
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)
        finally:
            cursor.close()
        return
    from sqlalchemy import column as core_column
    from sqlalchemy import table as core_table  # pragma: no cover

    target = core_table(table, *[core_column(c) for c in columns])  # pragma: no cover
    connection.execute(  # pragma: no cover - other dialects
        insert(target), [dict(zip(columns, t, strict=True)) for t in tuples]
    )


def _insert_audit(session: Session, tuples: list[tuple[Any, ...]]) -> None:
    """Append audit rows (tuples in :data:`AUDIT_FIELDS` order) in the session's transaction."""
    insert_rows(session, "audit_events", AUDIT_FIELDS, tuples)


def _patient_of(session: Session, obj: Any) -> tuple[int | None, str | None]:
    if isinstance(obj, Patient):
        return obj.site_id, obj.patient_id
    if isinstance(obj, Complication):
        parent = session.identity_map.get(session.identity_key(Patient, obj.patient_pk))
        if parent is not None:
            return parent.site_id, parent.patient_id
        row = session.connection().execute(
            select(Patient.site_id, Patient.patient_id).where(Patient.id == obj.patient_pk)
        ).first()
        return (row[0], row[1]) if row is not None else (None, None)
    if isinstance(obj, Site):
        return obj.id, None
    if isinstance(obj, UserSite):
        return obj.site_id, None
    return None, None


def _key(obj: Any) -> str:
    if isinstance(obj, UserSite):
        return f"{obj.user_id}:{obj.site_id}"
    return str(obj.id)


def _action(obj: Any, changed: dict[str, tuple[Any, Any]], new: bool) -> str:
    if new:
        return "create"
    if "deleted_at" in changed:
        return "delete" if changed["deleted_at"][1] is not None else "restore"
    return "update"


def _shown(field: str, value: Any) -> str | None:
    if field == "password_hash":
        return None if value is None else "(set)"
    return audit_text(value)


def _changes(obj: Any, new: bool) -> dict[str, tuple[Any, Any]]:
    state = inspect(obj)
    out: dict[str, tuple[Any, Any]] = {}
    if new:
        values = obj.__dict__
        for name in _columns(obj):
            value = values.get(name)
            if value is not None and not (isinstance(value, float) and math.isnan(value)):
                out[name] = (None, value)
        return out
    for name in _columns(obj):
        hist = state.attrs[name].history
        if not hist.has_changes():
            continue
        old = hist.deleted[0] if hist.deleted else None
        value = hist.added[0] if hist.added else None
        if audit_text(old) != audit_text(value):
            out[name] = (old, value)
    return out


def _after_flush(session: Session, flush_context: Any) -> None:
    rows: list[tuple[Any, ...]] = []
    now = utcnow()
    info = session.info
    actor = info.get("actor")
    reason, batch, request = info.get("reason"), info.get("batch_id"), info.get("request_id")
    for obj, new in [(o, True) for o in session.new] + [(o, False) for o in session.dirty]:
        entity = AUDITED_ENTITIES.get(type(obj))
        if entity is None:
            continue
        changed = _changes(obj, new)
        if not changed:
            continue
        if not actor:
            raise RegistryError("a registry write needs an actor (who made the change)")
        site_id, patient_id = _patient_of(session, obj)
        action = _action(obj, changed, new)
        key, version = _key(obj), getattr(obj, "version", None)
        secret = "password_hash" in changed
        for field, (old, value) in changed.items():
            if secret and field == "password_hash":
                old_text, new_text = _shown(field, old), _shown(field, value)
            else:
                old_text, new_text = audit_text(old), audit_text(value)
            rows.append((now, actor, action, entity, key, version, site_id, patient_id, field,
                         old_text, new_text, reason, batch, request))
    for obj in session.deleted:
        if isinstance(obj, UserSite):
            rows.append((now, actor or "?", "revoke", "grant", _key(obj), None, obj.site_id,
                         None, "site_id", str(obj.site_id), None, reason, batch, request))
    if rows:
        _insert_audit(session, rows)


def _before_flush(session: Session, flush_context: Any, instances: Any) -> None:
    for obj in session.deleted:
        if type(obj) in AUDITED_ENTITIES and not isinstance(obj, UserSite):
            raise RegistryError(
                f"{AUDITED_ENTITIES[type(obj)]} records are never deleted: use a soft delete "
                "with a reason"
            )
        if isinstance(obj, AuditEvent):
            raise RegistryError("the audit trail is append-only")
    for obj in session.dirty:
        if isinstance(obj, AuditEvent) and session.is_modified(obj):
            raise RegistryError("the audit trail is append-only")
    if (session.new or session.dirty or session.deleted) and not session.info.get("actor"):
        if any(type(o) in AUDITED_ENTITIES for o in (*session.new, *session.dirty)):
            raise RegistryError("a registry write needs an actor (who made the change)")


def _refuse_bulk(state: Any) -> None:
    if not (state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    name = getattr(table, "name", None)
    if name in _AUDIT_TABLES:
        raise RegistryError(
            f"bulk UPDATE/DELETE on {name} would escape the audit trail; change records one by "
            "one through the registry API"
        )


def install_audit(session_class: Any) -> None:
    """Attach the audit listeners to a Session class (idempotent)."""
    if event.contains(session_class, "after_flush", _after_flush):
        return
    event.listen(session_class, "before_flush", _before_flush)
    event.listen(session_class, "after_flush", _after_flush)
    event.listen(session_class, "do_orm_execute", _refuse_bulk)


def record_event(
    session: Session,
    action: str,
    *,
    entity: str = "registry",
    entity_key: str | None = None,
    site_id: int | None = None,
    patient_id: str | None = None,
    detail: str | None = None,
    actor: str | None = None,
) -> None:
    """Append one non-field audit event (``login``, ``login_failed``, ``export``, ``download``).

    Written in the session's transaction; committed with it.
    """
    info = session.info
    session.connection().execute(
        insert(_AUDIT_TABLE),
        [{
            "at": utcnow(), "actor": actor or info.get("actor") or "?", "action": action,
            "entity": entity, "entity_key": entity_key, "entity_version": None,
            "site_id": site_id, "patient_id": patient_id, "field": None, "old_value": None,
            "new_value": detail, "reason": info.get("reason"), "batch_id": info.get("batch_id"),
            "request_id": info.get("request_id"),
        }],
    )
