"""Exception and warning tree of rtdelay.

``RtdelayError`` is the root; the command line maps it to a one-line message and a non-zero
exit code, never a traceback.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "RtdelayError",
    "InputError",
    "CohortError",
    "RowIssue",
    "StatisticalWarning",
    "ModelError",
    "MissingExtraError",
]


class RtdelayError(Exception):
    """Root of every error rtdelay raises on purpose."""


class InputError(RtdelayError, ValueError):
    """Input that cannot be used at all (missing file or column, wrong type, bad option)."""


@dataclass(frozen=True)
class RowIssue:
    """One problem found in one cell (or row) of a cohort file.

    Attributes
    ----------
    row : int | None
        1-based data row as the user sees it in the file (header not counted), or None for a
        file-level issue.
    patient_id : str | None
    column : str | None
    value : Any
        The offending value as it came in.
    rule : str
        Short machine-readable name of the rule (e.g. ``"range"``, ``"date_order"``).
    message : str
        One sentence a clinician can act on.
    severity : str
        ``"error"`` rejects the row, ``"warning"`` keeps it.
    """

    row: int | None
    patient_id: str | None
    column: str | None
    value: Any
    rule: str
    message: str
    severity: str = "error"

    def to_dict(self) -> dict[str, Any]:
        value = self.value
        if value is not None and not isinstance(value, (str, int, float, bool)):
            value = str(value)
        return {
            "row": self.row,
            "patient_id": self.patient_id,
            "column": self.column,
            "value": value,
            "rule": self.rule,
            "message": self.message,
            "severity": self.severity,
        }


class CohortError(InputError):
    """A cohort file cannot be used at all; ``issues`` lists what was found."""

    def __init__(self, message: str, issues: Sequence[RowIssue] = ()) -> None:
        super().__init__(message)
        self.issues: list[RowIssue] = list(issues)


class ModelError(RtdelayError):
    """A model cannot be fitted on these data (e.g. too few events)."""


class MissingExtraError(RtdelayError, ImportError):
    """A feature needs an optional dependency that is not installed; the message names the extra."""


class StatisticalWarning(UserWarning):
    """An analysis ran but its result needs care (few events, divergent estimators, ...)."""

