"""No patient data in the logs: a whole session on a live server (rtdelay serve's uvicorn
configuration) with the rtdelay, uvicorn and SQLAlchemy loggers at DEBUG, then the captured
log is searched for a patient's identifier, one of its values and the password."""

from __future__ import annotations

import logging
import re

import pytest
from web_live import PASSWORD, build_registry, live_server

pytest.importorskip("uvicorn")

PROBE_ID = "LOGPROBE-7731"
LOGGERS = ("rtdelay", "uvicorn", "uvicorn.access", "uvicorn.error", "sqlalchemy")


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.name} {record.getMessage()}")
        if record.exc_info:
            self.lines.append(logging.Formatter().formatException(record.exc_info))


@pytest.fixture
def captured():
    handler = _Collect()
    saved = [(logging.getLogger(name), logging.getLogger(name).level) for name in LOGGERS]
    yield handler
    for logger, level in saved:
        logger.removeHandler(handler)
        logger.setLevel(level)


def _debug(handler: logging.Handler) -> None:
    """Every logger at DEBUG into ``handler`` (after uvicorn configured its own loggers, which
    drops the handlers they had)."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        logger.setLevel(logging.DEBUG)
        if handler not in logger.handlers:
            logger.addHandler(handler)


def _csrf(text: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', text).group(1)


def test_a_session_leaves_no_patient_data_in_the_logs(tmp_path, captured):
    import httpx
    from registry_rows import make_rows

    from rtdelay.web import create_app

    rows = make_rows(2)
    value = str(rows.iloc[1]["surgery_date"])[:10]  # the probe patient's date of surgery
    url = build_registry(tmp_path / "reg.sqlite",
                         patients=(("A", "A-001", 61), ("A", PROBE_ID, 73)))
    app = create_app(url)
    with live_server(app, log_level="debug") as base:
        _debug(captured)
        with httpx.Client(base_url=base, follow_redirects=True, timeout=30) as client:
            page = client.get("/login")
            client.post("/login", data={"username": "entry", "password": "wrong " + PASSWORD,
                                        "csrf_token": _csrf(page.text)})
            page = client.get("/login")
            signed = client.post("/login", data={"username": "entry", "password": PASSWORD,
                                                 "csrf_token": _csrf(page.text)})
            assert signed.status_code == 200 and "Dashboard" in signed.text
            assert PROBE_ID in client.get("/patients", params={"q": PROBE_ID}).text
            record = client.get(f"/patients/A/{PROBE_ID}")
            assert record.status_code == 200 and value in record.text
            client.get("/patients/A/NOT-THERE")
            client.post("/logout", data={"csrf_token": _csrf(record.text)})
    log = "\n".join(captured.lines)
    # the capture worked: SQL statements and access lines were logged at these levels
    assert "SELECT" in log and "uvicorn.access" in log and "/patients/…" in log
    assert PROBE_ID not in log
    assert value not in log
    assert PASSWORD not in log
    assert "NOT-THERE" not in log


@pytest.mark.parametrize(("path", "logged"), [
    ("/patients/A/P000123", "/patients/…"),
    ("/patients?q=P0001&page=2", "/patients?…"),
    ("/api/v1/patients/P000123", "/api/…"),
    ("/analyses/abc/files/tables/table1.docx", "/analyses/…"),
    ("/", "/"),
    ("/login", "/login"),
    ("/static/style.css", "/static/style.css"),
])
def test_access_log_paths_are_cut_after_their_first_segment(path, logged):
    from rtdelay.web._logging import RedactPaths

    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1,
                               '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:5000", "GET", path, "1.1", 200), None)
    assert RedactPaths().filter(record)
    assert record.getMessage() == f'127.0.0.1:5000 - "GET {logged} HTTP/1.1" 200'
