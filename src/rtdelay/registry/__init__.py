"""The patient registry: SQLAlchemy models, Alembic migrations, audit trail, site scoping.

A small database for sites without a data system, and the bridge from REDCap or spreadsheets
to a validated cohort. The columns and their rules are the cohort layer's (one rule set).

Public API (what the command line and the web app call)::

    reg = open_registry(url)                       # or init_registry(url)
    actor = cli_actor()                            # or authenticate(session, name, password)
    with reg.session(actor=actor.name, write=True, reason="...") as s:
        create_patient(s, actor, "SITE", {...}); update_patient(s, actor, pid, {...},
                                                                expected_version=3)
    outcome = import_table(reg, actor, read_import_file("cohort.csv"), dry_run=True)
    with reg.session(actor=actor.name) as s:
        export = export_registry(s, actor, site="SITE")   # cohort + complications frames
    write_export(export, "out/cohort.sav")

Every write is audited in the same transaction: ORM writes by a flush listener, the bulk writes of
an import by the functions that make them (``_bulk``), with the same audit rows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rtdelay._lazy import lazy_attributes

if TYPE_CHECKING:
    from rtdelay.registry._access import (
        PERMISSIONS,
        Actor,
        cli_actor,
        get_patient,
        patients_query,
        require,
        resolve_site,
        visible_site_ids,
    )
    from rtdelay.registry._audit import audit_text, record_event
    from rtdelay.registry._backup import backup_registry, restore_registry
    from rtdelay.registry._db import (
        DEFAULT_URL,
        ENV_VAR,
        Registry,
        init_registry,
        open_registry,
        resolve_url,
        upgrade_registry,
    )
    from rtdelay.registry._errors import (
        BusyError,
        ConflictError,
        NotFoundError,
        PermissionDeniedError,
        RegistryError,
    )
    from rtdelay.registry._export import (
        EXPORT_FORMATS,
        RegistryExport,
        export_registry,
        qualify_ids,
        registry_cohort,
        write_export,
    )
    from rtdelay.registry._history import (
        audit_frame,
        history_records,
        patient_history,
        write_audit_export,
    )
    from rtdelay.registry._import import ImportOutcome, import_table, read_import_file
    from rtdelay.registry._models import (
        JOB_SOURCES,
        JOB_STATUSES,
        ROLES,
        AnalysisJob,
        ApiToken,
        Complication,
        Patient,
        Site,
        User,
        web_sessions,
    )
    from rtdelay.registry._plan import FieldChange, ImportPlan, PatientDiff, plan_import
    from rtdelay.registry._records import (
        add_complication,
        create_patient,
        delete_complication,
        delete_patient,
        list_complications,
        restore_patient,
        update_complication,
        update_patient,
    )
    from rtdelay.registry._redcap import read_redcap
    from rtdelay.registry._tokens import (
        create_api_token,
        revoke_api_token,
        token_record,
        token_user,
        touch_api_token,
    )
    from rtdelay.registry._users import (
        actor_for,
        actor_named,
        add_site,
        add_user,
        authenticate,
        set_password,
        update_user,
    )

_LAZY: dict[str, str] = {
    "PERMISSIONS": "_access",
    "Actor": "_access",
    "cli_actor": "_access",
    "get_patient": "_access",
    "patients_query": "_access",
    "require": "_access",
    "resolve_site": "_access",
    "visible_site_ids": "_access",
    "audit_text": "_audit",
    "record_event": "_audit",
    "backup_registry": "_backup",
    "restore_registry": "_backup",
    "DEFAULT_URL": "_db",
    "ENV_VAR": "_db",
    "Registry": "_db",
    "init_registry": "_db",
    "open_registry": "_db",
    "resolve_url": "_db",
    "upgrade_registry": "_db",
    "BusyError": "_errors",
    "ConflictError": "_errors",
    "NotFoundError": "_errors",
    "PermissionDeniedError": "_errors",
    "RegistryError": "_errors",
    "EXPORT_FORMATS": "_export",
    "RegistryExport": "_export",
    "export_registry": "_export",
    "registry_cohort": "_export",
    "qualify_ids": "_export",
    "write_export": "_export",
    "audit_frame": "_history",
    "history_records": "_history",
    "patient_history": "_history",
    "write_audit_export": "_history",
    "ImportOutcome": "_import",
    "import_table": "_import",
    "read_import_file": "_import",
    "ROLES": "_models",
    "AnalysisJob": "_models",
    "ApiToken": "_models",
    "JOB_SOURCES": "_models",
    "JOB_STATUSES": "_models",
    "Site": "_models",
    "User": "_models",
    "Complication": "_models",
    "Patient": "_models",
    "web_sessions": "_models",
    "FieldChange": "_plan",
    "ImportPlan": "_plan",
    "PatientDiff": "_plan",
    "plan_import": "_plan",
    "add_complication": "_records",
    "create_patient": "_records",
    "delete_complication": "_records",
    "delete_patient": "_records",
    "restore_patient": "_records",
    "update_patient": "_records",
    "update_complication": "_records",
    "list_complications": "_records",
    "read_redcap": "_redcap",
    "create_api_token": "_tokens",
    "revoke_api_token": "_tokens",
    "token_record": "_tokens",
    "token_user": "_tokens",
    "touch_api_token": "_tokens",
    "actor_for": "_users",
    "actor_named": "_users",
    "add_site": "_users",
    "add_user": "_users",
    "authenticate": "_users",
    "set_password": "_users",
    "update_user": "_users",
}

__all__ = [
    "Actor",
    "AnalysisJob",
    "ApiToken",
    "JOB_SOURCES",
    "JOB_STATUSES",
    "Site",
    "BusyError",
    "ConflictError",
    "DEFAULT_URL",
    "ENV_VAR",
    "EXPORT_FORMATS",
    "FieldChange",
    "ImportOutcome",
    "ImportPlan",
    "NotFoundError",
    "Patient",
    "PERMISSIONS",
    "PatientDiff",
    "PermissionDeniedError",
    "ROLES",
    "Registry",
    "RegistryError",
    "RegistryExport",
    "User",
    "Complication",
    "actor_for",
    "actor_named",
    "add_complication",
    "add_site",
    "add_user",
    "audit_frame",
    "audit_text",
    "authenticate",
    "backup_registry",
    "cli_actor",
    "create_api_token",
    "create_patient",
    "delete_complication",
    "delete_patient",
    "export_registry",
    "get_patient",
    "import_table",
    "list_complications",
    "init_registry",
    "open_registry",
    "history_records",
    "patient_history",
    "patients_query",
    "plan_import",
    "read_import_file",
    "read_redcap",
    "record_event",
    "qualify_ids",
    "registry_cohort",
    "require",
    "resolve_site",
    "resolve_url",
    "restore_patient",
    "restore_registry",
    "revoke_api_token",
    "set_password",
    "token_record",
    "token_user",
    "touch_api_token",
    "update_complication",
    "update_patient",
    "update_user",
    "upgrade_registry",
    "visible_site_ids",
    "web_sessions",
    "write_audit_export",
    "write_export",
]

__getattr__, __dir__ = lazy_attributes(__name__, _LAZY, __all__)
