"""Table 1 of the seed study: patient characteristics by group (PBR vs NPBR).

Tests between groups follow the article and SPSS practice:

- continuous and ordinal variables: Mann-Whitney U (normal approximation with tie correction,
  no continuity correction; ordinal levels coded 0, 1, 2, ... in their clinical order);
- categorical variables: Pearson chi-square on the levels x groups table (no continuity
  correction), or Fisher's exact test when any expected count ``E = row total x column total /
  N`` is under 5 (Cochran's rule; Kim, Restor Dent Endod 2017;42:152).

Each row records the test used and why ("Fisher's exact: expected count 2.1 < 5"), as the
``tableone`` package does.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from rtdelay.study._common import GROUPS, Notes, guarded, numeric, summarize
from rtdelay.study._results import Summary, Table1, Table1Row

if TYPE_CHECKING:
    import pandas as pd

    from rtdelay.stats import TestResult

__all__ = ["table1", "TABLE1_VARIABLES", "ESCC_ORDER", "MIN_EXPECTED"]

#: Cochran's rule: Fisher's exact test when an expected count is below this.
MIN_EXPECTED = 5.0

#: Bilsky ESCC grades in clinical order.
ESCC_ORDER: tuple[str, ...] = ("0", "1a", "1b", "1c", "2", "3")

#: (column, kind, score column whose minimum orders the levels of a category) in table order.
TABLE1_VARIABLES: tuple[tuple[str, str, str | None], ...] = (
    ("age", "continuous", None),
    ("sex", "categorical", None),
    ("histology", "categorical", None),
    ("location", "categorical", None),
    ("escc_grade", "ordinal", None),
    ("sins", "continuous", None),
    ("sins_category", "ordinal", "sins"),
    ("tomita", "continuous", None),
    ("tomita_category", "ordinal", "tomita"),
    ("tokuhashi", "continuous", None),
    ("tokuhashi_category", "ordinal", "tokuhashi"),
    ("surgery_type", "categorical", None),
    ("rt_technique", "categorical", None),
    ("rt_dose_gy", "continuous", None),
    ("rt_fractions", "continuous", None),
)

_LOCATION_ORDER = ("cervical", "thoracic", "lumbar", "sacral")


def _labels(values: pd.Series) -> pd.Series:
    """Category labels as text ("2" not "2.0"), blanks kept as None."""
    import pandas as pd

    def one(v: object) -> str | None:
        if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
            return None
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        if isinstance(v, (bool, np.bool_)):
            return "true" if v else "false"
        return str(v)

    return pd.Series([one(v) for v in values.tolist()], index=values.index, dtype=object)


def _level_order(frame: pd.DataFrame, column: str, kind: str, score: str | None) -> list[str]:
    labels = _labels(frame[column]).dropna()
    present = set(labels.tolist())
    if column == "escc_grade":
        return [lv for lv in ESCC_ORDER if lv in present] + sorted(present - set(ESCC_ORDER))
    if column == "location":
        return [lv for lv in _LOCATION_ORDER if lv in present] + sorted(present - set(_LOCATION_ORDER))
    if kind == "ordinal" and score is not None and score in frame.columns:
        scores = numeric(frame[score])
        lowest = {}
        for lv in present:
            vals = scores[(labels.reindex(frame.index) == lv).to_numpy()]
            vals = vals[~np.isnan(vals)]
            lowest[lv] = float(vals.min()) if vals.size else math.inf
        return sorted(present, key=lambda lv: (lowest[lv], lv))
    counts = labels.value_counts()
    return sorted(present, key=lambda lv: (-int(counts[lv]), lv))


def _counts(labels: pd.Series, levels: Sequence[str]) -> dict[str, int]:
    vc = labels.value_counts()
    return {lv: int(vc.get(lv, 0)) for lv in levels}


def _contingency(
    table: np.ndarray, variable: str, notes: Notes
) -> tuple[TestResult | None, str | None, str, float]:
    """Chi-square or Fisher's exact test on a levels x groups table, with the reason."""
    from rtdelay.stats import chi_square, fisher_exact

    table = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
    if table.shape[0] < 2 or table.shape[1] < 2:
        return None, None, "no test: fewer than two levels or groups observed", math.nan
    n = table.sum()
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / n
    min_exp = float(expected.min())
    if min_exp < MIN_EXPECTED:
        reason = f"Fisher's exact: expected count {min_exp:.1f} < {MIN_EXPECTED:g}"
        try:
            return fisher_exact(table), "Fisher's exact", reason, min_exp
        except ValueError as exc:
            notes.add(f"Table 1, {variable}: Fisher's exact test not available ({exc}); chi-square used")
            reason = (
                f"Pearson chi-square: expected count {min_exp:.1f} < {MIN_EXPECTED:g} "
                "but Fisher's exact test was not available"
            )
    else:
        reason = f"Pearson chi-square: all expected counts >= {MIN_EXPECTED:g}"
    test = guarded(notes, f"Table 1, {variable}: chi-square", chi_square, table)
    return test, ("Pearson chi-square" if test is not None else None), reason, min_exp


