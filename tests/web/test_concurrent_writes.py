"""Concurrent saves on a live server (uvicorn, as ``rtdelay serve`` runs it).

Regression: a refused save (409, stale version) re-read the patient on the event loop while
another request held SQLite's write lock and needed the loop to commit: the whole server
stalled until the 60 s busy timeout (20 simulated users saw ReadTimeouts). Now write handlers
run in the thread pool and writers take turns on the loop without blocking it.
"""

from __future__ import annotations

import inspect
import re
import threading
import time

import httpx
from fastapi.routing import APIRoute
from web_live import PASSWORD, build_registry, live_server

from rtdelay.web import create_app

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_VERSION = re.compile(r'name="version" value="(\d+)"')


def _signed_in(base: str, name: str) -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=base, timeout=30)
    token = _CSRF.search(client.get("/login").text).group(1)
    answer = client.post("/login", data={"username": name, "password": PASSWORD, "csrf_token": token})
    assert answer.status_code == 303
    page = client.get("/patients/A/A-001").text
    return client, _CSRF.search(page).group(1)


def _stored_nrs(url: str) -> int | None:
    from rtdelay.registry import cli_actor, get_patient, open_registry

    reg = open_registry(url)
    with reg.session() as s:
        value = get_patient(s, cli_actor(), "A-001", site="A").nrs_pre
    reg.dispose()
    return None if value is None else int(value)


def test_conflicting_saves_from_many_users_never_stall_the_server(tmp_path):
    url = build_registry(tmp_path / "reg.sqlite")
    app = create_app(url)
    with live_server(app) as base:
        first = httpx.get(f"{base}/login")  # server up
        assert first.status_code == 200
        clients = [_signed_in(base, "entry") for _ in range(12)]
        version = int(_VERSION.search(clients[0][0].get("/patients/A/A-001").text).group(1))
        stored = _stored_nrs(url)
        values = [v for v in range(11) if v != stored]  # every save changes the record
        statuses: list[int | str] = []
        lock = threading.Lock()

        def save(client: httpx.Client, csrf: str, i: int) -> None:
            for k in range(3):  # everyone posts on the same (soon stale) version: conflicts
                data = {"csrf_token": csrf, "version": str(version), "nrs_pre": str(values[(i + k) % 10]),
                        "reason": f"concurrent {i}.{k}"}
                try:
                    status: int | str = client.post("/patients/A/A-001/edit", data=data).status_code
                except httpx.HTTPError as exc:
                    status = type(exc).__name__
                with lock:
                    statuses.append(status)
                # a reader meanwhile: pages must keep answering
                client.get("/patients")

        threads = [threading.Thread(target=save, args=(c, t, i)) for i, (c, t) in enumerate(clients)]
        start = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        spent = time.monotonic() - start
        for client, _ in clients:
            client.close()
    assert len(statuses) == 36
    assert set(statuses) <= {303, 409}, statuses
    assert statuses.count(303) == 1  # one save on that version wins, the rest are conflicts
    assert spent < 25, f"36 saves took {spent:.1f} s: the server stalled"


def test_state_changing_page_handlers_do_not_run_on_the_event_loop(tmp_path):
    """A handler that is a coroutine runs on the event loop: any registry call in it can wait
    for the write lock there and stop every request. Page handlers that post are plain
    functions; the two that stream an upload (async reads) hand their registry work to the
    thread pool, and the JSON API does the same (see routers/api.py)."""
    app = create_app(build_registry(tmp_path / "reg.sqlite"))
    streaming = {("/imports", "upload"), ("/analyses", "run_analysis"), ("/login", "login"),
                 ("/logout", "logout")}
    coroutines = []
    for route in app.routes:
        if not isinstance(route, APIRoute) or route.path.startswith("/api/"):
            continue
        if route.methods & {"POST", "PUT", "PATCH", "DELETE"} and inspect.iscoroutinefunction(route.endpoint):
            if (route.path, route.endpoint.__name__) not in streaming:
                coroutines.append(f"{sorted(route.methods)} {route.path} ({route.endpoint.__name__})")
    assert coroutines == []
