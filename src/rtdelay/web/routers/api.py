"""JSON API under /api/v1 (OpenAPI at /api/v1/openapi.json): bearer tokens, roles, sites.

Authentication is ``Authorization: Bearer <token>`` only (``rtdelay token create USER``): a
browser session cookie is not accepted here, so no request of the API can be forged from
another site (no CSRF token needed, none accepted in its place). The roles and the site
scoping are the registry's, as in the pages: a record of another site answers 404.
"""

from __future__ import annotations

import json
import math
import shutil
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from rtdelay.cohort import COLUMNS
from rtdelay.registry import (
    Actor,
    NotFoundError,
    Site,
    User,
    actor_for,
    get_patient,
    patients_query,
    token_record,
    touch_api_token,
)
from rtdelay.web._deps import LoginRequired, db, registry, settings
from rtdelay.web._job_files import UploadRefused, output_file, save_upload
from rtdelay.web._jobs import JobError, app_jobs_root, queue_job, visible_job
from rtdelay.web.routers.analyses import REPORT_HEADERS

PREFIX = "/api/v1"
router = APIRouter(prefix=PREFIX)
PERMISSIONS: dict[tuple[str, str], str | None] = {
    ("GET", f"{PREFIX}/openapi.json"): None,
    ("GET", f"{PREFIX}/patients"): "read",
    ("GET", f"{PREFIX}/patients/{{patient_id}}"): "read",
    ("POST", f"{PREFIX}/imports"): "import",
    ("POST", f"{PREFIX}/analyses"): "analyze",
    ("GET", f"{PREFIX}/analyses/{{job_id}}"): "read",
    ("GET", f"{PREFIX}/analyses/{{job_id}}/report"): "read",
}

_bearer = HTTPBearer(auto_error=False, description="A token of 'rtdelay token create USER'.")


class Problem(BaseModel):
    """An error answer."""

    detail: Any


class Created(BaseModel):
    """A queued analysis."""

    id: str
    status: str


class JobStatus(BaseModel):
    """An analysis job: ``results`` (the results.json document) when done, ``error`` when
    failed."""

    id: str
    status: str
    progress: str | None = None
    percent: int = 0
    results: dict[str, Any] | None = None
    error: str | None = None


def _problems(*codes: int) -> dict[int | str, dict[str, Any]]:
    text = {400: "Bad request", 401: "No or bad bearer token", 403: "The role may not",
            404: "Not found (or another site's)", 409: "Conflict", 413: "File too large",
            415: "Not a cohort table", 422: "Invalid parameters"}
    return {c: {"model": Problem, "description": text[c]} for c in codes}


@dataclass(frozen=True)
class ApiUser:
    """The user of a bearer token."""

    user: User
    actor: Actor


def api_user(permission: str) -> Any:
    """Dependency: the token's user, who must hold ``permission`` (401 / 403 otherwise)."""

    def check(request: Request,
              credentials: HTTPAuthorizationCredentials | None = Depends(_bearer),
              session: Session = Depends(db)) -> ApiUser:
        if credentials is None or credentials.scheme.lower() != "bearer":
            raise LoginRequired()
        row = token_record(session, credentials.credentials)
        if row is None:
            raise LoginRequired()
        user = session.get(User, row.user_id)
        assert user is not None
        if row.last_used_at is None or (_now() - row.last_used_at).total_seconds() > 60:
            with registry(request).session(actor=user.name, write=True) as writing:
                touch_api_token(writing, row.id)
        session.info["actor"] = user.name
        actor = actor_for(session, user)
        if not actor.can(permission):
            raise HTTPException(403, "this role may not do that")
        return ApiUser(user, actor)

    return check


def _now() -> Any:
    import datetime as dt

    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _jsonable(value: Any) -> Any:
    import datetime as dt

    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _patient(record: Any, code: str) -> dict[str, Any]:
    out = {c: _jsonable(getattr(record, c, None)) for c in COLUMNS}
    out.update(site=code, version=record.version)
    return out


@router.get("/openapi.json", include_in_schema=False)
def openapi(request: Request) -> JSONResponse:
    from fastapi.openapi.utils import get_openapi

    cached = getattr(request.app.state, "api_openapi", None)
    if cached is None:
        cached = get_openapi(title="rtdelay API", version="1", routes=router.routes,
                             description=__doc__)
        request.app.state.api_openapi = cached
    return JSONResponse(cached)


