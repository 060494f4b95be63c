"""What an import will change: the diff of a table against the registry (no writes here).

:func:`plan_import` merges each row of the file with the stored record of its patient (a blank
cell keeps the stored value unless ``erase_blanks``), validates the merged records with the cohort
rules (:func:`rtdelay.cohort.validate_cohort`) and sorts them into new patients, changed
patients (each field old -> new), unchanged patients and rejected rows with their reasons.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from rtdelay.cohort import COLUMNS, COMPLICATION_COLUMNS, RawTable, validate_complications
from rtdelay.errors import InputError, RowIssue
from rtdelay.registry._access import Actor, require, visible_site_ids
from rtdelay.registry._audit import audit_text
from rtdelay.registry._models import PATIENT_FIELDS, Complication, Patient, Site
from rtdelay.registry._records import changed_fields
from rtdelay.registry._values import frame_records, plain, validate_records

__all__ = ["FieldChange", "PatientDiff", "ImportPlan", "plan_import", "SITE_COLUMN"]

SITE_COLUMN = "site"
"""Optional column of an import file: the site code of each row (exports write it)."""
_CHUNK = 500


@dataclass(frozen=True)
class FieldChange:
    """One field of one patient: stored value -> imported value."""

    field: str
    old: Any
    new: Any


@dataclass(frozen=True)
class PatientDiff:
    """One accepted row: ``status`` is ``new``, ``changed`` or ``unchanged``."""

    row: int
    site: str
    patient_id: str
    status: str
    changes: tuple[FieldChange, ...] = ()
    record: dict[str, Any] = field(default_factory=dict, repr=False)
    pk: int | None = None
    version: int | None = None


@dataclass(frozen=True)
class ImportPlan:
    """The diff of one import, before anything is written.

    ``complications`` lists the new complication rows ``(site, patient_id, phase, complication,
    date)``; ``rejected`` holds the rejected rows as they came in with ``source_row`` and
    ``reasons``; ``fingerprint`` identifies the planned changes (a preview shown to a user can be
    committed only if the registry still gives the same plan).
    """

    source: str
    kind: str
    sha256: str
    patients: tuple[PatientDiff, ...]
    rejected: pd.DataFrame
    issues: tuple[RowIssue, ...]
    complications: tuple[tuple[str, str, str, str, Any], ...] = ()
    rejected_complications: pd.DataFrame = field(default_factory=pd.DataFrame)
    erase_blanks: bool = False

    def _of(self, status: str) -> list[PatientDiff]:
        return [p for p in self.patients if p.status == status]

    @property
    def new(self) -> list[PatientDiff]:
        return self._of("new")

    @property
    def changed(self) -> list[PatientDiff]:
        return self._of("changed")

    @property
    def unchanged(self) -> list[PatientDiff]:
        return self._of("unchanged")

    @property
    def n_changes(self) -> int:
        return len(self.new) + len(self.changed) + len(self.complications)

    def counts(self) -> dict[str, int]:
        """``{"new", "changed", "unchanged", "rejected", "complications"}``."""
        return {
            "new": len(self.new),
            "changed": len(self.changed),
            "unchanged": len(self.unchanged),
            "rejected": len(self.rejected),
            "complications": len(self.complications),
            "complications_rejected": len(self.rejected_complications),
        }

    @property
    def fingerprint(self) -> str:
        items: list[Any] = [
            (
                p.site,
                p.patient_id,
                p.status,
                p.version,
                [(c.field, audit_text(c.old), audit_text(c.new)) for c in p.changes],
            )
            for p in self.patients
            if p.status != "unchanged"
        ]
        items.append([list(map(audit_text, c)) for c in self.complications])
        return hashlib.sha256(json.dumps(items, sort_keys=True).encode()).hexdigest()

    def to_frame(self) -> pd.DataFrame:
        """The diff as a table: row, site, patient_id, status, field, old, new."""
        rows: list[dict[str, Any]] = []
        for p in self.patients:
            if p.status == "changed":
                for c in p.changes:
                    rows.append(
                        {
                            "row": p.row,
                            "site": p.site,
                            "patient_id": p.patient_id,
                            "status": "changed",
                            "field": c.field,
                            "old": audit_text(c.old),
                            "new": audit_text(c.new),
                        }
                    )
            else:
                rows.append(
                    {
                        "row": p.row,
                        "site": p.site,
                        "patient_id": p.patient_id,
                        "status": p.status,
                        "field": None,
                        "old": None,
                        "new": None,
                    }
                )
        for _, r in self.rejected.iterrows():
            rows.append(
                {
                    "row": r.get("source_row"),
                    "site": None,
                    "patient_id": r.get("patient_id"),
                    "status": "rejected",
                    "field": None,
                    "old": None,
                    "new": r.get("reasons"),
                }
            )
        return pd.DataFrame(
            rows, columns=["row", "site", "patient_id", "status", "field", "old", "new"]
        )

    def to_dict(self) -> dict[str, Any]:
        return {**self.counts(), "fingerprint": self.fingerprint, "source": self.source}


def _blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip() == ""
    value = plain(value)
    return value is None or (isinstance(value, str) and value.strip() == "")


def check_columns(columns: list[str], *, what: str) -> None:
    """Refuse unknown columns (one line naming them)."""
    unknown = [c for c in columns if c not in COLUMNS and c != SITE_COLUMN]
    if unknown:
        listed = ", ".join(repr(c) for c in unknown[:5])
        more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
        raise InputError(
            f"{what}: unknown column(s) {listed}{more}: not in the data dictionary (use a "
            "--mapping file to rename a hospital's own columns)"
        )
    if "patient_id" not in columns:
        raise InputError(f"{what}: the column 'patient_id' is missing")


def _row_sites(session: Session, actor: Actor, frame: pd.DataFrame, site: str | None) -> list[Any]:
    codes = {s.code: s for s in session.scalars(select(Site))}
    visible = set(visible_site_ids(session, actor))
    if site is not None:
        target = codes.get(site)
        if target is None or target.id not in visible:
            raise InputError(f"no site {site!r} in this registry (add it with 'rtdelay site add')")
    elif SITE_COLUMN not in frame.columns:
        mine = [s for s in codes.values() if s.id in visible]
        if len(mine) != 1:
            raise InputError(
                "name the site of the imported patients with --site (or a 'site' column)"
                if mine
                else "the registry has no site: add one with 'rtdelay site add CODE NAME'"
            )
        site = mine[0].code
    out: list[Any] = []
    cells = frame[SITE_COLUMN].tolist() if SITE_COLUMN in frame.columns else [None] * len(frame)
    for cell in cells:
        code = None if _blank(cell) else str(cell).strip()
        if site is not None and code not in (None, site):
            out.append(f"site {code} differs from --site {site}")
            continue
        code = code or site
        target = codes.get(code) if code else None
        out.append(
            target
            if target is not None and target.id in visible
            else f"site {code!r} is not a site of this registry"
        )
    return out


def _site_groups(sites: list[Any]) -> list[list[int]]:
    """Row positions grouped by target site (rows with an unusable site form one group)."""
    groups: dict[Any, list[int]] = {}
    for pos, target in enumerate(sites):
        groups.setdefault(None if isinstance(target, str) else target.id, []).append(pos)
    return list(groups.values()) or [[]]


class _Stored:
    """A stored patient as plain values (read with Core: much faster than ORM objects)."""

    __slots__ = ("id", "version", "deleted_at", "deleted_reason", "values")

    def __init__(self, row: Any) -> None:
        self.id, self.version, self.deleted_at, self.deleted_reason = row[:4]
        self.values = dict(zip(PATIENT_FIELDS, row[4:], strict=True))


def _stored(session: Session, keys: set[tuple[int, str]]) -> dict[tuple[int, str], _Stored]:
    by_site: dict[int, list[str]] = {}
    for site_id, pid in keys:
        by_site.setdefault(site_id, []).append(pid)
    found: dict[tuple[int, str], _Stored] = {}
    columns = [
        Patient.id,
        Patient.version,
        Patient.deleted_at,
        Patient.deleted_reason,
        *[getattr(Patient, n) for n in PATIENT_FIELDS],
    ]
    for site_id, pids in by_site.items():
        for start in range(0, len(pids), _CHUNK):
            chunk = pids[start : start + _CHUNK]
            query = select(*columns).where(
                Patient.site_id == site_id, Patient.patient_id.in_(chunk)
            )
            for row in session.execute(query):
                item = _Stored(row)
                found[(site_id, item.values["patient_id"])] = item
    return found


def plan_import(
    session: Session,
    actor: Actor,
    raw: RawTable,
    *,
    site: str | None = None,
    erase_blanks: bool = False,
    date_order: str | None = None,
    complications: RawTable | None = None,
    kind: str = "file",
    sha256: str = "",
) -> ImportPlan:
    """Diff a cohort table (and optionally its complications) against the registry.

    Raises
    ------
    InputError
        Unknown columns, no patient_id column, an unknown ``site``.
    """
    require(actor, "import")
    frame = raw.frame
    check_columns([str(c) for c in frame.columns], what=raw.path)
    sites = _row_sites(session, actor, frame, site)
    ids = [None if _blank(v) else str(v).strip() for v in frame["patient_id"].tolist()]
    keys = {(s.id, i) for s, i in zip(sites, ids, strict=True) if i and not isinstance(s, str)}
    stored = _stored(session, keys)
    columns = [c for c in frame.columns if c in COLUMNS]
    cells = {c: frame[c].tolist() for c in columns}
    merged: list[dict[str, Any]] = []
    pre_reasons: dict[int, str] = {}
    for pos in range(len(frame)):
        target, pid = sites[pos], ids[pos]
        if isinstance(target, str):
            pre_reasons[pos] = target
        current = stored.get((target.id, pid)) if pid and not isinstance(target, str) else None
        if current is not None and current.deleted_at is not None:
            pre_reasons[pos] = (
                f"patient {pid} was deleted ({current.deleted_reason}); restore it before importing"
            )
        record = dict(current.values) if current is not None else {}
        for name in columns:
            value = cells[name][pos]
            if not _blank(value) or erase_blanks or current is None:
                record[name] = None if _blank(value) else value
        merged.append(record)
    position = {row: pos for pos, row in enumerate(raw.source_rows)}
    # the rules see the rows as ``validate`` numbers them (csv line, xlsx spreadsheet row), so
    # their messages name the row a person finds; the plan keys rows by data row (source_row)
    shown_rows = list(getattr(raw, "display_rows", None) or raw.source_rows)
    if len(shown_rows) != len(raw.source_rows):
        shown_rows = list(raw.source_rows)
    to_data = {int(s): int(d) for s, d in zip(shown_rows, raw.source_rows, strict=True)}
    reasons: dict[int, str] = {}
    accepted: list[tuple[dict[str, Any], Any]] = []
    all_issues: list[RowIssue] = []
    # patient_id is unique per site (the registry's key is (site, patient_id)): the cohort's
    # duplicate rule is applied within each site, so a multi-site file may repeat a study
    # number in two sites, and a number repeated within one site is still rejected
    for group in _site_groups(sites):
        result = validate_records(
            [merged[p] for p in group],
            source_rows=[shown_rows[p] for p in group],
            source=raw.path,
            date_order=date_order or raw.date_order,
        )
        issues_here = [_at_data_row(i, to_data) for i in result.issues]
        all_issues.extend(issues_here)
        reasons.update(
            {
                position[to_data[int(r)]]: str(text)
                for r, text in zip(
                    result.rejected["source_row"], result.rejected["reasons"], strict=True
                )
            }
        )
        # A value that breaks a field-level rule costs only that value in an analysis, but a
        # registry stores what it is given: the row is refused, never stored with a blank.
        for issue in issues_here:
            if issue.severity == "field" and issue.row is not None and int(issue.row) in position:
                pos = position[int(issue.row)]
                reasons[pos] = (
                    f"{reasons[pos]}; {issue.message}" if pos in reasons else issue.message
                )
        accepted.extend(
            zip(
                frame_records(result.valid),
                [to_data[int(r)] for r in result.valid["source_row"].tolist()],
                strict=True,
            )
        )
    for pos, text in pre_reasons.items():
        reasons[pos] = f"{text}. {reasons[pos]}" if pos in reasons else text
    accepted.sort(key=lambda item: position[int(item[1])])
    diffs: list[PatientDiff] = []
    for record, row in accepted:
        pos = position[int(row)]
        if pos in reasons:
            continue
        target = sites[pos]
        current = stored.get((target.id, record["patient_id"]))
        if current is None:
            diffs.append(
                PatientDiff(int(row), target.code, record["patient_id"], "new", record=record)
            )
            continue
        old = current.values
        changes = tuple(FieldChange(f, o, n) for f, (o, n) in changed_fields(old, record).items())
        diffs.append(
            PatientDiff(
                int(row),
                target.code,
                record["patient_id"],
                "changed" if changes else "unchanged",
                changes,
                record,
                current.id,
                current.version,
            )
        )
    rejected = frame.iloc[sorted(reasons)].copy()
    rejected.insert(0, "source_row", [raw.source_rows[p] for p in sorted(reasons)])
    rejected["reasons"] = [reasons[p] for p in sorted(reasons)]
    issues = [i for i in all_issues if i.severity in ("error", "field")]
    comps, comps_rejected = _plan_complications(session, complications, diffs, date_order)
    return ImportPlan(
        source=raw.path,
        kind=kind,
        sha256=sha256,
        patients=tuple(diffs),
        rejected=rejected.reset_index(drop=True),
        issues=tuple(issues),
        complications=comps,
        rejected_complications=comps_rejected,
        erase_blanks=erase_blanks,
    )


def _at_data_row(issue: RowIssue, to_data: dict[int, int]) -> RowIssue:
    """An issue found on the row a person sees, keyed by its data row like the plan's rows
    (``row`` and ``data_row`` both the data row; the message keeps the row a person sees)."""
    if issue.row is None or int(issue.row) not in to_data:
        return issue
    data = to_data[int(issue.row)]
    return dataclasses.replace(issue, row=data, data_row=data)


def _plan_complications(
    session: Session, table: RawTable | None, diffs: list[PatientDiff], date_order: str | None
) -> tuple[tuple[tuple[str, str, str, str, Any], ...], pd.DataFrame]:
    """New complication rows of the patients in this import (a row already stored is skipped)."""
    from collections import Counter

    if table is None:
        return (), pd.DataFrame()
    unknown = [c for c in table.frame.columns if c not in COMPLICATION_COLUMNS and c != SITE_COLUMN]
    if unknown:
        raise InputError(
            f"{table.path}: unknown column(s) {', '.join(map(repr, unknown))} in "
            f"the complications table (columns: {', '.join(COMPLICATION_COLUMNS)}"
            f", optionally {SITE_COLUMN})"
        )
    row_site: dict[int, str | None] = {}
    if SITE_COLUMN in table.frame.columns:
        shown = list(getattr(table, "display_rows", None) or table.source_rows)
        row_site = {
            int(r): (None if _blank(v) else str(v).strip())
            for r, v in zip(shown, table.frame[SITE_COLUMN].tolist(), strict=True)
        }
        table = dataclasses.replace(table, frame=table.frame.drop(columns=[SITE_COLUMN]))
    by_key: dict[tuple[str, str], PatientDiff] = {}
    by_id: dict[str, list[PatientDiff]] = {}
    for d in diffs:
        by_key.setdefault((d.site, d.patient_id), d)
        by_id.setdefault(d.patient_id, []).append(d)
    checked = validate_complications(table, patient_ids=list(by_id), date_order=date_order)
    wanted: Counter[tuple[str, str, str, str, Any]] = Counter()
    for r in checked.valid.itertuples(index=False):
        pid = str(r.patient_id)
        at: Any = r.source_row
        code = row_site.get(int(at)) if row_site else None
        if code is not None:
            found = by_key.get((code, pid))
            if found is None:
                raise InputError(
                    f"{table.path}: row {int(at)}: patient {pid!r} of "
                    f"site {code!r} is not among the imported patients"
                )
            d = found
        elif len(by_id[pid]) > 1:
            raise InputError(
                f"{table.path}: row {int(at)}: patient {pid!r} is in "
                "several sites of this import: add a 'site' column to the "
                "complications table"
            )
        else:
            d = by_id[pid][0]
        wanted[(d.site, d.patient_id, str(r.phase), str(r.complication), plain(r.date))] += 1
    back = {d.pk: d for d in diffs if d.pk is not None}
    have: Counter[tuple[str, str, str, str, Any]] = Counter()
    pk_list = sorted(back)
    for start in range(0, len(pk_list), _CHUNK):
        query = select(Complication).where(
            Complication.patient_pk.in_(pk_list[start : start + _CHUNK]),
            Complication.deleted_at.is_(None),
        )
        for c in session.scalars(query):
            d = back[c.patient_pk]
            have[(d.site, d.patient_id, c.phase, c.complication, c.date)] += 1
    new: list[tuple[str, str, str, str, Any]] = []
    for key, count in wanted.items():
        new.extend([key] * max(0, count - have.get(key, 0)))
    return tuple(new), checked.rejected
