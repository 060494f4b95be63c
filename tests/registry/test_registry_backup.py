"""Backup and restore round trips (SQLite online backup, pg_dump, portable dump)."""

from __future__ import annotations

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
    if portable:  # a portable dump restores into an empty registry
        from rtdelay.registry import init_registry

        fresh = tmp_path / "fresh.db"
        url = f"sqlite:///{fresh}" if registry.dialect == "sqlite" else None
        if url is None:
            pytest.skip("the portable restore into a second PostgreSQL schema is not set up")
        target_registry, _ = init_registry(url)
    else:
        target_registry = registry
    kind = restore_registry(target_registry, target, actor=admin.name)
    assert kind == ("portable" if portable else
                    "sqlite" if registry.dialect == "sqlite" else "pg_dump")
    cohort2, audit2 = _snapshot(target_registry, admin)
    pd.testing.assert_frame_equal(cohort, cohort2)
    assert len(audit2) == len(audit) + 1 and audit2["action"].iloc[-1] == "restore_backup"
    pd.testing.assert_frame_equal(audit, audit2.iloc[:-1].reset_index(drop=True), check_dtype=False)
