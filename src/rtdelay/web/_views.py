"""Helpers the page routers share: rendering, the user's sites, plain form values."""

from __future__ import annotations

from typing import Any

from fastapi import Depends, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from rtdelay.registry import User, visible_site_ids
from rtdelay.web._deps import Current, Forbidden, csrf_checked

__all__ = ["render", "user_sites", "form_text", "posting", "MAX_REASON"]

MAX_REASON = 500


def render(request: Request, template: str, user: Current, /, status_code: int = 200,
           **context: Any) -> Response:
    """A template with the signed-in user and the CSRF token of the session."""
    context.update(user=user.actor, csrf_token=user.web.csrf_token)
    response: Response = request.app.state.templates.TemplateResponse(
        request, template, context, status_code=status_code)
    return response


def _sites_table() -> Any:
    return User.metadata.tables["sites"]


def user_sites(session: Session, user: Current) -> list[tuple[int, str, str]]:
    """(id, code, name) of the sites the user sees, by code."""
    ids = visible_site_ids(session, user.actor)
    if not ids:
        return []
    table = _sites_table()
    rows = session.execute(select(table.c.id, table.c.code, table.c.name)
                           .where(table.c.id.in_(ids)).order_by(table.c.code))
    return [(r[0], r[1], r[2]) for r in rows]


def form_text(form: Any, name: str, limit: int = 2000) -> str:
    """One text field of a submitted form, stripped and cut at ``limit`` ('' when absent)."""
    value = form.get(name)
    if not isinstance(value, str):
        return ""
    return value.strip()[:limit]


def posting(permission: str) -> Any:
    """Dependency of a state-changing route: the CSRF token must come back
    (:func:`rtdelay.web._deps.csrf_checked`) and the role must hold ``permission``."""

    def check(user: Current = Depends(csrf_checked)) -> Current:
        if not user.actor.can(permission):
            raise Forbidden()
        return user

    return check
