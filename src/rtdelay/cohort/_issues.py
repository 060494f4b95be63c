"""Collecting row issues: one message per failing cell, naming row, patient, column and rule."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from rtdelay.cohort._normalize import display_value
from rtdelay.errors import RowIssue

__all__ = ["IssueCollector", "fmt_date"]


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
        The row number the user sees for each frame row (spreadsheet row, csv line).
    data_rows : sequence of int, optional
        The 1-based data row (header not counted) of each frame row, kept in ``RowIssue.data_row``.
    ids : numpy.ndarray
        The parsed patient_id of each row (None when blank or unusable).
    """

    def __init__(
        self, frame: pd.DataFrame, source_rows: Sequence[int], ids: np.ndarray, *, data_rows: Sequence[int] | None = None
    ) -> None:
        self.frame = frame
        self.source_rows = list(source_rows)
        self.data_rows = list(data_rows) if data_rows is not None else list(source_rows)
        self.ids = ids
        self.rejected = np.zeros(len(frame), dtype=bool)
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
        for pos in positions.tolist():
            pid = self.ids[pos]
            issue = RowIssue(
                row=self.source_rows[pos],
                data_row=self.data_rows[pos],
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

    def reasons(self) -> dict[int, str]:
        """Frame position -> the error messages of that row joined by ``" | "``."""
        out: dict[int, list[str]] = {}
        for pos, _, issue in sorted(self._items, key=lambda t: (t[0], t[1])):
            if pos >= 0 and issue.severity == "error":
                out.setdefault(pos, []).append(issue.message)
        return {pos: " | ".join(msgs) for pos, msgs in out.items()}
