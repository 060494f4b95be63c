"""Reading pages: dashboard (patients and data quality per site), patients list, patient page."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rtdelay.registry import Patient, audit_text, get_patient, history_records, patients_query
from rtdelay.web._deps import Current, allowed, db, settings
from rtdelay.web._patientform import form_groups, score_lines, stored_text
from rtdelay.web._quality import ELIGIBILITY_FIELDS, dashboard_quality
from rtdelay.web._views import render, user_sites

router = APIRouter()
PERMISSIONS: dict[tuple[str, str], str | None] = {
    ("GET", "/"): "read",
    ("GET", "/patients"): "read",
    ("GET", "/patients/{site}/{patient_id:path}"): "read",
}

class ListedPatient(NamedTuple):
    """One line of the patients list (attributes: the templates read them without a dict
    lookup's failed ``getattr`` first)."""

    site: str
    patient_id: str
    age: Any
    sex: Any
    histology: Any
    surgery_date: Any
    version: int
    deleted_reason: Any


_HISTORY_COLUMNS = ("at", "actor", "action", "entity", "field", "old_value", "new_value",
                    "reason")


@router.get("/")
def dashboard(request: Request, user: Current = Depends(allowed("read")),
              session: Session = Depends(db)) -> Response:
    cache = getattr(request.app.state, "quality_cache", None)
    if cache is None:
        cache = request.app.state.quality_cache = {}
    quality, checked = dashboard_quality(session, user.actor, cache,
                                         max_age=settings(request).quality_max_age_s)
    rows = []
    for sid, code, name in user_sites(session, user):
        q = quality.get(sid)
        rows.append({"code": code, "name": name, "patients": q.patients if q else 0,
                     "errors": q.errors if q else 0,
                     "field_problems": q.field_problems if q else 0,
                     "missing": q.missing_eligibility if q else 0,
                     "columns": list(q.columns) if q else []})
    # Last analyses: filled by the analysis jobs (issue 14b) when that table exists; None
    # shows the placeholder block.
    analyses = getattr(request.app.state, "recent_analyses", None)
    recent = analyses(session, user.actor) if callable(analyses) else None
    return render(request, "dashboard.html", user, per_site=rows, analyses=recent,
                  eligibility=ELIGIBILITY_FIELDS, checked=checked.strftime("%Y-%m-%d %H:%M:%S"),
                  max_age=round(settings(request).quality_max_age_s))


@router.get("/patients")
def patients(request: Request, q: str = Query("", max_length=64), page: int = Query(1, ge=1),
             deleted: bool = Query(False), user: Current = Depends(allowed("read")),
             session: Session = Depends(db)) -> Response:
    size = settings(request).page_size
    show_deleted = deleted and user.actor.can("admin")
    query = patients_query(user.actor, include_deleted=show_deleted).with_only_columns(
        Patient.site_id, Patient.patient_id, Patient.age, Patient.sex, Patient.histology,
        Patient.surgery_date, Patient.version, Patient.deleted_reason)
    if show_deleted:
        query = query.where(Patient.deleted_at.is_not(None))
    if q:
        query = query.where(Patient.patient_id.contains(q, autoescape=True))
    total = session.scalar(query.with_only_columns(func.count(), maintain_column_froms=True)
                           .order_by(None)) or 0
    pages = max(1, -(-total // size))
    page = min(page, pages)
    rows = session.execute(query.order_by(Patient.site_id, Patient.patient_id)
                           .limit(size).offset((page - 1) * size)).all()
    codes = {sid: code for sid, code, _ in user_sites(session, user)}
    items = [ListedPatient(codes.get(r.site_id, "?"), r.patient_id, audit_text(r.age), *r[3:])
             for r in rows]  # age as the form shows it: 66, not 66.0
    return render(request, "patients.html", user, items=items, q=q, page=page, pages=pages,
                  total=total, deleted=show_deleted)


def history_entries(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The history as the page shows it: the field rows of one creation (same record and
    version) become one entry with ``created`` (the (field, value) pairs); every other change
    stays one row per field, old -> new."""
    out: list[dict[str, Any]] = []
    for row in rows:
        last = out[-1] if out else None
        if row["action"] == "create":
            key = (row["entity"], row["entity_key"], row["entity_version"], row["at"])
            if last is not None and last.get("key") == key:
                last["created"].append((row["field"], row["new_value"]))
                continue
            out.append({**row, "key": key, "created": [(row["field"], row["new_value"])]})
        else:
            out.append(row)
    return out


def patient_context(session: Session, user: Current, site: str, patient_id: str, *,
                    values: Mapping[str, str | None] | None = None,
                    messages: Mapping[str, list[str]] | None = None,
                    general: list[str] | None = None,
                    comp_messages: list[str] | None = None) -> dict[str, Any]:
    """What the patient page shows; ``values``/``messages``: a refused edit shown again."""

    record = get_patient(session, user.actor, patient_id, site=site,
                         include_deleted=user.actor.can("admin"))
    stored = {name: getattr(record, name, None) for name in stored_text({})}
    shown = stored_text(stored)
    shown.update({k: v or "" for k, v in (values or {}).items()})
    history = history_records(session, user.actor, record)
    comps = _complications(session, record.id)
    return {"site": site, "patient_id": record.patient_id, "version": record.version,
            "deleted_at": record.deleted_at, "deleted_reason": record.deleted_reason,
            "groups": form_groups(shown, messages), "scores": score_lines(stored),
            "general": general or [], "complications": comps,
            "comp_messages": comp_messages or [],
            "history": history_entries(
                [{c: audit_text(row[c]) for c in (*_HISTORY_COLUMNS, "entity_key",
                                                   "entity_version")}
                 for row in history]),
            "can_write": user.actor.can("write"), "can_restore": user.actor.can("admin")}


def _complications(session: Session, patient_pk: int) -> list[dict[str, Any]]:
    from rtdelay.registry import User

    table = User.metadata.tables["complications"]
    rows = session.execute(select(table.c.id, table.c.phase, table.c.complication, table.c.date)
                           .where(table.c.patient_pk == patient_pk,
                                  table.c.deleted_at.is_(None)).order_by(table.c.id))
    return [{"id": r[0], "phase": r[1], "complication": r[2], "date": r[3]} for r in rows]


@router.get("/patients/{site}/{patient_id:path}")
def patient(request: Request, site: str, patient_id: str,
            user: Current = Depends(allowed("read")),
            session: Session = Depends(db)) -> Response:
    context = patient_context(session, user, site, patient_id)
    return render(request, "patient.html", user, **context)
