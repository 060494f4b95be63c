"""JSON API: bearer tokens (created by the CLI, hashed, revocable), roles route by route,
site scoping (404), imports with dry run, analyses queued and polled."""

from __future__ import annotations

import hashlib
import re

import pytest

pytest.importorskip("fastapi")

from web_jobs_helpers import bearer, make_registry, token_for  # noqa: E402

SAMPLE = {"patient_id": "A-001", "job_id": "sample-job-A"}


@pytest.fixture
def api(tmp_path):
    """(url, client) on a registry of sites A and B with a finished job of site A."""
    import datetime as dt

    from fastapi.testclient import TestClient

    from rtdelay.registry import AnalysisJob, User, cli_actor, open_registry
    from rtdelay.web import WebSettings, create_app

    url = make_registry(tmp_path / "reg.sqlite")
    out = tmp_path / "job"
    out.mkdir()
    (out / "report.html").write_text("<p>report</p>")
    (out / "results.json").write_text('{"flow": {"included": 0}}')
    reg = open_registry(url)
    with reg.session(actor=cli_actor().name, write=True) as s:
        owner = s.query(User).filter_by(name="analyst").one()
        s.add(AnalysisJob(public_id=SAMPLE["job_id"], user_id=owner.id, site_ids=",1,",
                          source="registry", site_code="A", options="{}", status="done",
                          progress_percent=100, output_dir=str(out),
                          created_at=dt.datetime(2026, 1, 1)))
    reg.dispose()
    app = create_app(url, settings=WebSettings(run_worker=False, jobs_dir=str(tmp_path / "j")))
    return url, TestClient(app, base_url="https://testserver", follow_redirects=False)


def _api_routes(app):
    from rtdelay.web import ROUTE_PERMISSIONS

    return [(m, p, perm) for (m, p), perm in ROUTE_PERMISSIONS.items()
            if p.startswith("/api/") and perm is not None]


def _url(path):
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: SAMPLE[m.group(1)], path)


@pytest.mark.parametrize("role", ["viewer", "entry", "analyst", "admin"])
def test_each_role_gets_what_the_table_says_with_a_token(api, role):
    from rtdelay.registry import PERMISSIONS

    url, client = api
    headers = bearer(token_for(url, role))
    for method, path, needed in _api_routes(client.app):
        response = client.request(method, _url(path), headers=headers)
        if needed in PERMISSIONS[role]:
            assert response.status_code not in (401, 403), (role, method, path, response)
            assert response.status_code < 500
            if method == "GET":
                assert response.status_code == 200, (role, method, path, response.text)
        else:
            assert response.status_code == 403, (role, method, path, response)
            assert response.json() == {"detail": "this role may not do that"}


def test_no_bad_or_revoked_token_is_401(api):
    from rtdelay.registry import ApiToken, cli_actor, open_registry, revoke_api_token

    url, client = api
    assert client.get("/api/v1/patients").status_code == 401
    assert client.get("/api/v1/patients", headers=bearer("rtd_nope")).status_code == 401
    assert client.get("/api/v1/patients",
                      headers={"Authorization": "Basic dXNlcjpwYXNz"}).status_code == 401
    token = token_for(url, "viewer")
    assert client.get("/api/v1/patients", headers=bearer(token)).status_code == 200
    reg = open_registry(url)
    with reg.session(actor="cli", write=True) as s:
        row = s.query(ApiToken).filter_by(token_hash=hashlib.sha256(token.encode())
                                          .hexdigest()).one()
        assert row.last_used_at is not None  # use is recorded
        assert token not in {r.token_hash for r in s.query(ApiToken)}  # only the hash is kept
        revoke_api_token(s, cli_actor(), row.id)
    reg.dispose()
    answer = client.get("/api/v1/patients", headers=bearer(token))
    assert answer.status_code == 401 and answer.json() == {"detail": "not signed in"}


def test_a_browser_session_is_not_accepted_by_the_api(api, web):
    url, client = api
    assert web.login(client, "analyst").status_code == 303
    csrf = web.session_csrf(client)
    for method, path in (("GET", "/api/v1/patients"), ("POST", "/api/v1/analyses")):
        answer = client.request(method, path, headers={"X-CSRF-Token": csrf},
                                json={"source": "registry", "site": "A"})
        assert answer.status_code == 401


def test_patients_are_scoped_to_the_sites(api):
    url, client = api
    viewer = bearer(token_for(url, "viewer"))
    listed = client.get("/api/v1/patients", headers=viewer).json()
    assert listed["total"] == 2 and {p["site"] for p in listed["items"]} == {"A"}
    assert client.get("/api/v1/patients/A-001", headers=viewer).json()["patient_id"] == "A-001"
    assert client.get("/api/v1/patients/B-001", headers=viewer).status_code == 404
    assert client.get("/api/v1/patients", params={"site": "B"},
                      headers=viewer).status_code == 404
    admin = bearer(token_for(url, "admin"))
    assert client.get("/api/v1/patients", headers=admin).json()["total"] == 3
    page = client.get("/api/v1/patients", params={"page_size": 1, "page": 2},
                      headers=admin).json()
    assert len(page["items"]) == 1 and page["page"] == 2
    assert client.get("/api/v1/patients/B-001", headers=admin).json()["site"] == "B"


