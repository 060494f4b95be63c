"""Row-by-row validation of the complications table (DATA_DICTIONARY.md, second table).

One row per complication: ``patient_id`` (a patient of the cohort), ``phase`` (surgery or
radiotherapy; synonyms such as "RT" accepted), ``complication`` (free text, not blank) and an
optional ``date``. Like the cohort itself, a bad row is rejected with a message naming the row,
the patient, the column, the value and the rule; it goes to a quarantine file and the valid rows
are analysed. A missing required column makes the table unusable (``CohortError``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rtdelay.cohort._normalize import _MISSING, CellError, display_value, parse_value
from rtdelay.cohort._schema import COMPLICATION_COLUMNS
from rtdelay.errors import CohortError, RowIssue

if TYPE_CHECKING:
    import pandas as pd

    from rtdelay.cohort._load import RawTable

__all__ = ["ComplicationsValidation", "validate_complications"]


@dataclass(frozen=True)
class ComplicationsValidation:
    """Valid and rejected rows of a complications table.

    Attributes
    ----------
    valid : pandas.DataFrame
        Columns ``patient_id, phase, complication, date`` (date as ``datetime.date`` or None)
        plus ``source_row``.
    rejected : pandas.DataFrame
        Rejected rows as they came in, with ``source_row`` and ``reasons``.
    issues : list of RowIssue
    """

    valid: pd.DataFrame
    rejected: pd.DataFrame
    issues: list[RowIssue] = field(default_factory=list)

    @property
    def n_rows(self) -> int:
        return len(self.valid) + len(self.rejected)

    def rejection_reasons(self) -> dict[str, int]:
        """Rejected rows counted by their first error, ``"<column>: <rule>"`` -> rows."""
        from rtdelay.cohort._issues import count_reasons

        return count_reasons(self.issues)

    def write_quarantine(self, path: str | Path) -> Path:
        """Write the rejected rows (csv or xlsx by suffix, formula cells escaped)."""
        from rtdelay.cohort._export import write_table

        target = Path(path)
        write_table(self.rejected, target)
        return target


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def validate_complications(
    raw: RawTable, *, patient_ids: Iterable[str], date_order: str | None = None
) -> ComplicationsValidation:
    """Check each complication row; reject bad rows with a :class:`RowIssue` each.

    Parameters
    ----------
    raw : RawTable
        The table as read by :func:`rtdelay.cohort.load_table`.
    patient_ids : iterable of str
        The cohort's patient_ids (every screened patient, not only the included ones).
    date_order : {"dmy", "mdy"} or None
        How to read non-ISO dates.

    Raises
    ------
    CohortError
        A required column (patient_id, phase, complication) is absent.
    """
    import pandas as pd

    frame = raw.frame
    missing = [n for n, s in COMPLICATION_COLUMNS.items() if s.required == "yes" and n not in frame.columns]
    if missing:
        raise CohortError(
            f"the complications table {raw.path} lacks the required column {missing[0]!r} "
            f"(columns: {', '.join(COMPLICATION_COLUMNS)})"
        )
    known = {str(p).strip() for p in patient_ids}
    order = date_order or getattr(raw, "date_order", None)
    order = order if order in ("dmy", "mdy") else None
    issues: list[RowIssue] = []
    valid_rows: list[dict[str, Any]] = []
    rejected_pos: list[int] = []
    reasons: list[str] = []
    for pos, record in enumerate(frame.to_dict("records")):
        row = raw.source_rows[pos]
        pid = _text(record.get("patient_id")) or None
        who = f"patient {pid}" if pid else "no patient_id"
        problems: list[RowIssue] = []
        parsed: dict[str, Any] = {"source_row": row}
        for name, spec in COMPLICATION_COLUMNS.items():
            value = record.get(name)
            result = parse_value(value, spec, date_order=order)
            if isinstance(result, CellError):
                problems.append(
                    RowIssue(row, pid, name, value, result.rule,
                             f"Row {row} ({who}): {name} {display_value(value)} {result.detail}.")
                )
            elif result is _MISSING:
                if spec.required == "yes":
                    problems.append(
                        RowIssue(row, pid, name, None, "required",
                                 f"Row {row} ({who}): {name} is blank; it is required.")
                    )
                parsed[name] = None
            else:
                parsed[name] = result.strip() if isinstance(result, str) else result
        if pid and pid not in known:
            problems.append(
                RowIssue(row, pid, "patient_id", pid, "unknown_patient",
                         f"Row {row} ({who}): patient_id {pid} is not a patient of the cohort file.")
            )
        if problems:
            issues.extend(problems)
            rejected_pos.append(pos)
            reasons.append(" ".join(p.message for p in problems))
        else:
            valid_rows.append(parsed)
    columns = [*COMPLICATION_COLUMNS, "source_row"]
    valid = pd.DataFrame(valid_rows, columns=columns)
    rejected = frame.iloc[rejected_pos].copy()
    rejected.insert(0, "source_row", [raw.source_rows[p] for p in rejected_pos])
    rejected["reasons"] = reasons
    return ComplicationsValidation(valid=valid, rejected=rejected.reset_index(drop=True), issues=issues)
