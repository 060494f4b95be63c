"""FastAPI dependencies: the registry session, the signed-in user, roles and CSRF."""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from rtdelay.registry import Actor, Registry, actor_for
from rtdelay.web._sessions import WebSession, load_session, touch_due, touch_session
from rtdelay.web._settings import WebSettings

COOKIE = "rtdelay_session"


class LoginRequired(Exception):
    """No live session: pages redirect to /login, the API answers 401."""


class Forbidden(Exception):
    """The role lacks the permission: 403."""


@dataclass(frozen=True)
class Current:
    """The signed-in user of a request."""

    web: WebSession
    actor: Actor


def registry(request: Request) -> Registry:
    reg: Registry = request.app.state.registry
    return reg


def settings(request: Request) -> WebSettings:
    conf: WebSettings = request.app.state.settings
    return conf


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# State-changing routes that write in transactions of their own (rtdelay.registry.import_table;
# the JSON API): their request transaction stays a reader.
OWN_TRANSACTION_PATHS = ("/imports", "/api/")


def _writes(request: Request) -> bool:
    return (request.method not in SAFE_METHODS
            and not request.url.path.startswith(OWN_TRANSACTION_PATHS))


def db(request: Request) -> Iterator[Session]:
    """One registry transaction per request, committed at the end. A state-changing request
    takes the write lock at its start (SQLite ``BEGIN IMMEDIATE``): concurrent writers queue
    instead of failing on a read snapshot another writer made stale (``database is locked``)."""
    with registry(request).session(write=_writes(request)) as session:
        yield session


def idle_clock(request: Request) -> None:
    """Move a reader's idle clock, in short transactions of its own, before the request's own
    transaction opens (a dependency of :func:`current` declared before ``db``).

    A write in a reader's transaction would fail on SQLite's stale read snapshots when pages run
    concurrently. Done before ``db`` checks out the request's connection, a page does not hold one
    pooled connection while it waits for another (pool exhaustion under load).
    """
    token = request.cookies.get(COOKIE)
    if not token or _writes(request):
        return
    conf = settings(request)
    reg = registry(request)
    with reg.session() as peek:
        due = touch_due(peek, token, conf)
    if due:
        with reg.session(write=True) as clock:
            touch_session(clock, token, conf)


def current(request: Request, _clock: None = Depends(idle_clock),
            session: Session = Depends(db)) -> Current:
    token = request.cookies.get(COOKIE)
    if not token:
        raise LoginRequired()
    conf = settings(request)
    if _writes(request):
        touch_session(session, token, conf)  # the request's transaction holds the write lock
    web = load_session(session, token, conf)
    if web is None:
        raise LoginRequired()
    session.info["actor"] = web.user.name
    return Current(web, actor_for(session, web.user))


def allowed(permission: str) -> Callable[..., Current]:
    """Dependency: the current user, who must hold ``permission`` (see PERMISSIONS)."""

    def check(user: Current = Depends(current)) -> Current:
        if not user.actor.can(permission):
            raise Forbidden()
        return user

    return check


async def csrf_checked(request: Request, user: Current = Depends(current)) -> Current:
    """The synchronizer token of the session must come back (form field or header)."""
    sent: Any = request.headers.get("x-csrf-token")
    if sent is None:
        form = await request.form()
        sent = form.get("csrf_token")
    if not isinstance(sent, str) or not hmac.compare_digest(sent, user.web.csrf_token):
        raise Forbidden()
    return user
