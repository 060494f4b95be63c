"""Tables and text of the "Beyond the article" section, read from ``results.beyond``.

``StudyResults.beyond`` (the lead's ``rtdelay.study._beyond.BeyondResults``) is optional; every
part of it may be ``None``. Attributes are read with ``getattr`` so that a missing part leaves
its table out instead of failing the report. Numbers are formatted, never recomputed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from rtdelay.report._methods import _BASELINES, _MODEL_TERMS, p_phrase
from rtdelay.report._table_model import ReportTable, TableRow
from rtdelay.report.formatting import (
    MISSING,
    NOT_ESTIMABLE,
    format_hr_ci,
    format_number,
    format_p,
    format_percent,
    format_rate_ci,
)

__all__ = ["beyond_tables", "beyond_paragraphs"]


def _months(t: float) -> str:
    return format_number(t, digits=0) if float(t).is_integer() else format_number(t)


def _waiting_table(waiting: Any) -> ReportTable:
    times = [float(t) for t in waiting.times]
    naive = np.asarray(waiting.naive_risk, dtype=float)
    risk = np.asarray(waiting.npmle_risk, dtype=float)
    lo = np.asarray(waiting.npmle_lower, dtype=float)
    hi = np.asarray(waiting.npmle_upper, dtype=float)
    model = np.asarray(getattr(waiting, "model_risk", np.full(len(times), np.nan)), dtype=float)
    rows = tuple(
        TableRow(
            cells=(
                _months(t),
                format_percent(naive[i]),
                format_rate_ci(risk[i], lo[i], hi[i]),
                format_percent(model[i]) if i < model.size else MISSING,
            )
        )
        for i, t in enumerate(times)
    )
    notes = [
        f"Current-status NPMLE: isotonic regression of PBR on the months from surgery to the pre-RT MRI, "
        f"with {waiting.n_boot} bootstrap resamples for the 95% interval. Kaplan-Meier: the article's "
        "treatment (1 − S).",
        *[str(n) for n in getattr(waiting, "notes", ())],
    ]
    fit = getattr(waiting, "model", None)
    if fit is not None:
        covs = " and " + ", ".join(_MODEL_TERMS.get(c, c) for c in getattr(fit, "terms", {})) if getattr(fit, "terms", {}) else ""
        notes.insert(
            1,
            f"Parametric model: {_BASELINES.get(fit.baseline, fit.baseline)} current-status regression on log time{covs}; "
            "the risk shown is the average of the patients' predicted risks (standardised), not "
            "the risk of any one patient.",
        )
    return ReportTable(
        name="beyond_waiting_risk",
        title="Risk of progression before radiotherapy: naive Kaplan-Meier vs current-status estimates",
        header=("Months since surgery", "Kaplan-Meier (article)", "NPMLE (95% CI)", "Parametric model"),
        rows=rows,
        footnotes=tuple(notes),
    )


def _competing_table(competing: Any) -> ReportTable:
    rows = []
    for key in ("all", "PBR", "NPBR"):
        cif = competing.cif_at.get(key)
        km = competing.one_minus_km_at.get(key)
        if cif is None:
            continue
        est, lo, hi = (list(cif) + [math.nan] * 3)[:3]
        rows.append(TableRow(cells=("All patients" if key == "all" else key, format_rate_ci(est, lo, hi), format_percent(km))))
    notes = [
        f"At {_months(competing.rate_time)} months from the start of radiotherapy. Local progressions: "
        f"{competing.n_local_progression}; deaths without local progression first: {competing.n_death_first}. "
        "1 − Kaplan-Meier censors deaths and overstates the probability of local failure."
    ]
    gray = getattr(competing, "gray", None)
    if gray is not None:
        notes.append(f"Gray's test, PBR vs NPBR: {p_phrase(gray.p_value)}.")
    notes += [str(n) for n in getattr(competing, "notes", ())]
    return ReportTable(
        name="beyond_lc_competing",
        title="Local progression with death as a competing event",
        header=("Group", "Cumulative incidence (95% CI)", "1 − Kaplan-Meier"),
        rows=tuple(rows),
        footnotes=tuple(notes),
    )


_COX_LABELS = {
    "os_adjusted": "Overall survival, PBR adjusted",
    "lc_adjusted": "Local control, PBR adjusted",
    "os_wait": "Overall survival, wait in months",
    "lc_wait": "Local control, wait in months",
}


_TERM_LABELS = {
    "pbr": "PBR (vs NPBR)",
    "ti_months": "Wait from surgery to RT (per month)",
    "tokuhashi": "Revised Tokuhashi score (per point)",
    "kps_pre": "KPS before surgery (per point)",
}


def _term_label(name: str, names: Sequence[str]) -> str:
    """Readable Cox term: ``growth_class[rapid]`` -> ``Tomita growth class: rapid (vs moderate)``.

    The reference level is named only when it is certain: all three growth classes present
    (two dummies), the reference being the one without a dummy.
    """
    if name in _TERM_LABELS:
        return _TERM_LABELS[name]
    if name.startswith("growth_class[") and name.endswith("]"):
        dummies = {n[13:-1] for n in names if n.startswith("growth_class[")}
        missing = {"slow", "moderate", "rapid"} - dummies
        versus = f"vs {missing.pop()}" if len(dummies) == 2 and len(missing) == 1 else "vs reference"
        return f"Tomita growth class: {name[13:-1]} ({versus})"
    return name


def _cox_table(cox: Any) -> ReportTable | None:
    rows: list[TableRow] = []
    for attr, label in _COX_LABELS.items():
        fit = getattr(cox, attr, None)
        if fit is None:
            continue
        rows.append(TableRow(cells=(f"{label} (n = {fit.n}, events = {fit.n_events})", "", ""), section=True))
        hr = np.asarray(fit.hazard_ratio, dtype=float)
        lo = np.asarray(fit.ci_lower, dtype=float)
        hi = np.asarray(fit.ci_upper, dtype=float)
        p = np.asarray(fit.p_value, dtype=float)
        for i, name in enumerate(fit.names):
            shown = format_hr_ci(hr[i], (lo[i], hi[i]))
            p_text = MISSING if shown == NOT_ESTIMABLE else format_p(p[i])
            rows.append(TableRow(cells=(_term_label(str(name), fit.names), shown, p_text), indent=1))
    if not rows:
        return None
    notes = ["Cox proportional-hazards models; hazard ratio with 95% CI and Wald P."]
    notes += [str(n) for n in getattr(cox, "notes", ())]
    return ReportTable(
        name="beyond_cox",
        title="Cox models of overall survival and local control",
        header=("Model and term", "Hazard ratio (95% CI)", "P"),
        rows=tuple(rows),
        footnotes=tuple(notes),
    )


def beyond_tables(beyond: Any) -> list[ReportTable]:
    """The tables of the parts of ``beyond`` that are present."""
    tables: list[ReportTable] = []
    if beyond is None:
        return tables
    if getattr(beyond, "waiting", None) is not None:
        tables.append(_waiting_table(beyond.waiting))
    if getattr(beyond, "competing", None) is not None:
        tables.append(_competing_table(beyond.competing))
    if getattr(beyond, "cox", None) is not None:
        table = _cox_table(beyond.cox)
        if table is not None:
            tables.append(table)
    return tables


def beyond_paragraphs(beyond: Any) -> list[str]:
    """Sentences of the beyond section (landmark contrast, divergence, general notes).

    The notes of each analysis are footnotes of its own table, not repeated here.
    """
    out: list[str] = []
    if beyond is None:
        return out
    landmark = getattr(beyond, "landmark", None)
    if landmark is not None:
        out.append(
            f"{landmark.note} Overall survival by group: log-rank {p_phrase(landmark.from_rt_p)} from the "
            f"start of radiotherapy, {p_phrase(landmark.from_surgery_p)} from surgery."
        )
    waiting = getattr(beyond, "waiting", None)
    if waiting is not None and getattr(waiting, "diverges", False):
        out.append(
            "The article's Kaplan-Meier risk of progression before RT and the current-status "
            "estimate disagree; see the table below."
        )
    cox = getattr(beyond, "cox", None)
    if cox is not None and _cox_table(cox) is None:
        # no model fitted: there is no table to carry the reasons, so say them here
        reasons = "; ".join(str(n) for n in getattr(cox, "notes", ()))
        out.append(
            "Cox models of overall survival and local control could not be fitted on these data"
            + (f": {reasons}." if reasons else ".")
        )
    out.extend(str(n) for n in getattr(beyond, "notes", ()))
    return out
