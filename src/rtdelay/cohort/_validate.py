"""Row-by-row validation of a cohort table against the data dictionary, with quarantine.

Every rule of DATA_DICTIONARY.md is checked: cell types, allowed values and ranges, required
values, unique patient_id, date ranges and order, totals against components, reader agreement,
durations against dates. What a broken rule costs is the column's level (``ColumnSpec.level``):
in a row-level column (identity, dates, durations, events, progression before RT, eligibility)
the row is rejected (it goes to the quarantine file with its reasons); in a field-level column
(demographics, tumour, scores, ESCC, RT dose, quality of life) only the value is lost: it is
treated as missing, the issue has severity ``"field"`` and the row is listed in the quarantine
file with level ``field``, but the patient stays. A warning keeps the row and the value. A file that cannot be used at all (a required column
absent without an alternative) raises :class:`rtdelay.errors.CohortError`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from rtdelay.cohort._consistency import check_rows
from rtdelay.cohort._issues import IssueCollector, count_reasons
from rtdelay.cohort._normalize import DATE_ORDERS, parse_column
from rtdelay.cohort._schema import ALTERNATIVES, COLUMNS, FIELD_LEVEL_COLUMNS, SCORE_COMPONENTS
from rtdelay.errors import CohortError, InputError, RowIssue

if TYPE_CHECKING:
    from rtdelay.cohort._load import RawTable

__all__ = ["ValidationResult", "validate_cohort", "typed_frame"]

_STRICT_BOOLEANS = ("surgery_at_site", "rt_at_site", "seed_implantation", "lost_to_followup")


@dataclass(frozen=True)
class ValidationResult:
    """What validation found.

    Attributes
    ----------
    valid : pandas.DataFrame
        The accepted rows, typed: every dictionary column (absent optional ones as missing),
        dates datetime64[ns], numbers float64, integers Int64, ``surgery_at_site``,
        ``rt_at_site``, ``seed_implantation`` and ``lost_to_followup`` (blank = false) bool,
        the other booleans nullable ``boolean``, ``escc_grade`` an ordered categorical, text
        and categories str; then unknown extra columns as they came in, then ``source_row``.
        Score totals missing but computable from their components are filled.
    rejected : pandas.DataFrame
        The rejected rows exactly as they came in (cells translated by a mapping, SPSS value
        labels or decimal comma shown untranslated), plus ``source_row`` and ``reasons``.
    issues : list of RowIssue
        Every error, field issue and warning, file-level warnings first, then by row.
    fields : pandas.DataFrame
        The accepted rows in which a field-level value was rejected (and is missing in
        ``valid``), as they came in, plus ``source_row`` and ``reasons``.
    recoded : dict
        ``{"sex M→male": 12, ...}``: category values recoded by a synonym of the dictionary
        (a difference of case alone is not counted), so that no recoding is silent.
    """

    valid: pd.DataFrame
    rejected: pd.DataFrame
    issues: list[RowIssue] = field(default_factory=list)
    fields: pd.DataFrame = field(default_factory=pd.DataFrame)
    recoded: dict[str, int] = field(default_factory=dict)

    @property
    def recoded_note(self) -> str | None:
        """``"12 values recoded: sex M→male (10), histology RCC→renal (2)"`` or None."""
        if not self.recoded:
            return None
        total = sum(self.recoded.values())
        parts = ", ".join(f"{k} ({v})" for k, v in self.recoded.items())
        return f"{total} value{'s' if total != 1 else ''} recoded by the dictionary's synonyms: {parts}"

    @property
    def n_valid(self) -> int:
        return len(self.valid)

    @property
    def n_rejected(self) -> int:
        return len(self.rejected)

    @property
    def n_rows(self) -> int:
        return self.n_valid + self.n_rejected

    @property
    def errors(self) -> list[RowIssue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[RowIssue]:
        return [i for i in self.issues if i.severity == "warning"]

    @property
    def field_issues(self) -> list[RowIssue]:
        """Values rejected in field-level columns (the rows were kept)."""
        return [i for i in self.issues if i.severity == "field"]

    def rejection_reasons(self) -> dict[str, int]:
        """Rejected rows counted by their first error, as ``"<column>: <rule>"`` -> rows.

        Every rejected row is counted once, so the counts add up to ``n_rejected``.
        """
        return count_reasons(self.issues)

    def to_dict(self) -> dict[str, Any]:
        """``{"rows", "valid", "rejected", "values_rejected", "issues": [RowIssue.to_dict(), ...]}``."""
        return {
            "rows": self.n_rows,
            "valid": self.n_valid,
            "rejected": self.n_rejected,
            "values_rejected": len(self.field_issues),
            "issues": [_json_safe(issue.to_dict()) for issue in self.issues],
        }

    def to_frame(self) -> pd.DataFrame:
        """The issues as a table (one row per issue)."""
        columns = ["row", "patient_id", "column", "value", "rule", "message", "severity"]
        return pd.DataFrame([i.to_dict() for i in self.issues], columns=columns)

    def quarantine_frame(self) -> pd.DataFrame:
        """Rejected rows (``level`` "row") and kept rows with a rejected value (``level``
        "field"), as they came in, with ``source_row``, ``level`` and ``reasons``, by row."""
        parts = [self.rejected.assign(level="row")]
        if len(self.fields):
            parts.append(self.fields.assign(level="field"))
        out = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
        out = out.sort_values("source_row", kind="stable").reset_index(drop=True)
        ordered = [c for c in out.columns if c not in ("source_row", "level", "reasons")]
        return out[[*ordered, "source_row", "level", "reasons"]]

    def write_quarantine(self, path: str | Path, *, notes: list[str] | None = None) -> Path:
        """Write :meth:`quarantine_frame`: rejected rows and rows with a rejected value.

        csv or xlsx by suffix; text cells are escaped against spreadsheet formula injection.
        ``notes`` receives a sentence when characters an xlsx file cannot hold were escaped.
        """
        from rtdelay.cohort._export import write_table

        target = Path(path)
        write_table(self.quarantine_frame(), target, notes=notes)
        return target


def _json_safe(item: dict[str, Any]) -> dict[str, Any]:
    """A non-finite float value (inf, nan) becomes text so the JSON stays valid."""
    value = item.get("value")
    if isinstance(value, float) and not np.isfinite(value):
        item["value"] = str(value)
    return item


DICTIONARY_HINT = "the columns are described in docs/data-dictionary.md ('rtdelay dictionary')"


def _check_columns(frame: pd.DataFrame) -> None:
    dupes = frame.columns[frame.columns.duplicated()].tolist()
    if dupes:
        raise CohortError(f"column {dupes[0]!r} appears more than once in the file")
    present = set(frame.columns)
    for name, spec in COLUMNS.items():
        if spec.required not in ("yes", "or_components") or name in present:
            continue
        alternatives = ALTERNATIVES.get(name, ())
        if alternatives and all(a in present for a in alternatives):
            continue
        instead = f" (or {', '.join(alternatives)} instead)" if alternatives else ""
        raise CohortError(f"required column {name!r} is missing{instead}; {DICTIONARY_HINT}")
    if "prert_mri_date" not in present and "prert_progression" not in present:
        raise CohortError(
            "required column 'prert_mri_date' is missing (or prert_progression), so no patient "
            f"could be grouped by progression before radiotherapy; {DICTIONARY_HINT}"
        )


def _check_required(
    c: IssueCollector,
    parsed: dict[str, Any],
    col: dict[str, np.ndarray],
    n: int,
) -> None:
    def given(name: str) -> np.ndarray:
        p = parsed.get(name)
        if p is None:
            return np.zeros(n, dtype=bool)
        return ~p.missing & (p.error < 0)

    def errored(name: str) -> np.ndarray:
        p = parsed.get(name)
        return np.zeros(n, dtype=bool) if p is None else p.error >= 0

    for name, spec in COLUMNS.items():
        if spec.required not in ("yes", "or_components"):
            continue
        alternatives = ALTERNATIVES.get(name, ())
        alt = np.ones(n, dtype=bool) if alternatives else np.zeros(n, dtype=bool)
        for a in alternatives:
            alt &= given(a)
        bad = ~given(name) & ~errored(name) & ~alt
        if spec.required == "or_components":
            detail = (f"is blank and its components are not all given; give the total or all "
                      f"of {', '.join(SCORE_COMPONENTS[name])}")
        elif alternatives:
            detail = f"is blank; it is required (or give {' and '.join(alternatives)} instead)"
        else:
            detail = "is blank; it is required"
        c.add(bad, name, "required", lambda pos, nm=name, d=detail: f"{nm} {d}")
    bad = given("prert_mri_date") & ~given("prert_progression") & ~errored("prert_progression")
    c.add(bad, "prert_progression", "required",
          lambda pos: "prert_progression is blank although prert_mri_date is given; record "
                      "whether the pre-RT MRI showed progression")


def _int64(arr: np.ndarray) -> pd.arrays.IntegerArray:
    """Float array of whole numbers (NaN = missing) -> nullable Int64 array, without a copy loop."""
    mask = np.isnan(arr)
    data = np.where(mask, 0.0, arr).astype(np.int64)
    return pd.arrays.IntegerArray(data, mask)


def typed_frame(col: dict[str, np.ndarray], n: int) -> pd.DataFrame:
    """Build the typed frame of every dictionary column from parsed arrays.

    Columns are given to pandas as arrays on one shared index (no Series to align): the
    frame of a single record, which the registry builds on every save, costs a fraction of
    what a dict of Series does.
    """
    data: dict[str, Any] = {}
    for name, spec in COLUMNS.items():
        values = col.get(name)
        kind = spec.kind
        if kind == "date":
            arr = values if values is not None else np.full(n, np.datetime64("NaT"), "M8[ns]")
            data[name] = np.asarray(arr, dtype="datetime64[ns]")
        elif kind == "number":
            data[name] = np.asarray(values if values is not None else np.full(n, np.nan),
                                    dtype=float)
        elif kind == "integer":
            arr = values if values is not None else np.full(n, np.nan)
            data[name] = _int64(arr)
        elif kind == "boolean":
            arr = values if values is not None else np.full(n, np.nan)
            if name in _STRICT_BOOLEANS:
                data[name] = np.nan_to_num(arr, nan=0.0) == 1.0
            else:  # parsed booleans are 1.0, 0.0 or NaN (missing)
                data[name] = pd.arrays.BooleanArray(arr == 1.0, np.isnan(arr))
        elif kind == "ordered":
            arr = values if values is not None else np.full(n, None, dtype=object)
            data[name] = pd.Categorical(arr, categories=list(spec.allowed or ()), ordered=True)
        else:
            arr = values if values is not None else np.full(n, None, dtype=object)
            data[name] = np.asarray(arr, dtype=object)
    return pd.DataFrame(data, index=pd.RangeIndex(n))


def validate_cohort(
    raw: RawTable | pd.DataFrame,
    *,
    date_order: str | None = None,
    today: dt.date | None = None,
    progress: Callable[[str], None] | None = None,
) -> ValidationResult:
    """Check every row of a cohort table against the data dictionary.

    Parameters
    ----------
    raw : RawTable or pandas.DataFrame
        What ``load_table`` returned, or a frame with dictionary column names (its rows are then
        numbered 1, 2, ...).
    date_order : {"dmy", "mdy"} or None
        How to read non-ISO dates such as ``03/04/2019``; None takes the mapping file's
        ``date_order`` (``raw.date_order``), and without one such dates are rejected with a
        message asking for ``--date-order``. ``"ymd"`` reads year-first dates only.
    today : datetime.date, optional
        Latest accepted surgery date (default: the current date); injectable for tests.
    progress : callable, optional
        Called with a short sentence at each step (every column parsed, the rules across
        rows, the result): the checks run a column at a time over all rows, so that is the
        unit of progress (``rtdelay validate --progress``).

    Returns
    -------
    ValidationResult
        ``n_valid + n_rejected == n_rows`` always.

    Raises
    ------
    CohortError
        A required column is missing with no alternative form, or a column appears twice.
    """
    if date_order is not None and date_order not in (*DATE_ORDERS, "ymd"):
        raise InputError(f"date_order must be one of {', '.join(DATE_ORDERS)}; got {date_order!r}")
    if isinstance(raw, pd.DataFrame):
        frame, source_rows = raw, list(range(1, len(raw) + 1))
        data_rows = list(source_rows)
        as_read: dict[str, Any] = {}
    else:
        # rows as a person sees them (spreadsheet row, csv line); the data row kept beside it
        data_rows = list(raw.source_rows)
        frame, source_rows = raw.frame, list(getattr(raw, "display_rows", None) or data_rows)
        as_read = dict(getattr(raw, "as_read", {}))
        date_order = date_order or getattr(raw, "date_order", None)
    if date_order == "ymd":
        date_order = None
    frame = frame.reset_index(drop=True)
    frame.columns = [str(c) for c in frame.columns]
    if len(source_rows) != len(frame):
        raise InputError("source_rows must give one row number per frame row")
    today = today or dt.date.today()
    _check_columns(frame)
    n = len(frame)

    step = progress if progress is not None else _quiet
    present = [(name, spec) for name, spec in COLUMNS.items() if name in frame.columns]
    parsed: dict[str, Any] = {}
    for k, (name, spec) in enumerate(present, start=1):
        step(f"checking column {k} of {len(present)} ({name}) in {n:,} rows")
        parsed[name] = parse_column(frame[name], spec, date_order=date_order)
    ids = parsed["patient_id"].values
    c = IssueCollector(frame, source_rows, ids, field_columns=FIELD_LEVEL_COLUMNS, data_rows=data_rows)
    for name in frame.columns:
        if name not in COLUMNS:
            c.file_warning(name, "unknown_column",
                           f"Column {name!r} is not in the data dictionary; it is kept but not "
                           "checked or used")
    for name, p in parsed.items():
        for code, err in enumerate(p.errors):
            c.add_cells(p.error == code, name, err.rule, err.detail)
    col = {name: p.values for name, p in parsed.items()}
    step(f"checking the rules across columns (dates in order, totals, duplicates) in {n:,} rows")
    _check_required(c, parsed, col, n)
    check_rows(c, col, set(parsed), n, today)
    _blank_field_cells(col, c.field_cells)

    keep = ~c.rejected
    step("collecting the accepted and rejected rows")
    typed = typed_frame(col, n)
    extras = [name for name in frame.columns if name not in COLUMNS]
    for name in extras:
        typed[name] = frame[name]
    typed["source_row"] = np.asarray(source_rows, dtype=np.int64)
    valid = typed.loc[keep].reset_index(drop=True)

    rejected = frame.loc[~keep].copy()
    for name, column in as_read.items():  # translated cells back as the file gave them
        if name in rejected.columns:
            rejected[name] = column.to_numpy(dtype=object)[~keep]
    rejected["source_row"] = np.asarray(source_rows, dtype=np.int64)[~keep]
    reasons = c.reasons()
    rejected["reasons"] = pd.Series(
        [reasons.get(pos, "") for pos in np.flatnonzero(~keep).tolist()],
        index=rejected.index,
        dtype=object,
    )
    rejected = rejected.reset_index(drop=True)
    return ValidationResult(
        valid=valid, rejected=rejected, issues=c.issues(),
        fields=_field_rows(frame, as_read, source_rows, keep, c),
        recoded=_recoded(frame, parsed),
    )


def _quiet(message: str) -> None:
    """Default progress callback: say nothing."""


def _recoded(frame: pd.DataFrame, parsed: dict[str, Any]) -> dict[str, int]:
    """Count category cells whose text differs from the value they were read as (synonyms)."""
    counts: dict[str, int] = {}
    for name, p in parsed.items():
        if COLUMNS[name].kind not in ("category", "ordered"):
            continue
        cells = frame[name].to_numpy(dtype=object)
        for pos in np.flatnonzero((p.error < 0) & ~p.missing).tolist():
            raw, value = cells[pos], p.values[pos]
            if not isinstance(raw, str) or not isinstance(value, str):
                continue
            text = " ".join(raw.split())
            if text.casefold() != value.casefold():
                key = f"{name} {text}→{value}"
                counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _blank_field_cells(col: dict[str, np.ndarray], cells: dict[str, np.ndarray]) -> None:
    """A rejected field-level value becomes missing (NaN, NaT or None by the array's type)."""
    for name, mask in cells.items():
        values = col.get(name)
        if values is None or not mask.any():
            continue
        values = values.copy()
        if values.dtype.kind == "M":
            values[mask] = np.datetime64("NaT")
        elif values.dtype.kind == "f":
            values[mask] = np.nan
        else:
            values[mask] = None
        col[name] = values


def _field_rows(
    frame: pd.DataFrame, as_read: dict[str, Any], source_rows: list[int], keep: np.ndarray,
    c: IssueCollector,
) -> pd.DataFrame:
    """Kept rows with a rejected field-level value, as they came in, with their reasons."""
    reasons = c.reasons("field")
    positions = [pos for pos in sorted(reasons) if keep[pos]]
    out = frame.iloc[positions].copy()
    for name, column in as_read.items():
        if name in out.columns:
            out[name] = column.to_numpy(dtype=object)[positions]
    out["source_row"] = np.asarray(source_rows, dtype=np.int64)[positions]
    out["reasons"] = pd.Series([reasons[pos] for pos in positions], index=out.index, dtype=object)
    return out.reset_index(drop=True)
