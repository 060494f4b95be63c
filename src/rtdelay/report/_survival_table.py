"""The survival summary as journals ask for it (no statistic computed here).

One row per endpoint and group: patients, events, the median with its 95 % CI ("not reached"
with the longest follow-up when the curve stays above 0.5), the rates at the run's times (6, 12
and 24 months unless ``--times`` says otherwise), and for PBR the unadjusted hazard ratio vs NPBR
(Cox) beside the log-rank p. The footnote gives the median follow-up by reverse Kaplan-Meier
with its interquartile range (Schemper & Smith, Control Clin Trials 1996;17:343).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rtdelay.report._table_model import ReportTable, TableRow
from rtdelay.report.formatting import MISSING, format_hr_ci, format_number, format_p, format_rate_ci

if TYPE_CHECKING:
    from rtdelay.study import EndpointResults, MedianSurvival, StudyResults

__all__ = ["survival_summary_table", "format_median_survival", "followup_sentence", "endpoint_sentence"]

_GROUPS = (("all", "All patients"), ("PBR", "PBR"), ("NPBR", "NPBR"))
_DASH = "–"


def format_median_survival(m: MedianSurvival | None) -> str:
    """``14.2 (9.1–NR)`` months, or ``not reached (follow-up to 63.3)``."""
    if m is None:
        return MISSING
    if not m.reached:
        return f"not reached (follow-up to {format_number(m.last_time)})"
    low = format_number(m.lower) if m.lower == m.lower else "NR"
    high = format_number(m.upper) if m.upper == m.upper else "NR"
    return f"{format_number(m.median)} ({low}{_DASH}{high})"


def followup_sentence(results: StudyResults) -> str:
    """Median follow-up by reverse Kaplan-Meier with its IQR, one sentence."""
    fu = results.followup
    if fu.median_reverse_km != fu.median_reverse_km:
        return "Median follow-up (reverse Kaplan-Meier) could not be estimated."
    q25, q75 = fu.reverse_km_iqr
    return (
        f"Median follow-up (reverse Kaplan-Meier) {format_number(fu.median_reverse_km)} months "
        f"(IQR {format_number(q25)}{_DASH}{format_number(q75)})."
    )


def _times(results: StudyResults) -> tuple[float, ...]:
    for ep in (results.overall_survival, results.local_control):
        for rates in ep.rates_at.values():
            return tuple(r.time for r in rates)
    return ()


def _rows(title: str, ep: EndpointResults, times: tuple[float, ...]) -> list[TableRow]:
    width = 5 + len(times)
    rows = [TableRow(cells=(title,) + ("",) * (width - 1), section=True)]
    for key, label in _GROUPS:
        rates = ep.rates_at.get(key, ())
        cells = [label, str(ep.n.get(key, 0)), str(ep.n_events.get(key, 0)), format_median_survival(ep.median_ci.get(key))]
        cells += [format_rate_ci(r.value, r.lower, r.upper) for r in rates] or [MISSING] * len(times)
        if key == "PBR":
            hr = ep.hazard_ratio
            hr_text = format_hr_ci(hr.hazard_ratio, (hr.lower, hr.upper)) if hr is not None else MISSING
            p_text = format_p(ep.logrank.p_value) if ep.logrank is not None else MISSING
            cells.append(f"{hr_text}; log-rank {p_text}")
        elif key == "NPBR":
            cells.append("1 (reference)")
        else:
            cells.append("")
        rows.append(TableRow(cells=tuple(cells), indent=1))
    return rows


def survival_summary_table(results: StudyResults) -> ReportTable:
    """Table 3: medians, rates at the run's times, hazard ratio and log-rank p by group."""
    times = _times(results)
    header = (
        "Endpoint and group",
        "Patients",
        "Events",
        "Median, months (95% CI)",
        *(f"{format_number(t, digits=0)} months, % (95% CI)" for t in times),
        "HR PBR vs NPBR (95% CI); P",
    )
    rows = _rows("Local control", results.local_control, times) + _rows("Overall survival", results.overall_survival, times)
    notes = (
        "Months from the start of radiotherapy. Kaplan-Meier estimates; 95% confidence intervals on the "
        "log-log scale; medians and their limits as R survfit (NR: limit not reached). "
        "Not reached: the curve stays above 50%; the longest follow-up of the group is given.",
        "HR: unadjusted hazard ratio of PBR vs NPBR (Cox model, Efron ties, Wald 95% CI); "
        "P: log-rank test (Mantel-Haenszel).",
        followup_sentence(results),
    )
    return ReportTable(
        name="survival_summary",
        title="Table 3. Local control and overall survival by group",
        header=header,
        rows=tuple(rows),
        footnotes=notes,
    )


def endpoint_sentence(name: str, ep: EndpointResults) -> str:
    """Medians by group, the unadjusted hazard ratio beside the log-rank p, and the rates at
    the run's times, as running text."""
    parts: list[str] = []
    medians = [
        f"{label if key != 'all' else 'all patients'} {format_median_survival(ep.median_ci[key])}"
        for key, label in _GROUPS
        if key in ep.median_ci
    ]
    if medians:
        parts.append(f"Median {name} (months, 95% CI): " + "; ".join(medians) + ".")
    hr = ep.hazard_ratio
    if hr is not None:
        level = format_number(100 * hr.conf_level, digits=0)
        text = (
            f"Unadjusted hazard ratio of PBR vs NPBR {format_number(hr.hazard_ratio, digits=2)} "
            f"({level}% CI {format_number(hr.lower, digits=2)}{_DASH}{format_number(hr.upper, digits=2)})"
        )
        if ep.logrank is not None:
            p = format_p(ep.logrank.p_value)
            text += f", log-rank P {p}" if p.startswith("<") else f", log-rank P = {p}"
        parts.append(text + ".")
    rates = ep.rates_at.get("all", ())
    if rates:
        shown = [f"{format_rate_ci(r.value, r.lower, r.upper)} at {format_number(r.time, digits=0)} months" for r in rates]
        parts.append(f"{name[:1].upper()}{name[1:]} in all patients: " + ", ".join(shown) + ".")
    return " ".join(parts)
