"""Export (analyst and admin): the registry in one of its export formats, as a zip download of
the cohort file and its complications file (rtdelay.registry export_registry / write_export).

Each download is an audit event (``export``: who, when, format, sites, counts), recorded in the
same transaction as the read. Files are written in a private temporary folder, zipped in memory
and deleted before the answer leaves.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from rtdelay.registry import EXPORT_FORMATS, export_registry, record_event, write_export
from rtdelay.web._deps import Current, allowed, db, posted_form
from rtdelay.web._views import form_text, posting, render, user_sites

router = APIRouter()
PERMISSIONS: dict[tuple[str, str], str | None] = {
    ("GET", "/export"): "export",
    ("POST", "/export"): "export",
}


def _page(request: Request, user: Current, session: Session, error: str | None = None) -> Response:
    return render(request, "export.html", user, formats=EXPORT_FORMATS,
                  sites=user_sites(session, user), error=error)


@router.get("/export")
def export_page(request: Request, user: Current = Depends(allowed("export")),
                session: Session = Depends(db)) -> Response:
    return _page(request, user, session)


@router.post("/export")
def export(request: Request, user: Current = Depends(posting("export")),
           session: Session = Depends(db),
           form: FormData = Depends(posted_form)) -> Response:
    fmt = form_text(form, "format", 16)
    site = form_text(form, "site", 32)
    if fmt not in EXPORT_FORMATS:
        return _page(request, user, session, "Choose an export format.")
    if site and site not in {code for _, code, _ in user_sites(session, user)}:
        return _page(request, user, session, "Choose one of your sites (or all).")
    data = export_registry(session, user.actor, site=site or None, audit=False)
    name = f"rtdelay-registry-{site or 'all'}"
    with tempfile.TemporaryDirectory(prefix="rtdelay-export-") as tmp:
        cohort, comps = write_export(data, Path(tmp) / f"{name}.{fmt}", fmt=fmt)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.write(cohort, cohort.name)
            archive.write(comps, comps.name)
    record_event(session, "export", detail=(
        f"web download {name}.zip ({fmt}): {len(data.cohort)} patients, "
        f"{len(data.complications)} complications; sites: {', '.join(data.sites) or 'none'}"))
    return Response(buffer.getvalue(), media_type="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{name}.zip"'})