def _mann_whitney(
    x: np.ndarray, y: np.ndarray, variable: str, notes: Notes
) -> tuple[TestResult | None, str | None, str]:
    from rtdelay.stats import mann_whitney

    x, y = x[~np.isnan(x)], y[~np.isnan(y)]
    if x.size == 0 or y.size == 0:
        return None, None, "no test: a group has no values"
    test = guarded(notes, f"Table 1, {variable}: Mann-Whitney", mann_whitney, x, y)
    if test is None:
        return None, None, "no test: Mann-Whitney U could not be computed"
    return test, "Mann-Whitney U", "Mann-Whitney U: continuous or ordinal variable"


def _row(frame: pd.DataFrame, column: str, kind: str, score: str | None, notes: Notes) -> Table1Row:
    groups = frame["group"].astype(str)
    masks = {"all": np.ones(len(frame), dtype=bool)} | {
        g: (groups == g).to_numpy() for g in GROUPS
    }
    if kind == "continuous":
        values = numeric(frame[column])
        value_summaries = {k: summarize(values[m]) for k, m in masks.items()}
        test, name, reason = _mann_whitney(values[masks["PBR"]], values[masks["NPBR"]], column, notes)
        return Table1Row(
            variable=column,
            kind=kind,
            levels=(),
            counts={},
            summaries=value_summaries,
            test=test,
            test_name=name,
            test_reason=reason,
            min_expected=math.nan,
            p_value=math.nan if test is None else float(test.p_value),
        )
    labels = _labels(frame[column])
    levels = _level_order(frame, column, kind, score)
    counts = {k: _counts(labels[m], levels) for k, m in masks.items()}
    summaries: dict[str, Summary] = {}
    if kind == "ordinal":
        code = {lv: float(i) for i, lv in enumerate(levels)}
        codes = np.array([code.get(v, math.nan) if v is not None else math.nan for v in labels])
        test, name, reason = _mann_whitney(codes[masks["PBR"]], codes[masks["NPBR"]], column, notes)
        min_exp = math.nan
        reason = reason.replace("continuous or ordinal variable", "ordinal levels coded in order")
    else:
        table = np.array([[counts[g][lv] for g in GROUPS] for lv in levels], dtype=float)
        if table.size == 0:
            test, name, reason, min_exp = None, None, "no test: no values", math.nan
        else:
            test, name, reason, min_exp = _contingency(table, column, notes)
    return Table1Row(
        variable=column,
        kind=kind,
        levels=tuple(levels),
        counts=counts,
        summaries=summaries,
        test=test,
        test_name=name,
        test_reason=reason,
        min_expected=min_exp,
        p_value=math.nan if test is None else float(test.p_value),
    )


def table1(frame: pd.DataFrame, notes: Notes) -> Table1:
    """Compute Table 1 on the included patients (``frame`` has a ``group`` column).

    Variables whose column is absent are left out of the table with a note.
    """
    groups = frame["group"].astype(str)
    n = {"all": len(frame)} | {g: int((groups == g).sum()) for g in GROUPS}
    rows = []
    for column, kind, score in TABLE1_VARIABLES:
        if column not in frame.columns:
            notes.add(f"Table 1: {column} left out (column absent)")
            continue
        rows.append(_row(frame, column, kind, score, notes))
    dose_fractions: dict[str, dict[str, Summary]] = {}
    if {"rt_technique", "rt_dose_gy", "rt_fractions"} <= set(frame.columns):
        tech = _labels(frame["rt_technique"])
        for t in sorted(set(tech.dropna().tolist())):
            m = (tech == t).to_numpy()
            dose_fractions[t] = {
                "dose": summarize(frame["rt_dose_gy"].to_numpy()[m]),
                "fractions": summarize(frame["rt_fractions"].to_numpy()[m]),
            }
    return Table1(n=n, rows=tuple(rows), dose_fractions=dose_fractions)
