"""Collecting row issues: one message per failing cell, naming row, patient, column and rule."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import Any

import numpy as np
import pandas as pd

from rtdelay.cohort._normalize import display_value
from rtdelay.errors import RowIssue

__all__ = ["IssueCollector", "fmt_date", "count_reasons", "RULE_WORDS"]


RULE_WORDS: dict[str, str] = {
    "type": "wrong type",
    "allowed": "not an allowed value",
    "range": "out of range",
    "multiple_of": "not an allowed step",
    "integer": "not a whole number",
    "boolean": "not yes/no",
    "length": "wrong length",
    "date_invalid": "not a date",
    "date_range": "date out of range",
    "date_order": "dates out of order",
    "death_followup": "death and last follow-up differ",
    "required": "blank but required",
    "duplicate": "duplicate patient_id",
    "duration_mismatch": "durations disagree with dates",
    "duration_order": "durations out of order",
    "reader_agreement": "disagrees with the readers",
    "total_mismatch": "total disagrees with its components",
}
"""Rule name -> words for counting rejection reasons (flow diagram, report)."""


def count_reasons(issues: Sequence[RowIssue]) -> dict[str, int]:
    """Rejected rows counted once each, by their first error: ``"<column>: <rule words>"`` -> rows."""
    counts: dict[str, int] = {}
    seen: set[int] = set()
    for issue in issues:
        if issue.severity != "error" or issue.row is None or issue.row in seen:
            continue
        seen.add(issue.row)
        key = f"{issue.column}: {RULE_WORDS.get(issue.rule, issue.rule.replace('_', ' '))}"
        counts[key] = counts.get(key, 0) + 1
    return counts


def fmt_date(value: Any) -> str:
    """ISO text of a datetime64 / Timestamp value (for messages)."""
    return str(pd.Timestamp(value).date())


class IssueCollector:
    """Gathers :class:`RowIssue` objects and the rows that an error rejects.

    Parameters
    ----------
    frame : pandas.DataFrame
        The cells as they came in (their values are quoted in the issues).
    source_rows : sequence of int
        The row number the user sees for each frame row.
    ids : numpy.ndarray
        The parsed patient_id of each row (None when blank or unusable).
    field_columns : collection of str
        Columns whose rules are field level (``ColumnSpec.level == "field"``): an error there
        becomes an issue of severity ``"field"`` that does not reject the row; the cell is
        recorded in ``field_cells`` so that validation can treat it as missing.
    """

    def __init__(
        self,
        frame: pd.DataFrame,
        source_rows: Sequence[int],
        ids: np.ndarray,
        *,
        field_columns: Collection[str] = (),
    ) -> None:
        self.frame = frame
        self.source_rows = list(source_rows)
        self.ids = ids
        self.rejected = np.zeros(len(frame), dtype=bool)
        self.field_columns = frozenset(field_columns)
        self.field_cells: dict[str, np.ndarray] = {}
        self._items: list[tuple[int, int, RowIssue]] = []

    def file_warning(self, column: str | None, rule: str, message: str) -> None:
        """A warning about the whole file (row None)."""
        issue = RowIssue(None, None, column, None, rule, message, "warning")
        self._items.append((-1, len(self._items), issue))

    def raw_value(self, pos: int, column: str) -> Any:
        if column not in self.frame.columns:
            return None
        value = self.frame[column].iat[pos]
        if isinstance(value, float) and np.isnan(value):
            return None
        return value

    def prefix(self, pos: int) -> str:
        pid = self.ids[pos]
        who = f"patient {pid}" if pid is not None else "no usable patient_id"
        return f"Row {self.source_rows[pos]} ({who})"

    def add(
        self,
        mask: np.ndarray,
        column: str,
        rule: str,
        tail: Callable[..., str],
        *,
        severity: str = "error",
    ) -> None:
        """Add one issue for every row where ``mask`` is True.

        ``tail(pos)`` gives the sentence after the row prefix, without the final full stop.
        """
        positions = np.flatnonzero(mask)
        if positions.size == 0:
            return
        if severity == "error" and column in self.field_columns:
            severity = "field"
            cells = self.field_cells.setdefault(column, np.zeros(len(self.frame), dtype=bool))
            cells[positions] = True
        for pos in positions.tolist():
            pid = self.ids[pos]
            issue = RowIssue(
                row=self.source_rows[pos],
                patient_id=pid,
                column=column,
                value=self.raw_value(pos, column),
                rule=rule,
                message=f"{self.prefix(pos)}: {tail(pos)}.",
                severity=severity,
            )
            self._items.append((pos, len(self._items), issue))
        if severity == "error":
            self.rejected[positions] = True

    def add_cells(
        self, mask: np.ndarray, column: str, rule: str, detail: str, *, severity: str = "error"
    ) -> None:
        """Issues of the form ``<column> <value> <detail>``."""

        def tail(pos: int) -> str:
            value = self.raw_value(pos, column)
            shown = "(blank)" if value is None else display_value(value)
            return f"{column} {shown} {detail}"

        self.add(mask, column, rule, tail, severity=severity)

    def issues(self) -> list[RowIssue]:
        """Issues sorted by row (file-level ones first), then in the order found."""
        return [item[2] for item in sorted(self._items, key=lambda t: (t[0], t[1]))]

    def reasons(self, severity: str = "error") -> dict[int, str]:
        """Frame position -> the messages of that row's issues of ``severity``, joined by ``" | "``."""
        out: dict[int, list[str]] = {}
        for pos, _, issue in sorted(self._items, key=lambda t: (t[0], t[1])):
            if pos >= 0 and issue.severity == severity:
                out.setdefault(pos, []).append(issue.message)
        return {pos: " | ".join(msgs) for pos, msgs in out.items()}
