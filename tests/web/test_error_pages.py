"""Error answers: a 500 and a "database busy" 503 carry the security headers, show a friendly
page (HTML) or a short JSON body (/api/), and never a traceback or the exception's text."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy.exc import OperationalError
from test_hardening import _check_headers
from web14a_helpers import foreign_scripts


def _locked() -> OperationalError:
    return OperationalError(
        "UPDATE patients SET age=? WHERE id=?",
        (70, 1),
        sqlite3.OperationalError("database is locked"),
    )


@pytest.fixture
def failing(web_registry, web):
    """A signed-in admin client of an app with routes made to fail."""
    from fastapi.testclient import TestClient

    from rtdelay.web import create_app

    app = create_app(web_registry)

    @app.get("/boom-for-test")
    def boom():
        raise RuntimeError("secret internals A-001")

    @app.get("/api/v1/boom-for-test")
    def api_boom():
        raise KeyError("secret internals A-001")

    @app.get("/busy-for-test")
    def busy():
        raise _locked()

    @app.post("/api/v1/busy-for-test")
    def api_busy():
        raise _locked()

    @app.get("/other-operational-for-test")
    def other():
        raise OperationalError("SELECT 1", (), sqlite3.OperationalError("disk I/O error"))

    client = TestClient(
        app, base_url="https://testserver", follow_redirects=False, raise_server_exceptions=False
    )
    web.login(client, "admin")
    return client


def _no_internals(response):
    text = response.text
    assert "Traceback" not in text and 'File "' not in text
    assert "secret internals" not in text and "A-001" not in text
    assert "RuntimeError" not in text and "KeyError" not in text
    assert "sqlalchemy" not in text.lower() and "UPDATE patients" not in text
    assert "disk I/O" not in text


def test_a_500_page_is_friendly_and_has_the_security_headers(failing):
    response = failing.get("/boom-for-test")
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("text/html")
    _check_headers(response, "500")
    assert "<h1>Something went wrong</h1>" in response.text
    assert foreign_scripts(response.text) == []
    _no_internals(response)


def test_a_500_under_the_api_is_json(failing):
    response = failing.get("/api/v1/boom-for-test")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/json"
    assert response.json()["detail"].startswith("Something went wrong")
    _check_headers(response, "api 500")
    _no_internals(response)


def test_a_locked_database_is_a_503_with_retry_after(failing):
    response = failing.get("/busy-for-test?page=2")
    assert response.status_code == 503
    assert response.headers["retry-after"] == "2"
    _check_headers(response, "503")
    assert "<h1>The registry is busy</h1>" in response.text
    assert "Try again in a few seconds" in response.text
    assert '<a href="/busy-for-test?page=2">Try again</a>' in response.text
    _no_internals(response)


def test_a_locked_database_under_the_api_is_a_json_503(failing):
    response = failing.post("/api/v1/busy-for-test")
    assert response.status_code == 503
    assert response.headers["retry-after"] == "2"
    assert response.json()["detail"].startswith("The registry is busy")
    _check_headers(response, "api 503")


def test_another_database_error_stays_a_500(failing):
    response = failing.get("/other-operational-for-test")
    assert response.status_code == 500
    assert "retry-after" not in response.headers
    _check_headers(response, "operational 500")
    _no_internals(response)


def test_a_busy_database_during_a_real_save_is_a_503(web_registry, web, monkeypatch):
    """The lock is not free when a patient is saved: the form answer is the busy page."""
    from fastapi.testclient import TestClient

    import rtdelay.web.routers.patients as patients
    from rtdelay.web import create_app

    client = TestClient(
        create_app(web_registry),
        base_url="https://testserver",
        follow_redirects=False,
        raise_server_exceptions=False,
    )
    web.login(client, "entry")
    token = web.session_csrf(client)

    def locked(*args, **kwargs):
        raise _locked()

    monkeypatch.setattr(patients, "update_patient", locked)
    response = client.post(
        "/patients/A/A-001/edit",
        data={"csrf_token": token, "age": "62", "reason": "test", "version": "1"},
    )
    assert response.status_code == 503
    assert response.headers["retry-after"] == "2"
    assert "Go back and send the form again" in response.text
    _check_headers(response, "save 503")



def test_error_pages_keep_the_navigation_of_the_signed_in_user(failing):
    """A 404 or 500 met while signed in shows the usual navigation (and sign-out), not a dead
    end; the anonymous error page has none."""
    from fastapi import Depends

    from rtdelay.web._deps import allowed

    @failing.app.get("/boom-signed-in-for-test")
    def boom_signed_in(user=Depends(allowed("read"))):
        raise RuntimeError("secret internals")

    for path, status in (("/patients/B/no-such-patient", 404), ("/boom-signed-in-for-test", 500)):
        answer = failing.get(path)
        assert answer.status_code == status
        assert "Sign out" in answer.text and "admin (admin)" in answer.text
        assert 'href="/patients"' in answer.text
    failing.cookies.clear()
    anonymous = failing.get("/boom-for-test")
    assert anonymous.status_code == 500 and "Sign out" not in anonymous.text
