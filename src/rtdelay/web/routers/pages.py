"""Read-only pages: dashboard (patients per site), patients list, patient page."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from rtdelay.cohort import COLUMNS
from rtdelay.registry import get_patient, patient_history, patients_query
from rtdelay.web._deps import Current, allowed, db, settings

router = APIRouter()
PERMISSIONS: dict[tuple[str, str], str | None] = {
    ("GET", "/"): "read",
    ("GET", "/patients"): "read",
    ("GET", "/patients/{site}/{patient_id:path}"): "read",
}


def _render(request: Request, name: str, user: Current, **context: Any) -> Response:
    context.update(user=user.actor, csrf_token=user.web.csrf_token)
    return request.app.state.templates.TemplateResponse(request, name, context)


@router.get("/")
def dashboard(request: Request, user: Current = Depends(allowed("read")),
              session: Session = Depends(db)) -> Response:
    sub = patients_query(user.actor).subquery()
    rows = session.execute(select(sub.c.site_id, func.count()).group_by(sub.c.site_id)).all()
    counts = {site_id: n for site_id, n in rows}
    sites = _sites(session, user)
    per_site = [(code, name, counts.get(sid, 0)) for sid, code, name in sites]
    return _render(request, "dashboard.html", user, per_site=per_site)


def _sites(session: Session, user: Current) -> list[tuple[int, str, str]]:
    from rtdelay.registry import visible_site_ids

    ids = visible_site_ids(session, user.actor)
    if not ids:
        return []
    rows = session.execute(select(_site_table().c.id, _site_table().c.code, _site_table().c.name)
                           .where(_site_table().c.id.in_(ids)).order_by(_site_table().c.code))
    return [(r[0], r[1], r[2]) for r in rows]


def _site_table() -> Any:
    from rtdelay.registry import User

    return User.metadata.tables["sites"]


@router.get("/patients")
def patients(request: Request, q: str = Query("", max_length=64), page: int = Query(1, ge=1),
             user: Current = Depends(allowed("read")),
             session: Session = Depends(db)) -> Response:
    size = settings(request).page_size
    sub = patients_query(user.actor).subquery()
    query = select(sub)
    if q:
        query = query.where(or_(sub.c.patient_id.contains(q, autoescape=True)))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(query.order_by(sub.c.site_id, sub.c.patient_id)
                           .limit(size).offset((page - 1) * size)).all()
    codes = {sid: code for sid, code, _ in _sites(session, user)}
    items = [(codes.get(r.site_id, "?"), r.patient_id) for r in rows]
    pages = max(1, -(-total // size))
    return _render(request, "patients.html", user, items=items, q=q, page=page, pages=pages,
                   total=total)


@router.get("/patients/{site}/{patient_id:path}")
def patient(request: Request, site: str, patient_id: str,
            user: Current = Depends(allowed("read")),
            session: Session = Depends(db)) -> Response:
    record = get_patient(session, user.actor, patient_id, site=site)
    fields = [(c, getattr(record, c, None)) for c in COLUMNS if hasattr(record, c)]
    history = patient_history(session, user.actor, patient_id, site=site)
    return _render(request, "patient.html", user, site=site, patient_id=patient_id,
                   fields=fields, history=history.to_dict("records"),
                   history_columns=list(history.columns))
