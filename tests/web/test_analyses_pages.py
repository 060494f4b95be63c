"""The analyses pages without running the study: the form, queueing, limits, progress page."""

from __future__ import annotations

import re

import pytest
from web14a_helpers import foreign_scripts

pytest.importorskip("fastapi")


@pytest.fixture
def client_of(make_client):
    from rtdelay.web import WebSettings

    def make(name, web, **settings):
        client = make_client(WebSettings(run_worker=False, **settings))
        assert web.login(client, name).status_code == 303
        return client, web.session_csrf(client)

    return make


def test_viewer_reads_but_cannot_run(client_of, web):
    client, csrf = client_of("viewer", web)
    page = client.get("/analyses")
    assert page.status_code == 200 and "Run the analysis" not in page.text
    assert client.post("/analyses", data={"csrf_token": csrf}).status_code == 403


def test_post_needs_the_csrf_token(client_of, web):
    client, _ = client_of("analyst", web)
    assert client.post("/analyses", data={"source": "registry"}).status_code == 403
    assert client.post("/analyses", data={"source": "registry",
                                          "csrf_token": "forged"}).status_code == 403


def test_queue_from_the_registry_and_follow_the_job(client_of, web):
    client, csrf = client_of("analyst", web)
    answer = client.post("/analyses", data={"csrf_token": csrf, "source": "registry",
                                            "site": "A"})
    assert answer.status_code == 303, re.findall("error.*", answer.text)
    location = answer.headers["location"]
    assert re.fullmatch(r"/analyses/[A-Za-z0-9_-]+", location)
    page = client.get(location)
    assert page.status_code == 200
    assert 'http-equiv="refresh"' in page.text and "queued" in page.text
    assert foreign_scripts(page.text) == []
    assert "registry, site A" in client.get("/analyses").text
    from rtdelay.web._jobs import app_jobs_root, run_pending

    run_pending(client.app.state.registry, app_jobs_root(client.app))
    page = client.get(location)  # two patients only: the study cannot run
    assert "failed" in page.text and "no eligible patient" in page.text
    assert 'http-equiv="refresh"' not in page.text
    assert client.get(location + "/report").status_code == 404
    assert client.get(location + "/outputs.zip").status_code == 404


def test_other_site_and_bad_options_are_refused(client_of, web):
    client, csrf = client_of("analyst", web)
    assert client.post("/analyses", data={"csrf_token": csrf, "source": "registry",
                                          "site": "B"}).status_code == 404
    answer = client.post("/analyses", data={"csrf_token": csrf, "date_order": "ydm"})
    assert answer.status_code == 400 and "dmy, mdy or ymd" in answer.text
    answer = client.post("/analyses", data={"csrf_token": csrf, "source": "upload"})
    assert answer.status_code == 400 and "choose a cohort file" in answer.text


def test_upload_too_large_or_not_a_table(client_of, web, tmp_path):
    client, csrf = client_of("analyst", web, max_upload_bytes=1000,
                             jobs_dir=str(tmp_path / "jobs"))
    big = client.post("/analyses", data={"csrf_token": csrf, "source": "upload"},
                      files={"file": ("big.csv", b"a,b\n" * 1000, "text/csv")})
    assert big.status_code == 413 and "larger than the limit" in big.text
    fake = client.post("/analyses", data={"csrf_token": csrf, "source": "upload"},
                       files={"file": ("cohort.csv", b"\x89PNG\r\n\x1a\n\x00\x00", "text/csv")})
    assert fake.status_code == 415 and "a PNG image, not a csv" in fake.text
    assert list((tmp_path / "jobs" / "uploads").iterdir()) == []
    ok = client.post("/analyses", data={"csrf_token": csrf, "source": "upload"},
                     files={"file": ("mine.csv", b"patient_id,age\nX,1\n", "text/csv")})
    assert ok.status_code == 303
    assert "file mine.csv" in client.get(ok.headers["location"]).text


def test_xss_in_a_file_name_is_escaped(client_of, web, tmp_path):
    client, csrf = client_of("analyst", web, jobs_dir=str(tmp_path / "jobs"))
    ok = client.post("/analyses", data={"csrf_token": csrf, "source": "upload"},
                     files={"file": (web.XSS + ".csv", b"patient_id\nX\n", "text/csv")})
    page = client.get(ok.headers["location"]).text
    assert web.XSS not in page and "&lt;script&gt;" in page


def test_the_dashboard_lists_the_last_analyses_the_user_may_see(client_of, web):
    client, csrf = client_of("analyst", web)
    assert "No analysis yet." in client.get("/").text
    answer = client.post("/analyses", data={"csrf_token": csrf, "source": "registry", "site": "A"})
    assert answer.status_code == 303
    location = answer.headers["location"]
    dashboard = client.get("/").text
    assert f'href="{location}"' in dashboard and "queued" in dashboard and "registry (A)" in dashboard
