"""Administration (admin role): users (add, role, sites, deactivate), sites (add), password
reset by an administrator, live sessions (list, revoke).

User, grant and site changes are ORM writes through the registry (add_user, update_user,
add_site, set_password), so the audit listener records each field with the administrator as
actor and the optional reason; sessions live in a Core table, so their revocation is recorded
with an explicit audit event. A deactivated user, and a user whose password an administrator
reset, loses every session at once. An administrator cannot deactivate or demote themself
(the last way in would be gone).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from rtdelay.errors import InputError
from rtdelay.registry import (
    ROLES,
    User,
    add_site,
    add_user,
    record_event,
    set_password,
    update_user,
    web_sessions,
)
from rtdelay.web._deps import Current, allowed, db, posted_form, settings
from rtdelay.web._sessions import revoke_session, revoke_user_sessions
from rtdelay.web._views import MAX_REASON, form_text, posting, render

router = APIRouter()
PERMISSIONS: dict[tuple[str, str], str | None] = {
    ("GET", "/admin"): "admin",
    ("POST", "/admin/users"): "admin",
    ("POST", "/admin/users/update"): "admin",
    ("POST", "/admin/users/password"): "admin",
    ("POST", "/admin/sites"): "admin",
    ("POST", "/admin/sessions/revoke"): "admin",
}


def _sessions(session: Session, request: Request) -> list[dict[str, Any]]:
    import datetime as dt

    conf = settings(request)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    rows = session.execute(
        select(web_sessions.c.token_hash, web_sessions.c.created_at,
               web_sessions.c.last_seen_at, User.name)
        .join(User, User.id == web_sessions.c.user_id)
        .where(web_sessions.c.revoked_at.is_(None)).order_by(web_sessions.c.last_seen_at.desc()))
    out = []
    for token_hash, created, seen, name in rows:
        if (now - seen).total_seconds() > conf.idle_timeout_s or (
                now - created).total_seconds() > conf.absolute_timeout_s:
            continue
        out.append({"id": token_hash, "user": name, "created": created, "seen": seen})
    return out


def _page(request: Request, user: Current, session: Session, message: str | None = None,
          error: str | None = None) -> Response:
    site_table = User.metadata.tables["sites"]
    sites = session.execute(select(site_table.c.code, site_table.c.name)
                            .order_by(site_table.c.code)).all()
    users = [{"name": u.name, "role": u.role, "active": u.active,
              "sites": sorted(s.code for s in u.sites)}
             for u in session.scalars(select(User).order_by(User.name))]
    return render(request, "admin.html", user, users=users, sites=sites, roles=ROLES,
                  sessions=_sessions(session, request), message=message, error=error,
                  me=user.web.token_hash)


def _reason(session: Session, form: Any) -> None:
    reason = form_text(form, "reason", MAX_REASON)
    session.info["reason"] = reason or "administration (web)"


def _done(message: str) -> Response:
    from urllib.parse import quote

    return RedirectResponse(f"/admin?done={quote(message)}", status_code=303)


@router.get("/admin")
def admin_page(request: Request, user: Current = Depends(allowed("admin")),
               session: Session = Depends(db)) -> Response:
    done = request.query_params.get("done", "")[:200] or None
    return _page(request, user, session, message=done)


@router.post("/admin/users")
def user_add(request: Request, user: Current = Depends(posting("admin")),
             session: Session = Depends(db),
             form: FormData = Depends(posted_form)) -> Response:
    name, role = form_text(form, "name", 64), form_text(form, "role", 16)
    sites = [s for s in form.getlist("sites") if isinstance(s, str)]
    password = form.get("password")
    if not name or not isinstance(password, str):
        return _page(request, user, session, error="Give the user's name and a password.")
    _reason(session, form)
    try:
        add_user(session, user.actor, name, role=role, password=password, sites=sites)
    except InputError as exc:
        session.rollback()
        return _page(request, user, session, error=str(exc))
    return _done(f"User {name} added.")


@router.post("/admin/users/update")
def user_update(request: Request, user: Current = Depends(posting("admin")),
                session: Session = Depends(db),
                form: FormData = Depends(posted_form)) -> Response:
    name, role = form_text(form, "name", 64), form_text(form, "role", 16) or None
    if not name:
        return _page(request, user, session, error="Choose a user.")
    active = form.get("active") == "on"
    if name == user.actor.name and (not active or (role not in (None, "admin"))):
        return _page(request, user, session, error="You cannot deactivate or demote yourself.")
    sites = [s for s in form.getlist("sites") if isinstance(s, str)]
    _reason(session, form)
    try:
        changed = update_user(session, user.actor, name, role=role,
                              sites=sites if role != "admin" else [], active=active)
    except InputError as exc:
        session.rollback()
        return _page(request, user, session, error=str(exc))
    if not active:
        n = revoke_user_sessions(session, changed.id)
        record_event(session, "sessions_revoked", entity="user", entity_key=str(changed.id),
                     detail=f"{n} session(s) of a deactivated user")
    return _done(f"User {name} updated.")


@router.post("/admin/users/password")
def user_password(request: Request, user: Current = Depends(posting("admin")),
                  session: Session = Depends(db),
                  form: FormData = Depends(posted_form)) -> Response:
    name, password = form_text(form, "name", 64), form.get("password")
    target = session.scalar(select(User).where(User.name == name)) if name else None
    if target is None or not isinstance(password, str):
        return _page(request, user, session, error="Choose a user and give the new password.")
    _reason(session, form)
    try:
        set_password(session, user.actor, target, password)
    except InputError as exc:
        session.rollback()
        return _page(request, user, session, error=str(exc))
    if target.name != user.actor.name:
        n = revoke_user_sessions(session, target.id)
        record_event(session, "sessions_revoked", entity="user", entity_key=str(target.id),
                     detail=f"{n} session(s) after a password reset")
    return _done(f"Password of {name} reset.")


@router.post("/admin/sites")
def site_add(request: Request, user: Current = Depends(posting("admin")),
             session: Session = Depends(db),
             form: FormData = Depends(posted_form)) -> Response:
    code, name = form_text(form, "code", 32), form_text(form, "site_name", 200)
    if not code:
        return _page(request, user, session, error="Give the site's code and name.")
    _reason(session, form)
    try:
        add_site(session, user.actor, code, name)
    except InputError as exc:
        session.rollback()
        return _page(request, user, session, error=str(exc))
    return _done(f"Site {code} added.")


@router.post("/admin/sessions/revoke")
def session_revoke(request: Request, user: Current = Depends(posting("admin")),
                   session: Session = Depends(db),
                   form: FormData = Depends(posted_form)) -> Response:
    token_hash = form_text(form, "id", 64)
    found = session.execute(select(web_sessions.c.user_id).where(
        web_sessions.c.token_hash == token_hash)).first() if token_hash else None
    if found is None:
        return _page(request, user, session, error="Choose a session.")
    revoke_session(session, token_hash)
    record_event(session, "session_revoked", entity="user", entity_key=str(found[0]),
                 detail="revoked by an administrator")
    return _done("Session revoked.")
