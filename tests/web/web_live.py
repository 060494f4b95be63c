"""A live rtdelay web server on a loopback port (uvicorn in a thread), for the browser tests
and the log test. Imported by name (``import web_live``): see tests/web/conftest.py."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PASSWORD = "correct horse battery"
ROLES = ("viewer", "entry", "analyst", "admin")
XSS = "<script>alert(1)</script>"
# Breaks out of a double-quoted attribute if not escaped, with a handler that would fire.
XSS_ATTR = '"><img src=x onerror=alert(2)>'


def build_registry(path: Path, patients=(("A", "A-001", 61), ("A", XSS, 70),
                                         ("A", XSS_ATTR, 66), ("B", "B-001", 55))) -> str:
    """A SQLite registry at ``path``: sites A and B, one user per role (named after it; site A,
    admin all sites) and a few valid patients. Returns its URL."""
    from registry_rows import make_rows

    from rtdelay.registry import add_site, add_user, cli_actor, create_patient, init_registry

    url = f"sqlite:///{path}"
    reg, _ = init_registry(url)
    admin = cli_actor()
    with reg.session(actor=admin.name, write=True, reason="test setup") as s:
        add_site(s, admin, "A", "Hospital A")
        add_site(s, admin, "B", "Hospital B")
        for role in ROLES:
            add_user(s, admin, role, role=role, password=PASSWORD,
                     sites=[] if role == "admin" else ["A"])
        rows = make_rows(len(patients))
        for i, (site, pid, age) in enumerate(patients):
            row = {k: v for k, v in rows.iloc[i].to_dict().items() if v == v and v is not None}
            create_patient(s, admin, site, {**row, "patient_id": pid, "age": age})
    reg.dispose()
    return url


@contextmanager
def live_server(app, *, log_level: str = "warning") -> Iterator[str]:
    """Serve ``app`` as ``rtdelay serve`` does (its uvicorn configuration) on a free loopback
    port; yield the base URL; stop the server on exit."""
    import uvicorn

    from rtdelay.web import uvicorn_config

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn_config(app, host="127.0.0.1", port=port,
                                           log_level=log_level))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
