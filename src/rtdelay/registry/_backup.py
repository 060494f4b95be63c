"""Backup and restore of a registry.

SQLite: the online backup API (a consistent copy while others read and write). PostgreSQL:
``pg_dump --format=custom`` and ``pg_restore --clean --if-exists`` when those programs are on the
PATH; otherwise a portable dump (gzip'd JSON of every table, restored into an empty, initialised
registry). A restore is recorded in the restored registry's audit trail.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, text
from sqlalchemy.engine import make_url

from rtdelay.registry._audit import record_event
from rtdelay.registry._db import Registry
from rtdelay.registry._errors import RegistryError
from rtdelay.registry._models import Base

__all__ = ["backup_registry", "restore_registry"]

_PORTABLE_MAGIC = "rtdelay-registry-dump"


def _sqlite_path(registry: Registry) -> str:
    database = make_url(registry.url).database
    if not database:
        raise RegistryError("an in-memory registry cannot be backed up")
    return database


def _pg_args(registry: Registry) -> tuple[list[str], dict[str, str]]:
    url = make_url(registry.url)
    args = ["--host", url.host or "localhost", "--port", str(url.port or 5432),
            "--username", url.username or "postgres", "--dbname", url.database or ""]
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return args, env


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        message = (done.stderr.strip().splitlines() or ["failed"])[0]
        raise RegistryError(f"{Path(command[0]).name}: {message}")


def _portable_dump(registry: Registry, target: Path) -> None:
    tables: dict[str, list[dict[str, Any]]] = {}
    with registry.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            rows = conn.execute(select(table).order_by(*table.primary_key.columns)).mappings()
            tables[table.name] = [
                {k: (v.isoformat() if isinstance(v, (dt.date, dt.datetime)) else v)
                 for k, v in row.items()} for row in rows
            ]
    with gzip.open(target, "wt", encoding="utf-8") as handle:
        json.dump({"format": _PORTABLE_MAGIC, "tables": tables}, handle)


def _portable_restore(registry: Registry, source: Path, actor: str) -> None:
    with gzip.open(source, "rt", encoding="utf-8") as handle:
        document = json.load(handle)
    with registry.engine.begin() as conn:
        for table in Base.metadata.sorted_tables:
            if conn.execute(select(table).limit(1)).first() is not None:
                raise RegistryError("a portable dump restores into an empty registry only: "
                                    "'rtdelay registry init' a new database first")
        for table in Base.metadata.sorted_tables:
            rows = document["tables"].get(table.name, [])
            for row in rows:
                for column in table.columns:
                    value = row.get(column.name)
                    if value is not None and column.type.python_type is dt.datetime:
                        row[column.name] = dt.datetime.fromisoformat(value)
                    elif value is not None and column.type.python_type is dt.date:
                        row[column.name] = dt.date.fromisoformat(value)
            if rows:
                conn.execute(insert(table), rows)
        if conn.dialect.name == "postgresql":
            for table in Base.metadata.sorted_tables:
                if "id" in table.columns:
                    conn.execute(text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                        f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"))


def backup_registry(registry: Registry, path: str | os.PathLike[str], *,
                    portable: bool = False) -> Path:
    """Write a consistent backup of the registry to ``path``; return it."""
    target = Path(path)
    if target.is_dir():
        raise RegistryError(f"cannot write the backup to {str(target)!r}: it is a directory")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    if tmp.exists():
        tmp.unlink()
    if portable:
        _portable_dump(registry, tmp)
    elif registry.dialect == "sqlite":
        source = sqlite3.connect(_sqlite_path(registry))
        dest = sqlite3.connect(tmp)
        try:
            source.backup(dest)
        finally:
            dest.close()
            source.close()
    elif shutil.which("pg_dump"):
        args, env = _pg_args(registry)
        _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(tmp), *args], env)
    else:
        _portable_dump(registry, tmp)
    os.replace(tmp, target)
    return target


def _kind(path: Path) -> str:
    with open(path, "rb") as handle:
        head = handle.read(16)
    if head.startswith(b"SQLite format 3"):
        return "sqlite"
    if head.startswith(b"PGDMP"):
        return "pg_dump"
    if head.startswith(b"\x1f\x8b"):
        return "portable"
    raise RegistryError(f"{path.name} is not an rtdelay registry backup")


def restore_registry(registry: Registry, path: str | os.PathLike[str], *, actor: str) -> str:
    """Replace the registry's content with a backup made by :func:`backup_registry`.

    Returns the kind of backup restored (``sqlite``, ``pg_dump`` or ``portable``).
    """
    source = Path(path)
    if not source.is_file():
        raise RegistryError(f"backup {str(source)!r} does not exist")
    kind = _kind(source)
    if kind == "sqlite":
        if registry.dialect != "sqlite":
            raise RegistryError("a SQLite backup restores into a SQLite registry only")
        check = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            tables = {r[0] for r in check.execute("SELECT name FROM sqlite_master")}
        finally:
            check.close()
        if "alembic_version" not in tables or "audit_events" not in tables:
            raise RegistryError(f"{source.name} is a SQLite file but not an rtdelay registry")
        registry.engine.dispose()
        src = sqlite3.connect(source)
        dest = sqlite3.connect(_sqlite_path(registry))
        try:
            src.backup(dest)
        finally:
            dest.close()
            src.close()
    elif kind == "pg_dump":
        if registry.dialect != "postgresql" or not shutil.which("pg_restore"):
            raise RegistryError("a pg_dump backup restores into PostgreSQL with pg_restore")
        registry.engine.dispose()
        args, env = _pg_args(registry)
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
              *args, str(source)], env)
    else:
        _portable_restore(registry, source, actor)
    with registry.session(actor=actor, write=True) as session:
        record_event(session, "restore_backup", detail=f"{kind} backup {source.name}")
    return kind
