"""Import: upload (csv, xlsx, sav, parquet; or a REDCap export with its data dictionary) ->
the diff preview (new, changed field by field, unchanged, rejected with reasons; rejected cells
downloadable as csv) -> commit with a reason.

The upload is kept in the app's private upload folder under a random id tied to the session
that made it (another session gets 404), with the preview. The commit checks the sha256 of every
stored file against the one previewed, plans the import again and refuses it when the registry
changed since the preview (rtdelay.registry import_table ``expected_fingerprint``). The files are
deleted after the commit, a cancel, or ``upload_ttl_s``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from rtdelay.errors import InputError
from rtdelay.registry import ConflictError, import_table, read_import_file, read_redcap
from rtdelay.web._deps import Current, allowed, db, posted_form, registry, settings
from rtdelay.web._importview import preview_of, rejected_csv
from rtdelay.web._uploads import (
    UploadError,
    discard,
    file_sha256,
    new_upload_id,
    purge_expired,
    read_meta,
    save_upload,
    upload_root,
    write_meta,
)
from rtdelay.web._views import MAX_REASON, form_text, posting, render, user_sites

router = APIRouter()
PERMISSIONS: dict[tuple[str, str], str | None] = {
    ("GET", "/imports"): "import",
    ("POST", "/imports"): "import",
    ("GET", "/imports/preview"): "import",
    ("GET", "/imports/rejected.csv"): "import",
    ("POST", "/imports/commit"): "import",
    ("POST", "/imports/cancel"): "import",
}
SHOWN = 500
_SLOTS = ("file", "dictionary", "complications")


def _root(request: Request) -> Path:
    conf = settings(request)
    root = upload_root(conf, request.app.state)
    purge_expired(root, conf.upload_ttl_s)
    return root


def _form_page(request: Request, user: Current, session: Session, error: str | None = None,
               status: int = 200) -> Response:
    return render(request, "imports.html", user, status_code=status, error=error,
                  sites=user_sites(session, user),
                  max_mb=settings(request).max_upload_bytes / 1e6)


@router.get("/imports")
def imports_page(request: Request, user: Current = Depends(allowed("import")),
                 session: Session = Depends(db)) -> Response:
    _root(request)
    return _form_page(request, user, session)


def _read(meta: dict[str, Any]) -> tuple[Any, Any]:
    """(cohort raw table, complications raw table or None) of the stored files."""
    files = meta["files"]
    if meta["kind"] == "redcap":
        return read_redcap(files["file"]["path"], files["dictionary"]["path"])
    raw = read_import_file(files["file"]["path"])
    comps = files.get("complications")
    return raw, read_import_file(comps["path"]) if comps else None


def _plan(request: Request, user: Current, session: Session, meta: dict[str, Any], *,
          dry_run: bool, reason: str | None = None) -> tuple[Any, Any]:
    """(the loaded table, the import outcome) of a stored upload."""
    raw, comps = _read(meta)
    session.commit()  # end the request's transaction: the import takes the write lock
    return raw, import_table(registry(request), user.actor, raw, site=meta["site"] or None,
                        erase_blanks=meta["erase_blanks"], dry_run=dry_run, reason=reason,
                        complications=comps, kind=meta["kind"],
                        sha256=meta["files"]["file"]["sha256"],
                        expected_fingerprint=None if dry_run else meta["fingerprint"])


def body_limit(request: Request) -> None:
    """Refuse, before the body is read (the CSRF check reads the form), a request without a
    length or longer than the files it may carry; each file is then checked on its own."""
    conf = settings(request)
    length = request.headers.get("content-length", "")
    if not length.isdigit():
        raise HTTPException(411, "an upload needs a Content-Length")
    if int(length) > len(_SLOTS) * conf.max_upload_bytes + (1 << 20):
        raise HTTPException(413, "the upload is larger than the limit of "
                            f"{conf.max_upload_bytes / 1e6:.0f} MB per file")


@router.post("/imports")
async def upload(request: Request, _: None = Depends(body_limit),
                 user: Current = Depends(posting("import")),
                 session: Session = Depends(db)) -> Response:
    conf = settings(request)
    form = await request.form()
    given = {s: form.get(s) for s in _SLOTS if getattr(form.get(s), "filename", None)}
    if "file" not in given:
        return _form_page(request, user, session, "Choose the file to import.")
    site = form_text(form, "site", 32)
    if site and site not in {code for _, code, _ in user_sites(session, user)}:
        return _form_page(request, user, session, "Choose one of your sites.")
    root, upload_id = _root(request), new_upload_id()
    folder = root / upload_id
    folder.mkdir(mode=0o700)
    kind = "redcap" if "dictionary" in given else "file"
    try:
        stored = {}
        for slot, item in given.items():
            kinds = ("csv",) if kind == "redcap" else ("csv", "xlsx", "sav", "parquet")
            stored[slot] = (await save_upload(item, folder, slot, conf, kinds=kinds)).to_dict()
        meta = {"owner": user.web.token_hash, "user": user.actor.name, "kind": kind,
                "files": stored, "site": site, "erase_blanks": form.get("erase_blanks") == "on"}
        # the preview of a large file takes a while: off the event loop
        raw, outcome = await run_in_threadpool(_plan, request, user, session, meta, dry_run=True)
    except UploadError as exc:
        discard(root, upload_id)
        return _form_page(request, user, session, f"Refused: {exc}", exc.status)
    except InputError as exc:  # the loader's and the planner's one-line messages
        discard(root, upload_id)
        return _form_page(request, user, session, f"Refused: {exc}", 400)
    except BaseException:
        discard(root, upload_id)
        raise
    meta.update(fingerprint=outcome.plan.fingerprint, preview=preview_of(outcome.plan, raw))
    write_meta(root, upload_id, meta)
    return RedirectResponse(f"/imports/preview?id={upload_id}", status_code=303)


def _meta(request: Request, user: Current, upload_id: str) -> dict[str, Any]:
    conf = settings(request)
    try:
        return read_meta(_root(request), upload_id, user.web.token_hash, conf.upload_ttl_s)
    except UploadError as exc:
        from rtdelay.registry import NotFoundError

        raise NotFoundError(str(exc)) from None


def _preview_page(request: Request, user: Current, upload_id: str, meta: dict[str, Any],
                  error: str | None = None, status: int = 200) -> Response:
    return render(request, "import_preview.html", user, status_code=status, id=upload_id,
                  meta=meta, p=meta["preview"], shown=SHOWN, error=error)


@router.get("/imports/preview")
def preview(request: Request, id: str = Query("", max_length=64),
            user: Current = Depends(allowed("import"))) -> Response:
    if not id:
        return RedirectResponse("/imports", status_code=303)
    return _preview_page(request, user, id, _meta(request, user, id))


@router.get("/imports/rejected.csv")
def rejected(request: Request, id: str = Query("", max_length=64),
             user: Current = Depends(allowed("import"))) -> Response:
    if not id:
        return RedirectResponse("/imports", status_code=303)
    meta = _meta(request, user, id)
    return Response(rejected_csv(meta["preview"]["rejected_lines"]), media_type="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="rejected.csv"'})


@router.post("/imports/commit")
def commit(request: Request, user: Current = Depends(posting("import")),
           session: Session = Depends(db), form: FormData = Depends(posted_form)) -> Response:
    upload_id = form_text(form, "id", 64)
    if not upload_id:
        return RedirectResponse("/imports", status_code=303)
    meta = _meta(request, user, upload_id)
    reason = form_text(form, "reason", MAX_REASON)
    if not reason:
        return _preview_page(request, user, upload_id, meta,
                             "Give the reason for this import (it is kept in the audit trail).")
    root = _root(request)
    for item in meta["files"].values():
        path = Path(item["path"])
        if not path.is_file() or file_sha256(path) != item["sha256"]:
            discard(root, upload_id)
            return _form_page(request, user, session, "The stored upload changed since the "
                              "preview: upload the file again.", 409)
    try:
        _, outcome = _plan(request, user, session, meta, dry_run=False, reason=reason)
    except ConflictError as exc:
        return _preview_page(request, user, upload_id, meta, f"Not imported: {exc}", 409)
    except InputError as exc:
        return _preview_page(request, user, upload_id, meta, f"Not imported: {exc}", 400)
    discard(root, upload_id)
    return render(request, "import_done.html", user, counts=outcome.plan.counts(),
                  batch=outcome.batch, name=meta["files"]["file"]["name"])


@router.post("/imports/cancel")
def cancel(request: Request, user: Current = Depends(posting("import")),
           form: FormData = Depends(posted_form)) -> Response:
    upload_id = form_text(form, "id", 64)
    if upload_id:
        _meta(request, user, upload_id)  # only the session that uploaded may cancel
        discard(_root(request), upload_id)
    return RedirectResponse("/imports", status_code=303)
