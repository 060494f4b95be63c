"""Fixtures of the registry tests: one registry per test on SQLite and on PostgreSQL.

PostgreSQL runs when ``RTDELAY_TEST_POSTGRES_URL`` is set (``.ci/run`` sets it). The session
creates its own database ``rtdelay_test_<random>`` beside the one in the URL (other engineers and
parallel runs use ``test`` too) and drops it at the end; each test gets a fresh schema in it.
When the variable is set and the server does not answer, the tests FAIL, they do not skip.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

pytest.importorskip("sqlalchemy", reason="the registry extra is not installed")

from registry_rows import DEMO, ROOT, make_rows, write_csv  # noqa: E402,F401

PG_ENV = "RTDELAY_TEST_POSTGRES_URL"


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str | None]:
    url = os.environ.get(PG_ENV)
    if not url:
        yield None
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"rtdelay_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # the server must answer when the variable is set
        pytest.fail(f"{PG_ENV} is set but PostgreSQL does not answer at {url}: {exc}")
    try:
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path, pg_database) -> Iterator[str]:
    """URL of an empty database for one test (SQLite file, or a fresh PostgreSQL schema)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'registry.db'}"
        return
    if pg_database is None:
        pytest.skip(f"{PG_ENV} is not set")
    from sqlalchemy import create_engine, text

    schema = f"t_{uuid.uuid4().hex[:12]}"
    engine = create_engine(pg_database, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in pg_database else "?"
    try:
        yield f"{pg_database}{sep}options=-csearch_path%3D{schema}"
    finally:
        with engine.connect() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()


@pytest.fixture
def registry(db_url):
    """An initialised registry with sites A and B, and the local administrator."""
    from rtdelay.registry import add_site, cli_actor, init_registry

    reg, created = init_registry(db_url)
    assert created
    admin = cli_actor()
    with reg.session(actor=admin.name, write=True) as s:
        add_site(s, admin, "A", "Hospital A")
        add_site(s, admin, "B", "Hospital B")
    yield reg
    reg.dispose()


@pytest.fixture
def admin():
    from rtdelay.registry import cli_actor

    return cli_actor()
