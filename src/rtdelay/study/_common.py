"""Small helpers shared by the study modules: summaries, guarded tests, Kaplan-Meier reads."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from rtdelay.study._results import RiskAt, Summary

if TYPE_CHECKING:
    import pandas as pd

    from rtdelay.stats import SurvivalCurve, TestResult

__all__ = [
    "GROUPS",
    "GROUP_KEYS",
    "Notes",
    "summarize",
    "numeric",
    "guarded",
    "read_curve",
    "has_columns",
]

#: The article's groups: progression before RT (PBR) and none (NPBR).
GROUPS: tuple[str, str] = ("PBR", "NPBR")
#: Keys of per-group dictionaries: all included patients first, then the groups.
GROUP_KEYS: tuple[str, str, str] = ("all", "PBR", "NPBR")


class Notes:
    """Collects, in order, why an analysis could not be done (no duplicates)."""

    def __init__(self) -> None:
        self._items: list[str] = []

    def add(self, message: str) -> None:
        if message not in self._items:
            self._items.append(message)

    def as_tuple(self) -> tuple[str, ...]:
        return tuple(self._items)


def numeric(values: Any) -> np.ndarray:
    """Return ``values`` as a float array (booleans as 0/1, blanks as NaN)."""
    import pandas as pd

    series = pd.Series(values)
    if series.dtype == bool:
        return series.to_numpy(dtype=float)
    return pd.to_numeric(series, errors="coerce").to_numpy(dtype=float)


def summarize(values: Any) -> Summary:
    """Mean, SD (n - 1), median, min and max of the non-missing values."""
    arr = numeric(values)
    ok = arr[~np.isnan(arr)]
    n_missing = int(arr.size - ok.size)
    if ok.size == 0:
        return Summary(n=0, n_missing=n_missing)
    sd = float(np.std(ok, ddof=1)) if ok.size > 1 else math.nan
    return Summary(
        n=int(ok.size),
        n_missing=n_missing,
        mean=float(np.mean(ok)),
        sd=sd,
        median=float(np.median(ok)),
        minimum=float(np.min(ok)),
        maximum=float(np.max(ok)),
    )


def guarded(
    notes: Notes, what: str, func: Callable[..., TestResult], *args: Any, **kwargs: Any
) -> TestResult | None:
    """Call a test; on a data problem note it and return None.

    A data problem is an exception (``ValueError``, ...) or a result the data cannot support
    (``TestResult.note`` set: a group of fewer than two patients, no events): its reason
    becomes the note, and no p value is reported.
    """
    try:
        result = func(*args, **kwargs)
    except (ValueError, ZeroDivisionError, np.linalg.LinAlgError) as exc:
        notes.add(f"{what}: not computed ({exc})")
        return None
    note = getattr(result, "note", "")
    if note:
        notes.add(f"{what}: not computed ({note})")
        return None
    return result


def p_of(test: TestResult | None) -> float:
    """The p value of a test, NaN when there is no test."""
    return math.nan if test is None else float(test.p_value)


def read_curve(curve: SurvivalCurve, times: Sequence[float], *, risk: bool = False) -> tuple[RiskAt, ...]:
    """Read a Kaplan-Meier curve at ``times``: S(t) and its CI, or 1 - S(t) when ``risk``.

    The risk's CI is (1 - upper, 1 - lower) of the survival CI, as a complement is monotone
    decreasing.
    """
    frame = curve.summary_at(list(times))
    out = []
    for rec in frame.to_dict("records"):
        s, lo, up = float(rec["survival"]), float(rec["lower"]), float(rec["upper"])
        if risk:
            s, lo, up = 1.0 - s, 1.0 - up, 1.0 - lo
        out.append(
            RiskAt(
                time=float(rec["time"]),
                value=s,
                lower=lo,
                upper=up,
                std_err=float(rec["std_err"]),
                n_at_risk=int(rec["n_at_risk"]),
                n_events=int(rec["n_events"]),
            )
        )
    return tuple(out)


def has_columns(frame: pd.DataFrame, columns: Sequence[str], notes: Notes, what: str) -> bool:
    """True when every column is present; otherwise note which are missing."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        notes.add(f"{what}: not computed (column(s) absent: {', '.join(missing)})")
        return False
    return True
