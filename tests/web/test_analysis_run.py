"""One real analysis (the synthetic demo cohort, uploaded through the API) seen through the
API and the pages: status and results, the report (sandboxed), downloads, site scoping."""

from __future__ import annotations

import io
import json
import re
import zipfile

import pytest

pytest.importorskip("fastapi")

from web14a_helpers import foreign_scripts  # noqa: E402
from web_jobs_helpers import PASSWORD, bearer, demo_bytes, make_registry, token_for  # noqa: E402


@pytest.fixture(scope="module")
def done(tmp_path_factory):
    """(client factory, job id, tokens): one finished upload analysis by analyst (site A)."""
    from fastapi.testclient import TestClient

    from rtdelay.web import WebSettings, create_app
    from rtdelay.web._jobs import app_jobs_root, run_pending

    base = tmp_path_factory.mktemp("run")
    url = make_registry(base / "reg.sqlite")
    tokens = {n: token_for(url, n) for n in ("analyst", "viewer", "viewer_b", "admin")}
    settings = WebSettings(run_worker=False, jobs_dir=str(base / "jobs"))
    app = create_app(url, settings=settings)

    def client():
        return TestClient(app, base_url="https://testserver", follow_redirects=False)

    api = client()
    answer = api.post("/api/v1/analyses", headers=bearer(tokens["analyst"]),
                      files={"file": ("demo.csv", demo_bytes(), "text/csv")},
                      data={"options": json.dumps({"beyond": False})})
    assert answer.status_code == 202, answer.text
    job = answer.json()["id"]
    queued = api.get(f"/api/v1/analyses/{job}", headers=bearer(tokens["analyst"])).json()
    assert queued["status"] == "queued" and queued["results"] is None
    assert run_pending(app.state.registry, app_jobs_root(app)) == 1
    return client, job, tokens


def _login(client, name):
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    assert client.post("/login", data={"username": name, "password": PASSWORD,
                                       "csrf_token": token}).status_code == 303


def test_api_status_gives_the_results_document(done):
    client, job, tokens = done
    body = client().get(f"/api/v1/analyses/{job}", headers=bearer(tokens["viewer"])).json()
    assert body["status"] == "done" and body["error"] is None and body["percent"] == 100
    results = body["results"]
    assert results["flow"]["included"] == 89  # the demo cohort: 104 rows, 89 eligible
    assert results["synthetic"] is False  # an uploaded file: the service does not guess
    report = client().get(f"/api/v1/analyses/{job}/report", headers=bearer(tokens["admin"]))
    assert report.status_code == 200 and report.headers["content-type"].startswith("text/html")
    assert "sandbox" in report.headers["content-security-policy"]


def test_other_sites_get_404_everywhere(done):
    client, job, tokens = done
    c = client()
    assert c.get(f"/api/v1/analyses/{job}", headers=bearer(tokens["viewer_b"])).status_code == 404
    assert c.get(f"/api/v1/analyses/{job}/report",
                 headers=bearer(tokens["viewer_b"])).status_code == 404
    _login(c, "viewer_b")
    for path in ("", "/report", "/outputs.zip", "/files/results.json"):
        assert c.get(f"/analyses/{job}{path}").status_code == 404, path
    assert job not in c.get("/analyses").text


def test_job_page_report_and_downloads(done):
    client, job, _ = done
    c = client()
    _login(c, "viewer")  # viewers read the reports of their sites
    page = c.get(f"/analyses/{job}")
    assert page.status_code == 200
    text = page.text
    assert "done" in text and f'src="/analyses/{job}/report"' in text and "<iframe" in text
    assert 'http-equiv="refresh"' not in text  # finished: no more reloading
    assert foreign_scripts(text) == []
    report = c.get(f"/analyses/{job}/report")
    csp = report.headers["content-security-policy"]
    assert "sandbox" in csp and "script-src" not in csp and "frame-ancestors 'self'" in csp
    directives = dict((d.strip() + " ").split(" ", 1) for d in csp.split(";"))
    assert directives["default-src"].strip() == "'none'"  # so no script source at all
    assert "allow-scripts" not in directives["sandbox"]
    frame = re.search(r'<iframe class="report"[^>]*\ssandbox="([^"]*)"', text)
    assert frame and "allow-scripts" not in frame.group(1)
    assert text.index('class="report"') < text.index("Every output (zip)")  # report first
    assert report.headers["x-frame-options"] == "SAMEORIGIN"
    assert "<svg" in report.text and "<script" not in report.text.lower()
    docx = re.findall(rf'href="/analyses/{job}/files/(tables/[^"]+\.docx)"', text)
    assert docx, "each Word table is offered"
    word = c.get(f"/analyses/{job}/files/{docx[0]}")
    assert word.status_code == 200 and word.content[:2] == b"PK"
    assert "attachment" in word.headers["content-disposition"]
    pngs = re.findall(rf'href="/analyses/{job}/files/(figures/[^"]+\.png)"', text)
    assert pngs and c.get(f"/analyses/{job}/files/{pngs[0]}").content[:4] == b"\x89PNG"
    archive = zipfile.ZipFile(io.BytesIO(c.get(f"/analyses/{job}/outputs.zip").content))
    names = set(archive.namelist())
    assert {"report.html", "results.json", "cohort_included.csv"} <= names
    assert docx[0] in names and pngs[0] in names
    assert c.get(f"/analyses/{job}/files/../reg.sqlite").status_code == 404
    assert c.get(f"/analyses/{job}/files/%2e%2e/%2e%2e/reg.sqlite").status_code == 404


def test_downloads_are_audited(done):
    client, job, tokens = done
    from rtdelay.registry import audit_frame, cli_actor

    c = client()
    _login(c, "analyst")
    c.get(f"/analyses/{job}/outputs.zip")
    reg = c.app.state.registry
    with reg.session() as s:
        frame = audit_frame(s, cli_actor())
    rows = frame[(frame["action"] == "download") & (frame["entity_key"] == job)]
    assert len(rows) >= 1 and set(rows["actor"]) >= {"analyst"}
