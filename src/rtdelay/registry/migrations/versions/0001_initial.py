"""The registry's first schema: sites, users, grants, patients, complications, imports, audit.

The patient columns are a snapshot of the cohort data dictionary (rtdelay.cohort.COLUMNS) at
this revision; a later change of the dictionary comes with a new migration (a test compares the
migrated database with the models). The audit table gets triggers that refuse UPDATE and DELETE
(and TRUNCATE on PostgreSQL).

Revision ID: 0001
Revises:
Create Date: 2026-12-03
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

PATIENT_COLUMNS: list[tuple[str, Any]] = [
    ("age", sa.Float()),
    ("sex", sa.String(32)),
    ("histology", sa.String(32)),
    ("index_level", sa.String(16)),
    ("location", sa.String(32)),
    ("escc_grade", sa.String(32)),
    ("sins", sa.Integer()),
    ("sins_location", sa.Integer()),
    ("sins_pain", sa.Integer()),
    ("sins_lesion", sa.Integer()),
    ("sins_alignment", sa.Integer()),
    ("sins_collapse", sa.Integer()),
    ("sins_posterolateral", sa.Integer()),
    ("tomita", sa.Integer()),
    ("tomita_growth", sa.Integer()),
    ("tomita_visceral", sa.Integer()),
    ("tomita_bone", sa.Integer()),
    ("tokuhashi", sa.Integer()),
    ("tokuhashi_kps", sa.Integer()),
    ("tokuhashi_extraspinal", sa.Integer()),
    ("tokuhashi_vertebral", sa.Integer()),
    ("tokuhashi_organ", sa.Integer()),
    ("tokuhashi_primary", sa.Integer()),
    ("tokuhashi_palsy", sa.Integer()),
    ("surgery_date", sa.Date()),
    ("surgery_type", sa.String(32)),
    ("surgery_at_site", sa.Boolean()),
    ("postop_mri_date", sa.Date()),
    ("rt_start_date", sa.Date()),
    ("rt_technique", sa.String(32)),
    ("rt_dose_gy", sa.Float()),
    ("rt_fractions", sa.Integer()),
    ("rt_at_site", sa.Boolean()),
    ("seed_implantation", sa.Boolean()),
    ("prert_mri_date", sa.Date()),
    ("prert_progression", sa.Boolean()),
    ("prert_reader1", sa.Boolean()),
    ("prert_reader2", sa.Boolean()),
    ("prert_adjudicator", sa.Boolean()),
    ("local_progression_date", sa.Date()),
    ("last_imaging_date", sa.Date()),
    ("death_date", sa.Date()),
    ("last_followup_date", sa.Date()),
    ("lost_to_followup", sa.Boolean()),
    ("mobility_months_after_rt", sa.Float()),
    ("nrs_pre", sa.Integer()),
    ("nrs_fu", sa.Integer()),
    ("kps_pre", sa.Integer()),
    ("kps_fu", sa.Integer()),
    ("mobility_pre", sa.Integer()),
    ("mobility_fu", sa.Integer()),
    ("sphincter_pre", sa.Integer()),
    ("sphincter_fu", sa.Integer()),
    ("ti_months", sa.Float()),
    ("lc_months", sa.Float()),
    ("lc_event", sa.Integer()),
    ("os_months", sa.Float()),
    ("os_event", sa.Integer()),
]

_SQLITE_TRIGGERS = [
    "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events "
    "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only: UPDATE refused'); END",
    "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events "
    "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only: DELETE refused'); END",
]
_PG_TRIGGERS = [
    "CREATE FUNCTION rtdelay_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP; END $$",
    "CREATE TRIGGER audit_events_no_update BEFORE UPDATE OR DELETE ON audit_events "
    "FOR EACH ROW EXECUTE FUNCTION rtdelay_audit_append_only()",
    "CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events "
    "FOR EACH STATEMENT EXECUTE FUNCTION rtdelay_audit_append_only()",
]


def _stamps() -> list[sa.Column]:
    return [
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "sites",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code", sa.String(32), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "user_sites",
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), primary_key=True),
        sa.Column("site_id", sa.Integer(), sa.ForeignKey("sites.id"), primary_key=True),
    )
    op.create_table(
        "patients",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("site_id", sa.Integer(), sa.ForeignKey("sites.id"), nullable=False),
        sa.Column("patient_id", sa.String(64), nullable=False),
        *[sa.Column(name, kind, nullable=True) for name, kind in PATIENT_COLUMNS],
        *_stamps(),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.Column("deleted_reason", sa.Text(), nullable=True),
        sa.UniqueConstraint("site_id", "patient_id", name="uq_patients_site_patient"),
    )
    op.create_index("ix_patients_site_id", "patients", ["site_id"])
    op.create_table(
        "complications",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("patient_pk", sa.Integer(), sa.ForeignKey("patients.id"), nullable=False),
        sa.Column("phase", sa.String(32), nullable=False),
        sa.Column("complication", sa.Text(), nullable=False),
        sa.Column("date", sa.Date(), nullable=True),
        *_stamps(),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.Column("deleted_reason", sa.Text(), nullable=True),
    )
    op.create_index("ix_complications_patient_pk", "complications", ["patient_pk"])
    op.create_table(
        "import_batches",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("source_name", sa.Text(), nullable=False),
        sa.Column("source_sha256", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("n_new", sa.Integer(), nullable=False),
        sa.Column("n_changed", sa.Integer(), nullable=False),
        sa.Column("n_unchanged", sa.Integer(), nullable=False),
        sa.Column("n_rejected", sa.Integer(), nullable=False),
    )
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(24), nullable=False),
        sa.Column("entity", sa.String(24), nullable=False),
        sa.Column("entity_key", sa.String(64), nullable=True),
        sa.Column("entity_version", sa.Integer(), nullable=True),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.Column("patient_id", sa.String(64), nullable=True),
        sa.Column("field", sa.String(64), nullable=True),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.Column("request_id", sa.String(64), nullable=True),
    )
    op.create_index("ix_audit_events_site_id", "audit_events", ["site_id"])
    op.create_index("ix_audit_events_entity", "audit_events", ["entity", "entity_key"])
    triggers = _PG_TRIGGERS if op.get_bind().dialect.name == "postgresql" else _SQLITE_TRIGGERS
    for statement in triggers:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events")
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_update ON audit_events")
        op.execute("DROP FUNCTION IF EXISTS rtdelay_audit_append_only()")
    for table in ("audit_events", "import_batches", "complications", "patients", "user_sites",
                  "users", "sites"):
        op.drop_table(table)
