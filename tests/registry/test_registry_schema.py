"""The shipped migrations create exactly the models' tables; the columns are the cohort's."""

from __future__ import annotations

import pytest
from sqlalchemy import text


def test_migrated_database_matches_the_models(registry):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from rtdelay.registry._models import Base

    with registry.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_patient_columns_are_the_cohort_dictionary(registry):
    from sqlalchemy import inspect

    from rtdelay.cohort import COLUMNS

    names = {c["name"] for c in inspect(registry.engine).get_columns("patients")}
    assert set(COLUMNS) <= names
    assert names - set(COLUMNS) == {"id", "site_id", "version", "created_at", "updated_at",
                                    "deleted_at", "deleted_reason"}


def test_init_twice_and_open(db_url):
    from rtdelay.registry import init_registry, open_registry, upgrade_registry

    reg, created = init_registry(db_url)
    assert created
    assert init_registry(db_url)[1] is False
    assert open_registry(db_url).url == db_url
    _, before, after = upgrade_registry(db_url)
    assert before == after == "0003"  # 0002: web_sessions, 0003: analysis jobs, API tokens (14)
    reg.dispose()


def test_open_refuses_a_database_that_is_not_a_registry(tmp_path):
    from rtdelay.registry import RegistryError, open_registry

    with pytest.raises(RegistryError, match="registry init"):
        open_registry(f"sqlite:///{tmp_path / 'none.db'}")
    import sqlite3

    sqlite3.connect(tmp_path / "other.db").execute("create table x (a)").connection.commit()
    with pytest.raises(RegistryError, match="not a registry"):
        open_registry(str(tmp_path / "other.db"))


def test_sqlite_is_wal_with_foreign_keys(tmp_path):
    from rtdelay.registry import init_registry

    reg, _ = init_registry(f"sqlite:///{tmp_path / 'r.db'}")
    with reg.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    reg.dispose()


def test_url_resolution(monkeypatch):
    from rtdelay.registry import RegistryError, resolve_url

    monkeypatch.delenv("RTDELAY_DATABASE_URL", raising=False)
    assert resolve_url() == "sqlite:///rtdelay.db"
    monkeypatch.setenv("RTDELAY_DATABASE_URL", "postgresql://u@h/db")
    assert resolve_url() == "postgresql+psycopg://u@h/db"
    assert resolve_url("x.db") == "sqlite:///x.db"
    with pytest.raises(RegistryError, match="unsupported database"):
        resolve_url("mysql://u@h/db")
