"""Every route of the app, for every role and signed out, against ROUTE_PERMISSIONS.

The routes come from ``app.routes``: a new route missing from the table fails here.
"""

from __future__ import annotations

import re

import pytest

SAMPLE = {"site": "A", "patient_id": "A-001"}


def _walk(routes):
    """APIRoutes, also inside included routers (FastAPI >= 0.12x wraps them; no prefixes here)."""
    from fastapi.routing import APIRoute

    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from _walk(inner.routes)


def _routes(app):
    found = []
    for route in _walk(app.routes):
        for method in sorted(route.methods - {"HEAD"}):
            found.append((method, route.path))
    return found


def _url(path):
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: SAMPLE[m.group(1)], path)


def test_every_route_is_in_the_permission_table(make_client):
    from rtdelay.web import ROUTE_PERMISSIONS

    routes = _routes(make_client().app)
    assert routes
    assert set(routes) == set(ROUTE_PERMISSIONS), "declare each route in ROUTE_PERMISSIONS"


def test_anonymous_is_sent_to_login_everywhere_but_login_and_static(make_client):
    from rtdelay.web import ROUTE_PERMISSIONS

    client = make_client()
    for method, path in _routes(client.app):
        response = client.request(method, _url(path))
        if ROUTE_PERMISSIONS[(method, path)] is None:
            assert response.status_code < 500, (method, path)
            continue
        if path.startswith("/api/"):
            assert response.status_code == 401, (method, path)
        else:
            assert response.status_code == 303, (method, path)
            assert response.headers["location"] == "/login", (method, path)
    assert client.get("/static/style.css").status_code == 200


@pytest.mark.parametrize("role", ["viewer", "entry", "analyst", "admin"])
def test_each_role_gets_what_the_table_says(make_client, web, role):
    from rtdelay.registry import PERMISSIONS
    from rtdelay.web import ROUTE_PERMISSIONS

    client = make_client()
    assert web.login(client, role).status_code == 303
    csrf = web.session_csrf(client)
    for method, path in _routes(client.app):
        needed = ROUTE_PERMISSIONS[(method, path)]
        if needed is None or path == "/logout":
            continue
        response = client.request(method, _url(path), headers={"X-CSRF-Token": csrf})
        expected_ok = needed in PERMISSIONS[role]
        assert (response.status_code < 400) is expected_ok, (role, method, path, response)
        if not expected_ok:
            assert response.status_code == 403
