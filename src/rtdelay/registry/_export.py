"""Exports: the registry as the cohort file ``rtdelay analyze`` reads, plus its complications.

Formats: csv and xlsx (text cells escaped against spreadsheet formulas by the cohort layer's
``write_table``), parquet, SPSS ``.sav`` and Stata ``.dta`` with variable labels (the data
dictionary's descriptions) and value labels (pyreadstat): categories are stored as integer codes
1..k labelled with the dictionary's values, booleans as 0/1 labelled ``no``/``yes``, so that the
``.sav`` reads back into rtdelay (value labels are applied on loading). Every export is an audit
event (who, when, format, file, sites, number of patients).
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from rtdelay.cohort import COLUMNS, COMPLICATION_COLUMNS
from rtdelay.errors import InputError
from rtdelay.registry._access import Actor, patients_query, require, resolve_site
from rtdelay.registry._audit import record_event
from rtdelay.registry._models import PATIENT_FIELDS, Complication, Patient, Site

__all__ = ["EXPORT_FORMATS", "RegistryExport", "export_registry", "write_export",
           "registry_cohort", "complications_path", "qualify_ids", "SITE_SEPARATOR"]

SITE_SEPARATOR = ":"
"""Between site code and study number in a qualified id (``A:P001``)."""

EXPORT_FORMATS = ("csv", "xlsx", "sav", "dta", "parquet")
_BOOL_LABELS = {0: "no", 1: "yes"}


@dataclass(frozen=True)
class RegistryExport:
    """The exported tables: ``cohort`` (dictionary columns, then ``site``) and ``complications``."""

    cohort: pd.DataFrame
    complications: pd.DataFrame
    sites: tuple[str, ...]

    @property
    def repeated_ids(self) -> tuple[str, ...]:
        """Study numbers held by more than one of the exported sites (sorted)."""
        pairs = self.cohort[["site", "patient_id"]].drop_duplicates()
        counts = pairs["patient_id"].value_counts()
        return tuple(sorted(str(i) for i in counts.index[counts > 1]))


def qualify_ids(export: RegistryExport) -> RegistryExport:
    """The export with every ``patient_id`` written ``SITE:ID`` when a number repeats across sites.

    patient_id is unique per site in the registry, while a cohort file (what ``rtdelay analyze``
    reads) needs it unique: when two exported sites hold the same study number, every id of the
    cohort and of the complications is qualified by its site code (all of them, so the rule is
    visible and uniform). Nothing changes when the numbers do not repeat.

    Raises
    ------
    InputError
        A qualified id would be longer than the dictionary's 64 characters.
    """
    if not export.repeated_ids:
        return export

    def qualified(frame: pd.DataFrame) -> pd.DataFrame:
        out = frame.copy()
        out["patient_id"] = [f"{site}{SITE_SEPARATOR}{pid}" for site, pid in
                             zip(frame["site"].tolist(), frame["patient_id"].tolist(), strict=True)]
        too_long = [v for v in out["patient_id"] if len(v) > 64]
        if too_long:
            raise InputError(f"the site-qualified id {too_long[0]!r} is longer than 64 "
                             "characters: export the sites one by one (--site)")
        return out

    return RegistryExport(cohort=qualified(export.cohort),
                          complications=qualified(export.complications), sites=export.sites)


def _typed(rows: list[dict[str, Any]]) -> pd.DataFrame:
    data: dict[str, Any] = {}
    for name in PATIENT_FIELDS:
        values = [r[name] for r in rows]
        kind = COLUMNS[name].kind
        if kind == "integer":
            data[name] = pd.array(values, dtype="Int64")
        elif kind == "boolean":
            data[name] = pd.array(values, dtype="boolean")
        elif kind == "number":
            data[name] = pd.array([float("nan") if v is None else v for v in values],
                                  dtype="float64")
        else:
            data[name] = pd.Series(values, dtype=object)
    data["site"] = pd.Series([r["site"] for r in rows], dtype=object)
    return pd.DataFrame(data)


def export_registry(
    session: Session, actor: Actor, *, site: str | None = None, audit: bool = True,
    purpose: str = "export",
) -> RegistryExport:
    """The live (not deleted) patients and complications the actor sees, optionally one site.

    The cohort frame has the data dictionary's columns (dates as ``datetime.date``, integers
    ``Int64``, booleans ``boolean``) and a ``site`` column; complications have ``patient_id,
    phase, complication, date, site``. ``audit`` records the export as an audit event.
    """
    require(actor, "export" if purpose == "export" else "analyze")
    query = patients_query(actor)
    if site is not None:
        target = resolve_site(session, actor, site)
        query = query.where(Patient.site_id == target.id)
    query = query.order_by(Patient.site_id, Patient.patient_id)
    codes = {s.id: s.code for s in session.scalars(select(Site))}
    columns = [getattr(Patient, n) for n in PATIENT_FIELDS]
    rows: list[dict[str, Any]] = []
    pk_of: dict[int, tuple[str, str]] = {}
    stmt = query.with_only_columns(Patient.id, Patient.site_id, *columns)
    for rec in session.execute(stmt):
        values = dict(zip(PATIENT_FIELDS, rec[2:], strict=True))  # plain Python values
        values["site"] = codes[rec[1]]
        rows.append(values)
        pk_of[rec[0]] = (values["patient_id"], codes[rec[1]])
    cohort = _typed(rows)
    comp_rows: list[dict[str, Any]] = []
    comps = session.execute(
        select(Complication.patient_pk, Complication.phase, Complication.complication,
               Complication.date)
        .where(Complication.deleted_at.is_(None)).order_by(Complication.id)
    )
    for pk, phase, text, date in comps:
        if pk in pk_of:
            pid, code = pk_of[pk]
            comp_rows.append({"patient_id": pid, "phase": phase, "complication": text,
                              "date": date, "site": code})
    complications = pd.DataFrame(comp_rows, columns=[*COMPLICATION_COLUMNS, "site"])
    sites = tuple(sorted(set(cohort["site"])))
    if audit:
        record_event(session, purpose, detail=f"{len(cohort)} patients, "
                     f"{len(complications)} complications; sites: {', '.join(sites) or 'none'}")
    return RegistryExport(cohort=cohort, complications=complications, sites=sites)


def registry_cohort(session: Session, actor: Actor, *, site: str | None = None) -> pd.DataFrame:
    """The cohort frame for an analysis (audited as ``analyze``); ids qualified by site when a
    study number repeats across the sites (:func:`qualify_ids`)."""
    return qualify_ids(export_registry(session, actor, site=site, purpose="analyze")).cohort


def complications_path(path: Path) -> Path:
    """``cohort.sav`` -> ``cohort_complications.sav``."""
    return path.with_name(f"{path.stem}_complications{path.suffix}")


def _coded(frame: pd.DataFrame, specs: dict[str, Any]) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Categories -> integer codes 1..k, booleans -> 0/1; value labels per column."""
    out = frame.copy()
    labels: dict[str, dict[int, str]] = {}
    for name in frame.columns:
        spec = specs.get(name)
        if spec is None:
            continue
        if spec.kind in ("category", "ordered") and spec.allowed:
            codes = {v: i + 1 for i, v in enumerate(spec.allowed)}
            out[name] = pd.array([codes.get(v) if v is not None else None
                                  for v in frame[name].tolist()], dtype="float64")
            labels[name] = {i + 1: str(v) for i, v in enumerate(spec.allowed)}
        elif spec.kind == "boolean":
            out[name] = pd.array([None if v is pd.NA or v is None else float(bool(v))
                                  for v in frame[name].astype(object).tolist()], dtype="float64")
            labels[name] = dict(_BOOL_LABELS)
        elif spec.kind == "integer":
            out[name] = frame[name].astype("float64")
        elif spec.kind == "date":
            out[name] = pd.to_datetime(pd.Series(frame[name].tolist(), dtype=object))
    return out, labels


