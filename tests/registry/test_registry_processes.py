"""Real processes: SIGKILL during an import, and two imports into one SQLite registry at once."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from registry_rows import make_rows, write_csv
from sqlalchemy import func, select


def _start(db_url: str, path, site: str = "A") -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "rtdelay", "registry", "import", str(path), "--site", site,
         "--json", "--db", db_url],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def _in_write_transaction(registry) -> bool:
    """True while another process holds the import's write transaction."""
    if registry.dialect == "sqlite":
        probe = sqlite3.connect(registry.engine.url.database, timeout=0, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
            return False
        except sqlite3.OperationalError:
            return True
        finally:
            probe.close()
    from sqlalchemy import text

    with registry.engine.connect() as conn:
        return bool(conn.execute(text(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
            "AND objid = 7310013 AND database = (SELECT oid FROM pg_database "
            "WHERE datname = current_database())")).scalar())


def _state(registry):
    from rtdelay.registry._models import AuditEvent, ImportBatch, Patient

    with registry.session() as s:
        return tuple(s.scalar(select(func.count()).select_from(t))
                     for t in (Patient, AuditEvent, ImportBatch))


def test_sigkill_during_import_leaves_before_or_after(registry, admin, tmp_path):
    from rtdelay.registry import import_table, read_import_file

    rows = make_rows(1500, seed=11)
    path = write_csv(rows, tmp_path / "big.csv")
    before = _state(registry)
    killed_inside = 0
    for delay in (0.0, 0.3, 1.0):
        proc = _start(registry.url, path)
        deadline = time.monotonic() + 240
        while proc.poll() is None and not _in_write_transaction(registry):
            if time.monotonic() > deadline:
                proc.kill()
                pytest.fail("the import never started writing")
            time.sleep(0.02)
        time.sleep(delay)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            killed_inside += 1
        proc.wait(timeout=60)
        state = _state(registry)
        if state != before:  # the kill came after the commit: everything is there
            assert state[0] == before[0] + 1500 and state[2] == before[2] + 1
            break
        assert state == before
    assert killed_inside >= 1
    if registry.dialect == "sqlite":
        check = sqlite3.connect(registry.engine.url.database)
        assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        check.close()
    # the registry still works: a normal import after the kills completes
    done = import_table(registry, admin, read_import_file(path), site="A")
    assert _state(registry)[0] == 1500 and done.plan.counts()["rejected"] == 0


def test_two_processes_import_into_one_sqlite_registry(tmp_path, registry):
    if registry.dialect != "sqlite":
        pytest.skip("the concurrency test is about SQLite's single writer")
    from rtdelay.registry._models import AuditEvent

    rows = make_rows(500, seed=5)
    first = write_csv(rows.iloc[:300], tmp_path / "first.csv")
    second = write_csv(rows.iloc[200:], tmp_path / "second.csv")
    procs = [_start(registry.url, first), _start(registry.url, second)]
    outputs = [p.communicate(timeout=600) for p in procs]
    for proc, (_out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
    assert _state(registry)[0] == 500
    with registry.session() as s:
        creates = s.execute(
            select(AuditEvent.patient_id, AuditEvent.field, func.count())
            .where(AuditEvent.action == "create", AuditEvent.entity == "patient")
            .group_by(AuditEvent.patient_id, AuditEvent.field)).all()
    assert len({pid for pid, _, _ in creates}) == 500
    assert max(n for _, _, n in creates) == 1  # nothing created twice
