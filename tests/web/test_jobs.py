"""Analysis jobs: claim safety (threads, SQLite and PostgreSQL), scope, failures, uploads."""

from __future__ import annotations

import io
import json
import logging
import os
import threading
import uuid
import zipfile

import pytest

pytest.importorskip("fastapi")

from web_jobs_helpers import make_registry  # noqa: E402


@pytest.fixture
def reg_url(tmp_path):
    return make_registry(tmp_path / "reg.sqlite")


def _user(session, name):
    from rtdelay.registry import User

    return session.query(User).filter_by(name=name).one()


def _queue(url, name, n=1, **kwargs):
    from rtdelay.registry import open_registry
    from rtdelay.web._jobs import queue_job

    reg = open_registry(url)
    ids = []
    with reg.session(actor=name, write=True) as s:
        for _ in range(n):
            ids.append(queue_job(s, _user(s, name), **kwargs).public_id)
    reg.dispose()
    return ids


def _claim_race(url, n_jobs=12, n_workers=3):
    from rtdelay.registry import AnalysisJob, open_registry
    from rtdelay.web._jobs import claim_next

    _queue(url, "analyst", n_jobs, source="registry", site="A")
    claimed: dict[str, list[int]] = {}
    barrier = threading.Barrier(n_workers)

    def work(name):
        reg = open_registry(url)  # one engine (connection pool) per worker, as processes have
        barrier.wait()
        mine = claimed.setdefault(name, [])
        while (job_id := claim_next(reg, name)) is not None:
            mine.append(job_id)
        reg.dispose()

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(n_workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    every = [j for ids in claimed.values() for j in ids]
    assert len(every) == n_jobs and len(set(every)) == n_jobs  # each job once, none lost
    reg = open_registry(url)
    with reg.session() as s:
        rows = s.query(AnalysisJob).all()
        assert {r.status for r in rows} == {"running"}
        owner = {r.id: r.worker for r in rows}
    reg.dispose()
    for name, ids in claimed.items():
        assert all(owner[i] == name for i in ids)


def test_two_workers_never_take_the_same_job_sqlite(reg_url):
    _claim_race(reg_url)


@pytest.fixture
def pg_url():
    url = os.environ.get("RTDELAY_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("RTDELAY_TEST_POSTGRES_URL is not set")
    from sqlalchemy import create_engine, text

    schema = f"web14b_{uuid.uuid4().hex[:10]}"
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in url else "?"
    try:
        yield f"{url}{sep}options=-csearch_path%3D{schema}"
    finally:
        with engine.connect() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()


def test_two_workers_never_take_the_same_job_postgresql(pg_url):
    from registry_rows import make_rows  # noqa: F401  (same setup as SQLite, without patients)

    from rtdelay.registry import add_site, add_user, cli_actor, init_registry

    reg, _ = init_registry(pg_url)
    admin = cli_actor()
    with reg.session(actor=admin.name, write=True) as s:
        add_site(s, admin, "A", "Hospital A")
        add_user(s, admin, "analyst", role="analyst", password="x" * 10, sites=["A"])
    reg.dispose()
    _claim_race(pg_url, n_jobs=15, n_workers=3)


def test_scope_and_visibility(reg_url):
    from rtdelay.registry import NotFoundError, actor_for, open_registry
    from rtdelay.web._jobs import visible_job, visible_jobs

    [job_a] = _queue(reg_url, "analyst", source="registry", site="A")
    [job_all] = _queue(reg_url, "analyst_ab", source="registry")
    [job_admin] = _queue(reg_url, "admin", source="registry", site="B")
    reg = open_registry(reg_url)
    with reg.session() as s:
        def sees(name, job):
            try:
                visible_job(s, actor_for(s, _user(s, name)), job)
                return True
            except NotFoundError:
                return False

        assert sees("viewer", job_a) and sees("admin", job_a) and sees("analyst_ab", job_a)
        assert not sees("viewer_b", job_a) and not sees("analyst_b", job_a)
        # both sites' data: only users who see A and B
        assert sees("analyst_ab", job_all) and sees("admin", job_all)
        assert not sees("viewer", job_all) and not sees("viewer_b", job_all)
        assert sees("viewer_b", job_admin) and not sees("viewer", job_admin)
        assert not sees("viewer", "no-such-job")
        listed = {j.public_id for j in visible_jobs(s, actor_for(s, _user(s, "viewer")))}
        assert listed == {job_a}
    reg.dispose()


def test_queue_refuses_bad_requests(reg_url):
    from rtdelay.registry import NotFoundError, PermissionDeniedError
    from rtdelay.web._jobs import JobError

    with pytest.raises(NotFoundError):
        _queue(reg_url, "analyst", source="registry", site="B")  # not one of the user's sites
    with pytest.raises(PermissionDeniedError):
        _queue(reg_url, "viewer", source="registry", site="A")
    for options, match in (({"nboot": 1}, "unknown analysis option"),
                           ({"n_boot": 10}, "unknown analysis option"),
                           ({"beyond": "yes"}, "bool"), ({"beyond": 1}, "bool"),
                           ({"date_order": "ydm"}, "dmy")):
        with pytest.raises(JobError, match=match):
            _queue(reg_url, "analyst", source="registry", options=options)
    with pytest.raises(JobError, match="source"):
        _queue(reg_url, "analyst", source="ftp")


def _save(tmp_path, data: bytes, limit=1000):
    import asyncio

    from starlette.datastructures import UploadFile

    from rtdelay.web import WebSettings
    from rtdelay.web._job_files import save_upload

    upload = UploadFile(io.BytesIO(data), filename="x.csv")
    # In a thread of its own: playwright's sync API (tests/web/browser, earlier in the run)
    # leaves an event loop registered in the main thread, where asyncio.run() refuses to start.
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, save_upload(upload, tmp_path,
                                                    WebSettings(max_upload_bytes=limit))).result()


def test_upload_limit_and_type_by_content(tmp_path):
    from rtdelay.web._job_files import UploadRefused

    with pytest.raises(UploadRefused, match="larger than the limit") as exc:
        _save(tmp_path, b"a,b\n" * 400)
    assert exc.value.status == 413
    for data in (b"\x89PNG\r\n\x1a\n" + b"\x00" * 50, b"", b"PK\x03\x04garbage", b"\x7fELF\x00"):
        with pytest.raises(UploadRefused) as exc:
            _save(tmp_path, data)
        assert exc.value.status == (400 if data == b"" else 415)
    assert list((tmp_path / "uploads").iterdir()) == []  # nothing left behind
    assert _save(tmp_path, b"patient_id,age\nP1,60\n").name == "cohort.csv"
    book = io.BytesIO()
    with zipfile.ZipFile(book, "w") as z:
        z.writestr("[Content_Types].xml", "<x/>")
        z.writestr("xl/workbook.xml", "<x/>")
    assert _save(tmp_path, book.getvalue(), limit=10**6).name == "cohort.xlsx"
    assert _save(tmp_path, b"$FL2" + b"\x00" * 60).name == "cohort.sav"
    assert _save(tmp_path, b"PAR1" + b"\x00" * 8 + b"PAR1").name == "cohort.parquet"
    saved = _save(tmp_path, "patient_id,histology\nP1,réin\n".encode("latin-1"))
    assert saved.suffix == ".csv" and oct(saved.parent.stat().st_mode & 0o777) == "0o700"


def test_output_file_stays_inside_the_job_folder(tmp_path):
    from rtdelay.web._job_files import output_file

    out = tmp_path / "job"
    (out / "tables").mkdir(parents=True)
    (out / "tables" / "t.docx").write_bytes(b"x")
    (tmp_path / "secret.txt").write_text("no")
    assert output_file(str(out), "tables/t.docx") == (out / "tables" / "t.docx").resolve()
    for bad in ("../secret.txt", "/etc/passwd", "tables/../../secret.txt", "", "tables",
                "a\x00b"):
        assert output_file(str(out), bad) is None


def test_failed_job_has_a_one_line_error_and_no_patient_data_in_the_log(reg_url, tmp_path,
                                                                         caplog):
    from rtdelay.registry import AnalysisJob, open_registry
    from rtdelay.web._jobs import run_pending

    secret = "PATIENT-SECRET-77"
    path = _save(tmp_path, f"patient_id,age\n{secret},61\n".encode(), limit=10**6)
    [job] = _queue(reg_url, "analyst", source="upload", input_path=path, input_name="mine.csv")
    reg = open_registry(reg_url)
    with caplog.at_level(logging.DEBUG, logger="rtdelay"):
        assert run_pending(reg, tmp_path) == 1
    with reg.session() as s:
        row = s.query(AnalysisJob).filter_by(public_id=job).one()
    reg.dispose()
    assert row.status == "failed" and row.finished_at is not None
    assert row.error and "\n" not in row.error and "Traceback" not in row.error
    assert str(tmp_path) not in row.error
    assert not path.parent.exists()  # the upload is deleted after the job
    assert secret not in caplog.text and job in caplog.text


def test_unexpected_error_is_generic_for_the_user(reg_url, tmp_path, monkeypatch):
    from rtdelay.registry import AnalysisJob, open_registry
    from rtdelay.web._jobs import run_pending

    def boom(*args, **kwargs):
        raise KeyError("P-0042 secret value")

    monkeypatch.setattr("rtdelay.analysis.analyze", boom)
    [job] = _queue(reg_url, "analyst", source="registry", site="A")
    reg = open_registry(reg_url)
    run_pending(reg, tmp_path)
    with reg.session() as s:
        row = s.query(AnalysisJob).filter_by(public_id=job).one()
    reg.dispose()
    assert row.status == "failed"
    assert row.error == f"the analysis failed unexpectedly (internal error; reference {job})"


def test_worker_thread_runs_queued_jobs(reg_url, tmp_path):
    import time

    from rtdelay.registry import AnalysisJob, open_registry
    from rtdelay.web import JobWorker

    [job] = _queue(reg_url, "analyst", source="registry", site="A")  # 2 patients: fails fast
    reg = open_registry(reg_url)
    worker = JobWorker(reg, tmp_path, interval=0.1)
    worker.start()
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with reg.session() as s:
                row = s.query(AnalysisJob).filter_by(public_id=job).one()
            if row.status in ("done", "failed"):
                break
            time.sleep(0.2)
    finally:
        worker.stop()
    reg.dispose()
    assert row.status in ("done", "failed") and row.progress_text in ("Done", "Failed")
    assert json.loads(row.options) == {}


def test_worker_loads_the_analysis_libraries_before_its_first_job(reg_url, tmp_path,
                                                                   monkeypatch):
    import rtdelay.web._jobs as jobs
    import rtdelay.web._warmup as warmup
    from rtdelay.registry import open_registry

    calls: list[str] = []
    polled = threading.Event()
    monkeypatch.setattr(warmup, "warm_up", lambda: calls.append("warm up") or 0.0)

    def poll(*args, **kwargs):
        calls.append("poll")
        polled.set()
        return 0

    monkeypatch.setattr(jobs, "run_pending", poll)
    reg = open_registry(reg_url)
    worker = jobs.JobWorker(reg, tmp_path, interval=0.05)
    worker.start()
    try:
        assert polled.wait(30)
    finally:
        worker.stop()
        reg.dispose()
    assert calls[:2] == ["warm up", "poll"] and calls.count("warm up") == 1


def test_warm_up_imports_what_an_analysis_needs():
    """In a fresh interpreter: the statistics, figure backends and Word writer are loaded."""
    import subprocess
    import sys

    code = ("import sys; from rtdelay.web._warmup import warm_up; warm_up(); "
            "print(all(m in sys.modules for m in ('scipy.stats', 'matplotlib.backends.backend_pdf',"
            " 'matplotlib.backends.backend_svg', 'docx', 'rtdelay.report.figures', "
            "'rtdelay.stats._rank')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=300, check=True)
    assert out.stdout.strip() == "True"


def test_the_app_runs_jobs_in_its_own_thread_and_jobs_survive_a_restart(reg_url, tmp_path):
    import time

    from fastapi.testclient import TestClient

    from rtdelay.web import WebSettings, create_app

    [job] = _queue(reg_url, "analyst", source="registry", site="A")
    settings = WebSettings(jobs_dir=str(tmp_path / "jobs"))  # run_worker: on by default
    app = create_app(reg_url, settings=settings)
    with TestClient(app, base_url="https://testserver") as client:  # runs the lifespan
        assert app.state.worker is not None
        deadline = time.monotonic() + 120
        token = token_of(reg_url)
        while time.monotonic() < deadline:
            status = client.get(f"/api/v1/analyses/{job}", headers=token).json()["status"]
            if status in ("done", "failed"):
                break
            time.sleep(0.2)
    assert status == "failed"  # two patients: no eligible patient, a clean failure
    later = create_app(reg_url, settings=WebSettings(run_worker=False))  # "after a restart"
    again = TestClient(later, base_url="https://testserver").get(f"/api/v1/analyses/{job}",
                                                                 headers=token).json()
    assert again["status"] == "failed" and again["error"].startswith("no eligible patient")


def token_of(url):
    from web_jobs_helpers import bearer, token_for

    return bearer(token_for(url, "analyst"))


def test_jobs_left_running_by_a_dead_worker_are_failed(reg_url):
    import datetime as dt

    from rtdelay.registry import AnalysisJob, open_registry
    from rtdelay.web._jobs import claim_next, fail_stale

    [old, new] = _queue(reg_url, "analyst", 2, source="registry", site="A")
    reg = open_registry(reg_url)
    claim_next(reg, "dead")
    claim_next(reg, "alive")
    with reg.session(actor="t", write=True) as s:
        row = s.query(AnalysisJob).filter_by(public_id=old).one()
        row.started_at = row.started_at - dt.timedelta(hours=7)
    assert fail_stale(reg, older_than_s=6 * 3600) == 1
    with reg.session() as s:
        status = {j.public_id: (j.status, j.error) for j in s.query(AnalysisJob)}
    reg.dispose()
    assert status[old][0] == "failed" and "interrupted" in status[old][1]
    assert status[new] == ("running", None)


def test_worker_command_runs_the_queue_once(reg_url, tmp_path):
    from typer.testing import CliRunner

    from rtdelay.cli import app

    _queue(reg_url, "analyst", 2, source="registry", site="A")
    result = CliRunner().invoke(app, ["worker", "--once", "--db", reg_url,
                                      "--jobs-dir", str(tmp_path / "jobs")])
    assert result.exit_code == 0, result.output
    assert "2 job(s) run" in result.output