def _write_stat(frame: pd.DataFrame, path: Path, specs: dict[str, Any], fmt: str) -> None:
    import pyreadstat

    data, value_labels = _coded(frame, specs)
    variable_labels = {n: (specs[n].description if n in specs else n)[:80] for n in data.columns}
    if "site" in data.columns:
        variable_labels["site"] = "registry site code"
    tmp = path.with_name(f".{path.name}.tmp")
    if fmt == "sav":
        pyreadstat.write_sav(data, str(tmp), column_labels=variable_labels,
                             variable_value_labels=value_labels)
    else:
        pyreadstat.write_dta(data, str(tmp), column_labels=variable_labels,
                             variable_value_labels=value_labels, version=15)
    os.replace(tmp, path)


def _text_column(values: list[Any]) -> list[str]:
    """csv cells of one column, as the cohort layer's ``cell_text`` writes them."""
    from rtdelay.cohort import cell_text, escape_formula

    out: list[str] = []
    for v in values:
        if v is None or v is pd.NA or (isinstance(v, float) and v != v):
            out.append("")
        elif isinstance(v, str):
            out.append(escape_formula(v))
        elif isinstance(v, bool):
            out.append("true" if v else "false")
        elif isinstance(v, (int, dt.date)):
            out.append(v.isoformat() if isinstance(v, dt.date) else str(v))
        else:
            out.append(cell_text(v))
    return out


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    """csv export, column by column (the cohort layer's rules: ISO dates, formulas escaped)."""
    import csv

    from rtdelay.cohort import escape_formula

    columns = [_text_column(frame[name].tolist()) for name in frame.columns]
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow([escape_formula(str(c)) for c in frame.columns])
        writer.writerows(zip(*columns, strict=True))
    os.replace(tmp, path)


def _write_one(frame: pd.DataFrame, path: Path, fmt: str, specs: dict[str, Any]) -> None:
    from rtdelay.cohort import write_table

    if fmt == "csv":
        _write_csv(frame, path)
    elif fmt == "xlsx":
        write_table(frame, path)
    elif fmt == "parquet":
        tmp = path.with_name(f".{path.name}.tmp")
        frame.to_parquet(tmp, index=False)
        os.replace(tmp, path)
    else:
        _write_stat(frame, path, specs, fmt)


def write_export(export: RegistryExport, path: str | os.PathLike[str],
                 *, fmt: str | None = None) -> tuple[Path, Path]:
    """Write the cohort to ``path`` and the complications beside it; return both paths.

    ``fmt`` defaults to the suffix of ``path`` (one of :data:`EXPORT_FORMATS`).
    """
    target = Path(path)
    chosen = fmt or target.suffix.lower().lstrip(".")
    if chosen not in EXPORT_FORMATS:
        raise InputError(f"export format {chosen!r} is not one of {', '.join(EXPORT_FORMATS)}")
    if target.suffix.lower() != f".{chosen}":
        target = target.with_name(f"{target.name}.{chosen}")
    if target.is_dir():
        raise InputError(f"cannot write {str(target)!r}: it is a directory")
    target.parent.mkdir(parents=True, exist_ok=True)
    _write_one(export.cohort, target, chosen, dict(COLUMNS))
    comp_target = complications_path(target)
    _write_one(export.complications, comp_target, chosen, dict(COMPLICATION_COLUMNS))
    return target, comp_target