@router.get("/patients", responses=_problems(401, 403, 404, 422))
def patients(session: Session = Depends(db), who: ApiUser = Depends(api_user("read")),
             site: str | None = Query(None, max_length=32),
             page: int = Query(1, ge=1, le=100000),
             page_size: int = Query(100, ge=1, le=1000)) -> dict[str, Any]:
    """The live patients of the sites the token's user sees (``site``: one of them)."""
    from rtdelay.registry import resolve_site

    query = patients_query(who.actor)
    if site:
        try:
            query = query.where(_site_column(query) == resolve_site(session, who.actor, site).id)
        except NotFoundError as exc:
            raise HTTPException(404, str(exc)) from None
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    codes = {s.id: s.code for s in session.scalars(select(Site))}
    rows = session.scalars(query.order_by(_site_column(query), "patient_id")
                           .limit(page_size).offset((page - 1) * page_size))
    return {"total": total, "page": page, "page_size": page_size,
            "items": [_patient(r, codes.get(r.site_id, "?")) for r in rows]}


def _site_column(query: Any) -> Any:
    """The ``site_id`` column of the patients table (of the query's entity)."""
    return User.metadata.tables["patients"].c.site_id


@router.get("/patients/{patient_id}", responses=_problems(401, 403, 404, 422))
def patient(patient_id: str, session: Session = Depends(db),
            who: ApiUser = Depends(api_user("read")),
            site: str | None = Query(None, max_length=32)) -> dict[str, Any]:
    """One patient by study number (``site`` when the number exists in several sites)."""
    try:
        record = get_patient(session, who.actor, patient_id[:64], site=site)
    except NotFoundError as exc:
        raise HTTPException(404, str(exc)) from None
    return _patient(record, record.site.code)


async def _upload(request: Request, field: str = "file") -> tuple[Any, str]:
    form = await request.form()
    upload = form.get(field)
    if upload is None or isinstance(upload, str):
        raise HTTPException(400, f"send the cohort file in the multipart field '{field}'")
    path = await save_upload(upload, app_jobs_root(request.app), settings(request))
    return path, upload.filename or "upload"


_FILE_BODY = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"],
    "properties": {"file": {"type": "string", "format": "binary"}}}}}}}


@router.post("/imports", openapi_extra=_FILE_BODY,
             responses=_problems(400, 401, 403, 404, 409, 413, 415, 422))
async def imports(request: Request, who: ApiUser = Depends(api_user("import")),
                  dry_run: bool = Query(False), site: str | None = Query(None, max_length=32),
                  reason: str | None = Query(None, max_length=500)) -> dict[str, Any]:
    """Import a cohort file (csv, xlsx, sav, parquet); ``dry_run=true``: only the diff."""

    from rtdelay.errors import RtdelayError
    from rtdelay.registry import ConflictError, RegistryError, import_table, read_import_file

    try:
        path, _name = await _upload(request)
    except UploadRefused as exc:
        raise HTTPException(exc.status, str(exc)) from None
    try:
        raw = await run_in_threadpool(read_import_file, path)
        outcome = await run_in_threadpool(
            lambda: import_table(registry(request), who.actor, raw, site=site, dry_run=dry_run,
                                 reason=reason or "import through the API"))
    except NotFoundError as exc:
        raise HTTPException(404, str(exc)) from None
    except ConflictError as exc:
        raise HTTPException(409, str(exc)) from None
    except (RtdelayError, RegistryError, ValueError) as exc:
        raise HTTPException(400, str(exc).replace(str(path.parent), "").splitlines()[0]) \
            from None
    finally:
        shutil.rmtree(path.parent, ignore_errors=True)
    diff = outcome.plan.to_frame().astype(object)
    rows = [{k: (None if v is None or (isinstance(v, float) and v != v) else
                 (v if isinstance(v, (int, float, str, bool)) else str(v)))
             for k, v in r.items()} for r in diff.to_dict("records")]
    return {**outcome.to_dict(), "committed": outcome.committed, "dry_run": dry_run,
            "diff": rows}


_ANALYSIS_BODY = {"requestBody": {"required": True, "content": {
    "multipart/form-data": {"schema": {"type": "object", "required": ["file"], "properties": {
        "file": {"type": "string", "format": "binary"},
        "options": {"type": "string", "description": "JSON object of analysis options"}}}},
    "application/json": {"schema": {"type": "object", "required": ["source"], "properties": {
        "source": {"type": "string", "enum": ["registry"]},
        "site": {"type": ["string", "null"], "description": "site code (default: all)"},
        "options": {"type": ["object", "null"], "additionalProperties": False, "properties": {
            "beyond": {"type": "boolean"},
            "date_order": {"type": "string", "enum": ["dmy", "mdy", "ymd"]}}}}}},
}}}


