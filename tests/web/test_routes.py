"""Every route of the app, for every role and signed out, against ROUTE_PERMISSIONS.

The routes come from ``app.routes``: a new route missing from the table fails here.
"""

from __future__ import annotations

import re

import pytest

SAMPLE = {"site": "A", "patient_id": "A-001", "job_id": "sample-job-A",
          "name": "report.html"}


@pytest.fixture(autouse=True)
def sample_job(web_registry, tmp_path):
    """A finished analysis of site A (the ``job_id`` of SAMPLE), with a report file."""
    import datetime as dt

    from rtdelay.registry import AnalysisJob, User, cli_actor, open_registry

    out = tmp_path / "sample-job"
    out.mkdir()
    (out / "report.html").write_text("<p>report</p>")
    (out / "results.json").write_text("{}")
    reg = open_registry(web_registry)
    with reg.session(actor=cli_actor().name, write=True) as s:
        owner = s.query(User).filter_by(name="analyst").one()
        s.add(AnalysisJob(public_id=SAMPLE["job_id"], user_id=owner.id, site_ids=",1,",
                          source="registry", site_code="A", options="{}", status="done",
                          progress_percent=100, output_dir=str(out),
                          created_at=dt.datetime(2026, 1, 1)))
    reg.dispose()


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
    htmx = client.get("/static/htmx/htmx.min.js")  # from the django-js-lib-htmx package data
    assert htmx.status_code == 200 and "javascript" in htmx.headers["content-type"]
    assert "htmx" in htmx.text[:2000] and htmx.headers["X-Content-Type-Options"] == "nosniff"
    login = client.get("/login").text  # every page names its icon and style sheet as served
    for href in re.findall(r'<link rel="(?:icon|stylesheet)" href="([^"]+)"', login):
        assert client.get(href).status_code == 200, href
    icon = client.get("/static/favicon.svg")
    assert '<link rel="icon" href="/static/favicon.svg"' in login
    assert icon.headers["content-type"].startswith("image/svg+xml") and "<svg" in icon.text


@pytest.mark.parametrize("role", ["viewer", "entry", "analyst", "admin"])
def test_each_role_gets_what_the_table_says(make_client, web, role):
    from rtdelay.registry import PERMISSIONS
    from rtdelay.web import ROUTE_PERMISSIONS

    client = make_client()
    assert web.login(client, role).status_code == 303
    csrf = web.session_csrf(client)
    for method, path in _routes(client.app):
        needed = ROUTE_PERMISSIONS[(method, path)]
        if needed is None or path == "/logout" or path.startswith("/api/"):
            continue  # /api: bearer tokens only (test_api.py walks it with tokens)
        response = client.request(method, _url(path), headers={"X-CSRF-Token": csrf})
        expected_ok = needed in PERMISSIONS[role]
        # A permitted request without its parameters may be refused for them (400, 422).
        passed = response.status_code < 400 or (method != "GET" or "risk." in path) and (
            response.status_code in (400, 422))
        assert passed is expected_ok, (role, method, path, response)
        if not expected_ok:
            assert response.status_code == 403
