"""SQLAlchemy models of the registry: sites, users, patients, complications, audit, imports.

The patient columns are the cohort data dictionary's (:data:`rtdelay.cohort.COLUMNS`): one rule
set. ``patient_columns()`` maps each dictionary column to a database column by its kind
(text, number, integer, category, ordered, boolean, date); the Alembic migrations in
``rtdelay/registry/migrations`` create the same tables, and a test compares the two.

Bookkeeping columns (``id``, ``version``, ``created_at``, ``updated_at``, ``deleted_at``,
``deleted_reason``) are the registry's own. ``version`` is SQLAlchemy's ``version_id_col``:
every UPDATE checks and increments it (optimistic locking).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from rtdelay.cohort import COLUMNS, COMPLICATION_COLUMNS

__all__ = [
    "Base",
    "Site",
    "User",
    "UserSite",
    "Patient",
    "Complication",
    "AuditEvent",
    "ImportBatch",
    "AnalysisJob",
    "ApiToken",
    "JOB_STATUSES",
    "JOB_SOURCES",
    "PATIENT_FIELDS",
    "COMPLICATION_FIELDS",
    "ROLES",
    "column_type",
]

ROLES = ("viewer", "entry", "analyst", "admin")
"""User roles, least to most privileged."""

JOB_STATUSES = ("queued", "running", "done", "failed")
"""States of an analysis job, in order."""

JOB_SOURCES = ("registry", "upload")
"""Where an analysis job's cohort comes from."""

PATIENT_FIELDS: tuple[str, ...] = tuple(COLUMNS)
"""The cohort dictionary's columns, stored on each patient row, in dictionary order."""

COMPLICATION_FIELDS: tuple[str, ...] = tuple(n for n in COMPLICATION_COLUMNS if n != "patient_id")
"""Fields of one complication row besides its patient."""

_TEXT_LENGTH = {"patient_id": 64, "index_level": 16}


def utcnow() -> dt.datetime:
    """The current time in UTC, without tzinfo (stored as UTC in every database)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def column_type(name: str, kind: str) -> Any:
    """The SQLAlchemy type of a dictionary column of ``kind`` (``ColumnSpec.kind``)."""
    if kind == "date":
        return Date()
    if kind == "number":
        return Float()
    if kind == "integer":
        return Integer()
    if kind == "boolean":
        return Boolean()
    if kind in ("category", "ordered"):
        return String(32)
    if name in _TEXT_LENGTH:
        return String(_TEXT_LENGTH[name])
    return Text()


class Base(DeclarativeBase):
    """Declarative base of the registry's tables."""


def _patient_mixin() -> type:
    attrs: dict[str, Any] = {}
    for name, spec in COLUMNS.items():
        if name == "patient_id":
            continue
        attrs[name] = mapped_column(column_type(name, spec.kind), nullable=True)
    return type("PatientFields", (), attrs)


_PatientFields: Any = _patient_mixin()


class Site(Base):
    """A hospital (or ward) whose patients the registry holds."""

    __tablename__ = "sites"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class User(Base):
    """A person who signs in; ``role`` is one of :data:`ROLES`; sites through ``UserSite``."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    sites: Mapped[list[Site]] = relationship(secondary="user_sites", lazy="selectin", viewonly=True)


class UserSite(Base):
    """A grant: ``user_id`` may see and edit the patients of ``site_id``."""

    __tablename__ = "user_sites"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), primary_key=True)


class Patient(_PatientFields, Base):  # type: ignore[misc]
    """One patient of one site, with the cohort dictionary's fields."""

    __tablename__ = "patients"
    __table_args__ = (UniqueConstraint("site_id", "patient_id", name="uq_patients_site_patient"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    patient_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    deleted_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    deleted_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    site: Mapped[Site] = relationship(lazy="joined")
    __mapper_args__ = {"version_id_col": version}


class Complication(Base):
    """One complication of a patient (the repeating table)."""

    __tablename__ = "complications"
    id: Mapped[int] = mapped_column(primary_key=True)
    patient_pk: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    phase: Mapped[str] = mapped_column(String(32))
    complication: Mapped[str] = mapped_column(Text)
    date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    deleted_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    deleted_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    __mapper_args__ = {"version_id_col": version}


class ImportBatch(Base):
    """One committed import (file or REDCap export): who, when, what, counts."""

    __tablename__ = "import_batches"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(64))
    source_name: Mapped[str] = mapped_column(Text)
    source_sha256: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    n_new: Mapped[int] = mapped_column(Integer, default=0)
    n_changed: Mapped[int] = mapped_column(Integer, default=0)
    n_unchanged: Mapped[int] = mapped_column(Integer, default=0)
    n_rejected: Mapped[int] = mapped_column(Integer, default=0)


class AuditEvent(Base):
    """One append-only audit row: a field change, a login, an export.

    Database triggers refuse UPDATE and DELETE on this table (see the migrations).
    """

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_entity", "entity", "entity_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(24))
    entity: Mapped[str] = mapped_column(String(24))
    entity_key: Mapped[str | None] = mapped_column(String(64), nullable=True)
    entity_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    site_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    patient_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    field: Mapped[str | None] = mapped_column(String(64), nullable=True)
    old_value: Mapped[str | None] = mapped_column(Text, nullable=True)
    new_value: Mapped[str | None] = mapped_column(Text, nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    batch_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    request_id: Mapped[str | None] = mapped_column(String(64), nullable=True)


# Server-side sessions of the web application (rtdelay.web): a Core table, written with Core
# statements (not the ORM), so the audit flush listener never sees a token hash. The token
# itself is never stored, only its SHA-256.
web_sessions = Table(
    "web_sessions",
    Base.metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", ForeignKey("users.id"), nullable=False, index=True),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("last_seen_at", DateTime, nullable=False),
    Column("revoked_at", DateTime, nullable=True),
)


class AnalysisJob(Base):
    """One background analysis of the web application (``rtdelay.web``).

    ``public_id`` (random, URL-safe) is what pages and the API show; ``id`` stays internal.
    ``site_ids`` (comma-separated site ids, e.g. ``",1,3,"``) are the sites whose users may see
    the job: the registry site analysed, or every site the user could see, or the uploader's
    sites for an uploaded file (empty for an administrator without sites: administrators only).
    A worker claims a job with ``UPDATE ... WHERE status = 'queued'`` and checks the row count.
    """

    __tablename__ = "analysis_jobs"
    __table_args__ = (Index("ix_analysis_jobs_status", "status", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    site_ids: Mapped[str] = mapped_column(String(1000), default="")
    source: Mapped[str] = mapped_column(String(16))
    site_code: Mapped[str | None] = mapped_column(String(32), nullable=True)
    options: Mapped[str] = mapped_column(Text, default="{}")
    status: Mapped[str] = mapped_column(String(16), default="queued")
    progress_text: Mapped[str | None] = mapped_column(Text, nullable=True)
    progress_percent: Mapped[int] = mapped_column(Integer, default=0)
    input_path: Mapped[str | None] = mapped_column(Text, nullable=True)
    output_dir: Mapped[str | None] = mapped_column(Text, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    worker: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)


class ApiToken(Base):
    """A bearer token of the JSON API: only its SHA-256 is stored; revocable."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    label: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
