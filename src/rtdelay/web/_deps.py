"""FastAPI dependencies: the registry session, the signed-in user, roles and CSRF."""

from __future__ import annotations

import asyncio
import hmac
import weakref
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Any

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from rtdelay.registry import Actor, Registry, actor_for
from rtdelay.web._sessions import WebSession, load_session, move_idle_clock, touch_session
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
    return request.method not in SAFE_METHODS and not request.url.path.startswith(
        OWN_TRANSACTION_PATHS
    )


_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
_GATES: weakref.WeakKeyDictionary[Any, asyncio.Lock] = weakref.WeakKeyDictionary()


async def posted_form(request: Request) -> FormData:
    """The posted form (read once; Starlette keeps it on the request).

    Route handlers that write take the form through this dependency and are plain ``def``
    functions, so that their database work runs in the thread pool: a handler blocked on the
    registry on the event loop would stop every other request, including the one holding the
    write lock (a stall of the whole server until SQLite's busy timeout).
    """
    return await request.form()


async def write_turn(request: Request) -> AsyncIterator[None]:
    """State-changing requests take turns, first come first served, before their transaction.

    The form is read first (a slow client never holds the write lock), then the request waits
    on an ``asyncio.Lock`` of its event loop, which wakes the next writer as soon as the last
    one has committed. Waiting costs no thread, unlike SQLite's busy handler, which polls with
    sleeps of up to 100 ms while holding a thread of the pool. Other writers (the analysis
    worker, other processes, a reader's idle clock) still queue on the database lock.
    """
    if not _writes(request):
        yield
        return
    if request.headers.get("content-type", "").split(";")[0].strip().lower() in _FORM_TYPES:
        await request.form()
    loop = asyncio.get_running_loop()
    gate = _GATES.get(loop)
    if gate is None:
        gate = _GATES[loop] = asyncio.Lock()
    async with gate:
        yield


def db(request: Request, _turn: None = Depends(write_turn)) -> Iterator[Session]:
    """One registry transaction per request, committed at the end. A state-changing request
    takes the write lock at its start (SQLite ``BEGIN IMMEDIATE``), after its turn
    (:func:`write_turn`): concurrent writers queue instead of failing on a read snapshot
    another writer made stale (``database is locked``)."""
    with registry(request).session(write=_writes(request)) as session:
        yield session


def idle_clock(request: Request) -> None:
    """Move a reader's idle clock, in short transactions of its own, before the request's own
    transaction opens (a dependency of :func:`current` declared before ``db``).

    A write in a reader's transaction would fail on SQLite's stale read snapshots when pages run
    concurrently. Done before ``db`` checks out the request's connection, a page does not hold one
    pooled connection while it waits for another (pool exhaustion under load).

    The process remembers, per session, when its clock is next due (``app.state.idle_due``; see
    :func:`rtdelay.web._sessions.move_idle_clock`).
    """
    token = request.cookies.get(COOKIE)
    if not token or _writes(request):
        return
    memo = getattr(request.app.state, "idle_due", None)
    move_idle_clock(registry(request), token, settings(request), memo)


def current(
    request: Request, _clock: None = Depends(idle_clock), session: Session = Depends(db)
) -> Current:
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
    signed_in = Current(web, actor_for(session, web.user))
    request.state.current = signed_in  # error pages show the navigation of the signed-in user
    return signed_in


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
