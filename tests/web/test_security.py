"""Security core of the web application: sessions, cookies, CSRF, lockout, headers, escaping."""

from __future__ import annotations

import html

import pytest


def test_login_sets_a_strict_httponly_secure_cookie_and_logout_revokes(make_client, web):
    client = make_client()
    response = web.login(client, "viewer")
    assert response.status_code == 303 and response.headers["location"] == "/"
    cookie = [h for h in response.headers.get_list("set-cookie") if "rtdelay_session=" in h][0]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Secure" in cookie
    stolen = client.cookies.get("rtdelay_session")
    assert client.get("/").status_code == 200
    csrf = web.session_csrf(client)
    assert client.post("/logout", data={"csrf_token": csrf}).status_code == 303
    other = make_client()
    other.cookies.set("rtdelay_session", stolen)
    assert other.get("/").status_code == 303  # revoked in the database


def test_cookie_is_not_secure_over_plain_http(web_registry, web):
    from fastapi.testclient import TestClient

    from rtdelay.web import create_app

    client = TestClient(create_app(web_registry), base_url="http://testserver",
                        follow_redirects=False)
    response = web.login(client, "viewer")
    cookie = [h for h in response.headers.get_list("set-cookie") if "rtdelay_session=" in h][0]
    assert "Secure" not in cookie


def test_wrong_password_and_unknown_user_are_refused_and_audited(make_client, web, web_registry):
    from rtdelay.registry import audit_frame, cli_actor, open_registry

    client = make_client()
    assert web.login(client, "viewer", "wrong password").status_code == 401
    assert web.login(client, "nobody", "wrong password").status_code == 401
    assert client.get("/").status_code == 303
    reg = open_registry(web_registry)
    with reg.session() as s:
        frame = audit_frame(s, cli_actor())
    reg.dispose()
    assert (frame["action"] == "login_failed").sum() == 2


def test_lockout_after_repeated_failures_even_with_the_right_password(make_client, web):
    from rtdelay.web import WebSettings

    client = make_client(WebSettings(max_failures=3, lockout_s=600))
    for _ in range(3):
        assert web.login(client, "entry", "wrong password").status_code == 401
    assert web.login(client, "entry").status_code == 429
    assert web.login(client, "viewer").status_code == 303  # another name is not locked


def test_idle_and_absolute_timeouts(make_client, web):
    from rtdelay.web import WebSettings

    client = make_client(WebSettings(idle_timeout_s=-1))
    assert web.login(client, "viewer").status_code == 303
    assert client.get("/").status_code == 303
    client = make_client(WebSettings(absolute_timeout_s=-1))
    assert web.login(client, "viewer").status_code == 303
    assert client.get("/").status_code == 303


def test_csrf_token_is_required_for_logout_and_login(make_client, web):
    client = make_client()
    web.login(client, "viewer")
    assert client.post("/logout").status_code == 403
    assert client.post("/logout", data={"csrf_token": "forged"}).status_code == 403
    assert client.post("/logout", headers={"X-CSRF-Token": "forged"}).status_code == 403
    assert client.get("/").status_code == 200  # still signed in
    csrf = web.session_csrf(client)
    assert client.post("/logout", headers={"X-CSRF-Token": csrf}).status_code == 303
    fresh = make_client()
    response = fresh.post("/login", data={"username": "viewer", "password": web.PASSWORD,
                                          "csrf_token": "forged"})
    assert response.status_code == 403


@pytest.mark.parametrize("path", ["/login", "/"])
def test_security_headers(make_client, web, path):
    client = make_client()
    web.login(client, "viewer")
    headers = client.get(path).headers
    csp = headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"


def test_patient_id_with_script_is_escaped(make_client, web):
    client = make_client()
    web.login(client, "admin")
    listing = client.get("/patients").text
    assert web.XSS not in listing and html.escape(web.XSS) in listing
    from urllib.parse import quote

    page = client.get(f"/patients/A/{quote(web.XSS, safe='')}")
    assert page.status_code == 200
    assert web.XSS not in page.text and html.escape(web.XSS) in page.text