def test_import_dry_run_gives_the_diff_then_commits(api):
    from registry_rows import make_rows

    url, client = api
    entry = bearer(token_for(url, "entry"))
    frame = make_rows(2)
    frame["patient_id"] = ["API-1", "API-2"]
    body = frame.to_csv(index=False).encode()
    dry = client.post("/api/v1/imports", params={"dry_run": "true"}, headers=entry,
                      files={"file": ("c.csv", body, "text/csv")})
    assert dry.status_code == 200, dry.text
    result = dry.json()
    assert result["new"] == 2 and result["committed"] is False and result["batch"] is None
    assert {r["patient_id"] for r in result["diff"]} == {"API-1", "API-2"}
    assert client.get("/api/v1/patients/API-1", headers=entry).status_code == 404
    done = client.post("/api/v1/imports", headers=entry,
                       files={"file": ("c.csv", body, "text/csv")}).json()
    assert done["committed"] is True and done["new"] == 2
    assert client.get("/api/v1/patients/API-1", headers=entry).status_code == 200
    bad = client.post("/api/v1/imports", headers=entry,
                      files={"file": ("c.csv", b"\x89PNG\r\n\x1a\n\x00", "text/csv")})
    assert bad.status_code == 415
    other = client.post("/api/v1/imports", params={"site": "B"}, headers=entry,
                        files={"file": ("c.csv", body, "text/csv")})
    ghost = client.post("/api/v1/imports", params={"site": "Z"}, headers=entry,
                        files={"file": ("c.csv", body, "text/csv")})
    assert other.status_code == ghost.status_code == 400  # another site is like no site
    assert other.json()["detail"] == ghost.json()["detail"].replace("'Z'", "'B'")
    none = client.post("/api/v1/imports", headers=entry, data={"x": "1"})
    assert none.status_code == 400


def test_analyses_queue_poll_and_fail_cleanly(api):
    from rtdelay.web._jobs import app_jobs_root, run_pending

    url, client = api
    analyst = bearer(token_for(url, "analyst"))
    assert client.post("/api/v1/analyses", headers=analyst,
                       json={"source": "registry", "site": "B"}).status_code == 404
    for body in ({"source": "file"}, [], {"source": "registry", "site": 3},
                 {"source": "registry", "options": {"n_boot": "x"}}):
        answer = client.post("/api/v1/analyses", headers=analyst, json=body)
        assert answer.status_code == 400 and isinstance(answer.json()["detail"], str)
    answer = client.post("/api/v1/analyses", content=b"x",
                         headers={**analyst, "Content-Type": "text/plain"})
    assert answer.status_code == 415
    queued = client.post("/api/v1/analyses", headers=analyst,
                         json={"source": "registry", "site": "A"})
    assert queued.status_code == 202
    job = queued.json()["id"]
    status = client.get(f"/api/v1/analyses/{job}", headers=analyst).json()
    assert status["status"] == "queued" and status["results"] is None
    assert client.get(f"/api/v1/analyses/{job}/report", headers=analyst).status_code == 404
    run_pending(client.app.state.registry, app_jobs_root(client.app))
    failed = client.get(f"/api/v1/analyses/{job}", headers=analyst).json()
    assert failed["status"] == "failed" and failed["results"] is None
    assert failed["error"].startswith("no eligible patient") and "\n" not in failed["error"]
    viewer_b = bearer(token_for(url, "viewer_b"))
    assert client.get(f"/api/v1/analyses/{job}", headers=viewer_b).status_code == 404


def test_token_create_prints_only_the_token(api):
    from typer.testing import CliRunner

    from rtdelay.cli import app

    url, client = api
    result = CliRunner().invoke(app, ["token", "create", "viewer", "--db", url])
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    assert result.stdout == token + "\n" and re.fullmatch(r"rtd_[A-Za-z0-9_-]{40,}", token)
    assert client.get("/api/v1/patients", headers=bearer(token)).status_code == 200
    missing = CliRunner().invoke(app, ["token", "create", "ghost", "--db", url])
    assert missing.exit_code != 0 and "ghost" in missing.output


def test_openapi_lists_only_the_api(api):
    url, client = api
    doc = client.get("/api/v1/openapi.json").json()
    assert set(doc["paths"]) == {"/api/v1/patients", "/api/v1/patients/{patient_id}",
                                 "/api/v1/imports", "/api/v1/analyses",
                                 "/api/v1/analyses/{job_id}",
                                 "/api/v1/analyses/{job_id}/report"}
    assert "HTTPBearer" in doc["components"]["securitySchemes"]
