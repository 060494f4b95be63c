"""Editing patients: new patient, edit with a reason and the version it was made on, soft delete
and restore, complications (add, delete with a reason).

Every write goes through the registry's form-equivalent API (rtdelay.registry create_patient,
update_patient, ...), which checks the role and the site, validates with the cohort rules and
leaves the audit rows; this module only turns forms into calls and refusals into messages shown
beside their fields. A refused form is shown again (200) with what was typed; a stale version
answers 409 with the fields changed in between.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError
from starlette.datastructures import FormData

from rtdelay.errors import InputError
from rtdelay.registry import (
    ConflictError,
    NotFoundError,
    add_complication,
    create_patient,
    delete_complication,
    delete_patient,
    restore_patient,
    update_patient,
)
from rtdelay.web._deps import Current, allowed, db, posted_form
from rtdelay.web._patientform import form_groups, messages_of, posted_values
from rtdelay.web._views import MAX_REASON, form_text, posting, render, user_sites
from rtdelay.web.routers.pages import patient_context

router = APIRouter()
_P = "/patients/{site}/{patient_id:path}"
PERMISSIONS: dict[tuple[str, str], str | None] = {
    ("GET", "/patients/new"): "write",
    ("POST", "/patients/new"): "write",
    ("POST", f"{_P}/edit"): "write",
    ("POST", f"{_P}/delete"): "write",
    ("POST", f"{_P}/restore"): "admin",
    ("POST", f"{_P}/complications"): "write",
    ("POST", f"{_P}/complications/remove"): "write",
}
NEED_REASON = "Give the reason for this change (it is kept in the audit history)."


def patient_url(site: str, patient_id: str) -> str:
    return f"/patients/{quote(site, safe='')}/{quote(patient_id, safe='')}"


def _page(request: Request, session: Session, user: Current, site: str, patient_id: str,
          status: int = 200, **shown: Any) -> Response:
    session.rollback()  # nothing of a refused form is kept
    context = patient_context(session, user, site, patient_id, **shown)
    return render(request, "patient.html", user, status_code=status, **context)


def _version(form: Any) -> int | None:
    try:
        return int(form_text(form, "version", 12))
    except ValueError:
        return None


@router.get("/patients/new")
def new_form(request: Request, user: Current = Depends(allowed("write")),
             session: Session = Depends(db)) -> Response:
    return render(request, "patient_new.html", user, groups=form_groups({}), general=[],
                  sites=user_sites(session, user), chosen="")


@router.post("/patients/new")
def new_patient(request: Request, user: Current = Depends(posting("write")),
                session: Session = Depends(db),
                form: FormData = Depends(posted_form)) -> Response:
    site = form_text(form, "site", 32)
    values = posted_values(form, include_id=True)
    sites = user_sites(session, user)
    general: list[str] = []
    by_field: dict[str, list[str]] = {}
    if site not in {code for _, code, _ in sites}:
        general.append("Choose the site of the new patient.")
    elif not values.get("patient_id"):
        by_field["patient_id"] = ["The study number (patient_id) is required."]
    else:
        try:
            record = create_patient(session, user.actor, site,
                                    {k: v for k, v in values.items() if v is not None},
                                    reason=form_text(form, "reason", MAX_REASON) or None)
            return RedirectResponse(patient_url(site, record.patient_id), status_code=303)
        except InputError as exc:
            session.rollback()
            by_field, general = messages_of(exc)
    shown = {k: v or "" for k, v in values.items()}
    return render(request, "patient_new.html", user, groups=form_groups(shown, by_field),
                  general=general, sites=sites, chosen=site)


@router.post(f"{_P}/edit")
def edit(request: Request, site: str, patient_id: str,
         user: Current = Depends(posting("write")),
         session: Session = Depends(db),
         form: FormData = Depends(posted_form)) -> Response:
    values = posted_values(form, include_id=False)
    reason = form_text(form, "reason", MAX_REASON)
    version = _version(form)
    if not reason or version is None:
        return _page(request, session, user, site, patient_id, values=values,
                     general=[NEED_REASON if not reason else "The form lost its version: "
                              "reload the patient."])
    try:
        update_patient(session, user.actor, patient_id, values, expected_version=version,
                       site=site, reason=reason)
        session.flush()
    except ConflictError as exc:
        return _page(request, session, user, site, patient_id, 409, values=values,
                     general=[f"Not saved: {exc}"])
    except StaleDataError:
        return _page(request, session, user, site, patient_id, 409, values=values,
                     general=["Not saved: someone else saved this patient at the same moment; "
                              "reload it and apply the edit again."])
    except InputError as exc:
        by_field, general = messages_of(exc)
        return _page(request, session, user, site, patient_id, values=values,
                     messages=by_field, general=["Not saved: correct the fields marked "
                                                 "below.", *general])
    return RedirectResponse(patient_url(site, patient_id), status_code=303)


@router.post(f"{_P}/delete")
def delete(request: Request, site: str, patient_id: str,
           user: Current = Depends(posting("write")),
           session: Session = Depends(db),
           form: FormData = Depends(posted_form)) -> Response:
    reason = form_text(form, "reason", MAX_REASON)
    if not reason:
        return _page(request, session, user, site, patient_id,
                     general=["A deletion needs a reason."])
    try:
        delete_patient(session, user.actor, patient_id, site=site, reason=reason,
                       expected_version=_version(form))
    except ConflictError as exc:
        return _page(request, session, user, site, patient_id, 409, general=[f"Not deleted: {exc}"])
    return RedirectResponse("/patients", status_code=303)


@router.post(f"{_P}/restore")
def restore(request: Request, site: str, patient_id: str,
            user: Current = Depends(posting("admin")),
            session: Session = Depends(db),
            form: FormData = Depends(posted_form)) -> Response:
    try:
        restore_patient(session, user.actor, patient_id, site=site,
                        reason=form_text(form, "reason", MAX_REASON) or None)
    except NotFoundError:
        raise
    except InputError as exc:
        return _page(request, session, user, site, patient_id, general=[str(exc)])
    return RedirectResponse(patient_url(site, patient_id), status_code=303)


@router.post(f"{_P}/complications")
def complication_add(request: Request, site: str, patient_id: str,
                     user: Current = Depends(posting("write")),
                     session: Session = Depends(db),
                     form: FormData = Depends(posted_form)) -> Response:
    try:
        add_complication(session, user.actor, patient_id, site=site,
                         phase=form_text(form, "phase", 32),
                         complication=form_text(form, "complication", 500),
                         date=form_text(form, "date", 32) or None,
                         reason=form_text(form, "reason", MAX_REASON) or None)
    except NotFoundError:
        raise
    except InputError as exc:
        by_field, general = messages_of(exc)
        listed = [m for ms in by_field.values() for m in ms] + general
        return _page(request, session, user, site, patient_id, comp_messages=listed)
    return RedirectResponse(patient_url(site, patient_id), status_code=303)


@router.post(f"{_P}/complications/remove")
def complication_delete(request: Request, site: str, patient_id: str,
                        user: Current = Depends(posting("write")),
                        session: Session = Depends(db),
                        form: FormData = Depends(posted_form)) -> Response:
    context = patient_context(session, user, site, patient_id)  # 404 for another site
    try:
        item = int(form_text(form, "complication_id", 12))
    except ValueError:
        return _page(request, session, user, site, patient_id,
                     comp_messages=["Choose the complication to delete."])
    if item not in {c["id"] for c in context["complications"]}:
        raise NotFoundError(f"no complication {item} of this patient")
    reason = form_text(form, "reason", MAX_REASON)
    if not reason:
        return _page(request, session, user, site, patient_id,
                     comp_messages=["A deletion needs a reason."])
    delete_complication(session, user.actor, item, reason=reason)
    return RedirectResponse(patient_url(site, patient_id), status_code=303)
