"""Opening a registry: the database URL, the engine, sessions and the Alembic migrations.

The embedded default is a SQLite file, ``rtdelay.db`` in the working directory, in WAL mode with
foreign keys on and a busy timeout (a second writer waits for the first instead of failing).
``--db URL`` or ``RTDELAY_DATABASE_URL`` names another database, e.g.
``postgresql+psycopg://user@host/db`` (psycopg 3). Write transactions on SQLite start with
``BEGIN IMMEDIATE`` so that two writers queue on the lock instead of deadlocking on an upgrade
from a read lock; on PostgreSQL an import takes a transaction-level advisory lock.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from rtdelay.registry._audit import install_audit
from rtdelay.registry._errors import BusyError, RegistryError

__all__ = [
    "DEFAULT_URL",
    "ENV_VAR",
    "Registry",
    "resolve_url",
    "open_registry",
    "init_registry",
    "upgrade_registry",
    "current_revision",
    "head_revision",
]

ENV_VAR = "RTDELAY_DATABASE_URL"
DEFAULT_URL = "sqlite:///rtdelay.db"
BUSY_TIMEOUT_S = 60.0
"""How long a SQLite writer waits for another writer's lock before giving up."""
_MIGRATIONS = Path(__file__).with_name("migrations")
_IMPORT_LOCK_KEY = 7_310_013


def resolve_url(url: str | None = None) -> str:
    """``url``, else ``$RTDELAY_DATABASE_URL``, else ``sqlite:///rtdelay.db``.

    A plain path (``registry.db``) is read as a SQLite file; ``postgresql://`` is read as
    ``postgresql+psycopg://`` (psycopg 3).
    """
    chosen = url or os.environ.get(ENV_VAR) or DEFAULT_URL
    if "://" not in chosen:
        chosen = f"sqlite:///{chosen}"
    if chosen.startswith("postgresql://") or chosen.startswith("postgres://"):
        chosen = "postgresql+psycopg://" + chosen.split("://", 1)[1]
    try:
        parsed = make_url(chosen)
    except ArgumentError:
        raise RegistryError(f"{chosen!r} is not a database URL") from None
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise RegistryError(
            f"unsupported database {parsed.get_backend_name()!r}: use a SQLite file or PostgreSQL"
        )
    return chosen


def _sqlite_events(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA cache_size = -65536")  # 64 MiB: a large import stays in memory
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        immediate = conn.get_execution_options().get("rtdelay_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


@dataclass
class Registry:
    """An open registry: its URL, engine and session factories.

    Use :meth:`session` for every unit of work; it commits on success and rolls back on any
    error, so a failed or killed write leaves the database as before.
    """

    url: str
    engine: Engine

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def display_url(self) -> str:
        """The URL without a password (for messages and logs)."""
        return make_url(self.url).render_as_string(hide_password=True)

    @contextmanager
    def session(
        self,
        *,
        actor: str | None = None,
        write: bool = False,
        reason: str | None = None,
        request_id: str | None = None,
        import_lock: bool = False,
    ) -> Iterator[Session]:
        """A session in one transaction; committed when the block ends without error.

        Parameters
        ----------
        actor : str, optional
            Who makes the changes (recorded in every audit row); writes need one.
        write : bool
            Take the write lock at the start (SQLite ``BEGIN IMMEDIATE``).
        reason, request_id : str, optional
            Recorded in the audit rows of this transaction.
        import_lock : bool
            Serialise with other imports (PostgreSQL advisory transaction lock).
        """
        bind = self.engine.execution_options(rtdelay_write=True) if write else self.engine
        factory = sessionmaker(bind=bind, expire_on_commit=False)
        session = factory()
        session.info.update({"actor": actor, "reason": reason, "request_id": request_id})
        try:
            if write:
                session.connection()
                if import_lock and self.dialect == "postgresql":
                    session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _IMPORT_LOCK_KEY})
            yield session
            session.commit()
        except OperationalError as exc:
            session.rollback()
            if "locked" in str(exc.orig).lower() or "busy" in str(exc.orig).lower():
                raise BusyError(
                    "the registry is busy: another process is writing (waited up to "
                    f"{BUSY_TIMEOUT_S:.0f} s) or changed the data this transaction read; "
                    "try again"
                ) from None
            raise RegistryError(f"database error on {self.display_url}: {_first_line(exc)}") from None
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    return str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__


