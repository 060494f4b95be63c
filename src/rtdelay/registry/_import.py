"""Imports: read a file, show the diff, commit every accepted row in one transaction.

:func:`import_table` runs the whole import under the registry's write lock: it plans the diff
(:func:`plan_import`) and, unless ``dry_run``, applies it and commits once, so a crash or a
SIGKILL leaves the database as before or as after, never in between. A second import running
at the same time waits for the lock (SQLite ``BEGIN IMMEDIATE`` with a busy timeout, PostgreSQL
advisory lock) and then plans against the first one's result: nothing lost or duplicated.

Re-importing the same file finds every patient unchanged: nothing is written, no batch and no
audit row. A web preview can pass the previewed plan's ``fingerprint``: the commit is refused
(ConflictError) if the registry changed in between.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from rtdelay.cohort import RawTable, load_table
from rtdelay.registry._access import Actor, require
from rtdelay.registry._bulk import (
    ChangedPatient,
    insert_complications,
    insert_patients,
    update_patients,
)
from rtdelay.registry._db import Registry
from rtdelay.registry._errors import ConflictError
from rtdelay.registry._models import ImportBatch, Patient, Site
from rtdelay.registry._plan import ImportPlan, plan_import

__all__ = ["ImportOutcome", "import_table", "read_import_file", "file_sha256", "apply_plan"]

_CHUNK = 500


@dataclass(frozen=True)
class ImportOutcome:
    """The plan of an import and the batch id it was committed as (None: dry run / no change)."""

    plan: ImportPlan
    batch: int | None
    committed: bool

    def to_dict(self) -> dict[str, Any]:
        """``{"new", "changed", "unchanged", "rejected", "batch"}`` (the CLI's ``--json``)."""
        counts = self.plan.counts()
        return {"new": counts["new"], "changed": counts["changed"],
                "unchanged": counts["unchanged"], "rejected": counts["rejected"],
                "batch": self.batch}


def file_sha256(path: str | os.PathLike[str]) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_import_file(
    path: str | os.PathLike[str], *, mapping: str | os.PathLike[str] | None = None,
    sheet: str | None = None,
) -> RawTable:
    """Read an import file with the cohort loader (csv, xlsx, sav, parquet; mapping applied)."""
    return load_table(path, mapping=mapping, sheet=sheet)


def _new_ids(session: Session, n: int) -> list[int]:
    """Primary keys for ``n`` new patients, taken before the insert.

    With the keys known the ORM sends the rows as one executemany (no RETURNING per batch),
    several times faster on PostgreSQL. PostgreSQL draws them from the table's sequence;
    SQLite counts on from the largest id (safe: the import holds the write lock).
    """
    if n == 0:
        return []
    if session.get_bind().dialect.name == "postgresql":
        query = text("SELECT nextval(pg_get_serial_sequence('patients', 'id')) "
                     "FROM generate_series(1, :n)")
        return [int(v) for v in session.scalars(query, {"n": n})]
    start = session.scalar(select(func.coalesce(func.max(Patient.id), 0))) or 0
    return list(range(start + 1, start + n + 1))


def apply_plan(session: Session, actor: Actor, plan: ImportPlan, *, reason: str | None) -> int:
    """Write a plan in the session's transaction; return the import batch id."""
    require(actor, "import")
    counts = plan.counts()
    batch = ImportBatch(actor=actor.name, source_name=Path(plan.source).name,
                        source_sha256=plan.sha256, kind=plan.kind, reason=reason,
                        n_new=counts["new"], n_changed=counts["changed"],
                        n_unchanged=counts["unchanged"], n_rejected=counts["rejected"])
    session.add(batch)
    session.flush()
    session.info.update({"batch_id": batch.id, "reason": reason})
    site_ids = {s.code: s.id for s in session.scalars(select(Site))}
    ids = _new_ids(session, len(plan.new))
    insert_patients(session, [
        (pk, site_ids[diff.site], {k: v for k, v in diff.record.items() if v is not None})
        for pk, diff in zip(ids, plan.new, strict=True)
    ])
    changed = {int(d.pk): d for d in plan.changed if d.pk is not None}
    pks = sorted(changed)
    versions: dict[int, int] = {}
    for start in range(0, len(pks), _CHUNK):
        query = select(Patient.id, Patient.version).where(Patient.id.in_(pks[start:start + _CHUNK]))
        versions.update({int(pk): int(version) for pk, version in session.execute(query)})
    updates: list[ChangedPatient] = []
    for pk in pks:
        diff = changed[pk]
        if versions.get(pk) != diff.version:
            raise ConflictError(f"patient {diff.patient_id!r} changed during the import")
        updates.append((pk, site_ids[diff.site], diff.patient_id, int(diff.version or 0),
                        {c.field: (c.old, c.new) for c in diff.changes}))
    update_patients(session, updates)
    if plan.complications:
        keys = sorted({(c[0], c[1]) for c in plan.complications})
        pk_of: dict[tuple[str, str], int] = {}
        for code in {k[0] for k in keys}:
            pids = [pid for c, pid in keys if c == code]
            for start in range(0, len(pids), _CHUNK):
                found = select(Patient.id, Patient.patient_id).where(
                    Patient.site_id == site_ids[code],
                    Patient.patient_id.in_(pids[start:start + _CHUNK]))
                pk_of.update({(code, str(pid)): int(pk) for pk, pid in session.execute(found)})
        insert_complications(session, [
            (pk_of[(code, pid)], site_ids[code], pid, phase, text, date)
            for code, pid, phase, text, date in plan.complications
        ])
    return batch.id


def import_table(
    registry: Registry,
    actor: Actor,
    raw: RawTable,
    *,
    site: str | None = None,
    erase_blanks: bool = False,
    dry_run: bool = False,
    reason: str | None = None,
    date_order: str | None = None,
    complications: RawTable | None = None,
    kind: str = "file",
    sha256: str | None = None,
    expected_fingerprint: str | None = None,
    request_id: str | None = None,
) -> ImportOutcome:
    """Plan and (unless ``dry_run``) commit an import in one transaction.

    Parameters
    ----------
    raw : RawTable
        The cohort table (:func:`read_import_file` or the REDCap reader).
    site : str, optional
        Site code of every row; else a ``site`` column, else the actor's only site.
    erase_blanks : bool
        A blank cell erases the stored value (default: it leaves it unchanged).
    expected_fingerprint : str, optional
        The fingerprint of a plan shown earlier; refuse if the plan differs now.

    Returns
    -------
    ImportOutcome
    """
    require(actor, "import")
    digest = sha256 if sha256 is not None else (
        file_sha256(raw.path) if Path(raw.path).is_file() else "")
    with registry.session(actor=actor.name, write=not dry_run, reason=reason,
                          request_id=request_id, import_lock=not dry_run) as session:
        plan = plan_import(session, actor, raw, site=site, erase_blanks=erase_blanks,
                           date_order=date_order, complications=complications, kind=kind,
                           sha256=digest)
        if expected_fingerprint is not None and plan.fingerprint != expected_fingerprint:
            raise ConflictError("the registry changed since the import was previewed: preview "
                                "it again before committing")
        if dry_run or plan.n_changes == 0:
            session.rollback()
            return ImportOutcome(plan=plan, batch=None, committed=False)
        batch = apply_plan(session, actor, plan, reason=reason)
    return ImportOutcome(plan=plan, batch=batch, committed=True)