@router.post("/analyses", status_code=202, response_model=Created, openapi_extra=_ANALYSIS_BODY,
             responses=_problems(400, 401, 403, 404, 413, 415, 422))
async def analyses(request: Request, who: ApiUser = Depends(api_user("analyze"))) -> Created:
    """Queue the study on an uploaded cohort (multipart ``file``) or on the registry (JSON
    ``{"source": "registry", "site": ...}``); poll ``GET /api/v1/analyses/{id}``."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    path = None
    try:
        if kind == "multipart/form-data":
            path, name = await _upload(request)
            form = await request.form()
            options = _options(form.get("options"))
            job = await run_in_threadpool(_queue, request, who, source="upload",
                                          input_path=path, input_name=name, options=options)
        elif kind == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise HTTPException(400, "the body is not JSON") from None
            if not isinstance(body, dict) or body.get("source") != "registry":
                raise HTTPException(400, 'send {"source": "registry", "site": CODE or null}')
            site = body.get("site")
            if site is not None and not isinstance(site, str):
                raise HTTPException(400, "site must be a site code or null")
            job = await run_in_threadpool(_queue, request, who, source="registry",
                                          site=site or None, options=_options(body.get("options")))
        else:
            raise HTTPException(415, "send multipart/form-data (field file) or JSON")
    except UploadRefused as exc:
        raise HTTPException(exc.status, str(exc)) from None
    except NotFoundError as exc:
        _discard(path)
        raise HTTPException(404, str(exc)) from None
    except JobError as exc:
        _discard(path)
        raise HTTPException(400, str(exc)) from None
    return Created(id=job[0], status=job[1])


def _queue(request: Request, who: ApiUser, **kwargs: Any) -> tuple[str, str]:
    """Queue a job in a write transaction of its own (BEGIN IMMEDIATE on SQLite); called in
    the thread pool, never on the event loop (a wait for the lock there would stop the
    server)."""
    with registry(request).session(actor=who.user.name, write=True) as session:
        user = session.get(User, who.user.id)
        assert user is not None
        job = queue_job(session, user, **kwargs)
        return job.public_id, job.status


def _discard(path: Any) -> None:
    if path is not None:
        shutil.rmtree(path.parent, ignore_errors=True)


def _options(value: Any) -> dict[str, Any]:
    if value is None or value == "":
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise JobError("options must be a JSON object") from None
    if not isinstance(value, dict):
        raise JobError("options must be a JSON object")
    return value


@router.get("/analyses/{job_id}", response_model=JobStatus,
            responses=_problems(401, 403, 404, 422))
def analysis(job_id: str, session: Session = Depends(db),
             who: ApiUser = Depends(api_user("read"))) -> JobStatus:
    """The job's status; the results.json document when done; the error when failed."""
    try:
        job = visible_job(session, who.actor, job_id)
    except NotFoundError as exc:
        raise HTTPException(404, str(exc)) from None
    results = None
    if job.status == "done":
        path = output_file(job.output_dir, "results.json")
        results = json.loads(path.read_text(encoding="utf-8")) if path is not None else None
    return JobStatus(id=job.public_id, status=job.status, progress=job.progress_text,
                     percent=job.progress_percent, results=results,
                     error=job.error if job.status == "failed" else None)


@router.get("/analyses/{job_id}/report", response_class=Response,
            responses={200: {"content": {"text/html": {}}, "description": "report.html"},
                       **_problems(401, 403, 404, 422)})
def analysis_report(job_id: str, session: Session = Depends(db),
                    who: ApiUser = Depends(api_user("read"))) -> Response:
    """The report (html) of a finished job."""
    try:
        job = visible_job(session, who.actor, job_id)
    except NotFoundError as exc:
        raise HTTPException(404, str(exc)) from None
    path = output_file(job.output_dir, "report.html") if job.status == "done" else None
    if path is None:
        raise HTTPException(404, "the analysis has no report (not finished, or failed)")
    return FileResponse(path, media_type="text/html; charset=utf-8", headers=REPORT_HEADERS)
