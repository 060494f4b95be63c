"""Table 2 of the seed study: quality of life before surgery and at last follow-up.

For each measure (NRS pain, KPS, mobility 0-4, sphincter dysfunction 0/1) and group: mean ± SD
before and at follow-up, the Wilcoxon signed-rank test within the group on complete pairs
(zero differences dropped, normal approximation with tie correction and no continuity
correction: SPSS "Asymp. Sig.", R ``wilcox.test(paired = TRUE, exact = FALSE, correct =
FALSE)``), and the Mann-Whitney U test between groups at follow-up. The time patients stayed
ambulatory after RT (``mobility_months_after_rt``) is compared between groups with Mann-Whitney.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from rtdelay.study._common import GROUPS, Notes, guarded, numeric, p_of, summarize
from rtdelay.study._results import QolGroup, QolMeasure, Summary, Table2

if TYPE_CHECKING:
    import pandas as pd

    from rtdelay.stats import TestResult

__all__ = ["table2", "QOL_MEASURES"]

#: measure name (as in paper_targets.json) -> (column before surgery, column at follow-up)
QOL_MEASURES: dict[str, tuple[str, str]] = {
    "nrs": ("nrs_pre", "nrs_fu"),
    "kps": ("kps_pre", "kps_fu"),
    "mobility": ("mobility_pre", "mobility_fu"),
    "sphincter_dysfunction": ("sphincter_pre", "sphincter_fu"),
}


def _column(frame: pd.DataFrame, name: str) -> np.ndarray:
    if name in frame.columns:
        return numeric(frame[name])
    return np.full(len(frame), math.nan)


def _between(
    x: np.ndarray, y: np.ndarray, what: str, notes: Notes
) -> TestResult | None:
    from rtdelay.stats import mann_whitney

    x, y = x[~np.isnan(x)], y[~np.isnan(y)]
    if x.size == 0 or y.size == 0:
        notes.add(f"{what}: Mann-Whitney test not computed (a group has no values)")
        return None
    return guarded(notes, f"{what}: Mann-Whitney test", mann_whitney, x, y)


def _measure(frame: pd.DataFrame, measure: str, notes: Notes) -> QolMeasure:
    from rtdelay.stats import wilcoxon_signed_rank

    pre_col, fu_col = QOL_MEASURES[measure]
    absent = [c for c in (pre_col, fu_col) if c not in frame.columns]
    if absent:
        notes.add(f"Table 2, {measure}: column(s) absent ({', '.join(absent)}); tests not computed")
        notes = Notes()  # the consequences of an absent column need no further notes
    pre, fu = _column(frame, pre_col), _column(frame, fu_col)
    groups = frame["group"].astype(str).to_numpy()
    out: dict[str, QolGroup] = {}
    for g in GROUPS:
        m = groups == g
        pairs = m & ~np.isnan(pre) & ~np.isnan(fu)
        n_pairs = int(pairs.sum())
        test: TestResult | None = None
        if n_pairs == 0:
            notes.add(f"Table 2, {measure}, {g}: Wilcoxon test not computed (no complete pair)")
        elif np.all(pre[pairs] == fu[pairs]):
            notes.add(f"Table 2, {measure}, {g}: Wilcoxon test not computed (no change in any pair)")
        else:
            test = guarded(
                notes, f"Table 2, {measure}, {g}: Wilcoxon test", wilcoxon_signed_rank, pre[pairs], fu[pairs]
            )
        out[g] = QolGroup(
            pre=summarize(pre[m]), followup=summarize(fu[m]), n_pairs=n_pairs, test=test, p_value=p_of(test)
        )
    between = _between(
        fu[groups == "PBR"], fu[groups == "NPBR"], f"Table 2, {measure} at follow-up", notes
    )
    return QolMeasure(
        measure=measure,
        pre_column=pre_col,
        followup_column=fu_col,
        groups=out,
        between_groups_followup=between,
        between_groups_followup_p=p_of(between),
    )


def table2(frame: pd.DataFrame, notes: Notes) -> Table2:
    """Compute Table 2 on the included patients (``frame`` has a ``group`` column)."""
    measures = {name: _measure(frame, name, notes) for name in QOL_MEASURES}
    groups = frame["group"].astype(str).to_numpy()
    mob = _column(frame, "mobility_months_after_rt")
    mob_notes = notes
    if "mobility_months_after_rt" not in frame.columns:
        notes.add("Table 2, mobility_months_after_rt: column absent; test not computed")
        mob_notes = Notes()
    mob_summary: dict[str, Summary] = {g: summarize(mob[groups == g]) for g in GROUPS}
    mob_test = _between(
        mob[groups == "PBR"], mob[groups == "NPBR"], "Table 2, mobility months after RT", mob_notes
    )
    return Table2(
        measures=measures,
        mobility_months=mob_summary,
        mobility_months_test=mob_test,
        mobility_months_p=p_of(mob_test),
    )
