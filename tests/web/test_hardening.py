"""Security beyond the route walk: headers on every page, cookie flags, CSRF on every
state-changing route (walked from the app), lockout audited, timeouts on a moved clock,
revoked sessions, error pages without tracebacks."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from test_routes import _routes, _url

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def _audit(url):
    from rtdelay.registry import audit_frame, cli_actor, open_registry

    reg = open_registry(url)
    with reg.session() as s:
        frame = audit_frame(s, cli_actor())
    reg.dispose()
    return frame


def _check_headers(response, what):
    headers = response.headers
    csp = headers.get("content-security-policy", "")
    assert "frame-ancestors 'none'" in csp, what
    script = re.search(r"script-src ([^;]*)", csp)
    assert script and "'unsafe-inline'" not in script.group(1), what
    assert "unsafe-eval" not in csp, what
    assert headers.get("x-content-type-options") == "nosniff", what
    assert headers.get("referrer-policy") == "no-referrer", what


def test_security_headers_on_every_page_and_error_page(make_client, web):
    client = make_client()
    _check_headers(client.get("/login"), "/login")
    _check_headers(client.get("/"), "anonymous /")
    _check_headers(client.get("/static/style.css"), "static")
    web.login(client, "admin")
    seen = 0
    for method, path in _routes(client.app):
        if method == "GET":
            response = client.get(_url(path))
            _check_headers(response, path)
            seen += 1
    assert seen >= 3
    for path in ("/no-such-page", "/patients/A/nobody", "/patients?page=0"):
        response = client.get(path)
        assert response.status_code in (404, 422), path
        _check_headers(response, path)
    viewer = make_client()
    web.login(viewer, "viewer")
    for path in [p for m, p in _routes(viewer.app) if m == "GET"]:
        response = viewer.get(_url(path))
        _check_headers(response, f"viewer {path}")


def test_login_csrf_cookie_has_the_same_flags(make_client):
    client = make_client()
    cookie = [h for h in client.get("/login").headers.get_list("set-cookie")
              if "rtdelay_login_csrf=" in h][0]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Secure" in cookie


def test_every_state_changing_route_refuses_a_missing_or_wrong_csrf_token(make_client, web,
                                                                           web_registry):
    client = make_client()
    assert web.login(client, "admin").status_code == 303
    before = len(_audit(web_registry))
    unsafe = [(m, p) for m, p in _routes(client.app) if m in UNSAFE and p != "/login"]
    assert ("POST", "/logout") in unsafe
    for method, path in unsafe:
        url = _url(path)
        for headers, data in (({}, {}), ({"X-CSRF-Token": "forged"}, {}),
                              ({}, {"csrf_token": "forged"})):
            response = client.request(method, url, headers=headers, data=data or None)
            if path.startswith("/api/"):
                # the API takes bearer tokens, never the session cookie
                assert response.status_code in (401, 403), (method, path, headers, data)
            else:
                assert response.status_code == 403, (method, path, headers, data, response)
    assert client.get("/").status_code == 200  # still signed in: nothing was done
    assert len(_audit(web_registry)) == before, "a refused request changed the registry"


def test_lockout_is_audited_and_ends(make_client, web, web_registry, monkeypatch):
    import time

    from rtdelay.web import WebSettings

    client = make_client(WebSettings(max_failures=2, lockout_s=60))
    for _ in range(2):
        assert web.login(client, "analyst", "wrong").status_code == 401
    assert web.login(client, "analyst").status_code == 429
    frame = _audit(web_registry)
    locked = frame[frame["action"] == "login_locked"]
    assert len(locked) == 1
    assert web.PASSWORD not in frame.to_csv()  # no password in the audit trail
    later = time.monotonic() + 61
    monkeypatch.setattr(time, "monotonic", lambda: later)
    assert web.login(client, "analyst").status_code == 303  # the lockout has ended


def _clock(monkeypatch, at):
    import rtdelay.web._sessions as sessions

    monkeypatch.setattr(sessions, "_now", lambda: at[0])


def test_idle_timeout_ends_a_quiet_session_not_a_busy_one(make_client, web, monkeypatch):
    from rtdelay.web import WebSettings

    at = [dt.datetime(2026, 1, 5, 9, 0)]
    _clock(monkeypatch, at)
    client = make_client(WebSettings(idle_timeout_s=600, absolute_timeout_s=3600))
    web.login(client, "viewer")
    for _ in range(5):  # a request every 9 minutes keeps it alive
        at[0] += dt.timedelta(minutes=9)
        assert client.get("/").status_code == 200
    at[0] += dt.timedelta(minutes=11)
    assert client.get("/").status_code == 303


def test_idle_clock_is_read_once_per_interval(make_client, web, monkeypatch):
    """The process remembers when a session's idle clock is next due and does not read it
    before then (the session itself is still checked on every request)."""
    import rtdelay.web._sessions as sessions
    from rtdelay.web import WebSettings

    at = [dt.datetime(2026, 1, 5, 9, 0)]
    _clock(monkeypatch, at)
    reads = []
    real = sessions.touch_due_at
    monkeypatch.setattr(sessions, "touch_due_at", lambda *a: reads.append(at[0]) or real(*a))
    client = make_client(WebSettings(idle_timeout_s=600, absolute_timeout_s=3600))
    web.login(client, "viewer")
    for _ in range(4):  # the clock moves at most every 60 s (idle timeout / 10)
        at[0] += dt.timedelta(seconds=10)
        assert client.get("/").status_code == 200
    assert len(reads) == 1  # read at the first page (due 60 s after sign-in), then remembered
    at[0] += dt.timedelta(seconds=30)  # 70 s after sign-in: due, read, moved (read again
    assert client.get("/").status_code == 200  # in the write transaction)
    moved = dt.datetime(2026, 1, 5, 9, 1, 10)
    assert reads[1:] == [moved, moved]
    at[0] += dt.timedelta(seconds=30)
    assert client.get("/").status_code == 200
    assert len(reads) == 3


def test_idle_memo_forgets_past_entries_and_is_safe_from_threads(monkeypatch):
    import sys
    import threading

    import rtdelay.web._sessions as sessions

    monkeypatch.setattr(sessions, "MAX_REMEMBERED_SESSIONS", 4)
    now = dt.datetime(2026, 1, 5, 9, 0)
    past, later = now - dt.timedelta(seconds=1), now + dt.timedelta(seconds=60)
    memo = {"a": past, "b": later, "c": past, "d": later}
    sessions.remember(memo, "e", later, now)
    assert memo == {"b": later, "d": later, "e": later}  # the past ones forgotten
    memo.update(f=later)
    sessions.remember(memo, "g", later, now)
    assert memo == {"g": later}  # none past: all forgotten, the memo only saves reads

    monkeypatch.setattr(sessions, "MAX_REMEMBERED_SESSIONS", 50)
    memo, errors = {}, []

    def hammer(n):
        try:
            for i in range(2000):
                sessions.remember(memo, f"{n}-{i}", past if i % 2 else later, now)
        except Exception as exc:  # noqa: BLE001 - collected, asserted below
            errors.append(exc)

    threads = [threading.Thread(target=hammer, args=(n,)) for n in range(8)]
    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # threads switch often: a race would show
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(switch)
    assert errors == [] and len(memo) <= 50


def test_absolute_timeout_ends_even_a_busy_session(make_client, web, monkeypatch):
    from rtdelay.web import WebSettings

    at = [dt.datetime(2026, 1, 5, 9, 0)]
    _clock(monkeypatch, at)
    client = make_client(WebSettings(idle_timeout_s=600, absolute_timeout_s=3600))
    web.login(client, "viewer")
    for _ in range(6):
        at[0] += dt.timedelta(minutes=9)
        assert client.get("/").status_code == 200
    at[0] += dt.timedelta(minutes=9)  # 63 minutes after sign-in
    assert client.get("/").status_code == 303


@pytest.mark.parametrize("how", ["revoked", "deactivated"])
def test_revoked_session_or_deactivated_user_is_refused(make_client, web, web_registry, how):
    from sqlalchemy import select

    from rtdelay.registry import User, open_registry
    from rtdelay.web._sessions import revoke_user_sessions

    client = make_client()
    web.login(client, "entry")
    assert client.get("/").status_code == 200
    assert client.app.state.idle_due  # the idle clock is remembered: the session is not
    reg = open_registry(web_registry)
    with reg.session(actor="admin", write=True, reason="test") as s:
        user_id = s.scalar(select(User.id).where(User.name == "entry"))
        if how == "revoked":
            assert revoke_user_sessions(s, user_id) == 1
        else:
            s.get(User, user_id).active = False
    reg.dispose()
    assert client.get("/").status_code == 303
    assert client.get("/patients/A/A-001").status_code == 303


def test_error_pages_have_no_traceback(web_registry, web):
    from fastapi.testclient import TestClient

    from rtdelay.web import create_app

    app = create_app(web_registry)

    @app.get("/boom-for-test")
    def boom():
        raise RuntimeError("secret internals A-001")

    client = TestClient(app, base_url="https://testserver", follow_redirects=False,
                        raise_server_exceptions=False)
    web.login(client, "admin")
    responses = {
        "500": client.get("/boom-for-test"),
        "404": client.get("/no-such-page"),
        "404 patient": client.get("/patients/A/nobody"),
        "405": client.put("/patients"),
        "422": client.get("/patients?page=zero"),
    }
    assert responses["500"].status_code == 500
    for what, response in responses.items():
        text = response.text
        assert "Traceback" not in text and 'File "' not in text, what
        assert "secret internals" not in text and "RuntimeError" not in text, what
        assert "sqlalchemy" not in text.lower(), what