def _engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:":
            folder = Path(database).expanduser().resolve().parent
            if not folder.is_dir():
                raise RegistryError(f"cannot create the registry {database!r}: no folder {folder}")
        # A pool as large as the web server's thread pool can use at once (connections to a
        # SQLite file are cheap): requests queue on the write lock, never on the pool.
        pool = {"pool_size": 20, "max_overflow": 40} if database and database != ":memory:" else {}
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_S},
                               hide_parameters=True, **pool)
        _sqlite_events(engine)
    else:
        engine = create_engine(url, pool_pre_ping=True, use_insertmanyvalues=False,
                               hide_parameters=True)
    _no_rows_in_logs()
    install_audit(Session)
    return engine


class _NoRows(logging.Filter):
    """Drop SQLAlchemy's DEBUG records of result rows (they hold patient data)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (isinstance(record.msg, str) and record.msg.startswith("Row "))


def _no_rows_in_logs() -> None:
    """Patient data never reaches a log, whatever its level: bound parameters are hidden by
    ``hide_parameters=True`` and result rows are filtered out of SQLAlchemy's engine logger."""
    logger = logging.getLogger("sqlalchemy.engine.Engine")
    if not any(isinstance(f, _NoRows) for f in logger.filters):
        logger.addFilter(_NoRows())


def _alembic_config(connection: Any) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest migration shipped with this rtdelay."""
    from alembic.script import ScriptDirectory

    config = _alembic_config(None)
    head = ScriptDirectory.from_config(config).get_current_head()
    if head is None:
        raise RegistryError("this rtdelay installation has no registry migrations")
    return head


def current_revision(engine: Engine) -> str | None:
    """The migration the database is at (None: not a registry yet)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def _connect_check(engine: Engine, url: str) -> None:
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError as exc:
        shown = make_url(url).render_as_string(hide_password=True)
        raise RegistryError(f"cannot open the registry {shown}: {_first_line(exc)}") from None


def _upgrade(engine: Engine) -> None:
    from alembic import command

    with engine.begin() as conn:
        command.upgrade(_alembic_config(conn), "head")


def init_registry(url: str | None = None) -> tuple[Registry, bool]:
    """Create the registry's tables (migrate an empty database to the newest revision).

    Returns the open registry and whether anything was created (False: it already existed).
    """
    chosen = resolve_url(url)
    engine = _engine(chosen)
    _connect_check(engine, chosen)
    if current_revision(engine) == head_revision():
        return Registry(chosen, engine), False
    _upgrade(engine)
    return Registry(chosen, engine), True


def upgrade_registry(url: str | None = None) -> tuple[Registry, str | None, str]:
    """Apply the migrations this rtdelay ships; returns ``(registry, from, to)``."""
    chosen = resolve_url(url)
    engine = _engine(chosen)
    _connect_check(engine, chosen)
    before = current_revision(engine)
    if before is None:
        raise RegistryError(
            f"{make_url(chosen).render_as_string(hide_password=True)} is not a registry yet: "
            "run 'rtdelay registry init' first"
        )
    _upgrade(engine)
    return Registry(chosen, engine), before, head_revision()


def open_registry(url: str | None = None) -> Registry:
    """Open an existing registry at the newest revision.

    Raises
    ------
    RegistryError
        The database does not answer, is not a registry (``rtdelay registry init``) or is at an
        older revision (``rtdelay registry upgrade``).
    """
    chosen = resolve_url(url)
    parsed = make_url(chosen)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        if not Path(parsed.database).exists():
            raise RegistryError(
                f"no registry at {parsed.database}: create it with 'rtdelay registry init'"
            )
    engine = _engine(chosen)
    _connect_check(engine, chosen)
    revision = current_revision(engine)
    shown = parsed.render_as_string(hide_password=True)
    if revision is None:
        raise RegistryError(f"{shown} is not a registry: run 'rtdelay registry init' first")
    if revision != head_revision():
        raise RegistryError(
            f"the registry {shown} is at revision {revision}, this rtdelay needs "
            f"{head_revision()}: run 'rtdelay registry upgrade'"
        )
    return Registry(chosen, engine)
