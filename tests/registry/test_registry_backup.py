"""Backup and restore round trips (SQLite online backup, pg_dump, portable dump)."""

from __future__ import annotations

import contextlib
import shutil

import pytest
from registry_rows import make_rows, write_csv


def _snapshot(registry, admin):
    from rtdelay.registry import audit_frame, export_registry

    with registry.session(actor=admin.name) as s:
        cohort = export_registry(s, admin, audit=False).cohort
        audit = audit_frame(s, admin)
    return cohort, audit.drop(columns=["at"])


@pytest.mark.parametrize("portable", [False, True])
def test_backup_restore_round_trip(registry, admin, tmp_path, portable):
    import pandas as pd

    from rtdelay.registry import backup_registry, import_table, read_import_file, restore_registry

    if registry.dialect == "postgresql" and not portable and not shutil.which("pg_dump"):
        pytest.skip("pg_dump is not installed")
    rows = make_rows(20, seed=4)
    import_table(registry, admin, read_import_file(write_csv(rows, tmp_path / "c.csv")), site="A")
    cohort, audit = _snapshot(registry, admin)
    target = backup_registry(registry, tmp_path / "backup.bin", portable=portable)
    changed = rows.assign(age=rows["age"].astype(float) + 1)
    import_table(registry, admin, read_import_file(write_csv(changed, tmp_path / "d.csv")),
                 site="A")
    with contextlib.ExitStack() as stack:
        if portable:  # a portable dump restores into an empty registry
            from rtdelay.registry import init_registry

            if registry.dialect == "sqlite":
                url = f"sqlite:///{tmp_path / 'fresh.db'}"
            else:  # a second, dedicated schema in the same test database, dropped afterwards
                url = stack.enter_context(_second_schema(registry.url))
            target_registry, _ = init_registry(url)
            stack.callback(target_registry.dispose)
        else:
            target_registry = registry
        kind = restore_registry(target_registry, target, actor=admin.name)
        assert kind == ("portable" if portable else
                        "sqlite" if registry.dialect == "sqlite" else "pg_dump")
        cohort2, audit2 = _snapshot(target_registry, admin)
        pd.testing.assert_frame_equal(cohort, cohort2)
        assert len(audit2) == len(audit) + 1 and audit2["action"].iloc[-1] == "restore_backup"
        pd.testing.assert_frame_equal(audit, audit2.iloc[:-1].reset_index(drop=True),
                                      check_dtype=False)


@contextlib.contextmanager
def _second_schema(url: str):
    """A fresh PostgreSQL schema beside the test's own (search_path in the URL), dropped after."""
    import re
    import uuid

    from sqlalchemy import create_engine, text

    schema = f"t_{uuid.uuid4().hex[:12]}"
    base = re.sub(r"[?&]options=[^&]*", "", url)
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options=-csearch_path%3D{schema}"
    finally:
        with engine.connect() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()
