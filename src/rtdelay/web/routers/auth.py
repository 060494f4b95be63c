"""Sign-in and sign-out: argon2id via the registry, database sessions, lockout, CSRF."""

from __future__ import annotations

import hmac
import secrets
import time

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from rtdelay.registry import User, authenticate, record_event
from rtdelay.web._deps import COOKIE, Current, Forbidden, csrf_checked, db, registry, settings
from rtdelay.web._sessions import revoke_session, start_session

router = APIRouter()
PERMISSIONS: dict[tuple[str, str], str | None] = {
    ("GET", "/login"): None,
    ("POST", "/login"): None,
    ("POST", "/logout"): "read",
}
LOGIN_CSRF = "rtdelay_login_csrf"


def _cookie(request: Request, response: Response, name: str, value: str) -> None:
    response.set_cookie(name, value, httponly=True, samesite="strict",
                        secure=request.url.scheme == "https", path="/")


@router.get("/login")
def login_page(request: Request) -> Response:
    token = secrets.token_urlsafe(32)
    response = request.app.state.templates.TemplateResponse(
        request, "login.html", {"csrf_token": token, "error": None})
    _cookie(request, response, LOGIN_CSRF, token)
    return response


def _locked(request: Request, name: str) -> bool:
    conf = settings(request)
    now = time.monotonic()
    recent = [t for t in request.app.state.failures.get(name, []) if now - t < conf.lockout_s]
    request.app.state.failures[name] = recent
    return len(recent) >= conf.max_failures


@router.post("/login")
def login(
    request: Request,
    username: str = Form(...),
    password: str = Form(...),
    csrf_token: str = Form(...),
) -> Response:
    sent = request.cookies.get(LOGIN_CSRF, "")
    if not sent or not hmac.compare_digest(sent, csrf_token):
        raise Forbidden()
    name = username[:64]
    # A sign-in writes (session row, audit events): its transaction takes the write lock at
    # the start, so concurrent sign-ins queue instead of failing on a stale read snapshot.
    with registry(request).session(actor=name, write=True) as session:
        return _sign_in(request, session, name, password)


def _sign_in(request: Request, session: Session, name: str, password: str) -> Response:
    if _locked(request, name):
        record_event(session, "login_locked", entity="user", entity_key=name, actor=name)
        return _failed(request, "Too many failed sign-ins: try again later.", 429)
    actor = authenticate(session, name, password)
    if actor is None:
        request.app.state.failures.setdefault(name, []).append(time.monotonic())
        return _failed(request, "Unknown user or wrong password.", 401)
    request.app.state.failures.pop(name, None)
    user = session.scalar(select(User).where(User.name == name))
    assert user is not None
    token, _ = start_session(session, user)
    response = RedirectResponse("/", status_code=303)
    _cookie(request, response, COOKIE, token)
    response.delete_cookie(LOGIN_CSRF, path="/")
    return response


def _failed(request: Request, message: str, status: int) -> Response:
    token = secrets.token_urlsafe(32)
    response = request.app.state.templates.TemplateResponse(
        request, "login.html", {"csrf_token": token, "error": message}, status_code=status)
    _cookie(request, response, LOGIN_CSRF, token)
    return response


@router.post("/logout")
def logout(user: Current = Depends(csrf_checked), session: Session = Depends(db)) -> Response:
    revoke_session(session, user.web.token_hash)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response
