"""A registry with sites A and B, one user per role (site A; admin: all) and patients."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "registry"))
from registry_rows import make_rows  # noqa: E402  (valid cohort rows of the registry tests)

pytest.importorskip("fastapi")

PASSWORD = "correct horse battery"
ROLES = ("viewer", "entry", "analyst", "admin")
XSS = "<script>alert(1)</script>"


@pytest.fixture
def web_registry(tmp_path):
    from rtdelay.registry import add_site, add_user, cli_actor, create_patient, init_registry

    url = f"sqlite:///{tmp_path / 'reg.sqlite'}"
    reg, _ = init_registry(url)
    admin = cli_actor()
    with reg.session(actor=admin.name, write=True, reason="test setup") as s:
        add_site(s, admin, "A", "Hospital A")
        add_site(s, admin, "B", "Hospital B")
        for role in ROLES:
            add_user(s, admin, role, role=role, password=PASSWORD,
                     sites=[] if role == "admin" else ["A"])
        rows = make_rows(3)
        for i, (site, pid, age) in enumerate([("A", "A-001", 61), ("A", XSS, 70),
                                              ("B", "B-001", 55)]):
            row = {k: v for k, v in rows.iloc[i].to_dict().items() if v == v and v is not None}
            create_patient(s, admin, site, {**row, "patient_id": pid, "age": age})
    reg.dispose()
    return url


@pytest.fixture
def make_client(web_registry):
    from fastapi.testclient import TestClient

    from rtdelay.web import WebSettings, create_app

    def make(settings=None):
        return TestClient(create_app(web_registry, settings=settings or WebSettings()),
                          base_url="https://testserver", follow_redirects=False)

    return make


def login_csrf(client) -> str:
    page = client.get("/login")
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def login(client, name, password=PASSWORD):
    token = login_csrf(client)
    return client.post("/login", data={"username": name, "password": password,
                                       "csrf_token": token})


def session_csrf(client) -> str:
    page = client.get("/patients")
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


@pytest.fixture
def web():
    """The helpers above, for the test modules."""
    from types import SimpleNamespace

    return SimpleNamespace(login=login, login_csrf=login_csrf, session_csrf=session_csrf,
                           PASSWORD=PASSWORD, ROLES=ROLES, XSS=XSS)
