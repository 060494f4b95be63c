"""Time from surgery to RT and the risk of progression before RT (PBR), as the article does.

The article estimates the risk of progression before RT with Kaplan-Meier on the interval from
surgery to the start of RT: time = ``ti_months``, event = PBR (progression seen on the pre-RT
MRI), every NPBR patient censored at RT start. The risk at t months is

    F(t) = 1 - S(t),    CI: (1 - S_upper(t), 1 - S_lower(t))

with Greenwood's variance and the log-log interval for S (Kalbfleisch & Prentice 2002).
Progression is really a current-status observation (DOMAIN.md §7a); this module reproduces the
article's treatment and leaves the better estimators to other modules. Groups of operation
types are compared with the log-rank test (R ``survdiff``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from rtdelay.study._common import GROUPS, Notes, guarded, numeric, read_curve, summarize
from rtdelay.study._results import IntervalResults, PbrCase, RiskAt

if TYPE_CHECKING:
    import pandas as pd

    from rtdelay.stats import SurvivalCurve, TestResult

__all__ = ["interval_results", "TI_BINS"]

#: The article's bins of the surgery-to-RT interval, [low, high) in months.
TI_BINS: tuple[tuple[str, float, float], ...] = (
    ("<1", 0.0, 1.0),
    ("1-3", 1.0, 3.0),
    ("3-6", 3.0, 6.0),
    ("6-9", 6.0, 9.0),
)


def _bin_counts(ti: np.ndarray) -> dict[str, int]:
    return {label: int(((ti >= lo) & (ti < hi)).sum()) for label, lo, hi in TI_BINS}


def _text(value: object) -> str:
    return "" if value is None else str(value)


def interval_results(
    frame: pd.DataFrame, notes: Notes, *, pbr_times: Sequence[float]
) -> IntervalResults:
    """Interval summaries, PBR counts and the Kaplan-Meier risk of PBR."""
    from rtdelay.stats import kaplan_meier, logrank_test

    ti = numeric(frame["ti_months"])
    groups = frame["group"].astype(str).to_numpy()
    pbr = groups == "PBR"
    n = len(frame)
    ok = ~np.isnan(ti)
    if not ok.all():
        notes.add(f"time to RT: {int((~ok).sum())} patient(s) without ti_months left out of the risk")

    surgery = (
        frame["surgery_type"].astype(str).to_numpy()
        if "surgery_type" in frame.columns
        else np.full(n, "unknown", dtype=object)
    )
    ops = sorted(set(surgery.tolist()), key=lambda s: (-int((surgery == s).sum()), s))
    pbr_by_surgery = {op: (int((pbr & (surgery == op)).sum()), int((surgery == op).sum())) for op in ops}

    curve: SurvivalCurve | None = None
    risk: tuple[RiskAt, ...] = ()
    curves_by_op: dict[str, SurvivalCurve] = {}
    logrank: TestResult | None = None
    if ok.sum() == 0:
        notes.add("risk of progression before RT: not computed (no patient)")
    else:
        if not pbr[ok].any():
            notes.add("risk of progression before RT: no PBR patient, the estimated risk is 0")
        try:
            curve = kaplan_meier(ti[ok], pbr[ok])
            risk = read_curve(curve, pbr_times, risk=True)
        except ValueError as exc:
            notes.add(f"risk of progression before RT: not computed ({exc})")
        for op in ops:
            m = ok & (surgery == op)
            try:
                curves_by_op[op] = kaplan_meier(ti[m], pbr[m])
            except ValueError as exc:
                notes.add(f"risk of progression before RT, {op}: not computed ({exc})")
        if len(ops) < 2:
            notes.add("PBR by operation type: log-rank test not computed (one operation type only)")
        elif not pbr[ok].any():
            notes.add("PBR by operation type: log-rank test not computed (no PBR patient)")
        else:
            logrank = guarded(
                notes, "PBR by operation type: log-rank test", logrank_test, ti[ok], pbr[ok], surgery[ok]
            )

    within = []
    histology = frame["histology"].to_numpy() if "histology" in frame.columns else np.full(n, None)
    ids = frame["patient_id"].to_numpy() if "patient_id" in frame.columns else np.arange(1, n + 1)
    for i in np.flatnonzero(pbr & ok & (ti < 1.0)):
        within.append(
            PbrCase(
                patient_id=_text(ids[i]),
                histology=_text(histology[i]),
                surgery_type=_text(surgery[i]),
                ti_months=float(ti[i]),
            )
        )
    within.sort(key=lambda c: (c.ti_months, c.patient_id))

    return IntervalResults(
        ti=summarize(ti),
        ti_by_group={g: summarize(ti[groups == g]) for g in GROUPS},
        ti_bin_counts=_bin_counts(ti[ok]),
        pbr_n=int(pbr.sum()),
        pbr_proportion=float(pbr.mean()) if n else float("nan"),
        pbr_by_surgery=pbr_by_surgery,
        pbr_curve=curve,
        pbr_risk=risk,
        pbr_curves_by_surgery=curves_by_op,
        pbr_by_surgery_logrank=logrank,
        pbr_within_1_month=tuple(within),
    )
