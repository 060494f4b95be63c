"""Eligibility of the seed study (Gong et al. 2021) as ordered data, and the flow counts.

Every excluded row is counted under its *first* failing criterion, in the order of
``CRITERIA``, so the flow diagram's boxes add up: ``screened = sum(exclusions) + included``.
``read_cohort`` runs the whole input pipeline: load -> validate -> derive -> eligibility, and
counts the rows rejected at validation in the flow too (:func:`add_validation`): then
``screened`` is every data row read and ``screened = rejected + sum(exclusions) + included``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from rtdelay.cohort._schema import ELIGIBLE_RT_TECHNIQUES, ELIGIBLE_SURGERY_TYPES

if TYPE_CHECKING:
    from rtdelay.cohort._load import RawTable
    from rtdelay.cohort._validate import ValidationResult

__all__ = [
    "CRITERIA",
    "EXCLUSION_REASONS",
    "EXCLUSION_LABELS",
    "INTERVAL_LIMIT_MONTHS",
    "EligibilityResult",
    "CohortData",
    "apply_eligibility",
    "add_validation",
    "read_cohort",
]

INTERVAL_LIMIT_MONTHS = 9.0
"""Patients whose surgery-to-RT interval is this long or longer are excluded."""


def _false(frame: pd.DataFrame, name: str) -> np.ndarray:
    """True where a boolean column is false (a missing value does not exclude)."""
    if name not in frame.columns:
        return np.zeros(len(frame), dtype=bool)
    values = frame[name].astype("boolean")
    return (values.notna() & ~values.fillna(True)).to_numpy(dtype=bool)


def _true(frame: pd.DataFrame, name: str) -> np.ndarray:
    if name not in frame.columns:
        return np.zeros(len(frame), dtype=bool)
    return frame[name].astype("boolean").fillna(False).to_numpy(dtype=bool)


def _not_in(frame: pd.DataFrame, name: str, allowed: tuple[str, ...]) -> np.ndarray:
    return (~frame[name].astype(object).isin(allowed)).to_numpy(dtype=bool)


def _interval(frame: pd.DataFrame) -> np.ndarray:
    ti = pd.to_numeric(frame["ti_months"], errors="coerce").to_numpy(dtype=float)
    return np.nan_to_num(ti, nan=-1.0) >= INTERVAL_LIMIT_MONTHS


def _no_prert_mri(frame: pd.DataFrame) -> np.ndarray:
    mri = (frame["prert_mri_date"].isna() if "prert_mri_date" in frame.columns
           else pd.Series(True, index=frame.index))
    prog = (frame["prert_progression"].isna() if "prert_progression" in frame.columns
            else pd.Series(True, index=frame.index))
    return (mri & prog).to_numpy(dtype=bool)


CRITERIA: tuple[tuple[str, str, Callable[[pd.DataFrame], np.ndarray]], ...] = (
    ("surgery_elsewhere", "Surgery performed at another hospital",
     lambda f: _false(f, "surgery_at_site")),
    ("rt_elsewhere", "Radiotherapy given at another hospital",
     lambda f: _false(f, "rt_at_site")),
    ("surgery_type_ineligible",
     "Operation not separation, decompression or vertebrectomy "
     "(vertebroplasty, occipitocervical fusion, total en bloc resection, other)",
     lambda f: _not_in(f, "surgery_type", ELIGIBLE_SURGERY_TYPES)),
    ("rt_technique_ineligible", "Radiotherapy technique not SBRT or IMRT",
     lambda f: _not_in(f, "rt_technique", ELIGIBLE_RT_TECHNIQUES)),
    ("interval_9_months_or_more", "Interval from surgery to radiotherapy 9 months or more",
     _interval),
    ("seed_implantation", "Radioactive seed implantation", lambda f: _true(f, "seed_implantation")),
    ("no_prert_mri", "No MRI before radiotherapy", _no_prert_mri),
)
"""(reason key, label for the flow diagram, test giving True for rows that fail), in order."""

EXCLUSION_REASONS: tuple[str, ...] = tuple(key for key, _, _ in CRITERIA)
EXCLUSION_LABELS: dict[str, str] = {key: label for key, label, _ in CRITERIA}


@dataclass(frozen=True)
class EligibilityResult:
    """Included and excluded rows and the flow counts.

    ``flow`` is ``{"screened", "exclusions": {reason: count, ...} (in order, zeros kept),
    "included", "by_group": {"PBR", "NPBR"}, "labels": EXCLUSION_LABELS}``.
    """

    included: pd.DataFrame
    excluded: pd.DataFrame
    flow: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return dict(self.flow)

    def to_frame(self) -> pd.DataFrame:
        """The flow as a table: one row per step (screened, each exclusion, included)."""
        rows = [{"step": "screened", "label": "Patients screened", "n": self.flow["screened"]}]
        if "rejected" in self.flow:
            rows.append({"step": "rejected", "label": "Rejected at validation", "n": self.flow["rejected"]})
        for key, count in self.flow["exclusions"].items():
            rows.append({"step": key, "label": EXCLUSION_LABELS[key], "n": count})
        rows.append({"step": "included", "label": "Patients included", "n": self.flow["included"]})
        return pd.DataFrame(rows)


def apply_eligibility(derived: pd.DataFrame) -> EligibilityResult:
    """Apply the seed study's criteria in order to a derived cohort.

    Parameters
    ----------
    derived : pandas.DataFrame
        Output of ``derive_cohort`` (needs ``ti_months`` and ``group``).
    """
    n = len(derived)
    reason = np.full(n, None, dtype=object)
    counts: dict[str, int] = {}
    for key, _, test in CRITERIA:
        fails = test(derived) & (reason == None)  # noqa: E711  (elementwise on object array)
        reason[fails] = key
        counts[key] = int(fails.sum())
    keep = reason == None  # noqa: E711
    included = derived.loc[keep].reset_index(drop=True)
    excluded = derived.loc[~keep].copy()
    excluded["reason"] = reason[~keep]
    excluded = excluded.reset_index(drop=True)
    groups = included["group"] if "group" in included.columns else pd.Series(dtype=object)
    flow: dict[str, Any] = {
        "screened": n,
        "exclusions": counts,
        "included": len(included),
        "by_group": {"PBR": int((groups == "PBR").sum()), "NPBR": int((groups == "NPBR").sum())},
        "labels": dict(EXCLUSION_LABELS),
    }
    return EligibilityResult(included=included, excluded=excluded, flow=flow)


def _values_rejected(validation: ValidationResult, included: pd.DataFrame) -> dict[str, Any]:
    """Per field-level column with a rejected value among the included patients: counts."""
    from rtdelay.cohort._schema import COLUMNS

    rows = set(included["source_row"].tolist()) if "source_row" in included.columns else set()
    counts: dict[str, int] = {}
    for issue in validation.field_issues:
        if issue.row in rows and issue.column is not None:
            counts[issue.column] = counts.get(issue.column, 0) + 1
    out: dict[str, Any] = {}
    for name in (n for n in COLUMNS if n in counts):
        available = int(included[name].notna().sum()) if name in included.columns else 0
        out[name] = {
            "label": COLUMNS[name].description,
            "rejected": counts[name],
            "available": available,
            "patients": len(included),
        }
    return out


def add_validation(eligibility: EligibilityResult, validation: ValidationResult) -> EligibilityResult:
    """Count what validation rejected in the flow, so that nothing read is lost from it.

    ``screened`` becomes every data row read (``validation.n_rows``); ``rejected`` the rows
    rejected at validation, with ``rejection_reasons`` (rows by their first error,
    ``"<column>: <rule>"``); ``values_rejected`` gives, per field-level column with a value
    rejected among the included patients, ``{"label", "rejected", "available", "patients"}``
    (e.g. KPS: 87 of 89 patients; 2 values rejected).
    """
    flow = dict(eligibility.flow)
    flow["screened"] = int(validation.n_rows)
    flow["rejected"] = int(validation.n_rejected)
    flow["rejection_reasons"] = validation.rejection_reasons()
    flow["values_rejected"] = _values_rejected(validation, eligibility.included)
    return EligibilityResult(included=eligibility.included, excluded=eligibility.excluded, flow=flow)


@dataclass(frozen=True)
class CohortData:
    """Everything ``read_cohort`` produced: the raw table, validation, derived, eligibility."""

    raw: RawTable | None
    validation: ValidationResult
    derived: pd.DataFrame
    eligibility: EligibilityResult
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def included(self) -> pd.DataFrame:
        return self.eligibility.included

    @property
    def flow(self) -> dict[str, Any]:
        return self.eligibility.flow


def read_cohort(
    path: str | Path,
    *,
    mapping: str | Path | None = None,
    sheet: str | None = None,
    date_order: str | None = None,
    today: dt.date | None = None,
) -> CohortData:
    """Load, validate, derive and apply eligibility in one call.

    Raises
    ------
    CohortError
        The file cannot be used at all (missing, empty, not a table, required column absent).
    """
    from rtdelay.cohort._derive import derive_cohort
    from rtdelay.cohort._load import load_table
    from rtdelay.cohort._validate import validate_cohort

    raw = load_table(path, mapping=mapping, sheet=sheet)
    validation = validate_cohort(raw, date_order=date_order, today=today)
    derived = derive_cohort(validation.valid)
    eligibility = add_validation(apply_eligibility(derived), validation)
    return CohortData(raw=raw, validation=validation, derived=derived, eligibility=eligibility)
