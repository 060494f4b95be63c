"""Error answers: a friendly page (HTML) or a short JSON body (/api/), never a traceback.

A registry too busy to take a lock (:class:`~rtdelay.registry.BusyError`: SQLite ``database is
locked``; or a PostgreSQL lock timeout or deadlock) is a 503 with ``Retry-After``: the request changed nothing and may be sent again.
Any other unhandled exception is a 500. Both carry the security headers: the handler of
:class:`Exception` runs outside the middleware that adds them to every other answer.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import OperationalError

from rtdelay.registry import BusyError, NotFoundError
from rtdelay.web._deps import Forbidden

__all__ = ["install_error_handlers", "is_busy", "RETRY_AFTER_SECONDS"]

LOG = logging.getLogger("rtdelay.web")
RETRY_AFTER_SECONDS = 2
# Messages of the database's "a lock could not be taken in time" errors (lower case).
_BUSY = (
    "database is locked",
    "database table is locked",
    "lock timeout",
    "deadlock detected",
    "could not obtain lock",
    "could not serialize access",
)

_TEXT = {
    403: ("Not allowed", "Your role may not open this page or do this."),
    404: ("Not found", "There is nothing here, or it belongs to a site you do not see."),
    500: (
        "Something went wrong",
        "The server could not answer this request. Nothing was "
        "changed by it. If it happens again, tell the administrator the time it happened.",
    ),
    503: (
        "The registry is busy",
        "Other people are saving changes right now, so the server "
        "could not take its turn. Nothing was changed. Try again in a few seconds.",
    ),
}


def is_busy(exc: BaseException) -> bool:
    """Whether ``exc`` is the database's "busy: the lock was not free in time" error (the
    registry's :class:`~rtdelay.registry.BusyError`, or SQLAlchemy's error where a query ran
    outside a registry session)."""
    if isinstance(exc, BusyError):
        return True
    if not isinstance(exc, OperationalError):
        return False
    text = str(exc.orig if exc.orig is not None else exc).lower()
    return any(marker in text for marker in _BUSY)


def error_response(
    request: Request, status: int, *, headers: Mapping[str, str] | None = None
) -> Response:
    """The error answer of ``status``: JSON under /api/, else the error page."""
    title, text = _TEXT[status]
    extra = dict(headers or {})
    query = request.url.query
    again = request.url.path + (f"?{query}" if query else "") if request.method == "GET" else None
    if request.url.path.startswith("/api/"):
        return JSONResponse({"detail": f"{title}: {text}"}, status_code=status, headers=extra)
    templates = request.app.state.templates
    signed_in = getattr(request.state, "current", None)  # set by rtdelay.web._deps.current
    response: Response = templates.TemplateResponse(
        request,
        "error.html",
        {
            "status": status,
            "title": title,
            "text": text,
            "retry": status == 503,
            "user": signed_in.actor if signed_in is not None else None,
            "csrf_token": signed_in.web.csrf_token if signed_in is not None else "",
            "again": again,
        },
        status_code=status,
        headers=extra,
    )
    return response


def install_error_handlers(app: FastAPI, security_headers: Mapping[str, str]) -> None:
    """Answer 403, 404, 500 and 503 with :func:`error_response`."""

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> Response:
        return error_response(request, 403)

    @app.exception_handler(NotFoundError)
    async def not_found(request: Request, exc: NotFoundError) -> Response:
        return error_response(request, 404)

    def failed(request: Request, exc: Exception) -> Response:
        # The route's path template in the log, never the URL: it may hold a patient id.
        route: Any = request.scope.get("route")
        where = f"{request.method} {route.path if route is not None else '(no route)'}"
        if is_busy(exc):
            LOG.warning("registry busy: %s answered 503", where)
            status, extra = 503, {"Retry-After": str(RETRY_AFTER_SECONDS)}
        else:
            LOG.error("unhandled %s in %s: answered 500", type(exc).__name__, where)
            status, extra = 500, {}
        return error_response(request, status, headers={**security_headers, **extra})

    @app.exception_handler(OperationalError)
    async def operational(request: Request, exc: OperationalError) -> Response:
        return failed(request, exc)

    @app.exception_handler(BusyError)
    async def busy(request: Request, exc: BusyError) -> Response:
        return failed(request, exc)

    @app.exception_handler(Exception)
    async def unhandled(request: Request, exc: Exception) -> Response:
        return failed(request, exc)
