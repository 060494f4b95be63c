"""Analyses pages: run the study on the registry or on an uploaded file (a background job),
follow its progress, read the report in the page, download the outputs.

Analysts (``analyze``) queue jobs; every signed-in user (``read``) sees the jobs of the sites
they see (see :mod:`rtdelay.web._jobs` for the scope rule); any other job is 404. The report
(``report.html``, self-contained: inline SVG figures and an inline stylesheet) is served with
its own Content-Security-Policy: sandboxed without scripts (``sandbox allow-same-origin``,
``default-src 'none'``), and shown in the job page through an iframe sandboxed the same way.
It keeps its origin on purpose: chromium moves an opaque-origin (fully sandboxed) frame to a
process of its own, which it then neither painted nor let be clicked around in a headless
browser without GPU (the blank report of the screenshots); scripts stay off either way.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from rtdelay.registry import AnalysisJob, record_event, visible_site_ids
from rtdelay.web._deps import Current, allowed, csrf_checked, db, settings
from rtdelay.web._job_files import (
    UploadRefused,
    describe_outputs,
    output_file,
    output_files,
    save_upload,
    zip_outputs,
)
from rtdelay.web._jobs import JobError, app_jobs_root, queue_job, visible_job, visible_jobs

router = APIRouter()
PERMISSIONS: dict[tuple[str, str], str | None] = {
    ("GET", "/analyses"): "read",
    ("POST", "/analyses"): "analyze",
    ("GET", "/analyses/{job_id}"): "read",
    ("GET", "/analyses/{job_id}/report"): "read",
    ("GET", "/analyses/{job_id}/outputs.zip"): "read",
    ("GET", "/analyses/{job_id}/files/{name:path}"): "read",
}

REPORT_HEADERS = {
    # The generated report: inline styles and SVG, never a script; shown in a sandboxed frame.
    "Content-Security-Policy": (
        "sandbox allow-same-origin; default-src 'none'; style-src 'unsafe-inline'; "
        "img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'self'"
    ),
    "X-Frame-Options": "SAMEORIGIN",
}


def _render(request: Request, name: str, user: Current, status: int = 200,
            **context: Any) -> Response:
    context.update(user=user.actor, csrf_token=user.web.csrf_token)
    return request.app.state.templates.TemplateResponse(request, name, context,
                                                        status_code=status)


def _sites(session: Session, user: Current) -> list[tuple[str, str]]:
    from sqlalchemy import select

    from rtdelay.registry import Site

    ids = visible_site_ids(session, user.actor)
    if not ids:
        return []
    rows = session.execute(select(Site.code, Site.name).where(Site.id.in_(ids))
                           .order_by(Site.code))
    return [(code, name) for code, name in rows]


def job_summary(job: AnalysisJob) -> dict[str, Any]:
    """What pages and the API show of a job (never its paths)."""
    import json

    options = json.loads(job.options or "{}")
    what = (f"registry, site {job.site_code}" if job.source == "registry" and job.site_code
            else "registry, all sites" if job.source == "registry"
            else f"file {options.get('input_name') or 'uploaded'}")
    return {"id": job.public_id, "status": job.status, "source": job.source, "what": what,
            "progress": job.progress_text, "percent": job.progress_percent,
            "error": job.error, "created_at": job.created_at.isoformat(timespec="seconds"),
            "finished_at": job.finished_at.isoformat(timespec="seconds")
            if job.finished_at else None}


def _list(request: Request, session: Session, user: Current, *, error: str | None = None,
          status: int = 200) -> Response:
    jobs = [job_summary(j) for j in visible_jobs(session, user.actor)]
    return _render(request, "analyses.html", user, status, jobs=jobs,
                   sites=_sites(session, user), error=error,
                   can_run=user.actor.can("analyze"),
                   max_mb=settings(request).max_upload_bytes / 2**20)


@router.get("/analyses")
def analyses(request: Request, user: Current = Depends(allowed("read")),
             session: Session = Depends(db)) -> Response:
    return _list(request, session, user)


def _int(value: Any, default: int) -> int:
    if value is None:
        return default
    try:
        return int(str(value).strip()) if str(value).strip() else default
    except ValueError:
        raise JobError(f"{value!r} is not a whole number") from None


@router.post("/analyses")
async def run_analysis(request: Request, user: Current = Depends(csrf_checked),
                       session: Session = Depends(db)) -> Response:
    if not user.actor.can("analyze"):
        from rtdelay.web._deps import Forbidden

        raise Forbidden()
    form = await request.form()
    source = str(form.get("source") or "registry")
    upload = form.get("file")
    path = None
    try:
        options: dict[str, object] = {"beyond": form.get("beyond") is not None}
        if form.get("date_order"):
            options["date_order"] = str(form.get("date_order"))
        name = None
        if source == "upload":
            if upload is None or isinstance(upload, str) or not upload.filename:
                raise JobError("choose a cohort file to upload")
            path = await save_upload(upload, app_jobs_root(request.app), settings(request))
            name = upload.filename
        site = str(form.get("site") or "") or None
        job = queue_job(session, user.web.user, source=source, site=site, input_path=path,
                        input_name=name, options=options)
    except UploadRefused as exc:
        return _list(request, session, user, error=str(exc), status=exc.status)
    except JobError as exc:
        if path is not None:
            import shutil

            shutil.rmtree(path.parent, ignore_errors=True)
        return _list(request, session, user, error=str(exc), status=400)
    return RedirectResponse(f"/analyses/{job.public_id}", status_code=303)


@router.get("/analyses/{job_id}")
def analysis(request: Request, job_id: str, user: Current = Depends(allowed("read")),
             session: Session = Depends(db)) -> Response:
    job = visible_job(session, user.actor, job_id)
    files = describe_outputs(output_files(job.output_dir)) if job.status == "done" else None
    return _render(request, "analysis.html", user, job=job_summary(job), files=files)


@router.get("/analyses/{job_id}/report")
def report(request: Request, job_id: str, user: Current = Depends(allowed("read")),
           session: Session = Depends(db)) -> Response:
    job = visible_job(session, user.actor, job_id)
    path = output_file(job.output_dir, "report.html") if job.status == "done" else None
    if path is None:
        from rtdelay.registry import NotFoundError

        raise NotFoundError("no report")
    return FileResponse(path, media_type="text/html; charset=utf-8", headers=REPORT_HEADERS)


@router.get("/analyses/{job_id}/outputs.zip")
def outputs_zip(request: Request, job_id: str, user: Current = Depends(allowed("read")),
                session: Session = Depends(db)) -> Response:
    job = visible_job(session, user.actor, job_id)
    if job.status != "done":
        from rtdelay.registry import NotFoundError

        raise NotFoundError("no outputs")
    record_event(session, "download", entity="analysis", entity_key=job.public_id,
                 detail="outputs.zip")
    return Response(zip_outputs(job.output_dir), media_type="application/zip", headers={
        "Content-Disposition": f'attachment; filename="rtdelay-{job.public_id}.zip"'})


_TYPES = {".png": "image/png", ".svg": "image/svg+xml", ".csv": "text/csv; charset=utf-8",
          ".json": "application/json", ".md": "text/markdown; charset=utf-8",
          ".html": "text/html; charset=utf-8", ".tex": "text/plain; charset=utf-8",
          ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


@router.get("/analyses/{job_id}/files/{name:path}")
def output(request: Request, job_id: str, name: str, user: Current = Depends(allowed("read")),
           session: Session = Depends(db)) -> Response:
    job = visible_job(session, user.actor, job_id)
    path = output_file(job.output_dir, name) if job.status == "done" else None
    if path is None:
        from rtdelay.registry import NotFoundError

        raise NotFoundError("no such file")
    media = _TYPES.get(path.suffix.lower(), "application/octet-stream")
    inline = path.suffix.lower() in (".png", ".svg")
    headers = {"Content-Security-Policy": "sandbox; default-src 'none'; style-src "
               "'unsafe-inline'; img-src data:"}
    if not inline:
        record_event(session, "download", entity="analysis", entity_key=job.public_id,
                     detail=name[:200])
        headers["Content-Disposition"] = f'attachment; filename="{path.name}"'
    return FileResponse(path, media_type=media, headers=headers)
